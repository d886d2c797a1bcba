"""Decide now, or learn more first? The margin's joint distribution and the value of information.

Each paired bootstrap resample of the cube (:func:`engine.decision.uncertainty.draw`) is priced under one
joint draw of the uncertain assumptions (:mod:`engine.decision.distributions`), so the margin's distribution
carries both the evaluation sample's and the assumptions' uncertainty.

The margin is a sum of products of independent factors, each at most once (volume × rate × price), so the
expected margin given any one factor is the margin with every other factor at its mean: EVPPI needs no
nested loop. Today's choice is the model the expected margin favours; every value of information here is the
expected loss of that choice that the information would avoid (EVPI: all of it; EVPPI: one assumption's, or
the evaluation sample's; EVSI: what ``n`` more labelled requests would reveal, from the preposterior).

EVSI: the cells are grouped by what pricing reads of them (harm units, weighted critical events, mix weight
per model); the prior is the bootstrap's resampled cell shares; ``n`` future requests are a multinomial draw
from them, added cumulatively along the n-grid (common random numbers, so the curve is smooth in n); the
posterior mean cell shares (counts + future) / (N + n) are priced at the assumptions' means and re-decided.
All vectorised over (draws × groups); no per-draw pricing loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import numpy as np

from engine import validate
from engine.decision import costs, distributions, uncertainty
from engine.decision.cube import ConfusionCube
from engine.decision.scenario import Assumptions
from engine.errors import require

EVALUATION = "evaluation sample"  # the source of uncertainty that more labelled requests shrink
DEFAULT_USD_PER_LABEL = 0.10
DEFAULT_HORIZON_MONTHS = 12.0
N_GRID_POINTS = 20
EVSI_DRAWS = 10_000  # prior draws the preposterior uses (the first resamples)
HORIZON = validate.Interval(Real, 0, 1200, closed="right", unit="months the decision stands")


@dataclass(frozen=True)
class Joint:
    """The margin (teacher − student, $/month) over B joint draws: resample × assumptions."""

    margins_usd: np.ndarray = field(repr=False)
    point_usd: float  # the margin at the point assumptions (the verdict's)
    mean_usd: float
    ci95_usd: tuple[float, float]
    p_student_cheaper: float
    variance_shares: dict[str, float]  # source → share of Var(margin) removed by fixing it at its mean
    critical_grid: np.ndarray = field(repr=False)
    p_by_critical: np.ndarray = field(repr=False)
    volume_grid: np.ndarray = field(repr=False)
    p_by_volume: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class ValueOfInformation:
    """EVPI, EVPPI per source and EVSI over an n-grid, in $ per month; net values over the horizon."""

    joint: Joint
    choice: str  # the model today's expected margin favours
    evpi_usd_per_month: float
    evppi_usd_per_month: dict[str, float]
    n_grid: np.ndarray
    evsi_usd_per_month: np.ndarray
    usd_per_label: float
    horizon_months: float
    net_value_usd: np.ndarray  # EVSI × horizon − n × usd_per_label, per n
    best_n: int
    uncertain: tuple[str, ...]  # the assumptions drawn, in words

    @property
    def best_net_value_usd(self) -> float:
        return float(self.net_value_usd[int(np.searchsorted(self.n_grid, self.best_n))])

    def to_dict(self) -> dict[str, Any]:
        j = self.joint
        return {
            "choice": self.choice,
            "margin_point_usd": j.point_usd,
            "margin_mean_usd": j.mean_usd,
            "margin_ci95_usd": list(j.ci95_usd),
            "p_student_cheaper": j.p_student_cheaper,
            "variance_shares": j.variance_shares,
            "uncertain": list(self.uncertain),
            "evpi_usd_per_month": self.evpi_usd_per_month,
            "evppi": self.evppi_usd_per_month,
            "evsi": [{"n": int(n), "usd_per_month": float(v)} for n, v in zip(self.n_grid, self.evsi_usd_per_month)],
            "net_value_by_n": [{"n": int(n), "usd": float(v)} for n, v in zip(self.n_grid, self.net_value_usd)],
            "usd_per_label": self.usd_per_label,
            "horizon_months": self.horizon_months,
            "best_n": self.best_n,
            "net_value_usd": self.best_net_value_usd,
        }


def _margin(rt: costs.Rates, rs: costs.Rates, a: Assumptions, params: dict) -> np.ndarray:
    tt, st = uncertainty.price_joint(rt, rs, a, params)
    return np.asarray(tt - st, dtype=np.float64)


def _ci(x: np.ndarray) -> tuple[float, float]:
    lo, hi = np.percentile(x, [2.5, 97.5])
    return float(lo), float(hi)


@dataclass(frozen=True)
class _Parts:
    rt: costs.Rates  # per resample
    rs: costs.Rates
    rt0: costs.Rates  # at the cube's own counts (the evaluation sample at its mean)
    rs0: costs.Rates
    params: dict  # the joint draw: name → array
    means: dict  # the uncertain assumptions at their means


def _parts(draws: uncertainty.Draws, cube: ConfusionCube, a: Assumptions, gen: np.random.Generator) -> _Parts:
    require(
        draws.cube_hash == cube.hash,
        "draws",
        "were drawn from another cube",
        "draw again for this cube (the dashboard caches draws by cube hash)",
    )
    q = costs.cell_quantities(cube, a)
    rt, rs = costs.rates_from_counts(q, draws.counts)
    rt0, rs0 = costs.rates_from_counts(q, cube.counts)
    params = distributions.joint_draw(a, draws.B, gen)
    all_means = distributions.means(a)
    return _Parts(rt, rs, rt0, rs0, params, {k: all_means[k] for k in params})


def joint(
    draws: uncertainty.Draws, cube: ConfusionCube, a: Assumptions, rng: np.random.Generator | int | None = None
) -> Joint:
    """The margin's joint distribution, its variance shares and the acceptability curves."""
    gen = (
        rng
        if isinstance(rng, np.random.Generator)
        else np.random.default_rng((draws.seed or 0) + 1 if rng is None else rng)
    )
    return _joint(_parts(draws, cube, a, gen), cube, a)


def _joint(p: _Parts, cube: ConfusionCube, a: Assumptions) -> Joint:
    m = _margin(p.rt, p.rs, a, p.params)
    var = float(np.var(m))
    shares: dict[str, float] = {}
    if var > 0:
        shares[EVALUATION] = 1 - float(np.var(_margin(p.rt0, p.rs0, a, p.params))) / var
        for k in p.params:
            shares[k] = 1 - float(np.var(_margin(p.rt, p.rs, a, {**p.params, k: p.means[k]}))) / var
    crit_mean = p.means.get("usd_per_critical_event", a.usd_per_critical_event)
    c_grid = np.linspace(0.0, max(2.5 * crit_mean, 1.0), 51)
    at0 = _margin(p.rt, p.rs, a, {**p.params, "usd_per_critical_event": 0.0})
    slope = _margin(p.rt, p.rs, a, {**p.params, "usd_per_critical_event": 1.0}) - at0
    p_crit = np.mean(at0[:, None] + slope[:, None] * c_grid[None, :] > 0, axis=0)
    vol = p.means.get("requests_per_month", a.requests_per_month)
    v_grid = np.geomspace(max(vol / 100, 1.0), max(vol * 30, 10.0), 51)
    fixed = _margin(p.rt, p.rs, a, {**p.params, "requests_per_month": 0.0})
    per_request = _margin(p.rt, p.rs, a, {**p.params, "requests_per_month": 1.0}) - fixed
    p_vol = np.mean(fixed[:, None] + per_request[:, None] * v_grid[None, :] > 0, axis=0)
    return Joint(
        margins_usd=m,
        point_usd=costs.decompose(cube, a).margin_usd,
        mean_usd=float(m.mean()),
        ci95_usd=_ci(m),
        p_student_cheaper=float(np.mean(m > 0)),
        variance_shares=shares,
        critical_grid=c_grid,
        p_by_critical=p_crit,
        volume_grid=v_grid,
        p_by_volume=p_vol,
    )


def default_n_grid(n_now: int, points: int = N_GRID_POINTS) -> np.ndarray:
    """0 and ``points − 1`` sizes from n/100 to 30 n, geometric (the seed's 10,000: 100 to 300,000)."""
    grid = np.unique(np.round(np.geomspace(max(n_now / 100, 10), 30 * n_now, points - 1)).astype(np.int64))
    return np.concatenate([[0], grid])


def _loss(x: np.ndarray, choice: str) -> float:
    """Expected loss of ``choice`` against the better model in each draw ($/month)."""
    return float(np.mean(np.maximum(-x, 0.0) if choice == "student" else np.maximum(x, 0.0)))


def _binomial(gen: np.random.Generator, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Binomial(n, p) per element: exact where n·p·(1 − p) < 25, else its normal approximation rounded (20× faster)."""
    var = n * p * (1.0 - p)
    big = var >= 25.0
    out = np.rint(n * p + np.sqrt(var) * gen.standard_normal(n.shape)) if big.any() else np.zeros(n.shape)
    small = ~big
    out[small] = gen.binomial(n[small], p[small])
    return np.clip(out, 0, n).astype(np.int64)


def _multinomial(gen: np.random.Generator, n: int, p: np.ndarray) -> np.ndarray:
    """One Multinomial(n, p[b]) draw per row, as conditional binomials vectorised over the rows; the last column
    takes what is left (put the largest category last)."""
    out = np.empty_like(p)
    left_n = np.full(p.shape[0], n, dtype=np.int64)
    left_p = np.ones(p.shape[0])
    for g in range(p.shape[1] - 1):
        share = np.clip(np.divide(p[:, g], left_p, out=np.zeros_like(left_p), where=left_p > 0), 0.0, 1.0)
        k = _binomial(gen, left_n, share)
        out[:, g] = k
        left_n -= k
        left_p -= p[:, g]
    out[:, -1] = left_n
    return out


def _evsi(
    p: _Parts,
    draws: uncertainty.Draws,
    cube: ConfusionCube,
    a: Assumptions,
    n_grid: np.ndarray,
    choice: str,
    gen: np.random.Generator,
) -> np.ndarray:
    q = costs.cell_quantities(cube, a)
    # what the margin reads of a cell: Δ harm units, Δ weighted critical events (teacher − student), mix weight
    key = np.vstack([q.harm_units[0] - q.harm_units[1], q.critical_weighted[0] - q.critical_weighted[1], q.weight]).T
    groups, inv = np.unique(key, axis=0, return_inverse=True)
    onehot = np.zeros((cube.n_cells, len(groups)))
    onehot[np.arange(cube.n_cells), np.ravel(inv)] = 1.0
    base = np.asarray(cube.counts, dtype=np.float64) @ onehot
    order = np.argsort(base, kind="stable")  # the largest group last: it takes what the others leave
    groups, onehot, base = groups[order], onehot[:, order], base[order]
    prior = np.asarray(draws.counts[:EVSI_DRAWS], dtype=np.float64) @ onehot  # the first resamples: the prior
    prior /= prior.sum(axis=1, keepdims=True)
    w = groups[:, 2]
    future = np.zeros_like(prior)
    out, n_prev = [], 0
    for n in n_grid:
        if n > n_prev:
            future += _multinomial(gen, int(n - n_prev), prior)
            n_prev = int(n)
        post = base[None, :] + future
        r = (post @ (groups[:, :2] * w[:, None])) / (post @ w)[:, None]  # posterior-mean Δ rates per draw
        zero = np.zeros(len(post))
        # the margin is linear in the rates, so the teacher carrying the differences and the student none prices
        # it exactly
        rt, rs = costs.Rates(r[:, 0], zero, r[:, 1], zero), costs.Rates(zero, zero, zero, zero)
        out.append(_loss(_margin(rt, rs, a, p.means), choice))
    return np.array(out)


def analyse(
    draws: uncertainty.Draws,
    cube: ConfusionCube,
    a: Assumptions,
    *,
    usd_per_label: float = DEFAULT_USD_PER_LABEL,
    horizon_months: float = DEFAULT_HORIZON_MONTHS,
    n_grid: np.ndarray | None = None,
    rng: np.random.Generator | int | None = None,
) -> ValueOfInformation:
    """EVPI, EVPPI (the evaluation sample and each uncertain assumption) and EVSI with its net value."""
    validate.NONNEG_USD.check(usd_per_label, "usd_per_label")
    HORIZON.check(horizon_months, "horizon_months")
    gen = (
        rng
        if isinstance(rng, np.random.Generator)
        else np.random.default_rng((draws.seed or 0) + 1 if rng is None else rng)
    )
    p = _parts(draws, cube, a, gen)
    j = _joint(p, cube, a)
    choice = "student" if j.mean_usd > 0 else "teacher"
    evppi = {EVALUATION: _loss(_margin(p.rt, p.rs, a, p.means), choice)}
    for k in p.params:
        evppi[k] = _loss(_margin(p.rt0, p.rs0, a, {**p.means, k: p.params[k]}), choice)
    grid = default_n_grid(cube.n) if n_grid is None else np.unique(np.asarray(n_grid, dtype=np.int64))
    require(bool(grid.size) and grid[0] >= 0, "n_grid", "has a negative size", "give sizes of 0 or more")
    evsi = _evsi(p, draws, cube, a, grid, choice, gen)
    net = evsi * horizon_months - grid * usd_per_label
    best = int(grid[int(np.argmax(net))]) if net.max() > 0 else 0
    if best == 0 and grid[0] != 0:
        grid, evsi, net = np.concatenate([[0], grid]), np.concatenate([[0.0], evsi]), np.concatenate([[0.0], net])
    return ValueOfInformation(
        joint=j,
        choice=choice,
        evpi_usd_per_month=_loss(j.margins_usd, choice),
        evppi_usd_per_month=evppi,
        n_grid=grid,
        evsi_usd_per_month=evsi,
        usd_per_label=float(usd_per_label),
        horizon_months=float(horizon_months),
        net_value_usd=net,
        best_n=best,
        uncertain=tuple(distributions.describe(a)),
    )
