"""The Rollout page's promotion gates in words: the gates table, the one go / no-go sentence (gates and the
canary guardrail), and the gates on figures nobody measured (issue 17: they neither pass nor block).

Re-exported by :mod:`engine.present.figures_rollout`, where the pages and the weekly review take them.
"""

from __future__ import annotations

import pandas as pd

from engine.present.money import usd
from engine.rollout.gates import NOT_MEASURED

GATE_GROUPS = {"safety": "Safety", "latency": "Latency", "cost": "Cost", "quality": "Quality", "ops": "Operations"}
GATE_READS = {"point": "point estimate", "lower95": "lower end of its 95% interval", "upper95": "upper end"}


def gate_value(metric: str, value: float | None) -> str:
    """A gate metric as a person reads it: milliseconds for latency, a percentage for every rate or share."""
    if value is None:
        return "not available"
    return f"{value:,.1f} ms" if metric.endswith("latency_ms") else f"{value:.1%}"


def _measured_cell(r) -> str:
    """The figure a gate read, with where it comes from when that is not the evaluation itself: "not measured"
    (the seed's figures on another label set), "8.0 ms (given, not measured)", "4.2 ms (measured)"."""
    if r.source == NOT_MEASURED:
        return "not measured"
    said = {"given": " (given, not measured)", "measured": " (measured)"}.get(r.source, "")
    return gate_value(r.gate.metric, r.value) + (said if r.value is not None else "")


def gate_word(passed: bool | None, source: str | None) -> str:
    """pass, FAIL, "not measured" (figures nobody measured: neither passes nor blocks) or "not evaluated" (the
    evidence lacks the metric, e.g. no probabilities for ECE). The Rollout page and the weekly review both say it."""
    if passed is None:
        return "not measured" if source == NOT_MEASURED else "not evaluated"
    return "pass" if passed else "FAIL"


def gate_result(r) -> str:
    return gate_word(r.passed, r.source)


def gate_table(report) -> pd.DataFrame:
    """The gate results in words, in priority order: what each gate needs, what was measured, pass or FAIL."""
    return pd.DataFrame(
        [
            {
                "Priority": GATE_GROUPS.get(r.gate.group, r.gate.group),
                "Gate": r.gate.name,
                "Needs": f"{r.gate.comparator.replace('>=', '≥').replace('<=', '≤')} "
                f"{gate_value(r.gate.metric, r.gate.threshold)}",
                "Measured": _measured_cell(r),
                "Reads": GATE_READS.get(r.gate.use, r.gate.use),
                "Result": gate_result(r),
            }
            for r in report.results
        ],
        columns=["Priority", "Gate", "Needs", "Measured", "Reads", "Result"],
    )


def not_measured(report) -> list[str]:
    """Each gate on figures nobody measured, with what to measure (its evidence words), for under the table."""
    return [f"'{r.gate.name}' — {r.evidence}" for r in report.results if r.source == NOT_MEASURED]


def go_no_go(report, guardrail) -> tuple[bool, str]:
    """(go, sentence): one outcome for the gates and the canary guardrail together, naming what blocks and the
    fix. ``guardrail`` is an :class:`engine.rollout.canary.GuardrailCheck`."""
    failing = [r.gate.name for r in report.results if r.passed is False]
    g = guardrail
    limit, est = usd(g.limit_usd_per_month), usd(g.offline_estimate_usd_per_month, signed=True)
    blocks, fixes = [], []
    if failing:
        blocks.append(f"the gate{'s' if len(failing) > 1 else ''} " + ", ".join(f"'{n}'" for n in failing))
        fixes.append("improve the student on the failing gate, or correct the gate under 'Edit gates' if it is wrong")
    if g.already_breached:
        blocks.append(
            f"the canary guardrail (block if critical-error cost grows beyond {limit}/month): the offline estimate "
            f"is already {est}/month, so it trips before the canary starts"
        )
        fixes.append(
            f"set the guardrail above the offline estimate, e.g. {usd(g.proposed_limit_usd_per_month)}/month, or "
            "cut the student's critical misroutes first"
        )
    unmeasured = [f"'{r.gate.name}'" for r in report.results if r.source == NOT_MEASURED]
    every = "Every measured gate passes" if unmeasured else "Every gate passes"
    open_ = (
        f"  \n**Not measured** (neither pass nor block): {', '.join(unmeasured)}, on the seed's MangaAssist figures — "
        "measure them (see the table) before promoting."
        if unmeasured
        else ""
    )
    if blocks:
        passed = f" {every}; the guardrail alone blocks." if not failing else ""
        return False, (
            "**No-go:** promoting the student is blocked by "
            + " and by ".join(blocks)
            + "."
            + passed
            + "  \n**Fix:** "
            + "; ".join(fixes)
            + "."
            + open_
        )
    return True, (
        f"**Go:** {every.lower()} and the canary guardrail holds (critical-error cost grows {est}/month offline, "
        f"under the {limit}/month limit).{open_}"
    )
