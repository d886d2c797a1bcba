"""The verdict: which model to ship, by how much, how sure, and where it flips.

A verdict is a pair (state, model): **ship M** when the margin's 95% interval
excludes zero in M's favour, **lean M** when only the point estimate favours M
(with the evaluation requests needed to decide), **blocked** when promoting
the student fails a rollout gate. A margin of exactly zero leans to the
teacher, the incumbent.

:func:`decide` is the one assembly of a verdict: the CLI, every page, the HTML
report and segment routing call it unchanged, so the same question gives the
same dollars everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.decision import costs, sweeps, uncertainty
from engine.decision.cube import Evidence
from engine.decision.scenario import Assumptions
from engine.present.money import usd
from engine.quality import report as quality_report
from engine.rollout import gates as gates_mod

CONFIRM_B = 2_000  # resamples that confirm the projected sample size (one value for CLI, pages and report)


@dataclass(frozen=True)
class Verdict:
    state: str  # ship | lean | blocked
    model: str  # teacher | student
    sentence: str
    blocking_gate: str | None = None


@dataclass(frozen=True)
class Decision:
    breakdown: costs.CostBreakdown
    bootstrap: uncertainty.BootstrapResult
    projection: uncertainty.SampleSizeProjection
    break_even_critical: sweeps.BreakEven
    break_even_volume: sweeps.BreakEven
    verdict: Verdict
    gates: gates_mod.GateReport
    quality: quality_report.QualityReport
    evidence_label: str = ""

    def to_dict(self) -> dict[str, Any]:
        b, bs, pr = self.breakdown, self.bootstrap, self.projection
        return {
            "requests_per_month": b.requests_per_month,
            "teacher": _model_dict(b.teacher),
            "student": _model_dict(b.student),
            "margin_usd": b.margin_usd,
            "components": {
                c: {
                    "teacher_usd": b.teacher.component_usd(c),
                    "student_usd": b.student.component_usd(c),
                    "student_minus_teacher_usd": b.delta_usd(c),
                }
                for c in costs.COMPONENTS
            },
            "verdict": {
                "state": self.verdict.state,
                "model": self.verdict.model,
                "sentence": self.verdict.sentence,
                "blocking_gate": self.verdict.blocking_gate,
            },
            "break_even": {
                "critical_cost_usd": self.break_even_critical.value,
                "volume": self.break_even_volume.value,
                "critical_cost_note": self.break_even_critical.note,
                "volume_note": self.break_even_volume.note,
            },
            "bootstrap": {
                "B": bs.B,
                "n": bs.n,
                "margin_ci95": list(bs.margin_ci95_usd),
                "margin_se_usd": bs.margin_se_usd,
                "p_student_cheaper": bs.p_student_cheaper,
                "teacher_total_ci95": list(bs.teacher_total_ci95_usd),
                "student_total_ci95": list(bs.student_total_ci95_usd),
                "critical_price_uncertain": bs.critical_price_uncertain,
                "requests_to_exclude_zero_total": pr.requests_to_exclude_zero_total,
                "additional_requests": pr.additional_requests,
                "projection_note": pr.reason,
                "confirm_ci95_at_projected_n": list(pr.confirm_ci95_usd) if pr.confirm_ci95_usd else None,
            },
            "gates": self.gates.to_dict(),
            "evidence": self.evidence_label,
        }


def _model_dict(m: costs.ModelCost) -> dict[str, float]:
    return {
        "total_usd": m.total_usd,
        **{f"{c}_usd": m.component_usd(c) for c in costs.COMPONENTS},
        "accuracy": m.accuracy,
        "critical_events_per_month": m.critical_events_per_month,
        "misroutes_per_month": m.misroutes_per_month,
        "harm_units_per_month": m.harm_units_per_month,
    }


def verdict(
    margin_usd: float,
    boot: uncertainty.BootstrapResult,
    projection: uncertainty.SampleSizeProjection,
    be_critical: sweeps.BreakEven,
    blocking_gate: str | None = None,
) -> Verdict:
    """State and model from the margin and its interval; one sentence a PM can read aloud."""
    favoured = "student" if margin_usd > 0 else "teacher"
    other = "teacher" if favoured == "student" else "student"
    lo, hi = boot.margin_ci95_usd
    interval = f"[{usd(lo)}, {usd(hi)}]"
    per_month = f"saves {usd(abs(margin_usd))}/month"
    flip = ""
    if be_critical.value is not None:
        if favoured == be_critical.winner_below:
            flip = f"; flips to the {be_critical.winner_above} above ${be_critical.value:,.2f} per critical event"
        else:
            flip = f"; flips to the {be_critical.winner_below} below ${be_critical.value:,.2f} per critical event"
    if blocking_gate is not None:
        would = f"save {usd(abs(margin_usd))}/month" if favoured == "student" else "cost more"
        return Verdict(
            "blocked",
            "teacher",
            f"Blocked: the student fails the gate '{blocking_gate}', so keep the "
            f"teacher (the student would {would}){flip}.",
            blocking_gate,
        )
    if boot.excludes_zero:
        return Verdict(
            "ship",
            favoured,
            f"Ship the {favoured}: {per_month} over the {other}, 95% interval {interval} excludes zero{flip}.",
        )
    more = projection.additional_requests
    if more is None:
        need = f"more evaluation requests cannot settle it ({projection.reason})"
    else:
        need = f"evaluate about {more:,} more requests ({projection.requests_to_exclude_zero_total:,} in total)"
    return Verdict(
        "lean", favoured, f"Lean {favoured}: {per_month}, but the 95% interval {interval} includes zero — {need}{flip}."
    )


def decide(
    evidence: Evidence,
    a: Assumptions,
    gates: tuple[gates_mod.Gate, ...] = gates_mod.DEFAULT_GATES,
    *,
    B: int = uncertainty.DEFAULT_B,
    rng: int = 0,
    draws: uncertainty.Draws | None = None,
    quality: quality_report.QualityReport | None = None,
    confirm_B: int = CONFIRM_B,
) -> Decision:
    """Everything a verdict needs, from one piece of evidence, one set of assumptions and one list of gates.

    ``draws`` (B paired resamples of ``evidence.cube``, seed ``rng``) and ``quality`` may be passed in from a
    cache; they are what this function would compute itself, so caching changes no number.
    """
    cube = evidence.cube
    draws = draws if draws is not None else uncertainty.draw(cube, B, rng)
    if quality is None:
        quality = quality_report.report(cube, evidence.rows, critical_intents=a.critical_intents, draws=draws, rng=rng)
    gate_report = gates_mod.evaluate(tuple(gates), gates_mod.gate_values(quality, a))
    blocking = gate_report.first_blocking
    breakdown = costs.decompose(cube, a)
    boot = uncertainty.reprice(draws, cube, a)
    proj = uncertainty.requests_to_exclude_zero(cube, a, boot=boot, confirm_B=confirm_B, rng=rng)
    be_c = sweeps.break_even(cube, a, "usd_per_critical_event")
    be_v = sweeps.break_even(cube, a, "requests_per_month")
    sentence = verdict(breakdown.margin_usd, boot, proj, be_c, blocking.gate.name if blocking else None)
    return Decision(breakdown, boot, proj, be_c, be_v, sentence, gate_report, quality, evidence.label)
