"""The harm matrix as a list of cells with their counts and dollars beside them (issue 12).

Every off-diagonal cell of a non-critical row is one line: how often each model makes that misroute per
10,000 requests, what it costs each a month, and how far one more harm unit there moves the margin. Cells
neither model made are greyed (their harm units move $0 today). Critical rows are priced per critical event
and shown read-only. A search box and the "observed only" filter keep 77–150 intents usable.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from engine.decision import cells as cells_mod
from engine.decision.cube import Evidence
from engine.decision.scenario import Assumptions
from engine.present.money import usd, usd_cell
from ui import harm, state

LABELS = {
    "true": "True intent",
    "pred": "Predicted as",
    "harm_units": "Harm units",
    "teacher_per_10k": "Teacher /10K",
    "student_per_10k": "Student /10K",
    "teacher_usd_per_month": "Teacher $/mo",
    "student_usd_per_month": "Student $/mo",
    "margin_usd_per_month": "Margin $/mo",
    "margin_usd_per_harm_unit": "$/mo per unit",
}
HELP = {
    "teacher_per_10k": "Teacher's misroutes of this cell per 10,000 requests (production mix)",
    "student_per_10k": "Student's misroutes of this cell per 10,000 requests (production mix)",
    "teacher_usd_per_month": "What the teacher's misroutes of this cell cost a month",
    "student_usd_per_month": "What the student's misroutes of this cell cost a month",
    "margin_usd_per_month": "Teacher − student: this cell's share of the margin (negative favours the teacher)",
    "margin_usd_per_harm_unit": "How far one more harm unit in this cell moves the margin a month",
    "harm_units": "Harm units per misroute of this cell (the only editable column)",
}
MONEY = ("teacher_usd_per_month", "student_usd_per_month", "margin_usd_per_month", "margin_usd_per_harm_unit")
GREY = "color: #9aa0a6; background-color: #f1f3f4"


@st.cache_data(show_spinner=False, max_entries=16)
def cells_for(cube_hash: str, _ev: Evidence, a: Assumptions) -> pd.DataFrame:
    return cells_mod.harm_cells(_ev.cube, a)


def _visible(cells: pd.DataFrame, find: str, observed_only: bool) -> pd.DataFrame:
    v = cells[~cells["critical"]]
    if observed_only:
        v = v[cells_mod.observed(v)]
    if find.strip():
        q = find.strip().lower()
        v = v[v["true"].str.lower().str.contains(q, regex=False) | v["pred"].str.lower().str.contains(q, regex=False)]
    return v.reindex(v["margin_usd_per_month"].abs().sort_values(ascending=False, kind="stable").index)


def _edited(key: str, pairs: list[tuple[int, int]]) -> None:
    """``on_change`` of the list: apply its harm-unit edits to the one stored matrix."""
    a = state.assumptions()
    m = np.asarray(a.harm_matrix, dtype=float)
    changed = []
    for pos, values in st.session_state[key].get("edited_rows", {}).items():
        if LABELS["harm_units"] not in values:
            continue
        i, j = pairs[int(pos)]
        v = values[LABELS["harm_units"]]
        m[i, j] = np.nan if v is None else float(v)
        changed.append(f"{a.intents[i]} → {a.intents[j]}: {a.harm_matrix[i][j]:g} → {v}")
    if np.isnan(m).any():
        state.errors()["harm_matrix"] = "A harm cell was left empty. Fix: type a number of harm units ≥ 0"
        harm.bump_editor()
        return
    if changed:
        harm.commit(a, m, "Harm units " + "; ".join(changed))


def _styled(view: pd.DataFrame):
    shown = view.drop(columns=["critical"]).rename(columns=LABELS)
    grey = ~cells_mod.observed(view).to_numpy()
    money_cols = [LABELS[c] for c in MONEY]

    def row_style(row: pd.Series) -> list[str]:
        return [GREY if grey[shown.index.get_loc(row.name)] else ""] * len(row)

    return shown.style.apply(row_style, axis=1).format(
        {
            **dict.fromkeys(money_cols, usd_cell),
            LABELS["teacher_per_10k"]: "{:,.1f}",
            LABELS["student_per_10k"]: "{:,.1f}",
        }
    )


def cell_list(ev: Evidence, a: Assumptions, *, show_errors: bool = True) -> None:
    """The searchable list of cells, harm units editable, counts and dollars beside each."""
    cells = cells_for(ev.cube.hash, ev, a)
    f1, f2 = st.columns([3, 2])
    find = f1.text_input("Find an intent (true or predicted)", key="harm_find", placeholder="e.g. faq")
    observed_only = f2.checkbox(
        "Only misroutes seen in the evidence",
        value=len(a.intents) > 12,
        key="harm_observed_only",
        help="Grey cells: neither model made that misroute in the evaluation data, so their harm units move $0.",
    )
    view = _visible(cells, find, observed_only)
    pairs = [(a.intents.index(t), a.intents.index(p)) for t, p in zip(view["true"], view["pred"])]
    tag = hashlib.sha1(repr((find, observed_only)).encode()).hexdigest()[:8]
    key = f"harm_cells:{st.session_state.get(state.Keys.EDITOR, 0)}:{tag}"
    config = {
        LABELS[c]: st.column_config.Column(disabled=True, width=100, help=HELP.get(c))
        for c in LABELS
        if c != "harm_units"
    }
    config.update({LABELS[c]: st.column_config.Column(disabled=True, width=140) for c in ("true", "pred")})
    config[LABELS["harm_units"]] = st.column_config.NumberColumn(
        min_value=0.0, step=0.01, width=100, help=HELP["harm_units"]
    )
    st.data_editor(
        _styled(view),
        key=key,
        on_change=_edited,
        args=(key, pairs),
        column_config=config,
        hide_index=True,
        width="stretch",
        height=min(420, 36 * (len(view) + 1) + 4),
    )
    if show_errors:
        harm.show_error()
    n_grey = int((~cells_mod.observed(view)).sum())
    st.caption(
        f"{len(view):,} of {int((~cells['critical']).sum()):,} cells shown, largest margin effect first"
        + (f"; {n_grey:,} greyed (never observed: they move $0)" if n_grey else "")
        + f". Counts per 10,000 requests at the production mix; dollars at {a.requests_per_month:,.0f} requests/month."
    )
    critical_table(cells, a, find)


def critical_table(cells: pd.DataFrame, a: Assumptions, find: str = "") -> None:
    crit = _visible(cells[cells["critical"]].assign(critical=False), find, observed_only=True)  # the same search
    if crit.empty:
        return
    st.markdown(f"**Critical misroutes: priced per critical event, {usd(a.usd_per_critical_event, cents=True)} each**")
    shown = crit.drop(columns=["critical", "harm_units", "margin_usd_per_harm_unit"]).rename(columns=LABELS)
    st.dataframe(
        shown.style.format(
            {
                **{LABELS[c]: usd_cell for c in MONEY[:3]},
                LABELS["teacher_per_10k"]: "{:,.1f}",
                LABELS["student_per_10k"]: "{:,.1f}",
            }
        ),
        hide_index=True,
        width="stretch",
    )
