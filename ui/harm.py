"""The harm-matrix editor and its bulk set, writing the one stored matrix through callbacks.

Rows of critical intents are not offered: their misroutes are priced per critical event, so harm units there
move no dollar (issue 12). The editor's key carries a version that is bumped after every applied edit, so
its pending cell edits never re-apply on top of a newer matrix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from engine.decision.scenario import Assumptions
from engine.errors import DistillDecideError
from ui import state

MATRIX_MAX_INTENTS = 20  # the grid editor up to here; the cell list (searchable) always
SCOPES = ["row (true intent)", "column (predicted)", "group (rows and columns)", "all"]


def _editor_key() -> str:
    return f"harm_editor:{st.session_state.get(state.Keys.EDITOR, 0)}"


def _editable_rows(a: Assumptions) -> list[int]:
    return [i for i, t in enumerate(a.intents) if t not in a.critical_intents]


def bump_editor() -> None:
    """Fresh keys for the matrix and list editors, so their pending edits never re-apply on a newer matrix."""
    st.session_state[state.Keys.EDITOR] = st.session_state.get(state.Keys.EDITOR, 0) + 1


def commit(a: Assumptions, m: np.ndarray, what: str) -> None:
    """Validate and store an edited matrix (or keep the last good one, with the message under the editor)."""
    errors = state.errors()
    try:
        new = a.replace(harm_matrix=tuple(map(tuple, m.tolist())))
        errors.pop("harm_matrix", None)
        if new.harm_matrix != a.harm_matrix:
            state.set_assumptions(new, what)
    except DistillDecideError as exc:
        errors["harm_matrix"] = f"{exc.field.replace('harm_matrix', 'Harm')}: {exc.problem}. Fix: {exc.fix}"
    bump_editor()


def _edited(key: str) -> None:
    """``on_change`` of the editor: apply its cell edits to the stored matrix."""
    a = state.assumptions()
    rows = _editable_rows(a)
    m = np.asarray(a.harm_matrix, dtype=float)
    changed = []
    for pos, cells in st.session_state[key].get("edited_rows", {}).items():
        i = rows[int(pos)]
        for col, v in cells.items():
            j = a.intents.index(col)
            m[i, j] = np.nan if v is None else float(v)
            changed.append(f"{a.intents[i]} → {col}: {a.harm_matrix[i][j]:g} → {v}")
    if np.isnan(m).any():
        state.errors()["harm_matrix"] = "A harm cell was left empty. Fix: type a number of harm units ≥ 0"
        bump_editor()
        return
    commit(a, m, "Harm units " + "; ".join(changed))


def editor(a: Assumptions) -> None:
    """Non-critical rows of the matrix, editable; the critical rows said in words."""
    rows = _editable_rows(a)
    frame = pd.DataFrame(np.asarray(a.harm_matrix)[rows], index=[a.intents[i] for i in rows], columns=a.intents)
    if a.critical_intents:
        st.caption(
            f"Rows {', '.join(a.critical_intents)} are not here: a misroute of a critical intent is priced per "
            f"critical event (${a.usd_per_critical_event:,.2f} each, in the sidebar), not in harm units."
        )
    key = _editor_key()
    narrow = {  # ten intents fit at 1440 px; the full name is the column's tooltip
        c: st.column_config.NumberColumn(c, help=f"predicted {c}", min_value=0.0, step=0.01, width="small")
        for c in a.intents
    }
    st.data_editor(
        frame,
        key=key,
        on_change=_edited,
        args=(key,),
        column_config=narrow,
        width="stretch",
        height=min(420, 38 * (len(rows) + 1)),
    )
    show_error()


def show_error() -> None:
    """A refused harm edit, in words, under the editor that made it."""
    if msg := state.errors().get("harm_matrix"):
        st.error(f"**{msg}.** Every page keeps the last good matrix.", icon=":material/error:")


def _bulk_apply() -> None:
    """``on_click`` of the bulk set: one value into a row, a column, a group or every off-diagonal cell."""
    a = state.assumptions()
    scope, targets = st.session_state.get("bulk_scope", SCOPES[0]), st.session_state.get("bulk_targets", [])
    value = st.session_state.get("bulk_value", 0.0)
    idx = [a.intents.index(t) for t in targets]
    mask = np.zeros((len(a.intents),) * 2, bool)
    if scope.startswith("row"):
        mask[idx, :] = True
    elif scope.startswith("column"):
        mask[:, idx] = True
    elif scope.startswith("group"):
        mask[np.ix_(idx, idx)] = True
    else:
        mask[:] = True
    np.fill_diagonal(mask, False)
    mask[[i for i, t in enumerate(a.intents) if t in a.critical_intents], :] = False  # priced per event
    m = np.asarray(a.harm_matrix, dtype=float)
    m[mask] = value
    commit(a, m, f"Harm units: {scope} {', '.join(targets) or '(all)'} set to {value:g}")


def bulk_set(a: Assumptions) -> None:
    with st.expander("Bulk set: a row, a column, an intent group, or every off-diagonal cell"):
        b1, b2, b3, b4 = st.columns([2, 3, 1, 1])
        b1.selectbox("Set", SCOPES, key="bulk_scope")
        b2.multiselect("Intents", a.intents, key="bulk_targets")
        b3.number_input("Harm units", min_value=0.0, step=0.1, key="bulk_value")
        b4.button("Apply", key="bulk_apply", on_click=_bulk_apply)
