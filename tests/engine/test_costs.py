"""Seed 000 §1.5, §4 and the corrected §2 table, to the dollar."""

import numpy as np
import pytest

from engine.decision import costs


def test_seed_section_1_5_to_the_dollar(seed_cube, seed_a):
    b = costs.decompose(seed_cube, seed_a)
    t, s = b.teacher, b.student
    assert round(t.inference_usd) == 5320 and round(s.inference_usd) == 2240
    assert round(t.weighted_error_usd) == 568 and round(s.weighted_error_usd) == 648
    assert round(t.critical_usd) == 5712 and round(s.critical_usd) == 7560
    assert round(t.operational_usd) == 512 and round(s.operational_usd) == 542
    assert round(t.total_usd) == 12112 and round(s.total_usd) == 10990
    assert round(b.margin_usd) == 1122
    # unrounded arithmetic: 1.4M × (0.0038 + 0.0312×0.013 + 0.0034×1.2) + 512
    assert t.total_usd == pytest.approx(1.4e6 * (0.0038 + 0.0312 * 0.013 + 0.0034 * 1.2) + 512, abs=1e-6)
    assert b.delta_usd("critical") == pytest.approx(1848.0)
    assert b.delta_usd("inference") == pytest.approx(-3080.0)


def test_counts_beside_dollars(seed_cube, seed_a):
    b = costs.decompose(seed_cube, seed_a)
    assert b.teacher.critical_events_per_month == pytest.approx(4760)
    assert b.student.critical_events_per_month == pytest.approx(6300)
    assert b.teacher.harm_units_per_month == pytest.approx(43_680)
    assert b.student.harm_units_per_month == pytest.approx(49_840)
    assert b.teacher.accuracy == pytest.approx(0.921) and b.student.accuracy == pytest.approx(0.905)


@pytest.mark.parametrize("usd_per_ms, margin", [(0, 1122), (50, 1472), (100, 1822)])
def test_seed_section_4_latency(seed_cube, seed_a, usd_per_ms, margin):
    b = costs.decompose(seed_cube, seed_a.replace(usd_per_ms_month=usd_per_ms))
    assert round(b.margin_usd) == margin
    assert b.student.latency_usd == 0  # the baseline is the faster model's P95 (5 ms)
    assert b.teacher.latency_usd == pytest.approx(usd_per_ms * 7)


def test_latency_dollars_scale_with_traffic(seed_cube, seed_a):
    a = seed_a.replace(usd_per_ms_month=50, requests_per_month=2_800_000)
    assert costs.decompose(seed_cube, a).teacher.latency_usd == pytest.approx(700)  # 50 × 7 ms × 2.8M/1.4M


@pytest.mark.parametrize(
    "volume, teacher, student", [(500_000, 4655, 4273), (5_000_000, 41_940, 37_856), (20_000_000, 166_224, 149_798)]
)
def test_corrected_section_2_fixed_ops(seed_cube, seed_a, volume, teacher, student):
    b = costs.decompose(seed_cube, seed_a.replace(requests_per_month=volume))
    assert round(b.teacher.total_usd) == teacher and round(b.student.total_usd) == student
    assert b.teacher.operational_usd == 512  # fixed, not scaled with volume (seed error 2)


def test_margin_at_half_million_is_381_40(seed_cube, seed_a):
    b = costs.decompose(seed_cube, seed_a.replace(requests_per_month=500_000))
    assert b.margin_usd == pytest.approx(381.40, abs=0.005)


def test_per_segment_adds_up_to_totals(seed_cube, seed_a):
    seg = costs.decompose_by_segment(seed_cube, seed_a)
    b = costs.decompose(seed_cube, seed_a)
    for model, m in (("teacher", b.teacher), ("student", b.student)):
        part = seg[seg.model == model]
        assert part.total_usd.sum() == pytest.approx(m.total_usd)
        assert part.critical_events_per_month.sum() == pytest.approx(m.critical_events_per_month)
    assert set(seg.segment) == {"new", "returning", "vip"}
    assert seg[seg.model == "teacher"].volume_share.sum() == pytest.approx(1.0)


def test_confusion_costs_add_up_to_error_dollars(seed_cube, seed_a):
    cc = costs.confusion_costs(seed_cube, seed_a)
    b = costs.decompose(seed_cube, seed_a)
    t = cc[cc.model == "teacher"]
    assert t.usd_per_month.sum() == pytest.approx(b.teacher.weighted_error_usd + b.teacher.critical_usd)
    assert t.critical_per_month.sum() == pytest.approx(4760)
    assert cc.usd_per_month.is_monotonic_decreasing
    # the most expensive confusion is a critical one (true intent escalation or return_request)
    assert cc.iloc[0]["true"] in ("escalation", "return_request")


def test_segment_multiplier_prices_vip_critical_events(seed_cube, seed_a):
    base = costs.decompose(seed_cube, seed_a)
    vip = costs.decompose(seed_cube, seed_a.replace(critical_multiplier_by_segment=(("vip", 3.0),)))
    seg = costs.decompose_by_segment(seed_cube, seed_a)
    vip_crit = seg[(seg.segment == "vip") & (seg.model == "student")].critical_usd.item()
    assert vip.student.critical_usd == pytest.approx(base.student.critical_usd + 2 * vip_crit)
    assert vip.student.critical_events_per_month == base.student.critical_events_per_month  # counts unweighted


def test_production_mix_equal_to_evaluation_mix_changes_nothing(seed_cube, seed_a):
    mix = tuple(seed_cube.intent_shares().items())
    b0 = costs.decompose(seed_cube, seed_a)
    b1 = costs.decompose(seed_cube, seed_a.replace(production_intent_mix=mix))
    assert b1.margin_usd == pytest.approx(b0.margin_usd)


def test_production_mix_reweights_rates(seed_cube, seed_a):
    # all production traffic is escalation: the critical rate becomes escalation's own misroute rate
    mix = tuple((i, 1.0 if i == "escalation" else 0.0) for i in seed_a.intents)
    b = costs.decompose(seed_cube, seed_a.replace(production_intent_mix=mix))
    assert b.teacher.critical_rate == pytest.approx(20 / 300)
    assert b.student.critical_rate == pytest.approx(25 / 300)


def test_carbon_component(seed_cube, seed_a):
    a = seed_a.replace(
        **{"teacher.kwh_per_request": 1e-4, "student.kwh_per_request": 4.2e-5}, kg_co2e_per_kwh=0.4, usd_per_kg_co2e=0.1
    )
    b = costs.decompose(seed_cube, a)
    assert b.teacher.carbon_usd == pytest.approx(1.4e6 * 1e-4 * 0.4 * 0.1)
    assert b.teacher.kg_co2e_per_month == pytest.approx(56.0)


def test_payback_and_twelve_month_view(seed_cube, seed_a):
    a = seed_a.replace(distillation_compute_usd=1000, migration_usd=2000, canary_labelling_usd=366.0)
    p = costs.payback(costs.decompose(seed_cube, a), a)
    assert p.one_off_usd == 3366
    assert p.payback_months == pytest.approx(3366 / 1121.92)
    assert p.cumulative_usd_by_month[11] == pytest.approx(12 * 1121.92 - 3366)
    never = costs.payback(costs.decompose(seed_cube, a.replace(usd_per_critical_event=3.0)), a)
    assert never.payback_months is None


def test_bootstrap_rates_match_decompose_for_one_resample(seed_cube, seed_a):
    q = costs.cell_quantities(seed_cube, seed_a)
    rt, rs = costs.rates_from_counts(q, np.vstack([seed_cube.counts, seed_cube.counts]))
    b = costs.decompose(seed_cube, seed_a)
    assert rt.harm_units[0] == pytest.approx(0.0312, rel=1e-6)
    assert rs.critical[1] == pytest.approx(b.student.critical_rate, rel=1e-6)
