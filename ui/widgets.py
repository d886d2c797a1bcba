"""Widgets shared by the pages: the sidebar (verdict, what-if controls, reset), size-limited uploads, and the
evidence a user brings: per-request rows or counts (with a mapping step when a column has another name) and
the cubes stored by `cube import` / `cube build`."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine import sources
from engine.decision import cube, mapping, scenario
from engine.errors import DistillDecideError, require
from engine.rollout import candidates
from ui import inputs, state, uploads
from ui import verdict as ui_verdict
from ui.fields import BY_PATH, SIDEBAR

MAX_UPLOAD_MB = uploads.max_upload_mb()  # 50 (server.maxUploadSize); $DISTILL_DECIDE_MAX_UPLOAD_MB may lower it


def modified_note() -> str | None:
    """ "Modified from the seed scenario: …" naming the changed fields, or None."""
    changed = scenario.changed_fields(state.base(), state.assumptions())
    if not changed:
        return None
    names = [BY_PATH[k].noun if k in BY_PATH else k.replace("_", " ") for k in changed]
    base = st.session_state.get(state.Keys.NOTE) or "loaded scenario"
    return f"Modified from the {base}: {', '.join(names)}."


@st.cache_data(show_spinner=False, max_entries=8)
def _store_checked(path: str, stamp: tuple[int, ...]) -> None:
    """``db.check`` once per version of the file and its folder (~80 ms); a fault is not cached, so it shows
    on every run until it is fixed."""
    from engine.store import db

    db.check(path)


def store_fault() -> None:
    """The store's one-line fault (a damaged file, a read-only place) at the top of every page, not a traceback."""
    from engine.paths import db_path

    p = db_path()
    stamp = tuple(x for f in (p, p.parent) if f.exists() for x in (f.stat().st_ctime_ns, f.stat().st_size))
    try:
        _store_checked(str(p), stamp)
    except DistillDecideError as exc:
        ui_verdict.show_error(exc)


def sidebar() -> None:
    """On every page: the verdict in a few words, the key what-if controls, where the numbers come from, Reset."""
    store_fault()
    ev, a, note = state.current()
    with st.sidebar:
        st.markdown("### Distill Decide")
        st.markdown(ui_verdict.badge(ui_verdict.decide_current()))
        st.markdown("**What if…**")
        for f in SIDEBAR:
            inputs.number_field(f)
        if msg := modified_note():
            st.caption(msg)
        st.caption(f"Evidence: **{ev.label}** · {ev.cube.n:,} evaluation requests")
        st.caption(f"Scenario: **{a.name}** ({note})")
        st.text_input("Your name (for the change log)", key="author")
        if state.Keys.URL_ERROR in st.session_state:
            st.error(f"Part of the shared link could not be applied: {st.session_state.pop(state.Keys.URL_ERROR)}")
        st.button("Reset to the seed scenario", key="reset_seed", on_click=state.reset)


_KINDS = {"csv": "UTF-8 CSV with a header row", "parquet": "parquet"}


def upload_frame(label: str, key: str, types: tuple[str, ...] = ("csv", "parquet")) -> pd.DataFrame | None:
    """A size-limited upload read as a table (never executed); a bad file gets one plain message with its fix
    (ui.uploads says what is checked) and the page carries on as if nothing was uploaded."""
    f = st.file_uploader(
        label,
        type=list(types),
        key=key,
        help=f"At most {MAX_UPLOAD_MB:g} MB; {' or '.join(_KINDS[t] for t in types)}. Read as data, never run.",
    )
    if f is None:
        return None
    try:
        return uploads.read_upload(f.name, f.getvalue(), max_mb=MAX_UPLOAD_MB, types=types)
    except DistillDecideError as exc:
        ui_verdict.show_error(exc)
    return None


ROWS_TARGETS = ("true", "teacher_pred", "student_pred")
COUNTS_TARGETS = (*ROWS_TARGETS, "n")
UNSET = "—"


def mapped_frame(frame: pd.DataFrame, required: tuple[str, ...], key: str, name: str) -> pd.DataFrame | None:
    """``frame`` with the columns ``required`` named as expected. Where some are missing (and ``true_intent``
    does not stand in for ``true``), a select box per missing column asks which of the file's columns it is;
    None, with one message naming what is still missing, until each is named."""
    found = mapping.resolve(frame.columns, {})
    absent = [t for t in required if t not in frame.columns and t not in found]
    spare = [str(c) for c in frame.columns if str(c) not in (*required, *found.values())]
    chosen = {}
    if absent and spare:
        st.markdown(f"**Which column is which?** {name} has no column named {', '.join(f'`{t}`' for t in absent)}.")
        for box, target in zip(st.columns(len(absent)), absent):
            pick = box.selectbox(f"`{target}` is the column", [UNSET, *spare], key=f"{key}:map:{target}")
            if pick != UNSET:
                chosen[target] = pick
    try:
        out = mapping.apply(frame, mapping.check(chosen, "column mapping"), name)
        missing = [t for t in required if t not in out.columns]
        require(
            not missing,
            f"{name} column(s) {missing}",
            "missing",
            "pick which column is which in the boxes above" if spare else f"upload a file with {', '.join(required)}",
        )
        return out
    except DistillDecideError as exc:
        ui_verdict.show_error(exc)
    return None


def _intents(a: scenario.Assumptions, frame: pd.DataFrame):
    """The scenario's label set when the upload's labels fit in it, else the upload's own."""
    labels = set().union(*(set(frame[c].astype(str)) for c in ROWS_TARGETS))
    return a.intents if labels <= set(a.intents) else None


def evidence_uploads(a: scenario.Assumptions) -> None:
    """Evidence from where it lives: per-request rows, counts (a warehouse GROUP BY) or a stored cube."""
    st.subheader("Bring your own per-request results, counts or a stored cube")
    rows_tab, counts_tab, cubes_tab = st.tabs(["Per-request rows", "Counts", "Stored cubes"])
    with rows_tab:
        rows_upload(a)
    with counts_tab:
        counts_upload(a)
    with cubes_tab:
        cube_picker()


def rows_upload(a: scenario.Assumptions) -> None:
    up = upload_frame(
        "Per-request results (CSV/parquet: `segment`, `true`, `teacher_pred`, `student_pred`, optional "
        "`p_teacher_*` / `p_student_*` probabilities; more `<name>_pred` columns are more candidates)",
        "rows_upload",
    )
    up = None if up is None else mapped_frame(up, ROWS_TARGETS, "rows_upload", "the upload")
    if up is None:
        return
    try:
        c = cube.from_rows(up, intents=_intents(a, up), source="upload")
        st.success(f"Valid: {c.n:,} requests in {c.n_cells} cells over {len(c.intents)} intents.")
        if found := candidates.columns_in(up):
            candidates.joint_cells(up, found)  # every candidate column checked before it is used
            st.info(
                f"**{len(found)} candidates** against the teacher: "
                + ", ".join(f"{k} (`{col}`)" for k, col in found.items())
                + ". The Overview compares them on the same requests and names the best. Any other "
                "`<name>_pred` column is one more candidate.",
                icon=":material/leaderboard:",
            )
        if st.button(f"Use these {c.n:,} requests as evidence", key="use_rows"):
            state.use_uploaded_rows(sources.Evidence(c, up, "upload"))
            st.rerun()
    except DistillDecideError as exc:
        ui_verdict.show_error(exc)


def counts_upload(a: scenario.Assumptions) -> None:
    up = upload_frame(
        "Counts (CSV/parquet: `segment`, `true`, `teacher_pred`, `student_pred`, `n` — the GROUP BY of "
        "docs/warehouse.md)",
        "counts_upload",
    )
    up = None if up is None else mapped_frame(up, COUNTS_TARGETS, "counts_upload", "the counts")
    if up is None:
        return
    try:
        c = cube.from_counts(up, intents=_intents(a, up), source="uploaded counts")
        st.success(f"Valid: {c.n:,} requests in {c.n_cells} cells over {len(c.intents)} intents (cube {c.hash}).")
        if st.button(f"Use these {c.n:,} counted requests as evidence", key="use_counts"):
            state.use_counts(sources.Evidence(c, None, f"uploaded counts (cube {c.hash})"))
            st.rerun()
    except DistillDecideError as exc:
        ui_verdict.show_error(exc)


def cube_picker() -> None:
    """The cubes in the store (`cube import`, `cube build`, a counts upload), newest first."""
    from engine import store

    try:
        cubes = store.list_cubes()
    except DistillDecideError as exc:
        ui_verdict.show_error(exc)
        return
    if cubes.empty:
        st.caption(
            "No stored cubes yet. `python -m engine cube import counts.csv` or `python -m engine cube build "
            "--parquet 'logs/**/*.parquet'` stores one (docs/warehouse.md); so does a counts upload."
        )
        return
    names = {
        f"{h} — {src} ({int(n):,} requests)": str(h)
        for h, src, n in zip(cubes["cube_hash"], cubes["source"], cubes["n"])
    }
    pick = st.selectbox("Stored cube", list(names), key="cube_pick")
    if st.button("Use this cube as evidence", key="use_cube"):
        try:
            state.use_evidence(sources.stored_cube_evidence(names[pick]), f"cube:{names[pick]}")
            st.rerun()
        except DistillDecideError as exc:
            ui_verdict.show_error(exc)
