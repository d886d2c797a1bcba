"""UI helpers shared by the pages: the current evidence and scenario, cached draws, inputs, errors.

Caching lives here (the UI layer); the engine holds no state.
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from engine import sources
from engine.decision import uncertainty, verdict
from engine.errors import DistillDecideError

BOOTSTRAP_B = 10_000
BOOTSTRAP_SEED = 0
MAX_UPLOAD_MB = 50
# Fields a shared URL may carry (flat, numeric): ?scenario=<version>&usd_per_critical_event=2.0
URL_FIELDS = (
    "requests_per_month",
    "usd_per_critical_event",
    "usd_per_harm_unit",
    "usd_per_ms_month",
    "teacher.usd_per_request",
    "student.usd_per_request",
    "teacher.ops_usd_per_month",
    "student.ops_usd_per_month",
    "teacher.p95_latency_ms",
    "student.p95_latency_ms",
)


@st.cache_data(show_spinner=False)
def _seed_evidence() -> sources.Evidence:
    return sources.seed_evidence()


@st.cache_resource(show_spinner="Drawing 10,000 paired bootstrap resamples…", max_entries=16)
def draws_for(cube_hash: str, _cube, B: int = BOOTSTRAP_B, seed: int = BOOTSTRAP_SEED) -> uncertainty.Draws:
    """Bootstrap draws depend only on the cube: cached by its hash, re-priced on every input change."""
    return uncertainty.draw(_cube, B, seed)


def _from_url(a, note):
    """Apply a shared URL: a stored scenario version, then the changed fields."""
    qp = st.query_params
    try:
        if "scenario" in qp:
            a = sources.stored_scenario(int(qp["scenario"]))
            note = f"stored version {qp['scenario']}"
        changes = {k: float(qp[k]) for k in URL_FIELDS if k in qp}
        if changes:
            a = a.replace(**changes)
            note += " + URL changes"
    except (DistillDecideError, ValueError) as exc:
        st.session_state["url_error"] = str(exc)
    return a, note


def current():
    """The evidence and assumptions every page reads (default: the seed scenario)."""
    ev = st.session_state.get("evidence") or _seed_evidence()
    if "assumptions" not in st.session_state:
        a, note = sources.scenario_for(ev.cube, None)
        a, note = _from_url(a, note)
        st.session_state["assumptions"] = a
        st.session_state["baseline_assumptions"] = a
        st.session_state["scenario_note"] = note
    return ev, st.session_state["assumptions"], st.session_state.get("scenario_note", "")


def set_assumptions(a, what: str) -> None:
    """Replace the current assumptions and log who changed what, when (this session)."""
    st.session_state["assumptions"] = a
    st.session_state.setdefault("change_log", []).append(
        {"when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"), "who": author(), "what": what}
    )


def author() -> str:
    return st.session_state.get("author") or "anonymous"


def decide_current():
    """The one verdict every page shows: :func:`engine.decision.verdict.decide` with cached draws and quality."""
    ev, a, _ = current()
    try:
        return verdict.decide(ev, a, current_gates(), draws=draws_for(ev.cube.hash, ev.cube), quality=quality(a))
    except DistillDecideError as exc:
        show_error(exc)
        return None


@st.cache_resource(show_spinner="Computing quality metrics with intervals…", max_entries=32)
def _quality(cube_hash: str, critical: tuple[str, ...], _ev):
    from engine.quality import report as quality_report

    return quality_report.report(
        _ev.cube, _ev.rows, critical_intents=critical, draws=draws_for(_ev.cube.hash, _ev.cube), rng=BOOTSTRAP_SEED
    )


def quality(a):
    ev, _, _ = current()
    return _quality(ev.cube.hash, tuple(a.critical_intents), ev)


def current_gates():
    from engine.rollout import gates

    return st.session_state.get("gates", gates.DEFAULT_GATES)


def gate_report(a):
    from engine.rollout import gates

    return gates.evaluate(current_gates(), gates.gate_values(quality(a), a))


def verdict_banner(d) -> None:
    if d is None:
        return
    box = {"ship": st.success, "lean": st.warning, "blocked": st.error}[d.verdict.state]
    box(f"**{d.verdict.sentence}**")


def show_error(exc: DistillDecideError) -> None:
    st.error(f"**{exc.field}**: {exc.problem}.  \n**Fix:** {exc.fix}")


def upload_frame(label: str, key: str, types=("csv", "parquet")):
    """A size-limited upload read as a table (never executed); errors shown in plain words."""
    import io

    import pandas as pd

    f = st.file_uploader(label, type=list(types), key=key)
    if f is None:
        return None
    if f.size > MAX_UPLOAD_MB * 1_000_000:
        st.error(
            f"**{f.name}** is {f.size / 1e6:.0f} MB, over the {MAX_UPLOAD_MB} MB limit. **Fix:** aggregate "
            "to counts where the data lives (docs/warehouse.md) and upload the counts."
        )
        return None
    try:
        data = f.getvalue()
        require_nonempty(data, f.name)
        return (
            pd.read_parquet(io.BytesIO(data)) if f.name.lower().endswith(".parquet") else pd.read_csv(io.BytesIO(data))
        )
    except DistillDecideError as exc:
        show_error(exc)
    except Exception as exc:
        st.error(
            f"**{f.name}** could not be read ({type(exc).__name__}). **Fix:** save it as UTF-8 CSV with a "
            "header row, or as parquet."
        )
    return None


def require_nonempty(data: bytes, name: str) -> None:
    if not data.strip():
        raise DistillDecideError(name, "is empty", "export the table again")


def sidebar() -> None:
    ev, a, note = current()
    with st.sidebar:
        st.markdown("### Distill Decide")
        st.caption(f"Evidence: **{ev.label}** · {ev.cube.n:,} requests · cube `{ev.cube.hash}`")
        st.caption(f"Scenario: **{a.name}** ({note})")
        st.text_input("Your name (for the change log)", key="author")
        if "url_error" in st.session_state:
            st.error(f"The shared link could not be applied: {st.session_state.pop('url_error')}")
        if st.button("Reset to the seed scenario", key="reset_seed"):
            for key in [k for k in st.session_state if k.startswith("in:")] + [
                "evidence",
                "assumptions",
                "scenario_note",
            ]:
                st.session_state.pop(key, None)
            st.query_params.clear()
            st.rerun()
