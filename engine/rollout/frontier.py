"""The cost–quality frontier: every way to serve on one plane of monthly cost against a quality axis, critical
misroutes a month (``axis="critical"``) or the business-weighted error (``axis="error"``: the harm-unit and
critical-event dollars a month, the cost formula's ``weighted_error`` + ``critical``).

Points: the teacher alone, the student alone, each cascade threshold (:func:`engine.rollout.cascade.sweep`),
each per-segment routing policy (:func:`engine.rollout.routing.segment_policies`) and the oracle router (it
falls back exactly where the teacher is cheaper: a bound, never a choice). Every total is the one cost formula.

The latency budget is a constraint: points whose P95 breaks it are shown but never recommended. The Pareto
frontier is the in-budget, deployable points that no other such point beats on both cost and the chosen
quality axis. The recommended point is the cheapest deployable point within the budget (monthly cost already
prices critical misroutes at the scenario's $ per critical event), with a 95% interval on its saving against
the better single model: paired resamples of the evaluation requests (rows for a cascade, cube cells for a
segment policy), each pricing both systems on the same requests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.decision import costs
from engine.decision.cube import ConfusionCube
from engine.decision.scenario import Assumptions
from engine.errors import require
from engine.rollout import cascade, routing

AXES = {  # axis → (Point field, axis title)
    "critical": ("critical_per_month", "Critical misroutes per month"),
    "error": ("error_usd_per_month", "Business-weighted error (USD per month: harm units and critical events)"),
}


@dataclass(frozen=True)
class Point:
    kind: str  # "single", "cascade", "segment policy", "oracle"
    label: str
    total_usd: float
    critical_per_month: float
    p95_latency_ms: float
    within_budget: bool
    deployable: bool  # False for the oracle
    threshold: float | None = None  # a cascade's confidence threshold
    pareto: bool = False  # on the Frontier's axis
    error_usd_per_month: float = float("nan")  # business-weighted error: harm and critical dollars a month

    def quality(self, axis: str) -> float:
        return float(getattr(self, AXES[axis][0]))


@dataclass(frozen=True)
class Frontier:
    points: tuple[Point, ...]
    budget_ms: float
    recommended: Point
    versus: str  # the better (cheaper) single model
    saving_usd: float  # the better single model's total − the recommended point's
    saving_ci95_usd: tuple[float, float]
    next_best: Point | None = None  # the cheapest other deployable point within the budget
    axis: str = "critical"  # the quality axis the Pareto frontier is marked on

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return {
            "axis": self.axis,
            "axis_title": AXES[self.axis][1],
            "budget_ms": self.budget_ms,
            "recommended": asdict(self.recommended),
            "versus": self.versus,
            "saving_usd": self.saving_usd,
            "saving_ci95_usd": list(self.saving_ci95_usd),
            "next_best": None if self.next_best is None else asdict(self.next_best),
            "points": [asdict(p) for p in self.points],
        }


def _pareto(points: list[Point], axis: str = "critical") -> list[Point]:
    """Mark the in-budget deployable points no other such point beats on both cost and ``axis``."""
    ok = [p for p in points if p.within_budget and p.deployable]
    q = lambda p: p.quality(axis)
    front = {
        id(p)
        for p in ok
        if not any(
            (o.total_usd <= p.total_usd and q(o) <= q(p)) and (o.total_usd < p.total_usd or q(o) < q(p)) for o in ok
        )
    }
    return [Point(**{**p.__dict__, "pareto": id(p) in front}) for p in points]


def _points(rows, cube: ConfusionCube, a: Assumptions, budget_ms: float, steps: int) -> tuple[list[Point], object]:
    rc = cascade.row_costs(rows, a)
    sw = cascade.sweep(rows, a, np.linspace(0, 1, steps), rc=rc, cube=cube, budget_ms=budget_ms)
    b, v = costs.decompose(cube, a), a.requests_per_month
    pts = [
        Point("single", f"{m.model.capitalize()} alone", m.total_usd, m.critical_events_per_month,
              a.model(m.model).p95_latency_ms, a.model(m.model).p95_latency_ms <= budget_ms, True,
              error_usd_per_month=m.weighted_error_usd + m.critical_usd)
        for m in (b.teacher, b.student)
    ]  # fmt: skip
    p95, err = sw.budget_p95_ms, _cascade_error_usd(rc, a, sw.thresholds)
    for i, t in enumerate(sw.thresholds):
        if 0 < sw.fallback_rate[i] < 1:  # fallback 0 and 1 are the single models (plus the other's operations)
            pts.append(
                Point("cascade", f"cascade, threshold {t:.2f} ({sw.fallback_rate[i]:.1%} fall back)",
                      float(sw.total_usd[i]), float(sw.critical_rate[i] * v), float(p95[i]),
                      bool(p95[i] <= budget_ms), True, float(t), error_usd_per_month=float(err[i]))
            )  # fmt: skip
    for sp in routing.segment_policies(cube, a):
        pts.append(Point("segment policy", sp["label"], float(sp["total_usd"]), float(sp["critical_per_month"]),
                         float(sp["p95_latency_ms"]), bool(sp["p95_latency_ms"] <= budget_ms), True,
                         error_usd_per_month=float(sp["error_usd_per_month"])))  # fmt: skip
    route = rc.error_usd[1] - rc.error_usd[0] > 0  # the oracle falls back exactly where the teacher is cheaper
    o_rates, _ = cascade._mixed_rates(rc, np.argsort(~route, kind="stable"), np.array([int(route.sum())]))
    pts.append(Point("oracle", "oracle router (a bound)", sw.oracle_total_usd, sw.oracle_critical_rate * v,
                     a.student.p95_latency_ms + a.teacher.p95_latency_ms, False, False,
                     error_usd_per_month=float(routing.error_usd_per_month(o_rates, a)[0])))  # fmt: skip
    return pts, rc


def _cascade_error_usd(rc: cascade.RowCosts, a: Assumptions, thresholds: np.ndarray) -> np.ndarray:
    """Business-weighted error a month at each threshold: the rows below it answered by the teacher (the same
    prefix sums over the confidence order as :func:`cascade.sweep`)."""
    order = np.argsort(rc.confidence, kind="stable")
    conf, n = rc.confidence[order], rc.confidence.size
    k = np.where(thresholds >= 1, n, np.searchsorted(conf, thresholds, side="left"))
    rates, _ = cascade._mixed_rates(rc, order, k)
    return np.asarray(routing.error_usd_per_month(rates, a), dtype=np.float64)


def frontier(
    rows, cube: ConfusionCube, a: Assumptions, *, budget_ms: float = cascade.LATENCY_BUDGET_MS, steps: int = 201,
    B: int = 2_000, seed: int = 0, axis: str = "critical",
) -> Frontier:  # fmt: skip
    """Every point, the Pareto frontier on ``axis`` (critical | error), and the recommendation within the budget
    with its saving's interval (the cheapest in-budget point: the same on either axis)."""
    require(axis in AXES, "axis", f"{axis!r}", "use critical (critical misroutes a month) or error (business-weighted)")
    pts, rc = _points(rows, cube, a, budget_ms, steps)
    pts = _pareto(pts, axis)
    singles = {p.label.split()[0].lower(): p for p in pts if p.kind == "single"}
    versus = min(singles, key=lambda m: singles[m].total_usd)
    ok = [p for p in pts if p.within_budget and p.deployable]
    rec = min(ok, key=lambda p: (p.total_usd, p.kind != "single")) if ok else singles[versus]
    saving = singles[versus].total_usd - rec.total_usd
    if rec.kind == "cascade" and rec.threshold is not None:
        ci = cascade.saving_interval(rc, a, rec.threshold, versus, B=B, seed=seed)  # type: ignore[arg-type]
    elif rec.kind == "segment policy":
        ci = _policy_interval(cube, a, rec.label, versus, B, seed)
    else:
        ci = (saving, saving) if rec.label.lower().startswith(versus) else _single_interval(cube, a, versus, B, seed)
    rest = [p for p in ok if p is not rec]
    nxt = min(rest, key=lambda p: p.total_usd) if rest else None
    return Frontier(tuple(pts), budget_ms, rec, versus, float(saving), (float(ci[0]), float(ci[1])), nxt, axis)


def _resampled(cube: ConfusionCube, B: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).multinomial(cube.n, cube.counts / cube.n, size=B).astype(np.float64)


def _alone(cube: ConfusionCube, a: Assumptions, counts: np.ndarray, model: str) -> np.ndarray:
    rt, rs = costs.rates_from_counts(costs.cell_quantities(cube, a), counts)
    return np.asarray(costs.total(costs.price(rt if model == "teacher" else rs, a, model)), dtype=np.float64)


def _policy_interval(cube, a, label: str, versus: str, B: int, seed: int) -> tuple[float, float]:
    counts = _resampled(cube, B, seed)
    pol = next(p for p in routing.segment_policies(cube, a, counts) if p["label"] == label)
    lo, hi = np.percentile(_alone(cube, a, counts, versus) - pol["total_usd"], [2.5, 97.5])
    return float(lo), float(hi)


def _single_interval(cube, a, versus: str, B: int, seed: int) -> tuple[float, float]:
    counts = _resampled(cube, B, seed)
    other = "teacher" if versus == "student" else "student"
    lo, hi = np.percentile(_alone(cube, a, counts, versus) - _alone(cube, a, counts, other), [2.5, 97.5])
    return float(lo), float(hi)
