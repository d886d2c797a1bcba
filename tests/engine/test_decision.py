"""The verdict: ship / lean / blocked, and its sentence."""

import pytest

from engine.decision import uncertainty, verdict
from engine.present.money import usd
from engine.quality import report as quality_report
from engine.rollout.gates import Gate


@pytest.fixture(scope="module")
def draws(seed_cube):
    return uncertainty.draw(seed_cube, 4_000, 0)


@pytest.fixture(scope="module")
def decide(seed_ev, seed_a, draws):
    """decide() on the seed evidence with shared draws and quality report (what the dashboard caches)."""
    q = quality_report.report(seed_ev.cube, seed_ev.rows, critical_intents=seed_a.critical_intents, draws=draws)
    return lambda a, **kw: verdict.decide(seed_ev, a, draws=draws, quality=q, confirm_B=0, **kw)


def test_seed_verdict_is_lean_student(seed_a, decide):
    d = decide(seed_a)
    assert (d.verdict.state, d.verdict.model) == ("lean", "student")
    s = d.verdict.sentence
    assert s.startswith("Lean student: saves $1,122/month")
    assert "includes zero" in s and "more requests" in s and "$1.93 per critical event" in s


def test_ship_student_at_100_per_ms(seed_a, decide):
    d = decide(seed_a.replace(usd_per_ms_month=100))
    assert (d.verdict.state, d.verdict.model) == ("ship", "student")
    assert d.bootstrap.margin_ci95_usd[0] > 0


def test_teacher_side_above_break_even(seed_a, decide):
    lean = decide(seed_a.replace(usd_per_critical_event=2.0))
    assert (lean.verdict.state, lean.verdict.model) == ("lean", "teacher")
    assert "flips to the student below $1.93 per critical event" in lean.verdict.sentence
    ship = decide(seed_a.replace(usd_per_critical_event=20.0))
    assert (ship.verdict.state, ship.verdict.model) == ("ship", "teacher")
    assert ship.bootstrap.margin_ci95_usd[1] < 0


def test_blocked(seed_a, decide):
    # the teacher's 88.2% passes, the student's 87.4% does not (a gate both fail blocks nothing: test_label_sets)
    gate = Gate("rare-class accuracy ≥ 88%", "student.rare_class_accuracy", ">=", 0.88, "safety")
    d = decide(seed_a, gates=(gate,))
    assert (d.verdict.state, d.verdict.model) == ("blocked", "teacher")
    assert d.verdict.sentence.startswith(
        "Blocked: the student fails the gate 'rare-class accuracy ≥ 88%', so keep the teacher "
        "(the student would save $1,122/month)"
    )
    assert d.gates.first_blocking.gate is gate


def test_to_dict_has_the_cli_contract(seed_a, decide):
    out = decide(seed_a).to_dict()
    assert round(out["teacher"]["total_usd"]) == 12112 and round(out["student"]["total_usd"]) == 10990
    assert round(out["margin_usd"]) == 1122
    assert round(out["break_even"]["critical_cost_usd"], 2) == 1.93
    assert round(out["break_even"]["volume"]) == 36461
    assert len(out["bootstrap"]["margin_ci95"]) == 2
    assert out["components"]["critical"]["student_minus_teacher_usd"] == pytest.approx(1848)


def test_usd_formatting():
    assert usd(-1121.92) == "−$1,122" and usd(80.08, signed=True) == "+$80"
