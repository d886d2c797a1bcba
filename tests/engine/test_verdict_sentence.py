"""The verdict sentence near a break-even and on a small evaluation (issue 12: "evaluate about 152,216,262 more
requests" at the break-even; an 80-request evaluation shipped on CI [$3,050, $3,050])."""

import pytest

from engine.decision import cube, uncertainty, verdict
from engine.decision.cube import Evidence
from engine.quality import report as quality_report
from engine.rollout import gates


@pytest.fixture(scope="module")
def decide(seed_ev, seed_a):
    draws = uncertainty.draw(seed_ev.cube, 2_000, 0)
    q = quality_report.report(seed_ev.cube, seed_ev.rows, critical_intents=seed_a.critical_intents, draws=draws)
    return lambda a: verdict.decide(seed_ev, a, draws=draws, quality=q, confirm_B=0)


def test_at_the_break_even_it_points_at_the_assumption_not_more_data(seed_a, decide):
    # margin(c) = 2,969.92 − 1,540·c; break-even 2,969.92 / 1,540 = 1.9285… → $1.93
    d = decide(seed_a.replace(usd_per_critical_event=1.93))
    s = d.verdict.sentence
    assert (d.verdict.state, d.verdict.model) == ("lean", "teacher")  # 2,969.92 − 2,972.20 = −2.28
    assert s.startswith("Lean teacher: saves $2/month — the two models cost about the same")
    assert "$1.93 per critical event is at the $1.93 break-even" in s
    assert "turns on that assumption, not on more evaluation data" in s
    assert "more requests" not in s and d.verdict.near_break_even


def test_within_a_few_percent_of_the_break_even(seed_a, decide):
    d = decide(seed_a.replace(usd_per_critical_event=1.90))  # |1.90 − 1.9285| / 1.9285 = 1.5%
    assert d.verdict.sentence.startswith("Lean student: saves $44/month — the two models cost about the same")
    assert "within 1% of the $1.93 break-even" in d.verdict.sentence


def test_far_from_the_break_even_it_still_asks_for_more_data(seed_a, decide):
    d = decide(seed_a.replace(usd_per_critical_event=2.50))  # 2,969.92 − 3,850 = −880.08; 30% above 1.93
    assert d.verdict.sentence.startswith("Lean teacher: saves $880/month, but the 95% interval")
    assert "more requests" in d.verdict.sentence and not d.verdict.near_break_even


def test_seed_discordant_critical_requests(seed_cube, seed_a):
    # seed 001 §3: 4 critical requests misrouted by the teacher only, 15 by the student only
    assert verdict.discordant_critical_requests(seed_cube, seed_a) == 19
    assert verdict.small_sample(seed_cube, seed_a) is None


def test_small_evaluation_never_ships(seed_rows, seed_a):
    rows = seed_rows.head(80)
    c = cube.from_rows(rows, intents=seed_a.intents)
    d = verdict.decide(Evidence(c, rows, "80 rows"), seed_a, (), B=500, confirm_B=0)  # no gates
    assert d.verdict.state == "lean" and d.verdict.small_sample
    assert "only 80 evaluation requests (fewer than 300)" in d.verdict.sentence
    assert "cannot be trusted" in d.verdict.sentence and "Ship" not in d.verdict.sentence
    k = verdict.discordant_critical_requests(c, seed_a)
    assert k < 10 and f"only {k:,} critical requests misrouted by one model but not the other" in d.verdict.sentence
    # a gate the student fails and the teacher cannot (a pair metric); gates both fail block nothing
    strict = (gates.Gate("Top-1 agreement ≥ 0.99", "agreement", ">=", 0.99, "quality"),)
    gated = verdict.decide(Evidence(c, rows, "80 rows"), seed_a, strict, B=500, confirm_B=0)
    assert (
        gated.verdict.small_sample and "also too small to trust: only 80 evaluation requests" in gated.verdict.sentence
    )


def test_few_critical_disagreements_block_ship_even_on_a_large_sample(seed_a, decide):
    # at $100 per ms the seed ships the student (test_decision); with 19 < 20 discordant pairs required it may not
    d = decide(seed_a.replace(usd_per_ms_month=100))
    assert d.verdict.state == "ship"
    old = verdict.MIN_DISCORDANT_CRITICAL
    try:
        verdict.MIN_DISCORDANT_CRITICAL = 20
        d = decide(seed_a.replace(usd_per_ms_month=100))
    finally:
        verdict.MIN_DISCORDANT_CRITICAL = old
    assert d.verdict.state == "lean" and "only 19 critical requests" in d.verdict.sentence


def test_a_teacher_verdict_quotes_the_interval_of_the_teachers_saving(seed_a, decide):
    """ "Lean teacher: saves $880/month" sits beside the teacher's saving interval (−hi, −lo of the margin's), so the
    stated $880 lies inside it; before, it quoted the margin's interval, centred near −$880."""
    from engine.present.money import usd

    d = decide(seed_a.replace(usd_per_critical_event=2.50))
    lo, hi = d.bootstrap.margin_ci95_usd
    assert lo < -880.08 < hi  # the margin (teacher − student) is −$880
    assert verdict.saving_ci95_usd(d.bootstrap, "teacher") == (-hi, -lo)
    assert -hi < 880.08 < -lo  # the teacher's saving, +$880, is inside the interval quoted for it
    assert f"95% interval [{usd(-hi)}, {usd(-lo)}] includes zero" in d.verdict.sentence
    s = decide(seed_a).verdict.sentence  # the student's saving keeps the margin's own interval
    slo, shi = decide(seed_a).bootstrap.margin_ci95_usd
    assert f"[{usd(slo)}, {usd(shi)}]" in s and "Lean student: saves $1,122/month" in s
