"""Canary sized on the metric that decides (issue 16): the seed's critical-misroute rates, 0.34% (teacher,
control) vs 0.45% (student, canary), +1,540 critical misroutes a month at 1.4M requests; a 5% canary of
1.4M / 30.4 = 46,053 requests a day."""

import json
import math

import numpy as np
import pytest
from scipy.stats import binom, norm
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from engine import sources
from engine.rollout import canary_metric as cm
from tests.conftest import run_cli

P0, P1, SHARE, DAILY = 0.0034, 0.0045, 0.05, 1_400_000 / 30.4
K = (1 - SHARE) / SHARE  # 19 controls per canary request


def test_arcsine_size_is_statsmodels_at_unequal_arms():
    h = proportion_effectsize(P1, P0)
    for sided, alt in ((1, "larger"), (2, "two-sided")):
        sm = NormalIndPower().solve_power(effect_size=h, alpha=0.05, power=0.8, ratio=K, alternative=alt)
        ours = cm.n_arcsine(P0, P1, alpha=0.05, power=0.8, sided=sided, share=SHARE)
        print(f"arcsine canary arm, {sided}-sided: ours {ours:,.1f}, statsmodels {sm:,.1f}")
        assert ours == pytest.approx(sm, rel=1e-5)  # two-sided: statsmodels also counts the far tail's power


def test_normal_size_is_the_hand_formula():
    za, zb = norm.ppf(0.95), norm.ppf(0.8)
    pbar = (P1 + K * P0) / (1 + K)
    hand = (za * math.sqrt(pbar * (1 - pbar) * (1 + 1 / K)) + zb * math.sqrt(P1 * (1 - P1) + P0 * (1 - P0) / K)) ** 2
    hand /= (P1 - P0) ** 2
    assert cm.n_normal(P0, P1, alpha=0.05, power=0.8, sided=1, share=SHARE) == pytest.approx(hand)


def test_exact_plan_has_its_power_by_simulation():
    """The planned arms, simulated: Poisson critical misroutes per arm, the conditional binomial p-value."""
    p = cm.critical_rate_plan(P0, P1, share=SHARE, daily=DAILY, volume=1_400_000)
    rng = np.random.default_rng(7)
    xc, x0 = rng.poisson(p.canary_arm * P1, 40_000), rng.poisson(p.control_arm * P0, 40_000)
    pval = binom.sf(xc - 1, xc + x0, p.canary_arm / (p.canary_arm + p.control_arm))
    mc = float(np.mean(pval <= 0.05))
    print(
        f"seed plan, one-sided α 0.05, 80% power: canary arm {p.canary_arm:,} ({p.days_at_share:.1f} days at 5%, "
        f"{p.days_on_ramp} days on the 5% → 25% ramp); simulated power {mc:.3f}; normal size "
        f"{p.checks['normal_canary_arm']:,} has exact power {p.checks['exact_power_at_normal_size']:.3f}"
    )
    assert mc == pytest.approx(0.80, abs=0.012)
    assert p.difference_per_month == pytest.approx(1_540)
    assert p.days_at_share == pytest.approx(p.canary_arm / (SHARE * DAILY))
    assert p.checks["exact_power_at_normal_size"] < 0.8  # the normal approximation under-sizes rare events
    # the ramp: 7 days at 5% collect 16,118 canary requests (< the plan), so it ends on day 7 + rest / 11,513
    rest = p.canary_arm - 7 * SHARE * DAILY
    assert 7 < p.days_on_ramp < 7 + rest / (0.25 * DAILY) + 0.05


def test_margin_size_from_the_cubes_per_request_dollars():
    ev = sources.seed_evidence()
    a, _ = sources.scenario_for(ev.cube, None)
    p = cm.margin_plan(ev.cube, a, share=SHARE, daily=DAILY)
    c = p.checks
    # per-request dollars exclude the $30 fixed operations gap: ($1,121.92 + $30) / 1.4M
    assert p.difference_per_month == pytest.approx(1_151.92, abs=0.01)
    # the student's per-request variance is almost all critical misroutes at $1.20: 1.44 × 0.45% × 99.55%
    assert c["student_var"] == pytest.approx(1.44 * P1 * (1 - P1), rel=0.02)
    delta = p.difference_per_month / 1_400_000
    hand = (norm.ppf(0.975) + norm.ppf(0.8)) ** 2 * (c["student_var"] + c["teacher_var"] / K) / delta**2
    assert p.canary_arm == math.ceil(hand)
    assert c["paired_difference_var"] < c["student_var"] + c["teacher_var"]  # pairing removes the shared noise


def test_canary_critical_rate_json_shape():
    d = json.loads(run_cli("canary", "--metric", "critical-rate", "--json").stdout)
    assert d["metric"] == "critical-rate" and d["sided"] == 1
    assert (d["control_value"], d["canary_value"]) == (pytest.approx(P0), pytest.approx(P1))
    assert set(d) >= {"canary_arm", "control_arm", "days_at_share", "days_on_ramp", "checks", "alpha", "power"}
    assert d["checks"]["arcsine_canary_arm"] == 21_059
    m = json.loads(run_cli("canary", "--metric", "margin", "--json").stdout)
    assert m["metric"] == "margin" and m["canary_arm"] > 0


@pytest.mark.parametrize(
    "args, field",
    [
        (("--metric", "critical-rate", "--sided", "3"), "sided"),
        (("--metric", "critical-rate", "--target", "0.0034"), "canary critical rate"),
    ],
)
def test_bad_metric_canary(args, field):
    r = run_cli("canary", *args)
    assert r.returncode == 2 and field in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_accuracy_canary_one_sided_is_the_two_sided_formula_at_twice_alpha():
    one = json.loads(run_cli("canary", "--baseline", "0.90", "--target", "0.895", "--sided", "1", "--json").stdout)
    two = json.loads(run_cli("canary", "--baseline", "0.90", "--target", "0.895", "--alpha", "0.1", "--json").stdout)
    assert one["alpha"] == 0.05 and one["test"] == "superiority (one-sided)"
    assert one["canary_arm"] == two["canary_arm"] < 30_162  # fewer than the two-sided α = 0.05 plan
