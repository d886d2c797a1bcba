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

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from engine.decision import costs, sweeps, uncertainty, voi
from engine.decision.cube import ConfusionCube, Evidence
from engine.decision.scenario import Assumptions
from engine.present.money import usd
from engine.quality import report as quality_report
from engine.rollout import gates as gates_mod

CONFIRM_B = 2_000  # resamples that confirm the projected sample size (one value for CLI, pages and report)
MIN_EVALUATION_REQUESTS = 300  # below this a bootstrap interval is not trusted (issue 12: 80 requests gave [x, x])
MIN_DISCORDANT_CRITICAL = 10  # critical requests misrouted by exactly one model, below which "ship" is not said
NEAR_BREAK_EVEN_FRACTION = 0.05  # an assumption within 5% of its break-even: "about the same"
NEAR_MARGIN_FRACTION = 0.1  # a margin within 10% of its interval's half-width: "about the same"


@dataclass(frozen=True)
class Verdict:
    state: str  # ship | lean | blocked
    model: str  # teacher | student
    sentence: str
    blocking_gate: str | None = None
    small_sample: bool = False  # too few evaluation requests or critical disagreements to ship on
    near_break_even: bool = False  # the models cost about the same; the answer turns on an assumption


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
    break_evens: dict[str, sweeps.BreakEven] = field(default_factory=dict)  # every linear assumption's
    value_of_information: voi.Quick | None = None  # on lean verdicts: what the sentence quotes of EVPI/EVPPI/EVSI

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
                "small_sample": self.verdict.small_sample,
                "near_break_even": self.verdict.near_break_even,
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
            "value_of_information": None if self.value_of_information is None else self.value_of_information.to_dict(),
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
    *,
    near_break_even: str | None = None,
    small_sample: str | None = None,
    value: voi.Quick | None = None,
) -> Verdict:
    """State and model from the margin and its interval; one sentence a PM can read aloud.

    ``near_break_even`` (:func:`near_break_even`) points the sentence at the assumption, not more data;
    ``small_sample`` (:func:`small_sample`) says why the evaluation is too small: never ``ship`` then;
    ``value`` (:func:`engine.decision.voi.quick`) prices a lean verdict's advice (:func:`value_clause`)."""
    favoured = "student" if margin_usd > 0 else "teacher"
    other = "teacher" if favoured == "student" else "student"
    lo, hi = saving_ci95_usd(boot, favoured)
    interval = f"[{usd(lo)}, {usd(hi)}]"  # of the favoured model's saving, the figure the sentence states
    per_month = f"saves {usd(abs(margin_usd))}/month"
    flip = _flip_clause(favoured, be_critical)
    if blocking_gate is not None:
        return _blocked(favoured, margin_usd, blocking_gate, flip, small_sample)
    if small_sample is not None:
        return Verdict(
            "lean",
            favoured,
            f"Lean {favoured}: {per_month}, but the evaluation is too small to ship on: {small_sample}, so "
            f"its 95% interval {interval} cannot be trusted — evaluate more requests{flip}.",
            small_sample=True,
        )
    if boot.excludes_zero:
        return Verdict(
            "ship",
            favoured,
            f"Ship the {favoured}: {per_month} over the {other}, 95% interval {interval} excludes zero{flip}.",
        )
    if near_break_even is not None:
        return Verdict(
            "lean",
            favoured,
            f"Lean {favoured}: {per_month} — the two models cost about the same ({near_break_even}), so the "
            f"decision turns on that assumption, not on more evaluation data{flip}{_pin_down_clause(value)}.",
            near_break_even=True,
        )
    more = _more_data(projection) + value_clause(value)
    return Verdict(
        "lean", favoured, f"Lean {favoured}: {per_month}, but the 95% interval {interval} includes zero — {more}{flip}."
    )


def value_clause(q: voi.Quick | None) -> str:
    """Whether the requests the verdict asks for are worth labelling, from the value of information.

    "; at $0.10 a label those requests are worth $36 over 12 months against $804 to label: decide now", or
    "…, so labelling them pays"; when no sample size settles it, the best n's worth (:func:`engine.decision.voi.quick`)
    or, when none pays, what an exactly known evaluation sample would be worth at most; with an uncertain assumption
    worth more to learn than the evaluation sample (its EVPPI), which one to pin down and what knowing it is worth.
    """
    if q is None:
        return ""
    pin = _pin_down(q)
    if q.n is None or q.worth_usd is None or q.label_cost_usd is None:
        most = usd(q.evppi_usd_per_month[voi.EVALUATION])
        return f"; even an exactly known evaluation sample is worth at most {most}/month: " + (
            f"pin down the {pin[0]} instead (knowing it is worth up to {pin[1]}/month)" if pin else "decide now"
        )
    per, h = usd(q.usd_per_label, cents=True), f"{q.horizon_months:g} months"
    worth, cost = usd(q.worth_usd), usd(q.label_cost_usd)
    text = f"; at {per} a label those requests are worth {worth} over {h} against {cost} to label"
    if q.chosen:  # no sample size settles the interval; this n is the best net value's
        text = f"; labelling {q.n:,} more requests is still worth {worth} over {h} against {cost} at {per} a label"
    if q.pays:
        return (
            text
            + ", so labelling them pays"
            + (f"; knowing the {pin[0]} is worth more (up to {pin[1]}/month)" if pin else "")
        )
    return text + (
        f": decide now or pin down the {pin[0]} (knowing it is worth up to {pin[1]}/month)" if pin else ": decide now"
    )


def _pin_down(q: voi.Quick | None) -> tuple[str, str] | None:
    """("$ per critical event", "$190"): the uncertain assumption worth more to learn than the evaluation sample and
    its EVPPI per month, or None."""
    name = None if q is None else q.pin_down
    if q is None or name is None:
        return None
    return voi.words(name), usd(q.evppi_usd_per_month[name])


def _pin_down_clause(q: voi.Quick | None) -> str:
    pin = _pin_down(q)
    return f"; pin down the {pin[0]} (knowing it is worth up to {pin[1]}/month)" if pin else ""


def saving_ci95_usd(boot: uncertainty.BootstrapResult, model: str) -> tuple[float, float]:
    """95% interval of ``model``'s monthly saving over the other model: the margin's (teacher − student) for the
    student, its mirror for the teacher, so "Lean teacher: saves $880/month" sits beside [−$1,928, $4,025], not
    the margin's [−$4,025, $1,928]."""
    lo, hi = boot.margin_ci95_usd
    return (lo, hi) if model == "student" else (-hi, -lo)


def _blocked(favoured: str, margin_usd: float, gate: str, flip: str, small_sample: str | None) -> Verdict:
    would = f"save {usd(abs(margin_usd))}/month" if favoured == "student" else "cost more"
    also = f" The evaluation is also too small to trust: {small_sample}." if small_sample else ""
    return Verdict(
        "blocked",
        "teacher",
        f"Blocked: the student fails the gate '{gate}', so keep the teacher (the student would {would}){flip}.{also}",
        gate,
        small_sample=small_sample is not None,
    )


def _flip_clause(favoured: str, be: sweeps.BreakEven) -> str:
    if be.value is None:
        return ""
    if favoured == be.winner_below:
        return f"; flips to the {be.winner_above} above ${be.value:,.2f} per critical event"
    return f"; flips to the {be.winner_below} below ${be.value:,.2f} per critical event"


def _more_data(projection: uncertainty.SampleSizeProjection) -> str:
    more = projection.additional_requests
    if more is None:
        return f"more evaluation requests cannot settle it ({projection.reason})"
    return f"evaluate about {more:,} more requests ({projection.requests_to_exclude_zero_total:,} in total)"


def discordant_critical_requests(cube: ConfusionCube, a: Assumptions) -> int:
    """Evaluation requests of a critical intent that exactly one of the two models misroutes.

    The critical cost difference rests on these alone (requests both models get right or both get wrong
    cost both the same), so they, not the sample size, say how well it is measured.
    """
    crit = [cube.intents.index(c) for c in a.critical_intents if c in cube.intents]
    is_crit = np.isin(cube.true_idx, crit)
    discordant = (cube.teacher_idx != cube.true_idx) != (cube.student_idx != cube.true_idx)
    return int(cube.counts[is_crit & discordant].sum())


def small_sample(cube: ConfusionCube, a: Assumptions) -> str | None:
    """Why the evaluation is too small to ship on, or None: fewer than :data:`MIN_EVALUATION_REQUESTS`
    requests, or (when critical misroutes are priced) fewer than :data:`MIN_DISCORDANT_CRITICAL` critical
    requests on which the models disagree."""
    why = []
    if cube.n < MIN_EVALUATION_REQUESTS:
        why.append(f"only {cube.n:,} evaluation requests (fewer than {MIN_EVALUATION_REQUESTS})")
    if a.critical_intents and a.usd_per_critical_event > 0:
        k = discordant_critical_requests(cube, a)
        if k < MIN_DISCORDANT_CRITICAL:
            why.append(
                f"only {k:,} critical requests misrouted by one model but not the other "
                f"(fewer than {MIN_DISCORDANT_CRITICAL})"
            )
    return " and ".join(why) or None


def near_break_even(
    a: Assumptions, margin_usd: float, boot: uncertainty.BootstrapResult, break_evens: list[sweeps.BreakEven]
) -> str | None:
    """Why the two models cost about the same, or None.

    Near means an assumption within :data:`NEAR_BREAK_EVEN_FRACTION` of its break-even, or a margin within
    :data:`NEAR_MARGIN_FRACTION` of its interval's half-width: there, more evaluation data would take a
    sample many times the current one and the answer still hangs on the assumption.
    """
    for be in break_evens:
        now = float(a.get(be.param))
        if be.value is not None and be.value > 0 and abs(now - be.value) <= NEAR_BREAK_EVEN_FRACTION * be.value:
            gap = abs(now - be.value) / be.value
            where = "at" if gap < 0.005 else f"within {gap:.0%} of"
            return (
                f"{sweeps.format_value(be.param, now)} {sweeps.LINEAR_PARAMS[be.param]} is {where} "
                f"the {sweeps.format_value(be.param, be.value)} break-even"
            )
    lo, hi = saving_ci95_usd(boot, "student" if margin_usd > 0 else "teacher")
    half = (hi - lo) / 2
    if half > 0 and abs(margin_usd) <= NEAR_MARGIN_FRACTION * half:
        return f"the {usd(abs(margin_usd))} margin is small beside its 95% interval [{usd(lo)}, {usd(hi)}]"
    return None


def _with_notes(v: Verdict, gate_report: gates_mod.GateReport, a: Assumptions) -> Verdict:
    """The sentence, plus the gates both models fail (no reason to keep the teacher) and an unset critical set."""
    extra = [
        f"Both models fail '{r.gate.name}' (student {r.value:.4g}, teacher {r.teacher_value:.4g}): "
        "not a reason to keep the teacher."
        for r in gate_report.both_fail
    ]
    if not a.critical_intents:
        extra.append(
            "No critical intents are set, so no misroute is priced as critical ($0) and no critical-rate gate can "
            "fail: name the intents whose misroute is critical (the scenario's critical_intents) to price them."
        )
    return replace(v, sentence=" ".join([v.sentence, *extra])) if extra else v


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
    usd_per_label: float = voi.DEFAULT_USD_PER_LABEL,
    horizon: float = voi.DEFAULT_HORIZON_MONTHS,
) -> Decision:
    """Everything a verdict needs, from one piece of evidence, one set of assumptions and one list of gates.

    ``draws`` (B paired resamples of ``evidence.cube``, seed ``rng``) and ``quality`` may be passed in from a
    cache; they are what this function would compute itself, so caching changes no number. A lean verdict on a
    trusted sample also prices its advice (:func:`engine.decision.voi.quick`, the draws' seed + 1 as
    :func:`engine.decision.voi.analyse` takes it by default): are the requests it asks for worth ``usd_per_label``
    each over ``horizon`` months?
    """
    cube, draws = evidence.cube, draws if draws is not None else uncertainty.draw(evidence.cube, B, rng)
    if quality is None:
        quality = quality_report.report(cube, evidence.rows, critical_intents=a.critical_intents, draws=draws, rng=rng)
    gate_report = gates_mod.check(tuple(gates), quality, a, foreign=gates_mod.foreign_labels(cube.intents))
    blocking = gate_report.first_blocking
    breakdown = costs.decompose(cube, a)
    boot = uncertainty.reprice(draws, cube, a)
    proj = uncertainty.requests_to_exclude_zero(cube, a, boot=boot, confirm_B=confirm_B, rng=rng)
    rates = costs.rates_from_counts(costs.cell_quantities(cube, a), cube.counts)  # shared by the break-evens
    bes = {p: sweeps.break_even(cube, a, p, rates=rates) for p in sweeps.LINEAR_PARAMS}
    be_c, be_v = bes["usd_per_critical_event"], bes["requests_per_month"]
    small = small_sample(cube, a)
    value = None
    if blocking is None and small is None and not boot.excludes_zero:  # lean on a sample worth pricing
        value = voi.quick(draws, cube, a, proj.additional_requests, usd_per_label=usd_per_label, horizon_months=horizon)
    sentence = verdict(
        breakdown.margin_usd,
        boot,
        proj,
        be_c,
        blocking.gate.name if blocking else None,
        near_break_even=near_break_even(a, breakdown.margin_usd, boot, list(bes.values())),
        small_sample=small,
        value=value,
    )
    sentence = _with_notes(sentence, gate_report, a)
    return Decision(breakdown, boot, proj, be_c, be_v, sentence, gate_report, quality, evidence.label, bes, value)
