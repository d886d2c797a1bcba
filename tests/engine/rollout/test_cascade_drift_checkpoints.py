"""Cascade economics, seed 003 §4.3, drift rules, checkpoint selection, scorecard weights, scale checks."""

import numpy as np
import pandas as pd
import pytest

from engine.decision import costs
from engine.rollout import cascade, checkpoints, drift, routing, scale


@pytest.fixture(scope="module")
def sweep(seed_rows, seed_a):
    return cascade.sweep(seed_rows, seed_a)


def test_threshold_0_is_the_student_and_1_adds_the_teacher(sweep, seed_cube, seed_a):
    b = costs.decompose(seed_cube, seed_a)
    tb = sweep.table()
    assert tb.total_usd_per_month.iloc[0] == pytest.approx(b.student.total_usd)
    assert tb.fallback_rate.iloc[0] == 0 and tb.fallback_rate.iloc[-1] == 1
    assert tb.inference_usd_per_request.iloc[-1] == pytest.approx(0.0016 + 0.0038)
    # all requests fall back: teacher's errors, both prices, both operations
    assert tb.total_usd_per_month.iloc[-1] == pytest.approx(
        1.4e6 * (0.0016 + 0.0038) + b.teacher.weighted_error_usd + b.teacher.critical_usd + 512 + 542
    )
    assert tb.accuracy.iloc[-1] == pytest.approx(0.921) and tb.accuracy.iloc[0] == pytest.approx(0.905)
    assert sweep.teacher_total_usd == pytest.approx(b.teacher.total_usd)


def test_fallback_pays_both_latencies(sweep):
    tb = sweep.table()
    assert tb.p95_latency_ms.iloc[0] == 5 and tb.p95_latency_ms.iloc[-1] == 17  # 5 + 12 > 15 ms budget
    assert tb.share_over_budget.iloc[-1] == 1.0
    row = tb[tb.fallback_rate.between(0.2, 0.3)].iloc[0]
    assert row.share_over_budget == pytest.approx(row.fallback_rate)


def test_optimum_oracle_and_break_even(sweep):
    best = sweep.table().iloc[sweep.best_index]
    assert best.total_usd_per_month == sweep.total_usd.min()
    assert sweep.oracle_total_usd < best.total_usd_per_month
    assert sweep.oracle_fallback_rate == pytest.approx((200 + 0) / 10_000, abs=0.002)
    be = sweep.break_even_fallback_rate()
    assert be is not None and (sweep.total_usd[sweep.fallback_rate > be] > sweep.teacher_total_usd).all()


def test_naive_loop_agrees(seed_rows, seed_a, sweep):
    rc = cascade.row_costs(seed_rows, seed_a)
    for th in (0.3, 0.764, 0.95):
        fb = rc.confidence < th
        err = np.where(fb, rc.error_usd[0], rc.error_usd[1]).mean()
        infer = 0.0016 + fb.mean() * 0.0038
        i = int(round(th * 1000))
        assert sweep.total_usd[i] == pytest.approx(1.4e6 * (infer + err) + 512 + 542, rel=1e-9)


def _fallback_daily_usd(seed_a, rate):
    """Seed 003 §4.3 through the one cost formula: 10M requests/day, student $0.0002, teacher $0.003."""
    a = seed_a.replace(**{"student.usd_per_request": 0.0002, "teacher.usd_per_request": 0.003})
    system = costs.mixed_system(
        a, teacher_share=rate, uses_teacher=True, uses_student=True, p95_latency_ms=0, student_on_every_request=True
    )
    zero = costs.Rates(0.0, 0.0, 0.0, 0.0)
    return costs.price(zero, a, system, requests_per_month=1e7)["inference"]


@pytest.mark.parametrize("rate, daily", [(0.05, 3_500), (0.18, 7_400), (0.064, 3_920)])
def test_seed_003_fallback_explosion(seed_a, rate, daily):
    assert _fallback_daily_usd(seed_a, rate) == pytest.approx(daily)


def test_seed_003_monthly_overrun(seed_a):
    assert (_fallback_daily_usd(seed_a, 0.18) - _fallback_daily_usd(seed_a, 0.05)) * 30 == pytest.approx(117_000)


def test_segment_routing(seed_cube, seed_a):
    d, routed, blended = routing.segment_routing(seed_cube, seed_a, {"vip": "teacher"}, B=500, confirm_B=0)
    assert blended.student.usd_per_request == pytest.approx(0.1 * 0.0038 + 0.9 * 0.0016)
    assert blended.student.ops_usd_per_month == 512 + 542
    all_t, _, _ = routing.segment_routing(
        seed_cube, seed_a, dict.fromkeys(seed_cube.segments, "teacher"), B=500, confirm_B=0
    )
    assert all_t.breakdown.margin_usd == pytest.approx(0, abs=1e-6)


def test_drift_agreement_rule_fires_on_the_third_cycle():
    cycles = pd.DataFrame({"cycle": [1, 2, 3, 4, 5], "agreement": [0.97, 0.949, 0.948, 0.947, 0.96]})
    alerts = drift.check(cycles)
    assert [(a.cycle, a.rule) for a in alerts] == [("4", "agreement_below_gate")]
    assert "α lowered by 0.1" in alerts[0].action


def test_drift_failure_tree_branches():
    cycles = pd.DataFrame(
        {
            "cycle": ["a", "b", "c", "d"],
            "agreement": [0.97] * 4,
            "kl_t3": [0.08, 0.09, 0.16, 0.1],
            "teacher_critical_rate": [0.0034] * 4,
            "student_critical_rate": [0.0045, 0.0045, 0.0052, 0.0045],
            "teacher_inference_usd": [5320] * 4,
            "student_inference_usd": [2240, 2240, 2240, 3100],
            "usd_per_critical_event": [1.2, 1.2, 1.2, 1.95],
            "requests_per_month": [6e6, 6e6, 6e6, 4e6],
        }
    )
    rules = {(a.cycle, a.rule) for a in drift.check(cycles, break_even_usd_per_critical_event=1.93)}
    assert ("c", "kl_above_limit") in rules
    assert ("c", "critical_gap_widening") in rules  # 0.0018 vs 0.0011: +64%
    assert ("d", "savings_shrinking") in rules  # 2,220 vs 3,080: −28%
    assert ("d", "critical_price_above_break_even") in rules
    assert ("c", "traffic_above_5m") in rules and ("d", "traffic_above_5m") not in rules


def test_example_cycles_are_labelled_and_fire():
    ex = drift.example_cycles()
    assert len(ex) == 12 and ex.cycle.str.contains("example").all()
    assert any(a.rule == "agreement_below_gate" for a in drift.check(ex))


SEED_003 = pd.DataFrame(
    {
        "Epoch": [1, 2, 3, 4, 5],
        "Train loss": [1.82, 1.41, 1.18, 1.05, 0.94],
        "Eval loss": [1.64, 1.29, 1.14, 1.12, 1.19],
        "Teacher match": ["78.2%", "83.6%", "86.4%", "86.7%", "86.1%"],
        "Hallucination": ["5.2%", "4.3%", "3.6%", "3.5%", "3.9%"],
        "Fallback": ["11.0%", "8.8%", "6.7%", "6.5%", "7.0%"],
    }
)
SEED_002 = pd.DataFrame(
    {
        "Epoch": [1, 2, 3, 4, 5, 6],
        "Train loss": [1.92, 1.41, 1.08, 0.91, 0.84, 0.79],
        "Val loss": [1.84, 1.36, 1.02, 0.88, 0.86, 0.89],
        "Human win rate": ["48%", "57%", "64%", "67%", "67%", "66%"],
        "Teacher preference match": ["72%", "79%", "84%", "86%", "86%", "85%"],
        "Hallucination rate": ["7.8%", "5.9%", "4.6%", "3.9%", "3.8%", "4.1%"],
        "Refusal precision": ["86%", "89%", "91%", "93%", "92%", "91%"],
    }
)


def test_checkpoint_seed_003_picks_epoch_4():
    s = checkpoints.select(SEED_003)
    assert s.chosen_epoch == 4 and s.runner_up_epoch == 3 and not s.tie_within_noise
    assert 5 in s.dominated_epochs  # better than epoch 5 on every signal
    assert set(s.missing_columns) == {"human_win_rate", "rare_class_recall", "cost_reduction"}
    assert sum(abs(w) for w in s.weights_used.values()) == pytest.approx(1.0)


def test_checkpoint_seed_002_is_a_tie_within_noise():
    s = checkpoints.select(SEED_002)
    scores = s.scores.set_index("epoch").score
    assert scores[5] == pytest.approx(0.5491, abs=5e-5) and scores[4] == pytest.approx(0.5489, abs=5e-5)
    assert s.chosen_epoch == 5 and s.runner_up_epoch == 4 and s.tie_within_noise
    assert "refusal_precision picks epoch 4" in s.tie_break


def test_early_stopping_rules():
    stops = {e.rule: e.stop_epoch for e in checkpoints.early_stopping(SEED_002)}
    assert stops == {"loss": None, "quality": 6, "safety": None}
    worse = SEED_002.assign(**{"Hallucination rate": ["7%", "6%", "5%", "5.5%", "6%", "4%"]})
    assert {e.rule: e.stop_epoch for e in checkpoints.early_stopping(worse)}["safety"] == 5


def test_scorecard_weights_contradict_priority():
    fit = checkpoints.weights_consistent_with(checkpoints.SCORECARD_003)
    rounded = [round(fit.best_fit[c], 2) for c in checkpoints.CRITERIA]
    assert rounded == pytest.approx([0.28, 0.36, 0.00, 0.28, 0.08], abs=0.011)
    assert fit.contradicts_priority and fit.high["latency"] <= 0.02
    ranked = checkpoints.score_candidates(
        checkpoints.SCORECARD_003, {"safety": 5, "latency": 4, "cost": 3, "quality": 2, "operability": 1}
    )
    assert ranked.candidate.iloc[0] == "retrieval-grounded gating"


def test_scale_checks():
    d = scale.daily_cost(requests_per_day=500_000, teacher_usd=0.003, student_usd=0.0001)
    assert d.savings_usd_per_day == pytest.approx(1_450) and d.savings_usd_per_month == pytest.approx(43_500)
    assert scale.extra_bad_outcomes_per_day(requests_per_day=50e6, rate_increase=0.015) == pytest.approx(750_000)
    r = scale.recall_drop(requests_per_day=50e6, class_share=0.004, recall_before=0.91, recall_after=0.82)
    assert r.extra_misses_per_day == pytest.approx(18_000) and r.misses_before == pytest.approx(18_000)
    assert scale.corrupted_targets(prompts=25e6, teacher_label_error_rate=0.002) == pytest.approx(50_000)
    c = scale.label_cache_economics(teacher_labelling_usd=18_000, student_run_usd=900, variants=8)
    assert (c.without_cache_usd, c.with_cache_usd, c.savings_usd) == (151_200, 25_200, 126_000)
    assert scale.log_volume(events_per_day=50e6, kb_per_event=6).gb_per_day == pytest.approx(300)
    assert scale.log_volume(events_per_day=50e6, kb_per_event=6).tb_per_month == pytest.approx(9)
    assert scale.log_volume(events_per_day=50e6, kb_per_event=1.4).gb_per_day == pytest.approx(70)
    assert scale.sample_coverage(sample_rows=25_000, requests_per_day=50e6) == pytest.approx(0.0005)


def test_cycle_margins_are_teacher_minus_student_per_cycle(seed_a):
    cycles = pd.DataFrame(
        {
            "cycle": ["w2", "w1"],  # kept in the file's order, not sorted
            "agreement": [0.97, 0.96],
            "teacher_critical_rate": [0.0034, 0.0034],
            "student_critical_rate": [0.0045, 0.0050],
            "requests_per_month": [1.4e6, 2.0e6],
        }
    )
    wide = drift.cycle_margins(drift.cycle_costs(cycles, seed_a))
    assert wide.cycle.tolist() == ["w2", "w1"]
    # w2: inference 5,320 vs 2,240, critical 5,712 vs 7,560, ops 512 vs 542 (no harm rates: not priced)
    assert wide.margin_usd.iloc[0] == pytest.approx((5320 + 5712 + 512) - (2240 + 7560 + 542))
    # w1 at 2M: inference 7,600 vs 3,200, critical 2M × 0.0034 × 1.2 = 8,160 vs 12,000
    assert wide.margin_usd.iloc[1] == pytest.approx((7600 + 8160 + 512) - (3200 + 12000 + 542))


def test_routing_everything_to_the_student_is_the_verdict_itself(seed_ev, seed_a):
    from engine.decision import uncertainty, verdict

    draws = uncertainty.draw(seed_ev.cube, 2_000, 0)
    d = verdict.decide(seed_ev, seed_a, draws=draws)
    routed, _, _ = routing.segment_routing(seed_ev.cube, seed_a, {}, draws=draws)
    assert routed.breakdown.margin_usd == pytest.approx(d.breakdown.margin_usd)
    assert routed.bootstrap.margin_ci95_usd == pytest.approx(d.bootstrap.margin_ci95_usd)  # the same resamples


# --- issue 12: the cascade recommendation respects the latency budget -----------------------------------------


def test_recommendation_meets_the_latency_budget(seed_rows, seed_a, sweep):
    rec = cascade.recommend(seed_rows, seed_a, sweep)
    w, u = rec.within_budget, rec.unconstrained
    assert rec.budget_ms == cascade.LATENCY_BUDGET_MS == 15 and rec.versus == "student"
    # any fallback over 5% of requests puts the 95th percentile on a 5 + 12 = 17 ms request
    assert w is not None and w.p95_latency_ms == 5.0 <= 15 and w.fallback_rate == 0 and w.threshold == 0
    assert w.total_usd == pytest.approx(10_989.92) and w.saving_usd == 0 and w.saving_ci95_usd == (0, 0)
    assert rec.max_fallback_within_budget == pytest.approx(0.0497)
    # the unconstrained optimum is the old recommendation: threshold 0.764, 11% fallback, P95 17 ms
    assert (u.threshold, u.fallback_rate, u.p95_latency_ms) == (pytest.approx(0.764), pytest.approx(0.11), 17.0)
    assert u.saving_usd == pytest.approx(10_989.92 - 10_699.804)
    lo, hi = u.saving_ci95_usd
    assert lo < 0 < u.saving_usd < hi  # $290 a month, but its interval includes zero


def test_no_threshold_meets_a_budget_below_the_student(seed_rows, seed_a, sweep):
    rec = cascade.recommend(seed_rows, seed_a, sweep, budget_ms=4.0)  # the student alone is 5 ms
    assert rec.within_budget is None and rec.max_fallback_within_budget is None
    assert rec.unconstrained.threshold == pytest.approx(0.764)


@pytest.mark.parametrize("threshold", [0.0, 0.5, 0.764, 0.9, 1.0])
def test_grouped_rows_price_the_sweep_exactly(seed_rows, seed_a, sweep, threshold):
    """The bootstrap's groups (cube cell × fallback) lose nothing: unresampled, they give the sweep's saving."""
    rc = cascade.row_costs(seed_rows, seed_a)
    i = int(round(threshold * 1000))
    for model, alone in (("student", sweep.student_total_usd), ("teacher", sweep.teacher_total_usd)):
        lo, hi = cascade.saving_interval(rc, seed_a, threshold, model, point=True)
        assert lo == pytest.approx(alone - sweep.total_usd[i], abs=1e-6) == hi


def test_drift_rules_have_names_in_words():
    cycles = drift.example_cycles()
    fired = {x.rule for x in drift.check(cycles, break_even_usd_per_critical_event=1.93)}
    assert fired <= set(drift.RULE_LABELS) and all("_" not in drift.RULE_LABELS[r] for r in fired)
    detail = {x.rule: x.detail for x in drift.check(cycles)}
    assert detail["agreement_below_gate"] == "agreement below 95% for 3 cycles running (94.4% now)"


def test_cli_cascade_gives_the_pages_recommendation(seed_rows, seed_a):
    """`python -m engine cascade` recommends what the Rollout page does: within the 15 ms budget, with the interval."""
    import json

    from tests.conftest import run_cli

    r = run_cli("cascade", "--json")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)["recommendation"]
    rec = cascade.recommend(seed_rows, seed_a)
    assert got["within_budget"]["fallback_rate"] == rec.within_budget.fallback_rate == 0.0  # the student alone
    assert got["within_budget"]["p95_latency_ms"] == 5.0
    assert got["unconstrained"]["threshold"] == rec.unconstrained.threshold == pytest.approx(0.764)
    assert got["unconstrained"]["saving_ci95_usd"] == pytest.approx(list(rec.unconstrained.saving_ci95_usd))
    text = run_cli("cascade").stdout
    assert "recommendation within the 15 ms budget: no cascade: the student alone" in text
    assert "saving $290 vs the student alone, 95% CI [−$878, $1,483]" in text


def test_the_cheaper_single_model_within_budget_beats_dearer_cascades(seed_rows, seed_a):
    a = seed_a.replace(usd_per_critical_event=2.5)  # teacher 18,299.84 < student 19,179.92 (margin −$880.08)
    rec = cascade.recommend(seed_rows, a)
    assert rec.versus == "teacher" and rec.alone == rec.serves_alone == "teacher"
    assert rec.alone_total_usd == pytest.approx(18_299.84)
    assert rec.within_budget is not None and rec.within_budget.saving_usd < 0  # every in-budget cascade costs more
    seed = cascade.recommend(seed_rows, seed_a)
    assert seed.alone == seed.serves_alone == "student" and seed.alone_total_usd == pytest.approx(10_989.92)


def test_the_cascade_chart_marks_the_teacher_alone_when_it_is_recommended(seed_rows, seed_a):
    from engine.present import figures_rollout

    a = seed_a.replace(usd_per_critical_event=2.5)
    sw = cascade.sweep(seed_rows, a)
    fig = figures_rollout.cascade_chart(sw, cascade.recommend(seed_rows, a, sw))
    star = next(t for t in fig.data if t.name == "Recommended: the teacher alone")
    assert star.y[0] == pytest.approx(18_299.84) and star.marker.symbol == "star"
    assert not [t for t in fig.data if t.name == "Recommended (within budget)"]  # the student star is not "recommended"
    seed_fig = figures_rollout.cascade_chart(
        sw0 := cascade.sweep(seed_rows, seed_a), cascade.recommend(seed_rows, seed_a, sw0)
    )
    assert [t for t in seed_fig.data if t.name == "Recommended (within budget)"]
