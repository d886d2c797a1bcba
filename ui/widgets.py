"""Widgets shared by the pages: the sidebar (verdict, what-if controls, reset) and size-limited uploads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine.decision import scenario
from engine.errors import DistillDecideError
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
