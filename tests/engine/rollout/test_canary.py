"""Canary planner: every figure of the rollout issue, by hand from the pooled normal formula."""

import pytest

from engine.errors import DistillDecideError
from engine.rollout import canary

SEED_DAILY = 1_400_000 / 30.4  # ≈ 46,053


def test_equal_arms_and_arcsine_cross_check():
    p = canary.plan(baseline=0.90, target=0.895, share=0.05, daily_requests=SEED_DAILY)
    assert p.equal_n_per_arm == 57_763  # seed ~57,700
    assert p.arcsine_n_per_arm == 57_756


@pytest.mark.parametrize(
    "share, daily, canary_arm, control_arm, days",
    [
        (0.05, SEED_DAILY, 30_162, 573_078, 13.1),
        (0.25, SEED_DAILY, 38_341, 115_023, 3.3),
        (0.10, 500_000, 31_866, 286_794, 0.64),  # seed error 13: not 1.2 days
    ],
)
def test_unequal_allocation(share, daily, canary_arm, control_arm, days):
    p = canary.plan(baseline=0.90, target=0.895, share=share, daily_requests=daily)
    assert p.canary_arm == canary_arm and p.control_arm == control_arm
    assert p.days_to_collect == pytest.approx(days, abs=0.05 if days > 1 else 0.005)


def test_non_inferiority():
    p = canary.plan(baseline=0.90, share=0.05, daily_requests=SEED_DAILY, non_inferiority_margin=0.005)
    assert p.equal_n_per_arm == 44_515
    assert p.alpha_0025_n_per_arm == 56_512
    assert p.target == 0.90  # expected = baseline by default


def test_rare_event_and_rule_of_three():
    assert canary.rare_event_n_per_arm(0.0034, 0.0045) == pytest.approx(51_000, rel=0.01)
    assert canary.rule_of_three_upper(3_000) == pytest.approx(0.001)


def test_power_curve_passes_080_at_the_planned_size():
    p = canary.plan(baseline=0.90, target=0.895, share=0.05, daily_requests=SEED_DAILY)
    assert canary.power_at(p.canary_arm, 0.90, 0.895, ratio=19) == pytest.approx(0.80, abs=0.001)
    powers = [pw for _, pw in p.power_curve]
    assert powers == sorted(powers)


def test_ramp_and_labels():
    days = canary.days_along_ramp(baseline=0.90, target=0.895, daily_requests=SEED_DAILY)
    assert 7 < days < 13.1  # faster than staying at 5%, slower than starting at 25%
    p = canary.plan(baseline=0.90, target=0.895, share=0.05, daily_requests=SEED_DAILY, usd_per_label=0.10)
    assert p.labels_if_equal_samples_labelled == 2 * 57_763
    assert p.labelling_usd_all == pytest.approx((30_162 + 573_078) * 0.10)


def test_shadow_needs_no_labels():
    assert canary.shadow_sample_size(expected_agreement=0.974, gate=0.95) == 421


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(baseline=1.2, target=0.9), "baseline"),
        (dict(baseline=0.9, target=0.9), "target"),
        (dict(baseline=0.9, target=0.89, share=0), "share"),
        (dict(baseline=0.9, target=0.89, share=1.5), "share"),
        (dict(baseline=0.9), "target"),
    ],
)
def test_bad_inputs(kwargs, field):
    with pytest.raises(DistillDecideError) as exc:
        canary.plan(daily_requests=1000, **{"share": 0.05, **kwargs})
    assert exc.value.field == field


def test_guardrail_check_proposes_a_limit_the_offline_estimate_does_not_breach(seed_ev, seed_a):
    from engine.decision import costs, uncertainty

    draws = uncertainty.draw(seed_ev.cube, 2_000, 0)
    g = canary.guardrail_check(costs.decompose(seed_ev.cube, seed_a), seed_ev.cube, seed_a, draws)
    # (0.45% − 0.34%) critical misroutes × 1.4M requests × $1.20 = +$1,848 against the $1,800 limit
    assert g.offline_estimate_usd_per_month == pytest.approx(0.0011 * 1.4e6 * 1.2)
    assert g.already_breached and g.proposed_limit_usd_per_month == 1_900
    lo, hi = g.estimate_ci95_usd
    assert lo < g.offline_estimate_usd_per_month < hi
    above = canary.guardrail_check(costs.decompose(seed_ev.cube, seed_a), seed_ev.cube, seed_a, draws, 2_000.0)
    assert not above.already_breached and above.proposed_limit_usd_per_month == 2_000  # a held limit stays
