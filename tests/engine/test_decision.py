"""The verdict: ship / lean / blocked, and its sentence."""

import pytest

from engine.decision import uncertainty, verdict


@pytest.fixture(scope="module")
def draws(seed_cube):
    return uncertainty.draw(seed_cube, 4_000, 0)


def test_seed_verdict_is_lean_student(seed_cube, seed_a, draws):
    d = verdict.decide(seed_cube, seed_a, draws=draws, confirm_B=0)
    assert (d.verdict.state, d.verdict.model) == ("lean", "student")
    s = d.verdict.sentence
    assert s.startswith("Lean student: saves $1,122/month")
    assert "includes zero" in s and "more requests" in s and "$1.93 per critical event" in s


def test_ship_student_at_100_per_ms(seed_cube, seed_a, draws):
    d = verdict.decide(seed_cube, seed_a.replace(usd_per_ms_month=100), draws=draws, confirm_B=0)
    assert (d.verdict.state, d.verdict.model) == ("ship", "student")
    assert d.bootstrap.margin_ci95_usd[0] > 0


def test_teacher_side_above_break_even(seed_cube, seed_a, draws):
    lean = verdict.decide(seed_cube, seed_a.replace(usd_per_critical_event=2.0), draws=draws, confirm_B=0)
    assert (lean.verdict.state, lean.verdict.model) == ("lean", "teacher")
    assert "flips to the student below $1.93 per critical event" in lean.verdict.sentence
    ship = verdict.decide(seed_cube, seed_a.replace(usd_per_critical_event=20.0), draws=draws, confirm_B=0)
    assert (ship.verdict.state, ship.verdict.model) == ("ship", "teacher")
    assert ship.bootstrap.margin_ci95_usd[1] < 0


def test_blocked(seed_cube, seed_a, draws):
    d = verdict.decide(seed_cube, seed_a, draws=draws, confirm_B=0, blocking_gate="rare-class accuracy ≥ 87%")
    assert (d.verdict.state, d.verdict.model) == ("blocked", "teacher")
    assert "rare-class accuracy" in d.verdict.sentence


def test_to_dict_has_the_cli_contract(seed_cube, seed_a, draws):
    out = verdict.decide(seed_cube, seed_a, draws=draws, confirm_B=0).to_dict()
    assert round(out["teacher"]["total_usd"]) == 12112 and round(out["student"]["total_usd"]) == 10990
    assert round(out["margin_usd"]) == 1122
    assert round(out["break_even"]["critical_cost_usd"], 2) == 1.93
    assert round(out["break_even"]["volume"]) == 36461
    assert len(out["bootstrap"]["margin_ci95"]) == 2
    assert out["components"]["critical"]["student_minus_teacher_usd"] == pytest.approx(1848)


def test_usd_formatting():
    assert verdict.usd(-1121.92) == "−$1,122" and verdict.usd(80.08, signed=True) == "+$80"
