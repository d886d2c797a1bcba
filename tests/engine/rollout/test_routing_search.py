"""Routing policies found by search over the paired cube (issue 16), checked against hand-known answers.

Seed: per-segment margins new $385.52, returning $946.50, VIP −$210.10 a month (costs.decompose_by_segment);
routing VIP to the teacher saves $210 there but running the teacher at all adds its $512/month, so the seed's
best per-segment policy is the student everywhere. With VIP's critical misroutes counting 10× the student's
extra VIP critical misroutes would cost far more than $512 (tested on a cube built for it, below).
"""

import pandas as pd
import pytest

from engine.decision import costs, uncertainty
from engine.decision import cube as cube_mod
from engine.rollout import routing


def test_seed_segments_state_and_policy(seed_ev, seed_a):
    ms = routing.segment_margins(seed_ev.cube, seed_a, uncertainty.draw(seed_ev.cube, 1_000, 0))
    by = {m["segment"]: m for m in ms}
    seg = costs.decompose_by_segment(seed_ev.cube, seed_a).pivot(index="segment", columns="model", values="total_usd")
    for s in ("new", "returning", "vip"):
        assert by[s]["margin_usd"] == pytest.approx(seg.loc[s, "teacher"] - seg.loc[s, "student"])
        lo, hi = by[s]["ci95_usd"]
        assert lo < by[s]["margin_usd"] < hi
    assert by["vip"]["state"] == "lean teacher" and by["returning"]["state"] == "lean student"
    r = routing.best_policy(seed_ev.cube, seed_a, B=500)
    assert set(r.policy.values()) == {"student"} and r.saving_vs_student_usd == 0.0


def vip_cube(intents):
    """New and returning: both models always right. VIP (20% of requests): 200 of its 1,000 escalations the
    student sends to faq (a critical misroute), the teacher never. At the seed's $1.20 per critical event VIP's
    student costs 10% × 20% × 1.4M × $1.20 = $33,600/month more in critical errors than the teacher: far more
    than the teacher's $512 operations and its dearer inference on 280,000 requests ($0.0022 × 280,000 = $616)."""
    rows = []
    for seg in ("new", "returning"):
        rows += [(seg, "order_tracking", "order_tracking", "order_tracking", 3_000)]
        rows += [(seg, "escalation", "escalation", "escalation", 1_000)]
    rows += [("vip", "order_tracking", "order_tracking", "order_tracking", 1_000)]
    rows += [("vip", "escalation", "escalation", "escalation", 800), ("vip", "escalation", "escalation", "faq", 200)]
    frame = pd.DataFrame(rows, columns=["segment", "true", "teacher_pred", "student_pred", "n"])
    return cube_mod.from_counts(frame, intents=intents)


def test_a_cube_where_vip_must_go_to_the_teacher(seed_a):
    cube, a = vip_cube(seed_a.intents), seed_a
    r = routing.best_policy(cube, a, B=500)
    assert r.policy == {"new": "student", "returning": "student", "vip": "teacher"} and r.folds_agree
    # by hand from the per-segment totals: VIP at the teacher, the rest at the student, and both models' fixed
    # operations in full (the segment totals allocate them by volume share: VIP is 20% of the volume)
    seg = costs.decompose_by_segment(cube, a).pivot(index="segment", columns="model", values="total_usd")
    hand = seg.loc["vip", "teacher"] + seg.loc["new", "student"] + seg.loc["returning", "student"]
    hand += 0.8 * a.teacher.ops_usd_per_month + 0.2 * a.student.ops_usd_per_month
    assert r.total_usd == pytest.approx(hand)
    assert seg.loc["vip", "student"] - seg.loc["vip", "teacher"] == pytest.approx(33_600 - 616 + 6, abs=0.01)
    assert r.p95_latency_ms == 12.0 <= routing.LATENCY_BUDGET_MS  # the slower model used
    lo, hi = r.saving_vs_student_ci95_usd
    print(f"VIP must go to the teacher: cross-fitted saving vs the student everywhere "
          f"${r.saving_vs_student_usd:,.0f}/month, 95% [{lo:,.0f}, {hi:,.0f}]")  # fmt: skip
    assert 0 < lo < r.saving_vs_student_usd < hi


def test_intent_routing_never_breaks_the_latency_budget(seed_ev, seed_a):
    a = seed_a.replace(critical_multiplier_by_segment=(("vip", 10.0),))
    r = routing.best_policy(seed_ev.cube, a, keyed="intent", B=300)
    assert r.p95_latency_ms <= routing.LATENCY_BUDGET_MS and r.teacher_share <= 0.05
