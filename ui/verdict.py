"""The one verdict every page shows, its cached inputs, and the one banner that draws it.

:func:`decide_current` is :func:`engine.decision.verdict.decide` on the current evidence and assumptions,
with the bootstrap draws and the quality report cached by the cube's hash; the decision itself is kept for
the rerun (the sidebar and the page share it, and a page switch with nothing changed costs nothing).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from engine.decision import sweeps, uncertainty, verdict
from engine.errors import DistillDecideError
from engine.present import looks
from engine.present.money import usd
from ui import state
from ui.fields import BY_PATH

BOOTSTRAP_B = 10_000
BOOTSTRAP_SEED = 0
_MEMO = "_decision"  # session key: (inputs, Decision) of the last decide

# state/model -> (box, icon, badge colour): the looks of engine.present.looks, so the HTML report matches
STYLES = {key: (getattr(st, lk.box), lk.icon, lk.colour.name) for key, lk in looks.LOOKS.items()}
BADGES = looks.BADGES


def draws_for(cube_hash: str, _cube, B: int = BOOTSTRAP_B, seed: int = BOOTSTRAP_SEED) -> uncertainty.Draws:
    """Bootstrap draws depend only on the cube: cached by its hash and its label order (the hash is the same for
    the same requests in another order, the draws' columns are not), re-priced on every input change."""
    return _draws(_cube.cache_key, _cube, B, seed)


@st.cache_resource(show_spinner="Drawing 10,000 paired bootstrap resamples…", max_entries=16)
def _draws(cube_key: tuple, _cube, B: int, seed: int) -> uncertainty.Draws:
    return uncertainty.draw(_cube, B, seed)


@st.cache_resource(show_spinner="Computing quality metrics with intervals…", max_entries=32)
def _quality(cube_key: tuple, critical: tuple[str, ...], rows_key: object, _ev):
    from engine.quality import report as quality_report

    return quality_report.report(
        _ev.cube, _ev.rows, critical_intents=critical, draws=draws_for(_ev.cube.hash, _ev.cube), rng=BOOTSTRAP_SEED
    )


def quality(a):
    ev = state.evidence()
    rows_key = None if ev.rows is None else (len(ev.rows), tuple(ev.rows.columns))  # same cube, rows without probs
    return _quality(ev.cube.cache_key, tuple(a.critical_intents), rows_key, ev)


def current_gates():
    from engine.rollout import gates

    return st.session_state.get("gates", gates.DEFAULT_GATES)


def decide_current() -> verdict.Decision | None:
    """The one verdict every page shows; None (with the reason on screen) when it cannot be computed."""
    ev, a, _ = state.current()
    inputs = (ev.cube.hash, ev.label, a, tuple(current_gates()))
    memo = st.session_state.get(_MEMO)
    if memo is not None and memo[0] == inputs:
        return memo[1]
    try:
        d = verdict.decide(ev, a, current_gates(), draws=draws_for(ev.cube.hash, ev.cube), quality=quality(a))
    except DistillDecideError as exc:
        show_error(exc)
        return None
    st.session_state[_MEMO] = (inputs, d)
    return d


def banner(d: verdict.Decision | None, *, big: bool = False) -> None:
    """The verdict sentence in its state's look: ship student, ship teacher, lean or blocked."""
    if d is None:
        return
    box, icon, _ = STYLES[(d.verdict.state, d.verdict.model)]
    box(f"### {d.verdict.sentence}" if big else f"**{d.verdict.sentence}**", icon=icon)
    if d.verdict.small_sample:
        st.warning(
            "**Small sample.** Too few evaluation requests, or too few critical requests where the models "
            "disagree, to trust the interval: no “ship” until there are more.",
            icon=":material/science:",
        )


def badge(d: verdict.Decision | None) -> str:
    """The verdict in a few words, coloured as its banner (for the sidebar)."""
    if d is None:
        return ""
    _, _, colour = STYLES[(d.verdict.state, d.verdict.model)]
    words = BADGES[d.verdict.state].format(m=d.verdict.model)
    margin = d.breakdown.margin_usd
    if d.verdict.state == "blocked":  # the teacher is kept; the money is what the student would have saved
        would = f"would save {usd(margin)}/month" if margin > 0 else f"would cost {usd(-margin)}/month more"
        return f":{colour}-badge[{words}] (the student {would})"
    return f":{colour}-badge[{words}] saves {usd(abs(margin))}/month"


def _versus(now: float, be: float) -> str:
    if be <= 0:
        return ""
    r = now / be
    return f"{r:,.0f}× the break-even" if r >= 10 else f"{r - 1:+.0%}".replace("-", "−")


def break_even_table(d: verdict.Decision, a) -> pd.DataFrame:
    """Each what-if assumption now, its break-even, and which model is cheaper on which side."""
    rows: list[dict[str, Any]] = []
    for param, be in d.break_evens.items():
        now = float(a.get(param))
        if be.value is None:
            where, gap = f"{be.winner_below} cheaper at any value", ""
        else:
            where, gap = f"{be.winner_below} cheaper below, {be.winner_above} above", _versus(now, be.value)
        rows.append(
            {
                "Assumption": BY_PATH[param].label,
                "Now": sweeps.format_value(param, now),
                "Break-even": sweeps.format_value(param, be.value) if be.value is not None else "none",
                "Now vs break-even": gap,
                "Which model": where,
            }
        )
    return pd.DataFrame(rows)


def show_error(exc: DistillDecideError) -> None:
    st.error(f"**{exc.field}**: {exc.problem}.  \n**Fix:** {exc.fix}")
