"""Gates (ordering, point vs bound, blocked) read from the quality report.

The report's own metrics, intervals, calibration and McNemar are tested in tests/engine/quality/.
"""

import pytest

from engine.decision import costs, uncertainty, verdict
from engine.decision.cube import Evidence
from engine.quality import report as quality_report
from engine.rollout import gates


@pytest.fixture(scope="module")
def report(seed_cube, seed_rows, seed_a):
    return quality_report.report(
        seed_cube, seed_rows, critical_intents=seed_a.critical_intents, draws=uncertainty.draw(seed_cube, 4_000, 0)
    )


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
    d = verdict.decide(
        Evidence(seed_cube, None, "seed"), seed_a.replace(**{"student.p95_latency_ms": 20.0}), B=500, confirm_B=0
    )
    assert d.verdict.blocking_gate == rep.first_blocking.gate.name
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
