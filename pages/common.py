"""UI helpers shared by the pages: the current evidence and scenario, cached draws, errors.

Caching lives here (the UI layer); the engine holds no state.
"""
from __future__ import annotations

import streamlit as st

from engine import decision, evidence, uncertainty
from engine.errors import DistillDecideError

BOOTSTRAP_B = 10_000
BOOTSTRAP_SEED = 0


@st.cache_data(show_spinner=False)
def _seed_evidence() -> evidence.Evidence:
    return evidence.seed_evidence()


@st.cache_resource(show_spinner="Drawing 10,000 paired bootstrap resamples…", max_entries=16)
def draws_for(cube_hash: str, _cube, B: int = BOOTSTRAP_B, seed: int = BOOTSTRAP_SEED) -> uncertainty.Draws:
    """Bootstrap draws depend only on the cube: cached by its hash, re-priced on every slider move."""
    return uncertainty.draw(_cube, B, seed)


def current() -> tuple[evidence.Evidence, object, str]:
    """The evidence and assumptions every page reads (default: the seed scenario)."""
    ev = st.session_state.get("evidence") or _seed_evidence()
    if "assumptions" not in st.session_state:
        a, note = evidence.scenario_for(ev.cube, None)
        st.session_state["assumptions"] = a
        st.session_state["scenario_note"] = note
    return ev, st.session_state["assumptions"], st.session_state.get("scenario_note", "")


def decide_current() -> decision.Decision | None:
    ev, a, _ = current()
    try:
        return decision.decide(ev.cube, a, draws=draws_for(ev.cube.hash, ev.cube), confirm_B=0)
    except DistillDecideError as exc:
        show_error(exc)
        return None


def show_error(exc: DistillDecideError) -> None:
    st.error(f"**{exc.field}**: {exc.problem}.  \n**Fix:** {exc.fix}")


def sidebar() -> None:
    ev, a, note = current()
    with st.sidebar:
        st.markdown("### Distill Decide")
        st.caption(f"Evidence: **{ev.label}** · {ev.cube.n:,} requests · cube `{ev.cube.hash}`")
        st.caption(f"Scenario: **{a.name}** ({note})")
        if st.button("Reset to the seed scenario", key="reset_seed"):
            for key in ("evidence", "assumptions", "scenario_note"):
                st.session_state.pop(key, None)
            st.rerun()
