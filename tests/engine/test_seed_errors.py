"""Seed errors 1–6, 9 and 12 (docs/seed-errors.md): the product shows the correct value."""

import pytest

from engine.decision import costs, sweeps
from engine.quality import metrics


def test_error_1_price_units(seed_a):
    assert pytest.approx(5.32) == 1.4e6 * 0.038 / 10_000  # what the seed wrote
    assert 1.4e6 * seed_a.teacher.usd_per_request == pytest.approx(5320)  # what its totals need


def test_error_2_fixed_ops(seed_cube, seed_a):
    b = costs.decompose(seed_cube, seed_a.replace(requests_per_month=500_000))
    assert round(b.teacher.total_usd) == 4655 and round(b.student.total_usd) == 4273
    assert round(sweeps.break_even(seed_cube, seed_a, "requests_per_month").value) == 36461


def test_error_3_break_even_is_1_93_not_1_85(seed_cube, seed_a):
    be = sweeps.break_even(seed_cube, seed_a, "usd_per_critical_event").value
    assert round(be, 2) == 1.93 and round(be, 2) != 1.85


def test_error_4_each_critical_misroute_moves_margin_305():
    assert pytest.approx(305.45, abs=0.01) == 1.20 * 1.4e6 / 5_500


def test_error_5_two_framings(seed_cube, seed_a):
    extra_misroutes = (0.921 - 0.905) * 1.4e6
    assert extra_misroutes == pytest.approx(22_400)
    assert 3080 - extra_misroutes * 0.013 == pytest.approx(2788.8)  # 001's framing, ≈ $2,790
    assert round(costs.decompose(seed_cube, seed_a).margin_usd) == 1122  # 000's framing


def test_error_6_misroutes_are_the_complement(seed_cube, seed_a):
    b = costs.decompose(seed_cube, seed_a)
    assert 9210 + 590 + 34 == 9834 and 9050 + 690 + 45 == 9785
    assert b.teacher.misroutes_per_month / 1.4e6 * 10_000 == pytest.approx(790)
    assert b.student.misroutes_per_month / 1.4e6 * 10_000 == pytest.approx(950)


def test_error_9_guardrail_already_breached(seed_cube, seed_a):
    delta = costs.decompose(seed_cube, seed_a).delta_usd("critical")
    assert delta == pytest.approx(1848) and delta > 1800


def test_error_12_ndcg():
    student_order_relevance = [2, 3, 0, 1]  # student ranks B (0.92), A (0.90), C, D
    assert metrics.ndcg_score(student_order_relevance, "exponential") == pytest.approx(0.835, abs=5e-4)
    assert metrics.ndcg_score(student_order_relevance, "linear") == pytest.approx(0.908, abs=5e-4)
    assert metrics.ndcg_score([3, 2, 1, 0]) == 1.0
