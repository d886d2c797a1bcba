"""Gates (ordering, point vs bound, blocked), quality metrics with intervals, calibration, McNemar."""

import numpy as np
import pytest

from engine.decision import costs, uncertainty, verdict
from engine.quality import metrics
from engine.quality import report as quality_report
from engine.rollout import gates


@pytest.fixture(scope="module")
def report(seed_cube, seed_rows, seed_a):
    return quality_report.report(
        seed_cube, seed_rows, critical_intents=seed_a.critical_intents, draws=uncertainty.draw(seed_cube, 4_000, 0)
    )


def test_seed_metrics_and_intervals(report):
    assert report.get("accuracy", "student").point == pytest.approx(0.905)
    assert report.get("agreement", "pair").point == pytest.approx(0.974)
    assert report.get("rare_class_accuracy", "student").point == pytest.approx(0.874)
    assert report.get("critical_rate", "teacher").point == pytest.approx(0.0034)
    lo, hi = report.get("accuracy", "student").ci95
    assert lo < 0.905 < hi and hi - lo == pytest.approx(2 * 1.96 * np.sqrt(0.905 * 0.095 / 10_000), rel=0.1)
    assert report.rare_classes == ("escalation", "account_security")
    assert 0.041 <= report.get("ece", "student").point <= 0.048
    assert report.get("kl_t3", "pair").point == pytest.approx(0.083, abs=0.005)


def test_mcnemar(report):
    assert (report.mcnemar_b, report.mcnemar_c) == (200, 40)
    assert quality_report.mcnemar_exact(5, 5) == 1.0
    assert quality_report.mcnemar_exact(0, 6) == pytest.approx(2 * 0.5**6)


def test_per_segment_and_per_class(report):
    seg = report.per_segment
    assert set(seg.segment) == {"new", "returning", "vip"} and seg.requests.sum() == 2 * 10_000
    pc = report.per_class.set_index("intent")
    assert pc.loc["escalation", "student_accuracy"] == pytest.approx(275 / 300)
    assert pc.loc["account_security", "support"] == 200


def test_ece_of_a_constructed_example():
    # 10 requests at confidence 0.95 with 8 correct: one bin, |0.8 − 0.95| = 0.15
    probs = np.tile([0.95, 0.05], (10, 1))
    y = np.array([0] * 8 + [1] * 2)
    assert metrics.expected_calibration_error(y, probs) == pytest.approx(0.15)


def test_temperature_scaling_lowers_ece_on_a_miscalibrated_set():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 2, size=(6_000, 5))
    p_true = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y = np.array([rng.choice(5, p=p) for p in p_true])
    over = np.exp(3 * logits) / np.exp(3 * logits).sum(1, keepdims=True)  # overconfident by T = 3
    fit = np.arange(6_000) % 2 == 0
    cal = quality_report.calibrate(y, over, fit)
    assert cal.temperature == pytest.approx(3.0, rel=0.15)
    assert cal.ece_before > 0.1 and cal.ece_after < 0.03
    assert cal.ece_equal_mass_after < cal.ece_equal_mass_before


def test_seed_passes_every_default_gate(report, seed_a):
    rep = gates.evaluate(gates.DEFAULT_GATES, gates.gate_values(report, seed_a))
    assert all(r.passed for r in rep.results) and not rep.blocked
    assert [r.gate.group for r in rep.results] == ["safety", "latency", "cost", "quality", "quality"]


def test_first_blocking_gate_is_by_priority_not_order(report, seed_a):
    strict = (
        gates.Gate("agreement ≥ 0.99", "agreement", ">=", 0.99, "quality"),
        gates.Gate("P95 ≤ 4 ms", "student.p95_latency_ms", "<=", 4, "latency"),
    )
    rep = gates.evaluate(strict, gates.gate_values(report, seed_a))
    assert rep.first_blocking.gate.name == "P95 ≤ 4 ms"


def test_point_versus_interval_bound(report, seed_a):
    vals = gates.gate_values(report, seed_a)
    point = gates.Gate("rare ≥ 87%", "student.rare_class_accuracy", ">=", 0.87, "safety", use="point")
    bound = gates.Gate("rare ≥ 87% (lower bound)", "student.rare_class_accuracy", ">=", 0.87, "safety", use="lower95")
    assert gates.evaluate((point,), vals).results[0].passed is True
    assert gates.evaluate((bound,), vals).results[0].passed is False  # lower bound ≈ 0.844


def test_blocked_verdict(seed_cube, seed_a, report):
    vals = gates.gate_values(report, seed_a.replace(**{"student.p95_latency_ms": 20.0}))
    rep = gates.evaluate(gates.DEFAULT_GATES, vals)
    assert rep.first_blocking.gate.group == "latency"
    d = verdict.decide(seed_cube, seed_a, B=500, confirm_B=0, blocking_gate=rep.first_blocking.gate.name)
    assert (d.verdict.state, d.verdict.model) == ("blocked", "teacher")


def test_missing_metric_is_not_evaluated(seed_cube, seed_a):
    r = quality_report.report(
        seed_cube, None, critical_intents=seed_a.critical_intents, draws=uncertainty.draw(seed_cube, 500, 0)
    )
    rep = gates.evaluate(gates.DEFAULT_GATES, gates.gate_values(r, seed_a))
    ece = [x for x in rep.results if x.gate.metric == "student.ece"][0]
    assert ece.passed is None and "not available" in ece.evidence and not rep.blocked


def test_guardrail_already_breached(seed_cube, seed_a):
    g = gates.critical_cost_guardrail(costs.decompose(seed_cube, seed_a))
    assert g.already_breached and g.offline_estimate_usd_per_month == pytest.approx(1848)
