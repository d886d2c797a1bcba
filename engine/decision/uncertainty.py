"""Paired bootstrap of the monthly margin by multinomial resampling of the cube.

Resampling n requests with replacement is the same as one multinomial draw of
n over the cube's occupied cells (each cell keeps its teacher/student pairing),
so B resamples cost O(B × cells), independent of n. Draw once, reprice many:
:func:`draw` depends only on the cube; :func:`reprice` turns the draws into
dollars under any assumptions with one matrix product plus percentiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Real

import numpy as np

from engine import validate
from engine.decision import costs, distributions
from engine.decision.cube import ConfusionCube
from engine.decision.scenario import Assumptions
from engine.errors import require

Z95 = 1.959963984540054
DEFAULT_B = 10_000


@dataclass(frozen=True, eq=False)
class Draws:
    """B multinomial resamples of the cube's cells (float32 counts, exact below 2^24)."""

    counts: np.ndarray
    cube_hash: str
    n: int
    seed: int | None
    intents: tuple[str, ...] | None = None  # the layout the columns follow: the hash does not see label order

    @property
    def B(self) -> int:
        return int(self.counts.shape[0])


def draw(
    cube: ConfusionCube, B: int = DEFAULT_B, rng: np.random.Generator | int | None = 0, n: int | None = None
) -> Draws:
    """``B`` paired resamples of ``n`` requests (default: the cube's own n).

    ``rng`` is a ``numpy.random.Generator`` or an integer seed.
    """
    require(
        isinstance(B, (int, np.integer)) and B >= 100,
        "bootstrap",
        f"B = {B!r}",
        "use at least 100 resamples (10,000 by default)",
    )
    validate.BOOTSTRAP.check(B, "bootstrap")
    require(
        B * cube.n_cells <= validate.MAX_DRAW_CELLS,
        "bootstrap",
        f"B = {B:,} resamples × {cube.n_cells:,} occupied cells is over {validate.MAX_DRAW_CELLS:,} draws",
        f"use at most {validate.MAX_DRAW_CELLS // cube.n_cells:,} resamples for this cube",
    )
    n_draw = cube.n if n is None else int(validate.Interval(Real, 0, validate.MAX_COUNT).check(n, "n"))
    require(n_draw >= 1, "n", f"{n_draw} requests", "resample at least one request")
    seed = validate.SEED.check(rng, "seed") if isinstance(rng, (int, np.integer)) else None
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    p = cube.counts / cube.n
    counts = gen.multinomial(n_draw, p, size=int(B)).astype(np.float32)
    return Draws(counts, cube.hash, n_draw, None if seed is None else int(seed), cube.intents)


@dataclass(frozen=True)
class BootstrapResult:
    """Percentile intervals (2.5%, 97.5%) of monthly dollars and rates; margin = teacher − student."""

    B: int
    n: int
    margin_point_usd: float
    margin_ci95_usd: tuple[float, float]
    margin_se_usd: float
    p_student_cheaper: float
    teacher_total_ci95_usd: tuple[float, float]
    student_total_ci95_usd: tuple[float, float]
    teacher_harm_units_per_request_ci95: tuple[float, float]
    student_harm_units_per_request_ci95: tuple[float, float]
    delta_harm_units_per_request_ci95: tuple[float, float]
    teacher_critical_rate_ci95: tuple[float, float]
    student_critical_rate_ci95: tuple[float, float]
    critical_price_uncertain: bool
    margins_usd: np.ndarray = field(repr=False, compare=False)

    @property
    def excludes_zero(self) -> bool:
        lo, hi = self.margin_ci95_usd
        return lo > 0 or hi < 0


def _ci(x: np.ndarray) -> tuple[float, float]:
    lo, hi = np.percentile(x, [2.5, 97.5])
    return float(lo), float(hi)


def critical_prices(a: Assumptions, B: int, rng: np.random.Generator) -> np.ndarray | float:
    """Per-resample $ per critical event: its distribution (the range: triangular, mode = point), or the point."""
    return distributions.joint_draw(a, B, rng).get("usd_per_critical_event", a.usd_per_critical_event)


def _served(a: Assumptions, model: str, params: dict) -> costs.ServingSystem:
    m = a.model(model)
    get = lambda f: params.get(f"{model}.{f}", getattr(m, f))
    return costs.ServingSystem(
        get("usd_per_request"),
        get("ops_usd_per_month"),
        get("ops_usd_per_request"),
        m.p95_latency_ms,
        m.kwh_per_request,
    )


def price_joint(rt: costs.Rates, rs: costs.Rates, a: Assumptions, params: dict) -> tuple[np.ndarray, np.ndarray]:
    """Teacher and student monthly totals with any assumption in ``params`` (a name → value or array per resample).

    Without ``params`` this is exactly ``costs.price`` of each model; otherwise each model is a
    :class:`~engine.decision.costs.ServingSystem` with its drawn prices and operations, priced by the same function.
    """
    over = {
        k: params[k]
        for k in ("requests_per_month", "usd_per_critical_event", "usd_per_harm_unit", "usd_per_ms_month")
        if k in params
    }
    if not any("." in k for k in params):
        return costs.total(costs.price(rt, a, "teacher", **over)), costs.total(costs.price(rs, a, "student", **over))
    tt = costs.total(costs.price(rt, a, _served(a, "teacher", params), **over))
    return tt, costs.total(costs.price(rs, a, _served(a, "student", params), **over))


def reprice(
    draws: Draws, cube: ConfusionCube, a: Assumptions, rng: np.random.Generator | None = None
) -> BootstrapResult:
    """Price every resample under ``a``; the point margin is :func:`engine.costs.decompose`'s."""
    require(
        draws.cube_hash == cube.hash,
        "draws",
        "were drawn from another cube",
        "draw again for this cube (the dashboard caches draws by cube hash)",
    )
    require(
        draws.intents is None or draws.intents == cube.intents,
        "draws",
        "follow another label order than this cube's (the same requests, other columns)",
        "draw again for this cube's layout (cache draws by hash and label order)",
    )
    q = costs.cell_quantities(cube, a)
    rt, rs = costs.rates_from_counts(q, draws.counts)
    gen = rng if rng is not None else np.random.default_rng((draws.seed or 0) + 1)
    tt, st = price_joint(rt, rs, a, distributions.joint_draw(a, draws.B, gen))
    margins = np.asarray(tt - st, dtype=np.float64)
    point = costs.decompose(cube, a).margin_usd
    return BootstrapResult(
        B=draws.B,
        n=draws.n,
        margin_point_usd=point,
        margin_ci95_usd=_ci(margins),
        margin_se_usd=float(margins.std(ddof=1)),
        p_student_cheaper=float(np.mean(margins > 0)),
        teacher_total_ci95_usd=_ci(tt),
        student_total_ci95_usd=_ci(st),
        teacher_harm_units_per_request_ci95=_ci(rt.harm_units),
        student_harm_units_per_request_ci95=_ci(rs.harm_units),
        delta_harm_units_per_request_ci95=_ci(rs.harm_units - rt.harm_units),
        teacher_critical_rate_ci95=_ci(rt.critical),
        student_critical_rate_ci95=_ci(rs.critical),
        critical_price_uncertain="usd_per_critical_event" in distributions.specs(a),
        margins_usd=margins,
    )


def margin_se_usd(cube: ConfusionCube, a: Assumptions, n: int | None = None) -> float:
    """Analytic (delta-method) standard error of the margin for n paired requests.

    The margin's random part is V × Σ d_c k_c / Σ w_c k_c with k ~ Multinomial(n, p);
    its influence per cell is ψ_c = (d_c − R·w_c) / Σ p_c w_c, so
    SE = V · sqrt(Σ p_c ψ_c² / n). It scales as 1/√n at the observed pairing.
    """
    q = costs.cell_quantities(cube, a)
    per_req = q.error_usd(a)
    d = q.weight * (per_req[0] - per_req[1])
    p = cube.counts / cube.n
    w_bar = float(p @ q.weight)
    r = float(p @ d) / w_bar
    psi = (d - r * q.weight) / w_bar
    return a.requests_per_month * math.sqrt(float(p @ psi**2) / (n or cube.n))


def _assumption_variance(cube: ConfusionCube, a: Assumptions) -> float:
    """Variance of the margin from the uncertain assumptions alone (at the observed rates); it does not shrink with n.

    Only the critical price uncertain: exact, Var(price) × (the critical gap at $1)²; otherwise 20,000 joint draws.
    """
    d = distributions.specs(a)
    if not d:
        return 0.0
    if set(d) == {"usd_per_critical_event"}:
        crit_gap = costs.decompose(cube, a.replace(usd_per_critical_event=1.0)).delta_usd("critical")
        return d["usd_per_critical_event"].variance() * crit_gap**2
    rt, rs = costs.rates_from_counts(costs.cell_quantities(cube, a), cube.counts)
    tt, st = price_joint(rt, rs, a, distributions.joint_draw(a, 20_000, np.random.default_rng(0)))
    return float(np.var(np.asarray(tt - st)))


@dataclass(frozen=True)
class SampleSizeProjection:
    """Evaluation requests (paired, total) for the margin's 95% interval to exclude zero."""

    n_now: int
    requests_to_exclude_zero_total: int | None  # None: no sample size suffices
    additional_requests: int | None
    se_now_usd: float
    reason: str
    confirm_ci95_usd: tuple[float, float] | None = None  # bootstrap interval at the projected n


def requests_to_exclude_zero(
    cube: ConfusionCube,
    a: Assumptions,
    *,
    boot: BootstrapResult | None = None,
    confirm_B: int = 2_000,
    rng: np.random.Generator | int | None = 0,
) -> SampleSizeProjection:
    """Project SE ∝ 1/√n at the observed pairing to the n where the interval clears zero; confirm by bootstrap.

    Without ``boot`` the SE is the analytic one (:func:`margin_se_usd`) and the
    interval is taken as ±z·SE. With ``boot`` the SE is read off the side of
    the percentile interval that faces zero, (margin − lower) / z, so the
    projection is about the interval the verdict actually uses (the margin's
    distribution is skewed by the rare critical events). With an uncertain
    critical-event price the price's own spread does not shrink with n; if it
    alone spans zero, no sample size suffices.
    """
    m = costs.decompose(cube, a).margin_usd
    se = margin_se_usd(cube, a)
    if boot is not None and not distributions.specs(a):
        lo, hi = boot.margin_ci95_usd
        se = max((m - lo) if m > 0 else (hi - m), 0.0) / Z95
    n0 = cube.n
    if m == 0:
        return SampleSizeProjection(n0, None, None, se, "the margin is exactly zero: no sample size decides it")
    price_var = _assumption_variance(cube, a)
    budget = (m / Z95) ** 2 - price_var
    if budget <= 0:
        only_price = set(distributions.specs(a)) == {"usd_per_critical_event"}
        return SampleSizeProjection(
            n0,
            None,
            None,
            se,
            "the critical-event price range alone puts zero inside the interval; narrow the price, not the sample"
            if only_price
            else "the uncertain assumptions alone put zero inside the interval; pin them down, not the sample",
        )
    if se == 0:
        return SampleSizeProjection(n0, n0, 0, se, "the margin has no sampling error at this pairing")
    n_total = max(1, math.ceil(n0 * se**2 / budget))
    reason = "already excludes zero" if n_total <= n0 else f"SE ∝ 1/√n projected from n = {n0:,}"
    confirm = None
    if confirm_B:
        confirm = reprice(draw(cube, confirm_B, rng, n=n_total), cube, a).margin_ci95_usd
    return SampleSizeProjection(n0, n_total, max(0, n_total - n0), se, reason, confirm)
