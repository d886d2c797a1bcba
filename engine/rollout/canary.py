"""Canary sizing: one method throughout, the two-proportion normal approximation.

Superiority uses the pooled variance under H0, generalised to unequal arms
(Fleiss): with k = n_control / n_canary and p̄ = (p_canary + k·p_control)/(1 + k),

    n_canary = [z_α·√(p̄q̄(1 + 1/k)) + z_β·√(p_c q_c + p_0 q_0 / k)]² / Δ².

Non-inferiority (one-sided, margin δ, unpooled: H0 is not a zero difference):

    n_canary = (z_α + z_β)² (p_c q_c + p_0 q_0 / k) / (p_c − p_0 + δ)².

Sample sizes are rounded up. statsmodels' arcsine effect size is shown as a
cross-check for equal arms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import norm

from engine import validate
from engine.decision import costs
from engine.errors import require
from engine.rollout import gates

MAX_CANARY_DAYS = 365.0  # a canary that needs longer than a year is not a canary: the search gives up
TOO_SMALL = "this difference is too small to detect at this traffic"


def _check_p(p: float, name: str) -> None:
    require(0 < p < 1, name, f"{p!r} is not a proportion strictly between 0 and 1", "give e.g. 0.90 for 90%")


def _z(alpha: float, sided: int) -> float:
    require(0 < alpha < 0.5, "alpha", f"{alpha!r}", "use a significance level such as 0.05")
    return float(norm.ppf(1 - alpha / sided))


def n_superiority(
    p_control: float, p_canary: float, *, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0
) -> float:
    """Unrounded canary-arm size for a two-sided test; ``ratio`` = n_control / n_canary."""
    _check_p(p_control, "baseline")
    _check_p(p_canary, "target")
    require(p_control != p_canary, "target", "equals the baseline", "give the accuracy the canary must detect")
    require(0 < power < 1, "power", f"{power!r}", "use e.g. 0.8")
    require(ratio > 0, "share", "gives an empty arm", "use a canary share strictly between 0 and 1")
    return _n_pooled(p_control, p_canary, _z(alpha, 2), float(norm.ppf(power)), ratio)


def _n_pooled(p_control: float, p_canary: float, za: float, zb: float, k: float) -> float:
    """Fleiss' pooled two-proportion size for the canary arm (inputs already checked)."""
    pbar = (p_canary + k * p_control) / (1 + k)
    num = za * math.sqrt(pbar * (1 - pbar) * (1 + 1 / k)) + zb * math.sqrt(
        p_canary * (1 - p_canary) + p_control * (1 - p_control) / k
    )
    return num**2 / (p_canary - p_control) ** 2


def _check_detectable(n_canary: float, per_day: float, field: str) -> None:
    """Give up, in words, on a sample size no canary can collect (instead of planning for centuries)."""
    days = n_canary / per_day
    require(
        math.isfinite(days) and days <= MAX_CANARY_DAYS,
        field,
        f"{TOO_SMALL}: the canary arm needs {n_canary:,.0f} requests, {days:,.0f} days at {per_day:,.4g} a day",
        f"plan for a larger difference, a bigger canary share or more daily traffic (a canary must collect "
        f"within {MAX_CANARY_DAYS:.0f} days)",
    )


def n_non_inferiority(
    p_control: float,
    p_canary_expected: float,
    margin: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
) -> float:
    """Unrounded canary-arm size to show p_canary > p_control − margin (one-sided ``alpha``)."""
    _check_p(p_control, "baseline")
    _check_p(p_canary_expected, "expected")
    require(margin > 0, "non-inferiority margin", f"{margin!r}", "give a positive margin, e.g. 0.005")
    effect = p_canary_expected - p_control + margin
    require(
        effect > 0,
        "expected",
        "is below baseline − margin: non-inferiority cannot be shown",
        "raise the expected accuracy or widen the margin",
    )
    za, zb = _z(alpha, 1), float(norm.ppf(power))
    var = p_canary_expected * (1 - p_canary_expected) + p_control * (1 - p_control) / ratio
    return (za + zb) ** 2 * var / effect**2


def arcsine_n(p_control: float, p_canary: float, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """statsmodels' Cohen's h cross-check for equal arms (unrounded)."""
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    h = proportion_effectsize(p_control, p_canary)
    return float(NormalIndPower().solve_power(effect_size=h, alpha=alpha, power=power))


def power_at(n_canary: float, p_control: float, p_canary: float, *, alpha: float = 0.05, ratio: float = 1.0) -> float:
    """Power of the two-sided pooled test with ``n_canary`` (and ratio × as many controls)."""
    k = ratio
    pbar = (p_canary + k * p_control) / (1 + k)
    za = _z(alpha, 2)
    se0 = math.sqrt(pbar * (1 - pbar) * (1 + 1 / k))
    se1 = math.sqrt(p_canary * (1 - p_canary) + p_control * (1 - p_control) / k)
    return float(norm.cdf((abs(p_canary - p_control) * math.sqrt(n_canary) - za * se0) / se1))


@dataclass(frozen=True)
class CanaryPlan:
    baseline: float
    target: float
    alpha: float
    power: float
    share: float
    daily_requests: float
    equal_n_per_arm: int
    arcsine_n_per_arm: int
    canary_arm: int
    control_arm: int
    days_to_collect: float
    labels_if_all_traffic_labelled: int
    labels_if_equal_samples_labelled: int
    days_if_equal_samples: float
    labelling_usd_all: float
    labelling_usd_equal: float
    test: str
    non_inferiority_margin: float | None = None
    alpha_0025_n_per_arm: int | None = None
    power_curve: tuple[tuple[int, float], ...] = field(default=(), repr=False)

    def to_dict(self) -> dict:
        return {
            "test": self.test,
            "baseline": self.baseline,
            "target": self.target,
            "alpha": self.alpha,
            "power": self.power,
            "share": self.share,
            "daily_requests": self.daily_requests,
            "non_inferiority_margin": self.non_inferiority_margin,
            "equal_allocation": {
                "n_per_arm": self.equal_n_per_arm,
                "arcsine_n_per_arm": self.arcsine_n_per_arm,
                "days_at_share": self.days_if_equal_samples,
                "n_per_arm_alpha_0025": self.alpha_0025_n_per_arm,
            },
            "canary_arm": self.canary_arm,
            "control_arm": self.control_arm,
            "days_to_collect": self.days_to_collect,
            "labelling": {
                "all_traffic_labels": self.labels_if_all_traffic_labelled,
                "equal_sample_labels": self.labels_if_equal_samples_labelled,
                "all_traffic_usd": self.labelling_usd_all,
                "equal_sample_usd": self.labelling_usd_equal,
            },
            "power_curve": [list(p) for p in self.power_curve],
        }


def _sizes(baseline, target, expected, margin, alpha, power, k):
    """(per arm at equal allocation, canary arm at ratio k, arcsine check, test, target, n at α = 0.025)."""
    if margin is not None:
        exp = baseline if expected is None else expected
        eq = n_non_inferiority(baseline, exp, margin, alpha=alpha, power=power)
        eq_0025 = math.ceil(n_non_inferiority(baseline, exp, margin, alpha=0.025, power=power))
        canary = n_non_inferiority(baseline, exp, margin, alpha=alpha, power=power, ratio=k)
        return eq, canary, eq, "non-inferiority (one-sided)", exp, eq_0025
    require(target is not None, "target", "missing", "give --target (the accuracy to detect) or a margin")
    assert target is not None  # require() raised otherwise; narrows for mypy
    eq = n_superiority(baseline, target, alpha=alpha, power=power)
    canary = n_superiority(baseline, target, alpha=alpha, power=power, ratio=k)
    return eq, canary, arcsine_n(baseline, target, alpha=alpha, power=power), "superiority (two-sided)", target, None


def _power_curve(n_can: int, baseline: float, target: float, alpha: float, k: float) -> tuple[tuple[int, float], ...]:
    """Power against canary-arm size, from a twentieth to three times the planned arm."""
    ns = np.unique(np.geomspace(max(100, n_can // 20), n_can * 3, 40).astype(int))
    return tuple((int(n), power_at(n, baseline, target, alpha=alpha, ratio=k)) for n in ns)


def plan(
    *,
    baseline: float,
    target: float | None = None,
    share: float = 0.05,
    daily_requests: float,
    alpha: float = 0.05,
    power: float = 0.8,
    non_inferiority_margin: float | None = None,
    expected: float | None = None,
    usd_per_label: float = 0.0,
) -> CanaryPlan:
    """A canary plan: superiority (baseline vs target) or non-inferiority (margin, expected accuracy).

    The canary arm takes ``share`` of traffic and the control the rest, so
    their sizes differ; days to collect = canary arm ÷ (share × daily traffic).
    A canary measures accuracy only on labelled requests: the plan prices both
    labelling all traffic in the window and labelling equal samples per arm.
    """
    share, daily_requests = validate.PROPORTION.check(share, "share"), validate.DAILY.check(daily_requests, "daily")
    usd_per_label = validate.NONNEG_USD.check(usd_per_label, "usd per label")
    k = (1 - share) / share
    eq, canary, arcs, test, tgt, eq_0025 = _sizes(baseline, target, expected, non_inferiority_margin, alpha, power, k)
    per_day_canary = share * daily_requests
    _check_detectable(canary, per_day_canary, "target" if non_inferiority_margin is None else "non-inferiority margin")
    n_eq, n_can = math.ceil(eq), math.ceil(canary)
    n_ctl = math.ceil(n_can * k)
    curve = _power_curve(n_can, baseline, tgt, alpha, k) if non_inferiority_margin is None else ()
    return CanaryPlan(
        baseline,
        tgt,
        alpha,
        power,
        share,
        daily_requests,
        n_eq,
        math.ceil(arcs),
        n_can,
        n_ctl,
        n_can / per_day_canary,
        n_can + n_ctl,
        2 * n_eq,
        n_eq / per_day_canary,
        (n_can + n_ctl) * usd_per_label,
        2 * n_eq * usd_per_label,
        test,
        non_inferiority_margin,
        eq_0025,
        curve,
    )


def days_along_ramp(
    *,
    baseline: float,
    target: float,
    daily_requests: float,
    ramp: tuple[tuple[float, float], ...] = ((0.05, 7.0), (0.25, math.inf)),
    alpha: float = 0.05,
    power: float = 0.8,
) -> float | None:
    """Days until the canary has enough requests when its share follows ``ramp`` ((share, days), …).

    At each moment the requirement uses the allocation accumulated so far;
    None if the ramp ends first, or after MAX_CANARY_DAYS.
    """
    n_superiority(baseline, target, alpha=alpha, power=power)  # checks the inputs once
    za, zb = _z(alpha, 2), float(norm.ppf(power))
    canary = control = elapsed = 0.0
    step = 0.01
    for share, days in ramp:
        t = 0.0
        while t < days and elapsed < MAX_CANARY_DAYS:
            canary += share * daily_requests * step
            control += (1 - share) * daily_requests * step
            t += step
            elapsed += step
            if canary >= _n_pooled(baseline, target, za, zb, control / canary):
                return round(elapsed, 2)
    return None


def shadow_sample_size(
    *, expected_agreement: float, gate: float = 0.95, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Requests to show agreement above ``gate`` (one-sided, one sample); shadow mode needs no labels."""
    _check_p(expected_agreement, "expected agreement")
    _check_p(gate, "agreement gate")
    require(expected_agreement > gate, "expected agreement", "is not above the gate", "a shadow run cannot show it")
    za, zb = _z(alpha, 1), float(norm.ppf(power))
    n = (
        (za * math.sqrt(gate * (1 - gate)) + zb * math.sqrt(expected_agreement * (1 - expected_agreement)))
        / (expected_agreement - gate)
    ) ** 2
    return math.ceil(n)


def rare_event_n_per_arm(p_control: float, p_canary: float, *, alpha: float = 0.05, power: float = 0.8) -> int:
    """Labelled requests per arm to detect a rare rate rising (e.g. critical misroutes 0.34% → 0.45%)."""
    return math.ceil(n_superiority(p_control, p_canary, alpha=alpha, power=power))


def rule_of_three_upper(n: int) -> float:
    """95% upper bound on a rate when 0 events are seen in n requests (3 / n)."""
    require(n > 0, "n", f"{n!r}", "give the number of requests observed")
    return 3.0 / n


GUARDRAIL_LIMIT_USD = 1_800.0  # seed 000 §7: block full rollout if critical-error cost grows beyond this a month


@dataclass(frozen=True)
class GuardrailCheck:
    """The canary guardrail on critical-error cost growth (student − teacher, $/month) against the offline
    estimate, its 95% interval over the verdict's resamples, and a limit the estimate would not breach."""

    limit_usd_per_month: float
    offline_estimate_usd_per_month: float
    estimate_ci95_usd: tuple[float, float]

    @property
    def already_breached(self) -> bool:
        return self.offline_estimate_usd_per_month > self.limit_usd_per_month

    @property
    def proposed_limit_usd_per_month(self) -> float:
        """The next whole $100 above the offline estimate (the limit itself when it is not breached)."""
        if not self.already_breached:
            return self.limit_usd_per_month
        return (math.floor(self.offline_estimate_usd_per_month / 100) + 1) * 100.0


def guardrail_check(breakdown, cube, a, draws, limit_usd_per_month: float = GUARDRAIL_LIMIT_USD) -> GuardrailCheck:
    """:func:`engine.rollout.gates.critical_cost_guardrail` with the estimate's spread over ``draws`` (the
    verdict's paired resamples of ``cube``), priced by the one cost formula at the point $ per critical event."""
    g = gates.critical_cost_guardrail(breakdown, limit_usd_per_month)
    rt, rs = costs.rates_from_counts(costs.cell_quantities(cube, a), draws.counts)
    growth = np.asarray(costs.price(rs, a, "student")["critical"] - costs.price(rt, a, "teacher")["critical"])
    lo, hi = np.percentile(growth, [2.5, 97.5])
    return GuardrailCheck(g.limit_usd_per_month, g.offline_estimate_usd_per_month, (float(lo), float(hi)))
