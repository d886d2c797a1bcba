"""Rollout page and the architect's view on Sensitivity (AppTest): the seed figures by hand.

Seed: teacher $12,112, student $10,990, margin $1,122 with 95% interval [−$385, $2,474] (10,000 resamples,
seed 0); teacher accuracy 92.1%, student 90.5%; critical-error cost grows by (0.45% − 0.34%) × 1.4M × $1.20 =
+$1,848/month against the $1,800 guardrail (seed 000 §7).
"""

import pytest
from streamlit.testing.v1 import AppTest

from engine.present.money import usd
from tests.conftest import ROOT


def page(name: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page(f"app_pages/{name}.py").run()
    assert not at.exception, at.exception
    return at


def margin_by_hand(v: float) -> float:
    """Per-request dollars scale with volume; the $30 fixed operations gap (542 − 512) does not."""
    return v / 1_400_000 * (1_121.92 + 30) - 30


def bands(at: AppTest):
    return next(df.value for df in at.dataframe if "95% interval" in df.value.columns)


def test_band_table_holds_the_banner_interval_and_the_linear_margins(db):
    at = page("sensitivity")
    t = bands(at)
    assert t["Requests / month"].tolist() == [500_000, 1_400_000, 5_000_000, 20_000_000]
    seed = t[t["Volume"] == "current"]
    assert seed["Requests / month"].tolist() == [1_400_000]
    row = seed.iloc[0]
    assert row["95% interval"] == "[−$385, $2,474]"  # the banner's, from the same resamples
    assert any("[−$385, $2,474]" in w.value for w in at.warning)  # the banner itself says the same
    assert [usd(row[c]) for c in ("Teacher $/month", "Student $/month", "Margin (teacher − student)")] == [
        "$12,112",
        "$10,990",
        "$1,122",
    ]
    assert row["P(student cheaper)"] == pytest.approx(0.9297) and row["Verdict"] == "Lean student"
    for v, m in zip(t["Requests / month"], t["Margin (teacher − student)"]):
        assert m == pytest.approx(margin_by_hand(v), abs=0.01)
    assert [usd(m) for m in t["Margin (teacher − student)"]] == ["$381", "$1,122", "$4,084", "$16,426"]
    assert t["95% interval"].str.match(r"^\[−?\$[\d,]+, −?\$[\d,]+\]$").all()


def test_current_row_follows_the_sidebar_volume(db):
    at = page("sensitivity")
    at.number_input(key="in:requests_per_month").set_value(3_000_000.0).run()
    t = bands(at)
    assert t["Requests / month"].tolist() == [500_000, 1_400_000, 3_000_000, 5_000_000, 20_000_000]
    assert t["Volume"].tolist() == ["band", "band", "current", "band", "band"]
    assert usd(t["Margin (teacher − student)"].iloc[2]) == usd(margin_by_hand(3e6)) == "$2,438"
    assert t["95% interval"].iloc[1] == "[−$385, $2,474]"  # 1.4M re-priced from the same draws: unchanged


def test_go_no_go_names_the_guardrail_on_the_seed(db):
    at = page("rollout")
    assert not [s.value for s in at.success if "gate" in s.value]  # no green "No gate blocks" above a breach
    box = [e.value for e in at.error if "No-go" in e.value]
    assert len(box) == 1, [e.value for e in at.error]
    assert "canary guardrail" in box[0] and "$1,800/month" in box[0] and "+$1,848/month" in box[0]
    assert "Every gate passes" in box[0] and "**Fix:** set the guardrail above the offline estimate" in box[0]
    assert any("$1,900/month" in m.value for m in at.markdown)  # a limit above the offline estimate
    gates = next(df.value for df in at.dataframe if "Result" in df.value.columns)
    assert gates["Result"].tolist() == ["pass"] * 5
    assert gates["Measured"].tolist() == ["87.4%", "5.0 ms", "57.9%", "97.4%", "4.5%"]


def test_go_when_the_offline_estimate_is_under_the_guardrail(db):
    at = page("rollout")
    at.number_input(key="in:usd_per_critical_event").set_value(1.0).run()  # 0.0011 × 1.4M × $1.00 = $1,540
    assert not [e.value for e in at.error if "No-go" in e.value]
    box = [s.value for s in at.success if "Go:" in s.value]
    assert box and "+$1,540/month offline, under the $1,800/month limit" in box[0]


def test_go_no_go_names_a_failing_gate_from_the_decision(db):
    from engine.rollout import gates

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["gates"] = (gates.Gate("P95 ≤ 4 ms", "student.p95_latency_ms", "<=", 4.0, "latency"),)
    at.run()
    at.switch_page("app_pages/rollout.py").run()
    box = next(e.value for e in at.error if "No-go" in e.value)
    assert "'P95 ≤ 4 ms'" in box and "canary guardrail" in box
    table = next(df.value for df in at.dataframe if "Result" in df.value.columns)
    assert table.to_dict("records") == [
        {
            "Priority": "Latency",
            "Gate": "P95 ≤ 4 ms",
            "Needs": "≤ 4.0 ms",
            "Measured": "5.0 ms",
            "Reads": "point estimate",
            "Result": "FAIL",
        }
    ]


def test_canary_defaults_come_from_the_evidence(db):
    at = page("rollout")
    at.radio(key="can_metric").set_value("accuracy").run()
    by_label = {n.label: n for n in at.number_input}
    assert by_label["Baseline accuracy (%)"].value == 92.1  # the teacher's measured 0.921
    assert by_label["Accuracy to detect (%)"].value == 90.5  # the student's measured 0.905
    assert any("baseline 92.1% vs 90.5%" in c.value for c in at.caption)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Canary arm (labelled)"] == "2,483" and metrics["Days to collect at 5%"] == "1.1"


def test_cascade_recommendation_meets_the_latency_budget(db):
    at = page("rollout")
    text = next(m.value for m in at.markdown if "Recommended within the 15 ms P95 budget" in m.value)
    assert "serve the student alone" in text and "P95 5 ms" in text and "up to 5.0% of requests" in text
    assert "Cheapest ignoring the budget: threshold **0.764** (fallback 11.0%), $10,700/month, P95 17 ms" in text
    assert "saves **$290/month** vs the student alone, 95% interval [−$" in text and "over the 15 ms budget" in text


def test_cascade_recommends_the_teacher_alone_when_it_is_the_cheaper_model(db):
    """At $2.50 per critical event the teacher alone ($18,300/month, 12 ms) is cheaper than the student alone
    ($19,180) and every in-budget cascade: the walk saw "serve the student alone" recommended there."""
    at = page("rollout")
    at.number_input(key="in:usd_per_critical_event").set_value(2.5).run()
    text = next(m.value for m in at.markdown if "Recommended within the 15 ms P95 budget" in m.value)
    assert "serve the teacher alone** ($18,300/month, P95 12 ms)" in text
    assert "serve the student alone" not in text


def test_drift_alerts_in_words(db):
    at = page("rollout")
    rows = next(df.value for df in at.dataframe if "What happened" in df.value.columns)
    actions = next(df.value for df in at.dataframe if "Action" in df.value.columns)
    assert not rows["Rule"].str.contains("_").any() and "Agreement below the gate" in set(rows["Rule"])
    assert actions["Rule"].is_unique and actions["Action"].str.len().min() > 20
    assert not rows["What happened"].str.contains("kl_t3|KL\\(T=3\\)").any()


def test_an_epoch_table_with_a_blank_metric_is_refused_as_on_the_cli(db):
    """The checkpoint uploader reads the table as `python -m engine checkpoints` does: a NaN metric is refused with
    its column and row, not scored as "teacher_preference_match nan fails >= 0.85"."""
    at = page("rollout")
    csv = b"epoch,total_loss,teacher_preference_match\n1,1.0,0.9\n2,0.8,\n3,0.7,0.88\n"
    at.file_uploader(key="epochs_upload").set_value(("epochs.csv", csv, "text/csv")).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("teacher_preference_match" in e and "row 2 is blank" in e and "Fix:" in e for e in errors), errors
    assert not any("nan fails" in m.value for m in at.markdown)


def test_monitor_tab_draws_the_example_sequence_against_the_proposed_guardrail(db):
    """The generated example (labelled so) is judged against $1,900/month: the seed's $1,800 is already breached
    by the offline +$1,848; a week at 5% with no alarm ramps (day 7)."""
    at = page("rollout")
    assert any("generated **example**" in i.value for i in at.info)
    assert any(
        "already breached by the offline estimate (+$1,848/month)" in c.value and "$1,900/month" in c.value
        for c in at.caption
    )
    t = next(df.value for df in at.dataframe if "Recommendation" in df.value.columns)
    assert t["Day"].tolist() == list(range(1, 29)) and set(t["Recommendation"]) <= {
        "continue",
        "ramp",
        "roll back",
        "ship",
    }
    assert t["Recommendation"].iloc[6] == "ramp" and t["Share"].iloc[0] == "5%"
    # the example's day 28 (`python -m engine monitor --daily example`: $ band [−$1,560, −$78], growth up to $2,922)
    day28 = next(m.value for m in at.markdown if m.value.startswith("**Day 28: "))
    assert day28.startswith("**Day 28: continue**. No rule fires")
    assert "saves at least $78/month" in day28 and "may still reach $2,922/month, above the $1,900 guardrail" in day28


def test_frontier_and_segment_search_on_the_seed(db):
    """Within the 15 ms budget the student alone is the cheapest way to serve ($10,990); VIP leans teacher
    (−$210/month) but the teacher's $512 operations make the student everywhere the best routing."""
    at = page("rollout")
    text = next(m.value for m in at.markdown if m.value.startswith("**Recommended: the student alone**"))
    assert "($10,990/month, P95 5 ms)" in text and "teacher for vip, $11,295/month" in text
    assert "over the budget, so not recommended: cascade, threshold 0.77 (11.1% fall back), $10,703/month" in text
    seg = next(df.value for df in at.dataframe if "Segment" in df.value.columns and "Verdict" in df.value.columns)
    assert seg["Verdict"].tolist() == ["Lean student", "Lean student", "Lean teacher"]
    assert seg["Margin (teacher − student) $/month"].tolist() == ["$386", "$947", "−$210"]
    best = [m.value for m in at.markdown if m.value.startswith("**Best routing per segment")]
    assert len(best) == 2 and all("the student everywhere — $10,990/month" in b for b in best)
    # the canary on the metric that decides: the seed plan's 5% canary against +1,540 critical misroutes a month
    crit = next(m.value for m in at.markdown if m.value.startswith("**The rollout plan's canary, on the metric"))
    assert "+1,540 critical misroutes per month (0.34% → 0.45%)" in crit and "21,776 requests: **9.5 days**" in crit
    assert "7.5 days on the plan's 5% → 25% ramp" in crit
    assert any("345 shadow requests show a fall to 95%" in c.value for c in at.caption)


def canary_metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric if m.label.startswith(("Canary arm", "Control arm", "Days"))}


def test_canary_planner_sizes_the_chosen_metric_at_the_chosen_alpha_power_and_sides(db):
    """The default is the metric that decides: the seed plan's 5% canary against +1,540 critical misroutes a month
    (0.34% → 0.45%), one-sided 5%, 80% power: 21,776 canary requests, 21,776 × 19 = 413,744 control, 9.5 days at
    5% of 46,053 a day (21,776 / 2,302.6), 7.5 on the ramp — as `python -m engine canary --metric critical-rate`."""
    from engine import sources
    from engine.rollout import canary_metric as cm

    at = page("rollout")
    assert at.radio(key="can_metric").value == "critical-rate"
    assert canary_metrics(at) == {
        "Canary arm (requests)": "21,776",
        "Control arm (requests)": "413,744",
        "Days to collect at 5%": "9.5",
        "Days on the 5% → 25% ramp": "7.5",
    }
    at.selectbox(key="can_sided:critical-rate").set_value(2).run()  # docs/rollout.md: 27,317, 11.9, 8.0
    m = canary_metrics(at)
    assert (m["Canary arm (requests)"], m["Days to collect at 5%"], m["Days on the 5% → 25% ramp"]) == (
        "27,317", "11.9", "8.0"
    )  # fmt: skip
    at.number_input(key="can_alpha").set_value(1.0).run()  # the engine at two-sided 1%, by the same function
    b = sources.seed_evidence()
    a, _ = sources.scenario_for(b.cube, None)
    want = cm.critical_rate_plan(0.0034, 0.0045, share=0.05, daily=1_400_000 / a.days_per_month, volume=1_400_000,
                                 alpha=0.01, sided=2)  # fmt: skip
    assert canary_metrics(at)["Canary arm (requests)"] == f"{want.canary_arm:,}"
    assert want.canary_arm > 27_317
    # the plan's own canary stays stated whatever the planner is set to
    assert any("21,776 requests: **9.5 days**" in x.value for x in at.markdown)
    at.radio(key="can_metric").set_value("margin").run()  # docs: 77,736 canary requests, 33.8 days, 12.9 on the ramp
    at.number_input(key="can_alpha").set_value(5.0).run()
    m = canary_metrics(at)
    assert (m["Canary arm (requests)"], m["Days to collect at 5%"], m["Days on the 5% → 25% ramp"]) == (
        "77,736", "33.8", "12.9"
    )  # fmt: skip
    assert any("$8.29 vs student $7.46 per 1,000 requests: $1,152/month" in x.value for x in at.markdown)


def test_frontier_axis_choice_redraws_on_business_weighted_error(db):
    at = page("rollout")
    at.radio(key="front_axis").set_value("error").run()
    assert not at.exception
    text = next(m.value for m in at.markdown if m.value.startswith("**Recommended: the student alone**"))
    assert "($10,990/month, P95 5 ms)" in text  # the recommendation does not move with the axis


def test_monitor_reads_an_uploaded_csv_with_usd(db):
    """Two days, two requests an arm a day (docs: tests/engine/rollout/test_sequential_usd.py): the control's
    requests cost $1 and $3, the canary's $1 and $1; per-request SD on day 2: √(4/3) = $1.15 and $0."""
    at = page("rollout")
    csv = (
        b"day,arm,requests,critical_misroutes,misroutes,usd,usd_sq\n1,control,2,0,0,4,10\n1,canary,2,0,0,2,2\n"
        b"2,control,2,0,0,4,10\n2,canary,2,0,0,2,2\n"
    )
    at.file_uploader(key="daily_upload").set_value(("daily.csv", csv, "text/csv")).run()
    assert not at.exception
    t = next(df.value for df in at.dataframe if "Recommendation" in df.value.columns)
    assert t["Day"].tolist() == [1, 2]
    assert set(t["$ variance from"]) == {"usd and usd_sq"}
    assert any("per-request SD of $1.15 (control) and $0.00 (canary)" in c.value for c in at.caption)
