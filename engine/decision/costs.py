"""Total monthly cost of each model: one function of (cube, assumptions).

The computation is split in two so that sweeps and the bootstrap reuse it:

* :func:`cell_quantities` — per-cell, per-request quantities that depend on
  the cube, the harm matrix, the critical set and the production mix;
* :func:`price` — the monthly formula (DESIGN.md "Cost model"), elementwise,
  so any rate or scalar assumption may be a numpy array (a sweep or B
  bootstrap resamples priced at once).

This is the one place a request is priced. Every other view — per segment,
per cell, the cascade and segment routing (a :class:`ServingSystem` that mixes
both models), drift cycles, checkpoint selection — calls :func:`price`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from engine.decision.cube import ConfusionCube
from engine.decision.scenario import MODELS, Assumptions
from engine.errors import require

COMPONENTS = ("inference", "weighted_error", "critical", "operational", "latency", "carbon")


@dataclass(frozen=True)
class CellQuantities:
    """Per-request quantities of each occupied cell; rows are (teacher, student)."""

    harm_units: np.ndarray  # (2, C) harm units of a non-critical misroute, else 0
    critical: np.ndarray  # (2, C) 1 for a critical misroute
    critical_weighted: np.ndarray  # (2, C) critical × segment multiplier
    misroute: np.ndarray  # (2, C) 1 for any misroute
    weight: np.ndarray  # (C,) production-mix re-weighting (1 = evaluation mix)

    def error_usd(self, a: Assumptions) -> np.ndarray:
        """(2, C) error dollars per request in each cell: harm × $ per unit + critical × $ per event."""
        return self.harm_units * a.usd_per_harm_unit + self.critical_weighted * a.usd_per_critical_event

    def stacked(self) -> np.ndarray:
        """(C, 9) matrix: weight × [harm, crit, crit_w, misroute] per model, then weight."""
        cols = [self.harm_units, self.critical, self.critical_weighted, self.misroute]
        mat = np.vstack([c[m] for m in range(2) for c in cols] + [np.ones_like(self.weight)])
        return (mat * self.weight).T


@dataclass(frozen=True)
class Rates:
    """Per-request rates of one model; floats, or arrays over resamples."""

    harm_units: Any
    critical: Any
    critical_weighted: Any
    misroute: Any


def cell_quantities(cube: ConfusionCube, a: Assumptions) -> CellQuantities:
    """Per-cell quantities of ``cube`` under ``a``'s harm matrix, critical set and mix.

    Cells stay in the cube's own order (bootstrap draws are columns in that
    order); labels are mapped to the scenario's by name.
    """
    missing = [i for i in cube.intents if i not in a.intents]
    require(
        not missing,
        "intents",
        f"the evaluation data has intent(s) {missing} the scenario lacks",
        "add them to the scenario's intents and harm matrix, or map the labels",
    )
    pos = np.array([a.intents.index(i) for i in cube.intents])
    harm = np.asarray(a.harm_matrix, dtype=np.float64)
    crit_set = np.zeros(len(a.intents), dtype=bool)
    crit_set[[a.intents.index(c) for c in a.critical_intents]] = True
    mults = a.critical_multipliers
    unknown = sorted(set(mults) - set(cube.segments))
    require(
        not unknown,
        "critical_multiplier_by_segment",
        f"unknown segment(s) {unknown}",
        f"use the evaluation data's segments ({', '.join(cube.segments)})",
    )
    seg_mult = np.array([mults.get(s, 1.0) for s in cube.segments])[cube.segment_idx]
    true = pos[cube.true_idx]
    out = {k: np.zeros((2, cube.n_cells)) for k in ("harm_units", "critical", "critical_weighted", "misroute")}
    for m, pred in enumerate((pos[cube.teacher_idx], pos[cube.student_idx])):
        wrong = pred != true
        is_crit = wrong & crit_set[true]
        out["misroute"][m] = wrong
        out["critical"][m] = is_crit
        out["critical_weighted"][m] = is_crit * seg_mult
        out["harm_units"][m] = np.where(wrong & ~is_crit, harm[true, pred], 0.0)
    return CellQuantities(weight=_mix_weights(cube, a), **out)


def _mix_weights(cube: ConfusionCube, a: Assumptions) -> np.ndarray:
    """Re-weight cells to the production intent and segment mix (independent factors)."""
    w = np.ones(cube.n_cells)
    for mix, labels, idx, shares in (
        (a.intent_mix, cube.intents, cube.true_idx, cube.intent_shares()),
        (a.segment_mix, cube.segments, cube.segment_idx, cube.segment_shares()),
    ):
        if not mix:
            continue
        name = "production_intent_mix" if labels is cube.intents else "production_segment_mix"
        unknown = sorted(set(mix) - set(labels))
        require(not unknown, name, f"unknown label(s) {unknown}", f"use {', '.join(labels[:12])}")
        absent = [k for k, v in mix.items() if v > 0 and shares.get(k, 0) == 0]
        require(
            not absent,
            name,
            f"{absent} have production share but no evaluation requests",
            "evaluate some requests of them, or set their share to 0",
        )
        factor = np.array([mix.get(lab, 0.0) / shares[lab] if shares[lab] > 0 else 0.0 for lab in labels])
        w = w * factor[idx]
    return w


def rates_from_counts(q: CellQuantities, counts: np.ndarray) -> tuple[Rates, Rates]:
    """Teacher and student rates from cell counts, shape (C,) or (B, C)."""
    mat = q.stacked()
    if np.ndim(counts) == 1:
        totals = np.asarray(counts, dtype=np.float64) @ mat
    else:  # B resamples: float32 halves memory traffic; counts ≤ 2^24 stay exact
        totals = np.asarray(counts, dtype=np.float32) @ mat.astype(np.float32)
    totals = np.moveaxis(np.asarray(totals, dtype=np.float64), -1, 0)
    denom = totals[8]
    r = totals[:8] / denom
    return Rates(*r[0:4]), Rates(*r[4:8])


class Served(Protocol):
    """What :func:`price` needs of whatever serves the requests: a model's assumptions or a mix of models.

    Read-only members, so frozen dataclasses (:class:`ServingSystem`, a model's assumptions) satisfy it.
    """

    @property
    def usd_per_request(self) -> Any: ...
    @property
    def ops_usd_per_month(self) -> Any: ...
    @property
    def ops_usd_per_request(self) -> Any: ...
    @property
    def p95_latency_ms(self) -> Any: ...
    @property
    def kwh_per_request(self) -> Any: ...


@dataclass(frozen=True)
class ServingSystem:
    """A system that serves with more than one model (cascade, segment routing); fields may be arrays.

    Built with :func:`mixed_system`; priced by :func:`price` exactly like one model.
    """

    usd_per_request: Any
    ops_usd_per_month: Any
    ops_usd_per_request: Any
    p95_latency_ms: Any
    kwh_per_request: Any


def mixed_system(
    a: Assumptions,
    *,
    teacher_share: Any,
    uses_teacher: Any,
    uses_student: Any,
    p95_latency_ms: Any,
    student_on_every_request: bool = False,
) -> ServingSystem:
    """Both models behind one front door.

    ``teacher_share`` of the requests pay the teacher's inference, energy and per-request operations; the rest
    pay the student's — or, for a student-first cascade (``student_on_every_request``), every request pays the
    student and the fallbacks pay the teacher as well. A model in use pays its fixed monthly operations.
    """
    t, s = a.teacher, a.student
    s_share = 1.0 if student_on_every_request else 1.0 - np.asarray(teacher_share, dtype=np.float64)
    per_request = lambda field: teacher_share * getattr(t, field) + s_share * getattr(s, field)
    return ServingSystem(
        usd_per_request=per_request("usd_per_request"),
        ops_usd_per_month=np.asarray(uses_teacher) * t.ops_usd_per_month
        + np.asarray(uses_student) * s.ops_usd_per_month,
        ops_usd_per_request=per_request("ops_usd_per_request"),
        p95_latency_ms=p95_latency_ms,
        kwh_per_request=per_request("kwh_per_request"),
    )


def price(rates: Rates, a: Assumptions, model: str | Served, **overrides: Any) -> dict[str, Any]:
    """Monthly dollars per component for one model (a name) or a :class:`ServingSystem`.

    ``overrides`` replace scalar assumptions (``requests_per_month``,
    ``usd_per_critical_event``, ``usd_per_ms_month``, ``usd_per_harm_unit``)
    and may be arrays, which broadcast against array rates.
    ``fixed_cost_share`` (default 1) is the share of the fixed monthly
    operations charged here: a segment's volume share, so segments add up.
    """
    m = a.model(model) if isinstance(model, str) else model
    v = overrides.get("requests_per_month", a.requests_per_month)
    usd_harm = overrides.get("usd_per_harm_unit", a.usd_per_harm_unit)
    usd_crit = overrides.get("usd_per_critical_event", a.usd_per_critical_event)
    usd_ms = overrides.get("usd_per_ms_month", a.usd_per_ms_month)
    fixed_share = overrides.get("fixed_cost_share", 1.0)
    excess_ms: float | np.ndarray = np.maximum(0.0, np.asarray(m.p95_latency_ms, dtype=np.float64) - a.baseline_ms)
    if np.ndim(excess_ms) == 0:
        excess_ms = float(excess_ms)
    return {
        "inference": v * m.usd_per_request,
        "weighted_error": v * rates.harm_units * usd_harm,
        "critical": v * rates.critical_weighted * usd_crit,
        "operational": fixed_share * m.ops_usd_per_month + v * m.ops_usd_per_request,
        "latency": usd_ms * (v / a.latency_reference_requests_per_month) * excess_ms,
        "carbon": v * m.kwh_per_request * a.kg_co2e_per_kwh * a.usd_per_kg_co2e,
    }


def total(components: dict[str, Any]) -> Any:
    return sum(components[c] for c in COMPONENTS)


@dataclass(frozen=True)
class ModelCost:
    """One model's monthly cost by component, with the counts behind the dollars."""

    model: str
    inference_usd: float
    weighted_error_usd: float
    critical_usd: float
    operational_usd: float
    latency_usd: float
    carbon_usd: float
    total_usd: float
    accuracy: float
    misroute_rate: float
    harm_units_per_request: float
    critical_rate: float
    misroutes_per_month: float
    harm_units_per_month: float
    critical_events_per_month: float
    kg_co2e_per_month: float

    def component_usd(self, name: str) -> float:
        return getattr(self, f"{name}_usd")


@dataclass(frozen=True)
class CostBreakdown:
    """Both models' costs; ``margin_usd`` = teacher total − student total (the student's saving)."""

    teacher: ModelCost
    student: ModelCost
    requests_per_month: float

    @property
    def margin_usd(self) -> float:
        return self.teacher.total_usd - self.student.total_usd

    def delta_usd(self, component: str) -> float:
        """Student − teacher for one component (positive: the student costs more)."""
        return self.student.component_usd(component) - self.teacher.component_usd(component)

    def table(self) -> pd.DataFrame:
        rows = [
            {
                "component": c,
                "teacher_usd": self.teacher.component_usd(c),
                "student_usd": self.student.component_usd(c),
                "student_minus_teacher_usd": self.delta_usd(c),
            }
            for c in COMPONENTS + ("total",)
        ]
        return pd.DataFrame(rows)


def _model_cost(model: str, rates: Rates, a: Assumptions, volume: float) -> ModelCost:
    comp = price(rates, a, model, requests_per_month=volume)
    m = a.model(model)
    return ModelCost(
        model=model,
        total_usd=float(total(comp)),
        **{f"{c}_usd": float(comp[c]) for c in COMPONENTS},
        accuracy=1.0 - float(rates.misroute),
        misroute_rate=float(rates.misroute),
        harm_units_per_request=float(rates.harm_units),
        critical_rate=float(rates.critical),
        misroutes_per_month=volume * float(rates.misroute),
        harm_units_per_month=volume * float(rates.harm_units),
        critical_events_per_month=volume * float(rates.critical),
        kg_co2e_per_month=volume * m.kwh_per_request * a.kg_co2e_per_kwh,
    )


def decompose(cube: ConfusionCube, a: Assumptions) -> CostBreakdown:
    """Monthly cost of teacher and student by component at ``a.requests_per_month``."""
    q = cell_quantities(cube, a)
    rt, rs = rates_from_counts(q, cube.counts)
    v = a.requests_per_month
    return CostBreakdown(_model_cost("teacher", rt, a, v), _model_cost("student", rs, a, v), v)


def decompose_by_segment(cube: ConfusionCube, a: Assumptions) -> pd.DataFrame:
    """Per-segment costs; each segment gets its share of the monthly volume.

    Fixed operational cost is allocated by volume share, so segments add up
    to the totals of :func:`decompose`.
    """
    q = cell_quantities(cube, a)
    w_counts = cube.counts * q.weight
    rows = []
    for s, seg in enumerate(cube.segments):
        mask = cube.segment_idx == s
        share = float(w_counts[mask].sum() / w_counts.sum())
        if share == 0:
            continue
        counts = np.where(mask, cube.counts, 0)
        rt, rs = rates_from_counts(q, counts)
        for model, r in zip(MODELS, (rt, rs)):
            comp = price(r, a, model, requests_per_month=a.requests_per_month * share, fixed_cost_share=share)
            rows.append(
                {
                    "segment": seg,
                    "model": model,
                    "volume_share": share,
                    "requests_per_month": a.requests_per_month * share,
                    "critical_events_per_month": a.requests_per_month * share * float(r.critical),
                    **{f"{c}_usd": float(comp[c]) for c in COMPONENTS},
                    "total_usd": float(total(comp)),
                }
            )
    return pd.DataFrame(rows)


def confusion_costs(cube: ConfusionCube, a: Assumptions) -> pd.DataFrame:
    """Monthly error dollars per (model, true, predicted) misroute, most expensive first."""
    q = cell_quantities(cube, a)
    share = cube.counts * q.weight / float((cube.counts * q.weight).sum())
    v = a.requests_per_month
    per_req = q.error_usd(a)
    frames = []
    for m, (model, pred) in enumerate(zip(MODELS, (cube.teacher_idx, cube.student_idx))):
        usd = v * share * per_req[m]
        df = pd.DataFrame(
            {
                "model": model,
                "true": np.array(cube.intents)[cube.true_idx],
                "pred": np.array(cube.intents)[pred],
                "misroutes_per_month": v * share * q.misroute[m],
                "critical_per_month": v * share * q.critical[m],
                "usd_per_month": usd,
            }
        )
        frames.append(df[q.misroute[m] > 0])
    out = pd.concat(frames).groupby(["model", "true", "pred"], as_index=False).sum()
    return out.sort_values("usd_per_month", ascending=False, ignore_index=True)


@dataclass(frozen=True)
class Payback:
    """One-off costs against the monthly saving of the cheaper model."""

    one_off_usd: float
    monthly_saving_usd: float
    payback_months: float | None  # None: never pays back
    cumulative_usd_by_month: tuple[float, ...]  # months 1..12, net of one-off costs


def payback(breakdown: CostBreakdown, a: Assumptions, months: int = 12) -> Payback:
    """Payback period of switching to the student and its 12-month net saving."""
    saving = breakdown.margin_usd
    cum = tuple(saving * k - a.one_off_usd for k in range(1, months + 1))
    months_needed = (a.one_off_usd / saving) if saving > 0 else None
    if a.one_off_usd == 0 and saving > 0:
        months_needed = 0.0
    return Payback(a.one_off_usd, saving, months_needed, cum)
