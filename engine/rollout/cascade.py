"""Cascade and routing economics.

The student answers every request and falls back to the teacher when its
confidence is below a threshold (0 = never, 1 = always). A fallback pays both
models' price and both models' latency (seed: 5 + 12 = 17 ms > the 15 ms
budget). Running a cascade at all means operating both models, so the
teacher's fixed operations cost is added whenever the fallback rate is above 0.

Nothing here prices a request: each row costs what its cube cell costs
(:func:`engine.decision.costs.cell_quantities`, production mix included) and
each threshold's system is priced by :func:`engine.decision.costs.price`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.decision import costs
from engine.decision import cube as cube_mod
from engine.decision.cube import ConfusionCube
from engine.decision.scenario import MODELS, Assumptions
from engine.errors import DistillDecideError, require

LATENCY_BUDGET_MS = 15.0


@dataclass(frozen=True)
class RowCosts:
    """Per-request quantities of each model (aligned with the rows), each taken from the row's cube cell.

    Rows ``(2, n)`` are (teacher, student). ``weight`` re-weights a row to the production intent and segment
    mix (1 = the evaluation mix), exactly as the totals do.
    """

    error_usd: np.ndarray  # (2, n) harm × $ + critical × $ × segment multiplier, per request
    correct: np.ndarray  # (2, n)
    critical: np.ndarray  # (2, n)
    confidence: np.ndarray  # (n,) student top-label probability
    latency_ms: np.ndarray  # (2, n) measured per request, else the model's P95
    harm_units: np.ndarray  # (2, n)
    critical_weighted: np.ndarray  # (2, n)
    weight: np.ndarray  # (n,)
    latency_measured: bool = False
    cell: np.ndarray | None = None  # (n,) the row's cube cell (rows of one cell cost alike)


def row_costs(rows: pd.DataFrame, a: Assumptions) -> RowCosts:
    """Per-request quantities from rows with true, teacher_pred, student_pred and student probabilities."""
    for col in ("true", "teacher_pred", "student_pred"):
        require(col in rows.columns, f"column {col}", "missing", "give per-request rows (the seed rows or a run)")
    cube = cube_mod.from_rows(rows, intents=a.intents)
    q = costs.cell_quantities(cube, a)
    cell = cube.cell_of_rows(rows)
    conf = _student_confidence(rows, a)
    lat = np.vstack([_latency(rows, a, m) for m in ("teacher", "student")])
    measured = all(f"{m}_latency_ms" in rows.columns and rows[f"{m}_latency_ms"].notna().all() for m in MODELS)
    return RowCosts(
        error_usd=q.error_usd(a)[:, cell],
        correct=q.misroute[:, cell] == 0,
        critical=q.critical[:, cell] > 0,
        confidence=conf,
        latency_ms=lat,
        harm_units=q.harm_units[:, cell],
        critical_weighted=q.critical_weighted[:, cell],
        weight=q.weight[cell],
        latency_measured=measured,
        cell=cell,
    )


def _student_confidence(rows: pd.DataFrame, a: Assumptions) -> np.ndarray:
    cols = [f"p_student_{i}" for i in a.intents]
    if all(c in rows.columns for c in cols):
        return rows[cols].to_numpy().max(axis=1)
    if "student_probs" in rows.columns:
        return np.array([max(p) for p in rows["student_probs"]])
    if "student_confidence" in rows.columns:
        return rows["student_confidence"].to_numpy(float)
    raise DistillDecideError(
        "student probabilities", "missing", "a cascade needs the student's confidence per request (probability columns)"
    )


def _latency(rows: pd.DataFrame, a: Assumptions, model: str) -> np.ndarray:
    col = f"{model}_latency_ms"
    if col in rows.columns and rows[col].notna().all():
        return rows[col].to_numpy(float)
    return np.full(len(rows), a.model(model).p95_latency_ms)  # no measured latencies: the P95 for every request


@dataclass(frozen=True)
class CascadeSweep:
    thresholds: np.ndarray
    fallback_rate: np.ndarray
    usd_per_request_inference: np.ndarray
    accuracy: np.ndarray
    critical_rate: np.ndarray
    p95_latency_ms: np.ndarray
    share_over_budget: np.ndarray
    total_usd: np.ndarray
    teacher_total_usd: float
    student_total_usd: float
    oracle_fallback_rate: float
    oracle_total_usd: float
    oracle_accuracy: float
    measured_p95_latency_ms: np.ndarray | None = None  # from per-request latencies, where the rows have them
    oracle_critical_rate: float = float("nan")  # critical misroutes per request of the oracle router

    @property
    def best_index(self) -> int:
        return int(np.argmin(self.total_usd))

    @property
    def beats_both(self) -> bool:
        return bool(self.total_usd.min() < min(self.teacher_total_usd, self.student_total_usd))

    @property
    def budget_p95_ms(self) -> np.ndarray:
        """The P95 the latency budget is judged on: measured where the rows have latencies, else priced."""
        return self.measured_p95_latency_ms if self.measured_p95_latency_ms is not None else self.p95_latency_ms

    def break_even_fallback_rate(self) -> float | None:
        """Fallback rate above which the cascade always costs more than the teacher alone (None: never)."""
        over = self.total_usd > self.teacher_total_usd
        if not over.any():
            return None
        order = np.argsort(self.fallback_rate, kind="stable")
        f, o = self.fallback_rate[order], over[order]
        below = np.nonzero(~o)[0]
        last_ok = below.max() if below.size else -1
        return float(f[last_ok + 1]) if last_ok + 1 < f.size else None

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "threshold": self.thresholds,
                "fallback_rate": self.fallback_rate,
                "inference_usd_per_request": self.usd_per_request_inference,
                "accuracy": self.accuracy,
                "critical_rate": self.critical_rate,
                "p95_latency_ms": self.p95_latency_ms,
                "share_over_budget": self.share_over_budget,
                "total_usd_per_month": self.total_usd,
            }
            | (
                {}
                if self.measured_p95_latency_ms is None
                else {"measured_p95_latency_ms": self.measured_p95_latency_ms}
            )
        )


def _mixed_rates(rc: RowCosts, order: np.ndarray, k: np.ndarray) -> tuple[costs.Rates, np.ndarray]:
    """Production-weighted per-request rates when the first ``k`` rows of ``order`` fall back to the teacher,
    and the (weighted) fallback share."""
    w = rc.weight
    total_w = w.sum()
    pre = lambda x: np.concatenate([[0.0], np.cumsum(x[order])])[k]

    def mixed(x: np.ndarray) -> np.ndarray:
        x = x.astype(np.float64)
        return (w @ x[1] + pre(w * (x[0] - x[1]))) / total_w

    rates = costs.Rates(
        harm_units=mixed(rc.harm_units),
        critical=mixed(rc.critical),
        critical_weighted=mixed(rc.critical_weighted),
        misroute=mixed(~rc.correct),
    )
    cum_w = np.concatenate([[0.0], np.cumsum(w[order])])
    return rates, cum_w[k] / cum_w[-1]  # the prefix's own total: every row falls back ⇒ exactly 1


def _cascade_total(a: Assumptions, rates: costs.Rates, fallback: np.ndarray, p95: np.ndarray) -> np.ndarray:
    """Monthly total of a student-first cascade: the one cost formula over a system that mixes both models."""
    system = costs.mixed_system(
        a,
        teacher_share=fallback,
        uses_teacher=fallback > 0,
        uses_student=True,
        p95_latency_ms=p95,
        student_on_every_request=True,
    )
    return np.asarray(costs.total(costs.price(rates, a, system)), dtype=np.float64)


def sweep(
    rows: pd.DataFrame,
    a: Assumptions,
    thresholds=None,
    *,
    budget_ms: float = LATENCY_BUDGET_MS,
    rc: RowCosts | None = None,
    cube: ConfusionCube | None = None,
) -> CascadeSweep:
    """Every threshold at once: rows sorted by confidence, prefix sums give each threshold's fallback set.

    The alone totals are :func:`engine.decision.costs.decompose` of the rows' cube (the Overview's numbers);
    priced latency uses each model's P95 from the assumptions (a fallback pays both), the share over budget
    uses measured per-request latencies where the rows have them.
    """
    rc = rc or row_costs(rows, a)
    th = np.linspace(0, 1, 1001) if thresholds is None else np.asarray(thresholds, float)
    require(bool(np.all((th >= 0) & (th <= 1))), "thresholds", "outside [0, 1]", "use confidence thresholds in [0, 1]")
    n = rc.confidence.size
    order = np.argsort(rc.confidence, kind="stable")
    conf = rc.confidence[order]
    k = np.where(th >= 1, n, np.searchsorted(conf, th, side="left"))  # rows with confidence < threshold
    rates, f = _mixed_rates(rc, order, k)
    p95 = _priced_p95(a, k, n)
    measured_p95, over = _latency_profile(rc, order, k, budget_ms)
    total = _cascade_total(a, rates, f, p95)
    gain = rc.error_usd[1] - rc.error_usd[0]  # the oracle falls back exactly where the teacher is cheaper
    route = gain > 0
    o_order = np.argsort(~route, kind="stable")
    o_k = np.array([int(route.sum())])
    o_rates, o_f = _mixed_rates(rc, o_order, o_k)
    o_total = _cascade_total(a, o_rates, o_f, _priced_p95(a, o_k, n))
    alone = costs.decompose(cube if cube is not None else cube_mod.from_rows(rows, intents=a.intents), a)
    return CascadeSweep(
        th,
        f,
        a.student.usd_per_request + f * a.teacher.usd_per_request,
        1.0 - rates.misroute,
        rates.critical,
        p95,
        over,
        total,
        alone.teacher.total_usd,
        alone.student.total_usd,
        float(o_f[0]),
        float(o_total[0]),
        float(1.0 - o_rates.misroute[0]),
        measured_p95 if rc.latency_measured else None,
        float(o_rates.critical[0]),
    )


def _priced_p95(a: Assumptions, k: np.ndarray, n: int) -> np.ndarray:
    """The P95 that is priced: k of n requests pay both models' P95 (a fallback), the rest the student's."""
    lo = a.student.p95_latency_ms
    return _two_point_p95(lo, lo + a.teacher.p95_latency_ms, k, n)


def _two_point_p95(lo_val: float, hi_val: float, k: np.ndarray, n: int) -> np.ndarray:
    """P95 (numpy's linear interpolation) of n latencies, the k slowest ``hi_val`` and the rest ``lo_val``."""
    pos = 0.95 * (n - 1)
    i, frac = int(np.floor(pos)), pos - np.floor(pos)
    value = lambda idx: np.where(idx >= n - k, hi_val, lo_val)  # sorted: the k slow ones last
    return np.asarray(value(i) + frac * (value(min(i + 1, n - 1)) - value(i)), dtype=np.float64)


def _latency_profile(rc: RowCosts, order: np.ndarray, k: np.ndarray, budget_ms: float):
    """P95 latency (numpy's linear interpolation) and share over budget when the first k rows of ``order``
    fall back and pay both models' latency."""
    ls, lt = rc.latency_ms[1][order], rc.latency_ms[0][order]
    n = ls.size
    if np.ptp(ls) == 0 and np.ptp(lt) == 0:  # constant latencies (P95s, nothing measured): closed form
        lo_val, hi_val = ls[0], ls[0] + lt[0]
        f = k / n
        over = (lo_val > budget_ms) * (1 - f) + (hi_val > budget_ms) * f
        return _two_point_p95(lo_val, hi_val, k, n), over.astype(float)
    p95, over = np.empty(k.size), np.empty(k.size)
    uniq, inv = np.unique(k, return_inverse=True)
    rank = np.arange(n)
    for j, kk in enumerate(uniq):
        lat = ls + np.where(rank < kk, lt, 0.0)
        p95[inv == j] = np.percentile(lat, 95)
        over[inv == j] = np.mean(lat > budget_ms)
    return p95, over


@dataclass(frozen=True)
class Choice:
    """One threshold of a sweep, priced, with its saving against the better single model."""

    threshold: float
    fallback_rate: float
    total_usd: float
    p95_latency_ms: float
    saving_usd: float  # better single model's total − this threshold's total (positive: the cascade saves)
    saving_ci95_usd: tuple[float, float]


@dataclass(frozen=True)
class Recommendation:
    """The cheapest threshold within the latency budget and the unconstrained optimum; savings are against
    ``versus``, the cheaper single model, paired over resampled rows."""

    budget_ms: float
    versus: str
    within_budget: Choice | None  # None: no threshold's P95 meets the budget
    unconstrained: Choice
    max_fallback_within_budget: float | None  # the largest fallback share whose P95 meets the budget
    B: int
    seed: int
    alone: str | None = None  # serve this model alone: no threshold within the budget beats it
    alone_total_usd: float | None = None  # its monthly total

    @property
    def serves_alone(self) -> str | None:
        """The model to serve with no cascade ("student" also when the within-budget best is fallback 0)."""
        if self.alone:
            return self.alone
        w = self.within_budget
        return "student" if w is not None and w.fallback_rate == 0 else None


def recommend(
    rows: pd.DataFrame,
    a: Assumptions,
    sw: CascadeSweep | None = None,
    *,
    budget_ms: float = LATENCY_BUDGET_MS,
    B: int = 2_000,
    seed: int = 0,
    rc: RowCosts | None = None,
) -> Recommendation:
    """Respect the latency budget: the cheapest threshold whose P95 (measured where the rows have it, else
    priced) is ≤ ``budget_ms``; the cost-optimal threshold regardless of it as a second answer."""
    rc = rc or row_costs(rows, a)
    sw = sw or sweep(rows, a, rc=rc, budget_ms=budget_ms)
    p95 = sw.budget_p95_ms
    ok = p95 <= budget_ms
    cheapest = lambda mask: int(np.flatnonzero(mask)[np.argmin(sw.total_usd[mask])]) if mask.any() else None
    inside, best = cheapest(ok), sw.best_index
    versus = "student" if sw.student_total_usd <= sw.teacher_total_usd else "teacher"
    alone_total = float(sw.student_total_usd if versus == "student" else sw.teacher_total_usd)
    chosen = [best] if inside is None else [inside, best]
    cis = [saving_interval(rc, a, float(sw.thresholds[i]), versus, B=B, seed=seed) for i in chosen]  # own resamples
    saving = lambda i: 0.0 if abs(alone_total - sw.total_usd[i]) < 1e-6 else float(alone_total - sw.total_usd[i])
    by_index = {
        i: Choice(
            float(sw.thresholds[i]), float(sw.fallback_rate[i]), float(sw.total_usd[i]), float(p95[i]), saving(i), ci
        )
        for i, ci in zip(chosen, cis)
    }
    max_fb = float(sw.fallback_rate[ok].max()) if ok.any() else None
    within = None if inside is None else by_index[inside]
    # the cheaper single model within budget beats every cascade that is not cheaper than it (at $2.50 per
    # critical event the teacher alone, 12 ms, costs less than the student alone and every in-budget cascade)
    single = (
        versus if a.model(versus).p95_latency_ms <= budget_ms and (within is None or within.saving_usd <= 0) else None
    )
    total = alone_total if single else None
    return Recommendation(budget_ms, versus, within, by_index[best], max_fb, B, seed, single, total)


def saving_interval(
    rc: RowCosts, a: Assumptions, threshold: float, versus: str, *, B: int = 2_000, seed: int = 0, point: bool = False
) -> tuple[float, float]:
    """95% interval of (``versus`` alone − the cascade at ``threshold``) by a paired bootstrap over the rows.

    Resampling n rows with replacement is one multinomial draw over groups of rows that cost alike (the same
    cube cell and the same fallback decision). Each resample prices the cascade and the single model on the
    same requests, with that resample's fallback share and so its priced P95. ``point``: price the rows as
    they are instead (the sweep's own saving; a check that the groups lose nothing).
    """
    require(rc.cell is not None, "row costs", "have no cube cells", "build them with row_costs")
    assert rc.cell is not None  # narrows for mypy
    n = rc.confidence.size
    falls = (rc.confidence < threshold) | (threshold >= 1)  # as sweep() counts them
    _, first, counts = np.unique(rc.cell.astype(np.int64) * 2 + falls, return_index=True, return_counts=True)
    k = counts[None, :].astype(np.float64) if point else np.random.default_rng(seed).multinomial(n, counts / n, B)
    kw = k * rc.weight[first]
    mean = lambda x: (kw @ x) / kw.sum(axis=1)
    qty = (rc.harm_units, rc.critical, rc.critical_weighted, (~rc.correct).astype(np.float64))
    fb = falls[first]
    alone = costs.total(costs.price(costs.Rates(*(mean(x[MODELS.index(versus)][first]) for x in qty)), a, versus))
    rates = costs.Rates(*(mean(np.where(fb, x[0][first], x[1][first])) for x in qty))
    total = _cascade_total(a, rates, mean(fb.astype(np.float64)), _priced_p95(a, k @ fb, n))
    lo, hi = np.percentile(np.asarray(alone, dtype=np.float64) - total, [2.5, 97.5])
    return float(lo), float(hi)
