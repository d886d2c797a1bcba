"""Seed errors (docs/seed-errors.md): the product recomputes each correct value (`python -m engine seed-errors`)."""

import pytest

from engine.decision import costs, sweeps
from engine.quality import metrics


@pytest.fixture(scope="module")
def computed():
    """What ``python -m engine seed-errors`` computes for each seed error, by number."""
    from engine.cli import seed_errors

    return {c.number: c.computed for c in seed_errors.corrections()}


def test_every_known_seed_error_is_listed(computed):
    assert sorted(computed) == list(range(1, 14))


def test_error_1_price_units(computed):
    assert computed[1]["teacher_usd_per_10k"] == pytest.approx(38)  # not $0.038
    assert computed[1]["teacher_inference_usd"] == pytest.approx(5320)


def test_error_2_fixed_ops(seed_cube, seed_a):
    b = costs.decompose(seed_cube, seed_a.replace(requests_per_month=500_000))
    assert round(b.teacher.total_usd) == 4655 and round(b.student.total_usd) == 4273
    assert round(sweeps.break_even(seed_cube, seed_a, "requests_per_month").value) == 36461


def test_error_3_break_even_is_1_93_not_1_85(seed_cube, seed_a):
    be = sweeps.break_even(seed_cube, seed_a, "usd_per_critical_event").value
    assert round(be, 2) == 1.93 and round(be, 2) != 1.85


def test_error_4_the_interval_is_wide_and_the_verdict_lean(computed):
    c = computed[4]
    assert c["usd_per_extra_critical_in_5500"] == pytest.approx(305.45, abs=0.01)  # $1.20 × 1.4M / 5,500
    assert (c["margin_ci95_low_usd"], c["margin_ci95_high_usd"]) == (
        pytest.approx(-385, abs=5),
        pytest.approx(2474, abs=5),
    )
    assert c["more_requests_to_exclude_zero"] == pytest.approx(8_037, rel=0.05)


def test_error_5_two_framings(computed):
    assert computed[5]["net_usd_001_framing"] == pytest.approx(3080 - 22_400 * 0.013)  # 001's $2,790
    assert computed[5]["margin_usd_000_framing"] == pytest.approx(1121.92)  # 000's $1,122


def test_error_6_misroutes_are_the_complement(computed):
    assert computed[6]["teacher_misroutes_per_10k"] == pytest.approx(10_000 - 9_210)
    assert computed[6]["student_misroutes_per_10k"] == pytest.approx(10_000 - 9_050)


def test_errors_7_12_13_recomputed(computed):
    assert computed[7]["Z"] == pytest.approx(14.13, abs=0.01) and computed[7]["kl_t3"] == pytest.approx(0.763, abs=2e-3)
    assert computed[12]["ndcg_exponential"] == pytest.approx(0.835, abs=5e-4)
    assert computed[12]["ndcg_linear"] == pytest.approx(0.908, abs=5e-4)
    assert computed[13]["canary_arm"] == 31_866 and computed[13]["days_to_collect"] == pytest.approx(0.64, abs=0.005)


def test_error_9_guardrail_already_breached(seed_cube, seed_a):
    delta = costs.decompose(seed_cube, seed_a).delta_usd("critical")
    assert delta == pytest.approx(1848) and delta > 1800


def test_error_12_ndcg():
    student_order_relevance = [2, 3, 0, 1]  # student ranks B (0.92), A (0.90), C, D
    assert metrics.ndcg_score(student_order_relevance, "exponential") == pytest.approx(0.835, abs=5e-4)
    assert metrics.ndcg_score(student_order_relevance, "linear") == pytest.approx(0.908, abs=5e-4)
    assert metrics.ndcg_score([3, 2, 1, 0]) == 1.0
