"""The cost–quality frontier (issue 16). Seed: teacher $12,112 and 4,760 critical misroutes a month, student
$10,990 and 6,300; a fallback pays both models' P95 (5 + 12 = 17 ms), so once more than 5% of requests fall
back P95 breaks the 15 ms budget — the cheapest cascade ignoring it (threshold 0.764, 11% fallback, $10,700)
is over the budget and must never be recommended."""

import numpy as np
import pytest

from engine.present import figures_rollout as fr
from engine.rollout import cascade, frontier


def test_seed_frontier_points_and_recommendation(seed_ev, seed_a):
    f = frontier.frontier(seed_ev.rows, seed_ev.cube, seed_a, B=500)
    single = {p.label: p for p in f.points if p.kind == "single"}
    assert single["Teacher alone"].total_usd == pytest.approx(12_111.84)
    assert single["Student alone"].critical_per_month == pytest.approx(6_300)
    assert f.recommended.label == "Student alone" and f.saving_usd == 0.0
    over = [p for p in f.points if p.deployable and not p.within_budget]
    assert min(p.total_usd for p in over) < f.recommended.total_usd  # the budget binds: a cheaper point is over it
    assert all(p.within_budget and p.deployable for p in f.points if p.pareto)
    oracle = next(p for p in f.points if p.kind == "oracle")
    assert oracle.total_usd < f.recommended.total_usd and not oracle.pareto
    assert f.next_best is not None and f.next_best.label == "teacher for vip"


@pytest.mark.parametrize("axis", ["critical", "error"])
@pytest.mark.parametrize("critical_usd", [0.3, 0.6, 1.2, 2.5, 6.0])
@pytest.mark.parametrize("budget_ms", [6.0, 15.0, 20.0])
def test_no_recommended_point_breaks_the_latency_budget(seed_ev, seed_a, critical_usd, budget_ms, axis):
    a = seed_a.replace(usd_per_critical_event=critical_usd)
    f = frontier.frontier(seed_ev.rows, seed_ev.cube, a, budget_ms=budget_ms, steps=101, B=200, axis=axis)
    r = f.recommended
    assert r.deployable and r.p95_latency_ms <= budget_ms
    assert all(p.within_budget and p.p95_latency_ms <= budget_ms for p in f.points if p.pareto)
    over = [p for p in f.points if p.p95_latency_ms > budget_ms]
    assert not any(p.pareto or p.within_budget for p in over) and r not in over
    lo, hi = f.saving_ci95_usd
    assert lo - 1e-6 <= f.saving_usd <= hi + 1e-6 or r.kind == "single"
    rec = cascade.recommend(seed_ev.rows, a, budget_ms=budget_ms, B=200)
    assert rec.within_budget is None or rec.within_budget.p95_latency_ms <= budget_ms


def test_a_looser_budget_recommends_a_cascade_with_its_interval(seed_ev, seed_a):
    f = frontier.frontier(seed_ev.rows, seed_ev.cube, seed_a, budget_ms=20.0, B=500)
    r = f.recommended
    assert r.kind == "cascade" and r.p95_latency_ms == 17.0 and f.versus == "student"
    lo, hi = f.saving_ci95_usd
    print(f"20 ms budget: {r.label}, {r.total_usd:,.0f}/month, saves {f.saving_usd:,.0f} [{lo:,.0f}, {hi:,.0f}]")
    assert f.saving_usd > 0 and lo < f.saving_usd < hi


def test_frontier_and_sequence_charts_read_in_words(seed_ev, seed_a):
    import re

    from engine.present import figures_rollout as fr
    from engine.rollout import sequential as sq

    f = frontier.frontier(seed_ev.rows, seed_ev.cube, seed_a, B=200)
    plan = sq.plan_for(seed_ev.cube, seed_a, 1_900.0)
    seq = fr.sequence_chart(sq.monitor(sq.example_daily(plan, days=10), plan), 1_900.0, example=True)
    for fig in (fr.frontier_chart(f), seq):
        assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
        assert not any(re.search(r"%\{[^}]*:[^}]*\$", t.hovertemplate or "") for t in fig.data)  # usd() strings
    assert fr.frontier_chart(f).layout.title.text.startswith("Recommended within the 15 ms budget: student alone")
    assert seq.layout.title.text.startswith("Example: day 10: ") and "$1,900 guardrail" in seq.layout.title.text


def test_business_weighted_error_axis_by_hand(seed_ev, seed_a):
    """Business-weighted error = harm-unit dollars + critical-event dollars a month (the cost formula's
    weighted_error + critical). Seed: teacher $567.84 + $5,712 (4,760 × $1.20) = $6,279.84, student $647.92 +
    $7,560 (6,300 × $1.20) = $8,207.92. A cascade's error is the student's when nothing falls back and the teacher's
    when everything does; the oracle's (each request's cheaper error) is below every point; the recommendation
    (the cheapest within budget) is the same on either axis."""
    f = frontier.frontier(seed_ev.rows, seed_ev.cube, seed_a, B=200, axis="error")
    single = {p.label: p for p in f.points if p.kind == "single"}
    assert single["Teacher alone"].error_usd_per_month == pytest.approx(567.84 + 4_760 * 1.20)
    assert single["Student alone"].error_usd_per_month == pytest.approx(647.92 + 6_300 * 1.20)
    err = frontier._cascade_error_usd(cascade.row_costs(seed_ev.rows, seed_a), seed_a, np.array([0.0, 1.0]))
    assert err == pytest.approx([8_207.92, 6_279.84])
    assert f.axis == "error" and f.recommended.label == "Student alone"
    assert f.to_dict()["axis_title"].startswith("Business-weighted error")
    vip = next(p for p in f.points if p.label == "teacher for vip")  # VIP's critical misroutes at the teacher's rate
    assert 6_279.84 < vip.error_usd_per_month < 8_207.92
    oracle = next(p for p in f.points if p.kind == "oracle")  # each request's cheaper error: a bound below all
    assert all(oracle.error_usd_per_month <= p.error_usd_per_month + 1e-6 for p in f.points if p.kind != "oracle")
    fig = fr.frontier_chart(f)
    assert fig.layout.xaxis.title.text.startswith("Business-weighted error (USD per month")
    assert fig.layout.xaxis.tickformat == "$,.0f"


def test_frontier_cli_axis_flag(seed_ev):
    import json

    from tests.conftest import run_cli

    d = json.loads(run_cli("frontier", "--axis", "error", "--json").stdout)
    assert d["axis"] == "error" and d["recommended"]["label"] == "Student alone"
    assert d["recommended"]["error_usd_per_month"] == pytest.approx(8_207.92)
    bad = run_cli("frontier", "--axis", "accuracy")
    assert bad.returncode == 2 and "--axis" in bad.stderr
