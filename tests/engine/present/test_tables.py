"""Tables in words: headers with units, shares as percentages, values never printed as np.float64(…)."""

import numpy as np
import pytest

from engine.decision import costs, scenario
from engine.present import tables
from ui.fields import BY_PATH


def test_plain_values_and_names():
    assert tables.plain_value(np.float64(2.5)) == "2.5" and tables.plain_value(np.int64(1_400_000)) == "1,400,000"
    assert tables.plain_value(2_000_000.0) == "2,000,000"
    assert tables.plain_value(["faq", "escalation"]) == "faq, escalation"
    assert tables.plain_name("usd_per_critical_event") == "$ per critical event"
    assert tables.plain_name("teacher.price_source") == "Teacher price source"


def test_what_changed_uses_the_field_labels_and_formats(seed_a):
    a = seed_a.replace(
        usd_per_critical_event=np.float64(2.5),
        requests_per_month=2_000_000.0,
        **{"teacher.usd_per_request": 0.004, "student.p95_latency_ms": 9.0},
    )
    t = tables.changes(scenario.changed_fields(seed_a, a), BY_PATH, before="Before", now="Now")
    rows = {r.Assumption: (r.Before, r.Now) for r in t.itertuples()}
    assert rows["$ per critical event"] == ("$1.20", "$2.50")  # the field's unit, as the sidebar shows it
    assert rows["Monthly volume (requests)"] == ("1,400,000", "2,000,000")
    assert rows["Teacher price ($ per 10K requests)"] == ("$38.00", "$40.00")  # $0.0038 per request = $38 per 10K
    assert rows["Student P95 latency (ms)"][1] == "9.00 ms"
    assert not any("np." in v or "_" in k for k, pair in rows.items() for v in pair)


def test_segment_table_total_first_zero_components_dropped_shares_in_percent(seed_cube, seed_a):
    by_seg = costs.decompose_by_segment(seed_cube, seed_a)
    seg = tables.segment_costs(by_seg)
    assert list(seg.columns[:3]) == ["Segment", "Model", "Total ($/month)"]
    assert "Latency ($/month)" not in seg and "Carbon ($/month)" not in seg  # $0 everywhere in the seed
    teacher = seg[seg.Model == "Teacher"]
    assert teacher["Total ($/month)"].sum() == pytest.approx(12_111.84)  # segments add up to the teacher total
    traffic = tables.segment_traffic(by_seg)
    assert list(traffic["Segment"]) == ["new", "returning", "vip"]
    assert list(traffic["Share of volume (%)"]) == pytest.approx([30.0, 60.0, 10.0])  # a percentage, not 0.3
    assert list(traffic["Requests / month"]) == pytest.approx([420_000, 840_000, 140_000])  # × 1.4M
    assert traffic["Student critical events / month"].sum() == pytest.approx(6_300)  # the Overview's 6,300


def test_quality_metrics_in_percent_with_units(seed_ev, seed_a):
    from engine.quality import report as quality_report

    r = quality_report.report(seed_ev.cube, seed_ev.rows, critical_intents=seed_a.critical_intents, rng=0)
    shown = tables.quality_metrics(r.table()).set_index(["Metric", "Model"])
    assert shown.loc[("Accuracy", "Teacher"), "Value"] == pytest.approx(92.1)  # 9,210 of 10,000 right
    assert shown.loc[("Critical-error rate", "Teacher"), "Value"] == pytest.approx(0.34)  # 34 of 10,000
    assert shown.loc[("Top-1 agreement", "Both (paired)"), "Unit"] == "%"
    assert shown.loc[("KL divergence, teacher to student (T = 3)", "Both (paired)"), "Unit"] == "nats"
    fmts = {fmt: rows for rows, fmt in tables.quality_formats(shown.reset_index())}
    assert set(fmts) == {"{:.1f}%", "{:.2f}%", "{:.3f} nats"}
