"""N candidates on one plane on the dashboard (issue 17, item 5): evidence whose per-request rows hold several
student prediction columns (``student_pred`` and any ``<name>_pred``, :func:`engine.rollout.candidates.columns_in`)
is compared candidate by candidate against the teacher on the same requests by
:func:`engine.rollout.candidates.compare`, as ``decide --candidates`` does. Each candidate's resamples are the
dashboard's cached draws of its own two-model cube, so the seed student's interval here is the one the verdict
shows; the comparison is cached per joint cells, scenario and gates.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine.decision import scenario
from engine.decision.cube import Evidence
from engine.errors import DistillDecideError
from engine.present.money import usd
from engine.rollout import candidates
from ui import verdict as ui_verdict


def columns(ev: Evidence) -> dict[str, str]:
    """The evidence's candidates ``{name: column}``; ``{}`` without rows or with one student."""
    return {} if ev.rows is None else candidates.columns_in(ev.rows)


@st.cache_resource(show_spinner="Comparing the candidates on the same requests…", max_entries=8)
def _compare(key: tuple, _joint: pd.DataFrame, _columns: dict[str, str], _a, _gates) -> candidates.Comparison:
    def cached(c):
        return ui_verdict.draws_for(c.hash, c)

    return candidates.compare(
        _joint, _columns, _a, _gates, B=ui_verdict.BOOTSTRAP_B, rng=ui_verdict.BOOTSTRAP_SEED, draws_for=cached
    )


def comparison(ev: Evidence, a: scenario.Assumptions) -> candidates.Comparison | None:
    """The candidates compared under the current scenario and gates; None (reason on screen) when none or broken."""
    try:
        cols = columns(ev)
        if not cols:
            return None
        assert ev.rows is not None
        joint = candidates.joint_cells(ev.rows, cols)
        gates = tuple(ui_verdict.current_gates())
        key = (candidates.joint_hash(joint), tuple(cols.items()), scenario.dumps_json(a), repr(gates))
        return _compare(key, joint, cols, a, gates)
    except DistillDecideError as exc:
        ui_verdict.show_error(exc)
        return None


def upload_source(ev: Evidence) -> str:
    """The stored source of uploaded rows: ``upload:<cube hash>``, and with candidate columns also their joint
    cells' hash (their header names the columns), so two uploads of the same teacher and student with other
    candidates are stored apart and each link reopens its own candidates."""
    cols = columns(ev)
    if not cols:
        return f"upload:{ev.cube.hash}"
    assert ev.rows is not None
    return f"upload:{ev.cube.hash}-{candidates.joint_hash(candidates.joint_cells(ev.rows, cols))}"


def table(comp: candidates.Comparison) -> pd.DataFrame:
    """One row per candidate: its total, its margin against the teacher with the paired interval, its verdict."""
    rows = []
    for name, d in comp.decisions.items():
        lo, hi = d.bootstrap.margin_ci95_usd
        rows.append(
            {
                "Candidate": name + (" (best)" if name == comp.best else ""),
                "Total / month": usd(d.breakdown.student.total_usd),
                "Margin (teacher − it)": usd(d.breakdown.margin_usd),
                "95% interval (paired)": f"[{usd(lo)}, {usd(hi)}]",
                "Chance cheaper": f"{d.bootstrap.p_student_cheaper:.1%}",
                "Critical / month": f"{d.breakdown.student.critical_events_per_month:,.0f}",
                "Verdict": comp.verdict_words(name),
            }
        )
    return pd.DataFrame(rows)


def banner_versus_best(comp: candidates.Comparison, cols: dict[str, str]) -> str:
    """Why the verdict banner and this table may name different answers: the banner compares the teacher with
    ``student_pred`` alone; the best candidate here is named with its own margin beside the banner's."""
    own = next((k for k, c in cols.items() if c == "student_pred"), None)
    d = comp.decisions.get(own) if own else None
    if d is None:
        banner = "The verdict banner above compares the teacher with the evidence's `student_pred` column."
    else:
        lo, hi = d.bootstrap.margin_ci95_usd
        banner = (
            f"The verdict banner above compares the teacher with `student_pred` alone (candidate "
            f"{own}: margin {usd(d.breakdown.margin_usd)}/month, [{usd(lo)}, {usd(hi)}])."
        )
    if comp.best is None:
        return banner + " Every candidate here is blocked by a gate."
    if comp.best == own:
        return banner + " It is also the best candidate here: the two answers agree."
    b = comp.decisions[comp.best]
    lo, hi = b.bootstrap.margin_ci95_usd
    return (
        banner + f" The best candidate here is **{comp.best}**: margin {usd(b.breakdown.margin_usd)}/month, "
        f"[{usd(lo)}, {usd(hi)}] — to make it the verdict, give its predictions as `student_pred`."
    )


def section(ev: Evidence, a: scenario.Assumptions) -> None:
    """The candidates' plane: which one is best and by how much over the runner-up, then each against the
    teacher on the same requests."""
    comp = comparison(ev, a)
    if comp is None:
        return
    first = next(iter(comp.decisions.values()))
    n = len(comp.decisions)
    st.subheader(f"{n} candidates against the teacher, on the same {ev.cube.n:,} requests")
    (st.success if comp.best else st.error)(f"**{comp.sentence}**", icon=":material/leaderboard:")
    st.dataframe(table(comp), hide_index=True, width="stretch")
    for name, why in comp.small_sample.items():
        if comp.decisions[name].verdict.small_sample and not comp.decisions[name].verdict.blocking_gate:
            st.caption(f"**{name}** is only “lean”: {why}, too few to ship on, although its interval may exclude zero.")
    st.info(banner_versus_best(comp, columns(ev)), icon=":material/compare_arrows:")
    cols = ", ".join(f"{k} = `{c}`" for k, c in columns(ev).items())
    st.caption(
        f"Teacher {usd(first.breakdown.teacher.total_usd)}/month. Candidates from the evidence's prediction "
        f"columns ({cols}), each priced with the scenario's student price and P95. Each interval is its "
        f"two-model run's ({ui_verdict.BOOTSTRAP_B:,} paired resamples, seed {ui_verdict.BOOTSTRAP_SEED}); the "
        "lead over the runner-up is read off one resample of the same requests for both. "
        "CLI: `python -m engine decide --rows FILE --candidates "
        + ",".join(f"{k}={c}" for k, c in columns(ev).items())
        + "`."
    )


def components(comp: candidates.Comparison) -> pd.DataFrame:
    """$ per month by cost component: the teacher, then each candidate (the same rows as the two-model table)."""
    first = next(iter(comp.decisions.values())).breakdown.table()
    out = pd.DataFrame({"component": first["component"], "Teacher": first["teacher_usd"]})
    for name, d in comp.decisions.items():
        out[name] = d.breakdown.table()["student_usd"].to_numpy()
    return out
