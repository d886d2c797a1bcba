"""Canary sized on the metric that decides: the critical-misroute rate and the $ margin per request.

Critical rate (rare events, 0.34% vs 0.45% on the seed). Three sizes for the canary arm, with
``k = n_control / n_canary = (1 − share) / share``:

* normal: Fleiss' pooled two-proportion formula (as :mod:`engine.rollout.canary` sizes accuracy);
* arcsine (variance-stabilised): ``n_canary = (z_α + z_β)² (1 + 1/k) / h²``, ``h = 2 asin√p₁ − 2 asin√p₀``;
* exact: the conditional test for two Poisson rates (given the total number of critical misroutes T, the
  canary's share of them is Binomial(T, 1/(1 + k)) under no difference; Przyborowski & Wilenski 1940),
  its power summed exactly over T ~ Poisson and the canary arm the smallest whose exact power reaches the
  target (bisection; exact power saw-tooths by a few requests).

The exact size is the one planned on: it needs no normal approximation, which rare events strain.

Margin per request. Each request of the canary costs what the student's cube cell costs, each control
request what the teacher's costs (per-request dollars from :func:`engine.decision.costs.price` over the
cube's cells, production mix included). The arms see different requests, so the size uses each model's
own per-request variance: ``n_canary = (z_α + z_β)² (σ²_student + σ²_teacher / k) / Δ²``. The paired
variance (both models on the same requests, the cube's cells) is reported for an offline replay.

Days: at the scenario's daily traffic, at a constant share and along the seed's ramp (5% for a week,
then 25%; seed 000 §7 "canary 5% → 25% over 2 weeks").

Accuracy (:func:`accuracy_plan`): :func:`engine.rollout.canary.plan` at an explicit sidedness, with its days
on the same ramp, so one planner offers the three metrics with the same alpha, power and sides.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import binom, norm, poisson

from engine.decision import costs
from engine.decision.cube import ConfusionCube
from engine.decision.scenario import MODELS, Assumptions
from engine.errors import require
from engine.rollout import canary
from engine.rollout.canary import MAX_CANARY_DAYS, TOO_SMALL

RAMP = ((0.05, 7.0), (0.25, math.inf))  # seed 000 §7: 5% for the first week, then 25%


def _z(alpha: float, sided: int) -> float:
    require(sided in (1, 2), "sided", f"{sided!r}", "use 1 (one-sided: the canary is worse) or 2")
    require(0 < alpha < 0.5, "alpha", f"{alpha!r}", "use a significance level such as 0.05")
    return float(norm.ppf(1 - alpha / sided))


def _k(share: float) -> float:
    require(0 < share < 1, "share", f"{share!r}", "use a canary share strictly between 0 and 1")
    return (1 - share) / share


def n_normal(p0: float, p1: float, *, alpha: float, power: float, sided: int, share: float) -> float:
    """Fleiss' pooled size of the canary arm (unrounded) for control rate ``p0`` and canary rate ``p1``."""
    k, za, zb = _k(share), _z(alpha, sided), float(norm.ppf(power))
    pbar = (p1 + k * p0) / (1 + k)
    num = za * math.sqrt(pbar * (1 - pbar) * (1 + 1 / k)) + zb * math.sqrt(p1 * (1 - p1) + p0 * (1 - p0) / k)
    return num**2 / (p1 - p0) ** 2


def n_arcsine(p0: float, p1: float, *, alpha: float, power: float, sided: int, share: float) -> float:
    """Variance-stabilised size of the canary arm (unrounded): Var(2 asin√p̂) ≈ 1/n whatever p is."""
    h = 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p0))
    return (_z(alpha, sided) + float(norm.ppf(power))) ** 2 * (1 + 1 / _k(share)) / h**2


def exact_power(n_canary: float, n_control: float, p0: float, p1: float, *, alpha: float, sided: int) -> float:
    """Exact power of the conditional Poisson test (canary's share of all critical misroutes) at these arms."""
    mu_c, mu_0 = n_canary * p1, n_control * p0
    mu = mu_c + mu_0
    half = 10 * math.sqrt(mu) + 10
    t = np.arange(max(0, math.floor(mu - half)), math.ceil(mu + half) + 1)
    pi0, pi1 = n_canary / (n_canary + n_control), mu_c / mu
    a = alpha / sided
    hi = binom.isf(a, t, pi0)  # reject above hi: P0(X > hi) ≤ a
    reject = binom.sf(hi, t, pi1)
    if sided == 2:
        lo = binom.ppf(a, t, pi0)  # reject below lo: P0(X < lo) ≤ a
        reject = reject + binom.cdf(lo - 1, t, pi1)
    return float(np.sum(poisson.pmf(t, mu) * reject))


def n_exact(p0: float, p1: float, *, alpha: float, power: float, sided: int, share: float, start: float) -> int:
    """Smallest canary arm (bisection from ``start``, the arcsine size) whose exact power reaches ``power``."""
    k = _k(share)
    ok = lambda n: exact_power(n, k * n, p0, p1, alpha=alpha, sided=sided) >= power
    lo, hi = max(1.0, start / 4), start * 1.5
    while not ok(hi):
        lo, hi = hi, hi * 2
        require(hi < 1e12, "critical rate", TOO_SMALL, "plan for a larger difference or a bigger share")
    while hi - lo > max(1.0, 1e-4 * hi):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return math.ceil(hi)


def days_on_ramp(met: Callable[[float, float], bool], daily: float, ramp=RAMP) -> float | None:
    """First day (to 0.01) on which the arms collected along ``ramp`` meet ``met(n_canary, n_control)``."""

    def arms(t: float) -> tuple[float, float]:
        c = n = 0.0
        for share, days in ramp:
            d = min(days, t)
            c, n, t = c + share * daily * d, n + (1 - share) * daily * d, t - d
            if t <= 0:
                break
        return c, n

    if not met(*arms(MAX_CANARY_DAYS)):
        return None
    lo, hi = 0.0, MAX_CANARY_DAYS
    while hi - lo > 0.005:
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if mid > 0 and met(*arms(mid)) else (mid, hi)
    return round(hi, 2)


@dataclass(frozen=True)
class MetricPlan:
    """A canary sized on one metric; arms in requests (canary = student, control = teacher)."""

    metric: str
    method: str  # how canary_arm was sized
    control_value: float
    canary_value: float
    difference_per_month: float  # what the canary must detect, per month at the scenario's volume
    unit: str
    alpha: float
    power: float
    sided: int
    share: float
    daily_requests: float
    canary_arm: int
    control_arm: int
    days_at_share: float
    days_on_ramp: float | None  # None: the ramp never collects enough within a year
    checks: dict  # the other methods' canary arms and the exact power at the planned arm

    def to_dict(self) -> dict:
        return asdict(self)

    def sentence(self) -> str:
        """The plan in words (critical rate): what it detects, the canary arm and the days."""
        ramp = f"{self.days_on_ramp:.1f} days" if self.days_on_ramp is not None else "over a year"
        side = "one-sided" if self.sided == 1 else "two-sided"
        return (
            f"to detect the student's {self.difference_per_month:+,.0f} {self.unit} ({self.control_value:.2%} → "
            f"{self.canary_value:.2%}) with {self.power:.0%} power ({side} {self.alpha:.0%}), a {self.share:.0%} "
            f"canary needs {self.canary_arm:,} requests: **{self.days_at_share:.1f} days**, or {ramp} on the plan's "
            "5% → 25% ramp."
        )


def _common(share: float, daily: float, n_can: float, field: str) -> tuple[int, int, float]:
    n = math.ceil(n_can)
    days = n / (share * daily)
    require(
        days <= MAX_CANARY_DAYS,
        field,
        f"{TOO_SMALL}: the canary arm needs {n:,} requests, {days:,.0f} days at {share:.0%} of {daily:,.0f} a day",
        "plan for a larger difference, a bigger canary share or more daily traffic",
    )
    return n, math.ceil(n * _k(share)), days


NO_CRITICAL = (
    "no critical intents set: name them on the Assumptions page (the scenario's critical_intents), and the canary "
    "can be sized on the critical-misroute rate; until then there is no such rate to size on (0 for both models): "
    "size it on accuracy or the $ margin per request"
)
METRICS = ("critical-rate", "margin", "accuracy")


def default_metric(a: Assumptions) -> str:
    """The metric a canary is sized on by default: the critical-misroute rate, the one that decides, where the
    scenario names critical intents; otherwise the $ margin per request (a rate of 0 vs 0 cannot be sized)."""
    return "critical-rate" if a.critical_intents else "margin"


def critical_rates(cube: ConfusionCube, a: Assumptions) -> tuple[float, float]:
    """(teacher's, student's) critical-misroute rate on the evidence, the control and canary rates a critical-rate
    plan sizes on; refused in words (:data:`NO_CRITICAL`) when the scenario names no critical intents."""
    require(bool(a.critical_intents), "critical-misroute rate", "cannot be sized", NO_CRITICAL)
    b = costs.decompose(cube, a)
    return b.teacher.critical_rate, b.student.critical_rate


def critical_rate_plan(
    p0: float, p1: float, *, share: float, daily: float, volume: float, alpha=0.05, power=0.8, sided=1
) -> MetricPlan:
    """Size a canary to detect the critical-misroute rate moving from ``p0`` (teacher) to ``p1`` (student)."""
    for p, name in ((p0, "control critical rate"), (p1, "canary critical rate")):
        require(0 < p < 1, name, f"{p!r} is not a rate strictly between 0 and 1", "give e.g. 0.0034")
    require(p0 != p1, "canary critical rate", "equals the control's", "there is no difference to detect")
    require(0 < power < 1, "power", f"{power!r}", "use e.g. 0.8")
    kw = dict(alpha=alpha, power=power, sided=sided, share=share)
    normal, arcs = n_normal(p0, p1, **kw), n_arcsine(p0, p1, **kw)
    exact = n_exact(p0, p1, **kw, start=arcs)
    n_can, n_ctl, days = _common(share, daily, exact, "canary critical rate")
    met = lambda c, n: exact_power(c, n, p0, p1, alpha=alpha, sided=sided) >= power
    checks = {
        "normal_canary_arm": math.ceil(normal),
        "arcsine_canary_arm": math.ceil(arcs),
        "exact_power_at_normal_size": exact_power(normal, normal * _k(share), p0, p1, alpha=alpha, sided=sided),
        "exact_power_at_plan": exact_power(n_can, n_ctl, p0, p1, alpha=alpha, sided=sided),
        "critical_misroutes_in_canary_arm": n_can * p1,
    }
    return MetricPlan(
        "critical-rate",
        "exact conditional Poisson test",
        p0,
        p1,
        (p1 - p0) * volume,
        "critical misroutes per month",
        alpha,
        power,
        sided,
        share,
        daily,
        n_can,
        n_ctl,
        days,
        days_on_ramp(met, daily),
        checks,
    )


def per_request_usd(cube: ConfusionCube, a: Assumptions) -> tuple[np.ndarray, np.ndarray]:
    """((2, C) dollars a request of each cell costs the teacher and the student, (C,) production weights).

    Each cell is priced alone by :func:`costs.price` at one request a month with no fixed operations, so its
    dollars are the per-request ones of the totals (inference, per-request operations, errors, latency, carbon).
    """
    q = costs.cell_quantities(cube, a)
    rt, rs = costs.rates_from_counts(q, np.eye(cube.n_cells))
    usd = np.vstack(
        [
            costs.total(costs.price(r, a, m, requests_per_month=1.0, fixed_cost_share=0.0))
            for m, r in zip(MODELS, (rt, rs))
        ]
    )
    return usd, cube.counts * q.weight


def margin_moments(cube: ConfusionCube, a: Assumptions) -> dict[str, float]:
    """Mean and variance of a request's dollars under each model and of the paired difference (teacher − student)."""
    usd, w = per_request_usd(cube, a)
    p = w / w.sum()
    mean = usd @ p
    var = ((usd - mean[:, None]) ** 2) @ p
    d = usd[0] - usd[1]
    return {
        "teacher_mean": float(mean[0]),
        "student_mean": float(mean[1]),
        "teacher_var": float(var[0]),
        "student_var": float(var[1]),
        "paired_difference_var": float(((d - d @ p) ** 2) @ p),
    }


def margin_plan(cube: ConfusionCube, a: Assumptions, *, share: float, daily: float, alpha=0.05, power=0.8, sided=2):
    """Size a canary to detect the per-request $ margin (teacher − student) the cube prices."""
    mo = margin_moments(cube, a)
    delta = mo["teacher_mean"] - mo["student_mean"]
    require(delta != 0, "margin", "is $0 per request", "there is no difference to detect")
    require(0 < power < 1, "power", f"{power!r}", "use e.g. 0.8")
    zz = (_z(alpha, sided) + float(norm.ppf(power))) ** 2
    k = _k(share)
    n_can, n_ctl, days = _common(share, daily, zz * (mo["student_var"] + mo["teacher_var"] / k) / delta**2, "margin")
    se = lambda c, n: math.sqrt(mo["student_var"] / c + mo["teacher_var"] / n)
    met = lambda c, n: abs(delta) / se(c, n) >= math.sqrt(zz)
    checks = {**mo, "paired_replay_requests": math.ceil(zz * mo["paired_difference_var"] / delta**2)}
    return MetricPlan(
        "margin",
        "two-sample normal (per-request $ variance of each model over the cube's cells)",
        mo["teacher_mean"],
        mo["student_mean"],
        delta * a.requests_per_month,
        "$ per month (teacher − student, per-request dollars)",
        alpha,
        power,
        sided,
        share,
        daily,
        n_can,
        n_ctl,
        days,
        days_on_ramp(met, daily),
        checks,
    )


@dataclass(frozen=True)
class ShadowPlan:
    """Shadow mode: the student answers beside the teacher on ``share`` of traffic, unseen; no labels needed."""

    agreement: float  # the evidence's top-1 agreement (production mix), the rate to watch
    agreement_ci95: tuple[float, float]  # Wilson interval over the evaluation requests
    gate: float
    alpha: float
    power: float
    share: float
    daily_requests: float
    requests: int | None  # to see agreement fall from the evidence's to the gate (one-sided); None: already below
    days_at_share: float | None
    note: str

    def to_dict(self) -> dict:
        return asdict(self)


def shadow_plan(cube: ConfusionCube, a: Assumptions, *, share: float, daily: float, gate=0.95, alpha=0.05, power=0.8):
    """Requests (and days at ``share``) for shadow traffic to show agreement below ``gate`` when it has fallen
    there from the evidence's rate: one-sample, one-sided, ``n = [z_α√(p₀q₀) + z_β√(p₁q₁)]² / (p₀ − p₁)²``."""
    w = cube.counts * costs.cell_quantities(cube, a).weight
    p0 = float(w[cube.teacher_idx == cube.student_idx].sum() / w.sum())
    n_eval, z = cube.n, 1.959963984540054
    centre = (p0 + z * z / (2 * n_eval)) / (1 + z * z / n_eval)
    half = z * math.sqrt(p0 * (1 - p0) / n_eval + z * z / (4 * n_eval**2)) / (1 + z * z / n_eval)
    _k(share)
    if p0 <= gate:
        return ShadowPlan(p0, (centre - half, centre + half), gate, alpha, power, share, daily, None, None,
                          f"the evidence's agreement {p0:.1%} is already at or below the {gate:.0%} gate: shadow "
                          "traffic would flag it from the first day; fix the student or the gate first")  # fmt: skip
    za, zb = _z(alpha, 1), float(norm.ppf(power))
    n = math.ceil(((za * math.sqrt(p0 * (1 - p0)) + zb * math.sqrt(gate * (1 - gate))) / (p0 - gate)) ** 2)
    note = f"watch top-1 agreement against {p0:.1%}; {n:,} shadow requests show a fall to {gate:.0%}"
    return ShadowPlan(
        p0, (centre - half, centre + half), gate, alpha, power, share, daily, n, n / (share * daily), note
    )


def accuracy_plan(
    *, baseline: float, target: float | None, share: float, daily: float, alpha: float = 0.05, power: float = 0.8,
    sided: int = 2, non_inferiority_margin: float | None = None, usd_per_label: float = 0.0,
) -> tuple[canary.CanaryPlan, float | None]:  # fmt: skip
    """The accuracy canary (:func:`canary.plan`) at ``sided``, and its days on the 5% → 25% ramp (None for
    non-inferiority, or when the ramp never collects enough). A one-sided superiority test at α is the
    two-sided formula at 2α (as ``canary --sided 1``); non-inferiority is one-sided already."""
    _z(alpha, sided)
    one = sided == 1 and non_inferiority_margin is None
    a2 = 2 * alpha if one else alpha
    p = canary.plan(
        baseline=baseline, target=None if non_inferiority_margin is not None else target, share=share,
        daily_requests=daily, alpha=a2, power=power, non_inferiority_margin=non_inferiority_margin,
        usd_per_label=usd_per_label,
    )  # fmt: skip
    if one:
        p = dataclasses.replace(p, alpha=alpha, test="superiority (one-sided)")
    ramp = None
    if non_inferiority_margin is None and target is not None:
        ramp = canary.days_along_ramp(baseline=baseline, target=target, daily_requests=daily, alpha=a2, power=power)
    return p, ramp
