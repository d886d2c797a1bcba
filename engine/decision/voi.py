"""Decide now, or learn more first? The margin's joint distribution and the value of information.

Each paired bootstrap resample of the cube (:func:`engine.decision.uncertainty.draw`) is priced under one
joint draw of the uncertain assumptions (:mod:`engine.decision.distributions`), so the margin's distribution
carries both the evaluation sample's and the assumptions' uncertainty.

The margin is a sum of products of independent factors, each at most once (volume × rate × price), so the
expected margin given any one factor is the margin with every other factor at its mean: EVPPI needs no
nested loop. Today's choice is the model the expected margin favours; every value of information here is the
expected loss of that choice that the information would avoid (EVPI: all of it; EVPPI: one assumption's, or
the evaluation sample's; EVSI: what ``n`` more labelled requests would reveal, from the preposterior).

EVSI (:mod:`engine.decision.preposterior`): ``n`` future requests drawn from each prior draw (the bootstrap's
resampled cell shares, grouped by what pricing reads of them), the posterior mean shares priced at the assumptions'
means and re-decided; all vectorised over the draws, no per-draw pricing loop. :func:`quick` is what the verdict
quotes: EVPI, EVPPI and the EVSI of the one sample size it names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import numpy as np

from engine import validate
from engine.decision import costs, distributions, preposterior, uncertainty
from engine.decision.cube import ConfusionCube
from engine.decision.scenario import Assumptions
from engine.errors import require

EVALUATION = "evaluation sample"  # the source of uncertainty that more labelled requests shrink
DEFAULT_USD_PER_LABEL = 0.10
DEFAULT_HORIZON_MONTHS = 12.0
N_GRID_POINTS = 20
EVSI_DRAWS = 10_000  # prior draws the preposterior uses (the first resamples)
HORIZON = validate.Interval(Real, 0, 1200, closed="right", unit="months the decision stands")
WORDS = {  # an assumption as the pages and the verdict say it
    EVALUATION: "the evaluation sample",
    "usd_per_critical_event": "$ per critical event",
    "usd_per_harm_unit": "$ per harm unit",
    "requests_per_month": "requests per month",
    "teacher.usd_per_request": "teacher $ per request",
    "student.usd_per_request": "student $ per request",
    "usd_per_ms_month": "$ per ms of P95 latency per month",
    "teacher.ops_usd_per_month": "teacher operations $/month",
    "student.ops_usd_per_month": "student operations $/month",
    "teacher.ops_usd_per_request": "teacher operations $ per request",
    "student.ops_usd_per_request": "student operations $ per request",
}


def words(name: str) -> str:
    return WORDS.get(name, name)


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
    return _joint(_parts(draws, cube, a, _gen(draws, rng)), cube, a)


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


def _posterior_margins(gr: preposterior.Groups, post: np.ndarray, a: Assumptions, means: dict) -> np.ndarray:
    """The margin at the assumptions' means for each posterior (draws × G counts), priced once for all draws."""
    w = gr.values[:, 2]
    r = (post @ (gr.values[:, :2] * w[:, None])) / (post @ w)[:, None]  # posterior-mean Δ rates per draw
    zero = np.zeros(len(post))
    # the margin is linear in the rates, so the teacher carrying the differences and the student none prices it exactly
    rt, rs = costs.Rates(r[:, 0], zero, r[:, 1], zero), costs.Rates(zero, zero, zero, zero)
    return _margin(rt, rs, a, means)


def _evsi(
    p: _Parts,
    draws: uncertainty.Draws,
    cube: ConfusionCube,
    a: Assumptions,
    n_grid: np.ndarray,
    choice: str,
    gen: np.random.Generator,
) -> np.ndarray:
    gr = preposterior.groups(draws, cube, a, EVSI_DRAWS)
    posts = preposterior.posteriors(gr, n_grid, gen)
    return np.array([_loss(_posterior_margins(gr, post, a, p.means), choice) for post in posts])


def _evppi(p: _Parts, a: Assumptions, choice: str) -> dict[str, float]:
    out = {EVALUATION: _loss(_margin(p.rt, p.rs, a, p.means), choice)}
    for k in p.params:
        out[k] = _loss(_margin(p.rt0, p.rs0, a, {**p.means, k: p.params[k]}), choice)
    return out


def _gen(draws: uncertainty.Draws, rng: np.random.Generator | int | None) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng((draws.seed or 0) + 1 if rng is None else rng)


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
    gen = _gen(draws, rng)
    p = _parts(draws, cube, a, gen)
    j = _joint(p, cube, a)
    choice = "student" if j.mean_usd > 0 else "teacher"
    evppi = _evppi(p, a, choice)
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


@dataclass(frozen=True)
class Quick:
    """What the verdict quotes of the value of information: EVPI, EVPPI and the EVSI of the one sample size the
    verdict names (the requests that would exclude zero), against their labelling cost over the horizon."""

    choice: str  # the model today's expected margin favours
    evpi_usd_per_month: float
    evppi_usd_per_month: dict[str, float]
    n: int | None  # the more requests priced (None: none asked for, and none worth labelling)
    evsi_usd_per_month: float | None
    usd_per_label: float
    horizon_months: float
    chosen: bool = False  # n is the best net value's (moment-matched), not the verdict's projection

    @property
    def worth_usd(self) -> float | None:
        """What the ``n`` more requests are worth over the horizon (EVSI × months)."""
        return None if self.evsi_usd_per_month is None else self.evsi_usd_per_month * self.horizon_months

    @property
    def label_cost_usd(self) -> float | None:
        return None if self.n is None else self.n * self.usd_per_label

    @property
    def pays(self) -> bool:
        """Whether labelling the ``n`` requests is worth more than it costs."""
        w, c = self.worth_usd, self.label_cost_usd
        return w is not None and c is not None and self.n is not None and self.n > 0 and w > c

    @property
    def pin_down(self) -> str | None:
        """The uncertain assumption worth learning most, when it is worth more than the evaluation sample."""
        ev = {k: v for k, v in self.evppi_usd_per_month.items() if k != EVALUATION}
        if not ev:
            return None
        top = max(ev, key=lambda k: ev[k])
        return top if ev[top] > self.evppi_usd_per_month[EVALUATION] and ev[top] > 0 else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "choice": self.choice,
            "evpi_usd_per_month": self.evpi_usd_per_month,
            "evppi": self.evppi_usd_per_month,
            "n": self.n,
            "evsi_usd_per_month": self.evsi_usd_per_month,
            "worth_usd": self.worth_usd,
            "label_cost_usd": self.label_cost_usd,
            "net_value_usd": None if self.n is None else (self.worth_usd or 0.0) - (self.label_cost_usd or 0.0),
            "pays": self.pays,
            "n_from": "best net value (moment-matched EVSI)" if self.chosen else "requests to exclude zero",
            "pin_down": self.pin_down,
            "usd_per_label": self.usd_per_label,
            "horizon_months": self.horizon_months,
        }


def quick(
    draws: uncertainty.Draws,
    cube: ConfusionCube,
    a: Assumptions,
    n: int | None,
    *,
    usd_per_label: float = DEFAULT_USD_PER_LABEL,
    horizon_months: float = DEFAULT_HORIZON_MONTHS,
    rng: np.random.Generator | int | None = None,
) -> Quick:
    """EVPI, EVPPI and the EVSI of ``n`` more requests alone: :func:`analyse` without the joint's figures, fast
    enough for every verdict (about 20-60 ms on the seed at B = 10,000; about 200 ms when ``n`` is chosen, below).

    With the same draws and ``rng`` the EVPI and EVPPI are :func:`analyse`'s to the cent (the same joint draw).
    A given ``n`` is priced by the preposterior at that one n (its own future requests, within Monte Carlo error
    of the curve). ``n`` None (no sample size settles the interval): the n of the best net value on the default
    grid by moment matching (the resampled margins shrunk towards their mean by √(n / (N + n)), the preposterior
    mean's spread; Heath, Manolopoulou and Baio 2018), priced along the grid's own future requests up to it, so
    the banner's figure is the Uncertainty page's curve there to the cent; None when no n on the grid pays."""
    validate.NONNEG_USD.check(usd_per_label, "usd_per_label")
    HORIZON.check(horizon_months, "horizon_months")
    gen = _gen(draws, rng)
    p = _parts(draws, cube, a, gen)
    m = _margin(p.rt, p.rs, a, p.params)
    choice = "student" if float(m.mean()) > 0 else "teacher"
    chosen = n is None
    grid = default_n_grid(cube.n)
    if n is None:
        n = _best_n_by_moments(p, grid, cube, a, choice, usd_per_label * 1.0, horizon_months) or None
    evsi = None
    if n is not None:
        require(n >= 0, "n", f"is negative ({n})", "give a sample size of 0 or more")
        # the chosen n is a point of the default grid: priced along the grid's own future requests up to it, so
        # the verdict's figure is the Uncertainty page's to the cent (analyse draws them in the same order)
        path = grid[grid <= n] if chosen else np.array([int(n)])
        evsi = float(_evsi(p, draws, cube, a, path, choice, gen)[-1]) if n > 0 else 0.0
    return Quick(
        choice=choice,
        evpi_usd_per_month=_loss(m, choice),
        evppi_usd_per_month=_evppi(p, a, choice),
        n=None if n is None else int(n),
        evsi_usd_per_month=evsi,
        usd_per_label=float(usd_per_label),
        horizon_months=float(horizon_months),
        chosen=chosen,
    )


def _best_n_by_moments(
    p: _Parts,
    grid: np.ndarray,
    cube: ConfusionCube,
    a: Assumptions,
    choice: str,
    usd_per_label: float,
    horizon_months: float,
) -> int:
    """The ``grid``'s n of the best net value with EVSI by moment matching (0 when none is positive)."""
    m = _margin(p.rt, p.rs, a, p.means)  # the evaluation sample's margins at the assumptions' means
    mu = float(np.mean(_margin(p.rt0, p.rs0, a, p.means)))
    evsi = np.array([_loss(mu + (m - mu) * np.sqrt(n / (n + cube.n)), choice) for n in grid])
    net = evsi * horizon_months - grid * usd_per_label
    return int(grid[int(np.argmax(net))]) if net.max() > 0 else 0
