"""Stored weekly reviews (issue 14): recorded once per (date, evidence, scenario), compared by cause in dollars,
the failure-mode tree on their timeline, and the dated report built from them."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from engine import reviews, store
from engine.decision import attribution, costs, cube, verdict
from engine.decision.cube import Evidence
from engine.errors import DistillDecideError
from engine.present import review_report
from tests.conftest import run_cli

B = 300  # resamples per recorded review: the tests check dollars of the point margin, not interval widths


def new_run(seed_cube) -> Evidence:
    """A "new run": the seed cube with 50 of the student's correct escalations (segment new) sent to faq."""
    f = seed_cube.to_frame()
    ok = (f.true == "escalation") & (f.teacher_pred == "escalation") & (f.student_pred == "escalation")
    i = f.index[ok & (f.segment == "new")][0]
    assert f.loc[i, "n"] > 50
    f.loc[i, "n"] -= 50
    moved = f.loc[[i]].assign(student_pred="faq", n=50)
    c = cube.from_counts(pd.concat([f, moved], ignore_index=True), intents=seed_cube.intents, source="run:new")
    return Evidence(c, None, "run new")


@pytest.fixture()
def three(db, seed_ev, seed_a, seed_cube):
    """Three reviews a week apart: $1.20 → $1.45 per critical event between the first two, a new run after."""
    a1 = seed_a.replace(usd_per_critical_event=1.45)
    r1, _ = reviews.record(seed_ev, seed_a, scenario_label="seed", review_date="2026-11-18", author="aiko", B=B)
    r2, _ = reviews.record(seed_ev, a1, scenario_label="seed", review_date="2026-11-25", author="sam", B=B)
    r3, _ = reviews.record(
        new_run(seed_cube), a1, scenario_label="seed", review_date="2026-12-02", author="jordan", B=B
    )
    return r1, r2, r3


def test_a_review_keeps_the_decision_it_was_shown(three):
    r1 = three[0]
    assert r1["review_date"] == "2026-11-18" and r1["evidence"] == "seed" and r1["author"] == "aiko"
    d = r1["decision"]
    assert d["teacher"]["total_usd"] == pytest.approx(12_111.84) and d["student"]["total_usd"] == pytest.approx(
        10_989.92
    )
    assert d["margin_usd"] == pytest.approx(1_121.92) and d["verdict"]["state"] == "lean"
    assert d["cycle"]["agreement"] == pytest.approx(0.974)  # 9,740 of 10,000 requests predicted alike
    assert {(q["metric"], q["model"]) for q in d["quality"]} >= {("accuracy", "teacher"), ("kl_t3", "pair")}
    assert d["break_evens"]["usd_per_critical_event"] == pytest.approx(1.93, abs=0.005)


def test_recording_the_same_cycle_twice_writes_nothing(three, seed_ev, seed_a):
    again, created = reviews.record(seed_ev, seed_a, scenario_label="seed", review_date="2026-11-18", author="x", B=B)
    assert not created and again["review_id"] == three[0]["review_id"] and again["author"] == "aiko"
    assert [r["review_id"] for r in store.list_reviews()] == [r["review_id"] for r in three]


def test_the_price_change_is_its_own_cause_to_the_cent(three):
    dd = reviews.diff(three[0], three[1])
    # the student's 6,300 − 4,760 = 1,540 extra critical misroutes/month × $0.25 more each
    assert dd["parts"] == {"usd_per_critical_event": -385.0} and dd["total_change_usd"] == -385.0
    assert dd["causes"][0]["words"] == "$ per critical event $1.20 → $1.45, by sam"
    assert not dd["evidence_changed"]


def test_the_new_run_is_the_evidence_cause(three, seed_cube, seed_a):
    dd = reviews.diff(three[1], three[2])
    a1 = seed_a.replace(usd_per_critical_event=1.45)
    by_hand = costs.decompose(new_run(seed_cube).cube, a1).margin_usd - costs.decompose(seed_cube, a1).margin_usd
    # 50 more student critical misroutes in 10,000 requests = 7,000/month at 1.4M, at $1.45 each (a critical
    # misroute is priced as a critical event, not also as harm units)
    assert dd["parts"] == {"evidence": -10_150.0} and by_hand == pytest.approx(-7_000 * 1.45)
    assert dd["evidence_changed"] and dd["causes"][0]["words"].startswith("Evidence: seed (cube ")


def test_both_causes_split_by_shapley_and_sum_to_the_total(three, seed_cube, seed_a):
    dd = reviews.diff(three[0], three[2])
    e0, e1, a0, a1 = seed_cube, new_run(seed_cube).cube, seed_a, seed_a.replace(usd_per_critical_event=1.45)
    m = lambda c, a: costs.decompose(c, a).margin_usd
    price = ((m(e0, a1) - m(e0, a0)) + (m(e1, a1) - m(e1, a0))) / 2  # the average over both orders
    assert dd["parts"]["usd_per_critical_event"] == pytest.approx(price, abs=0.01)
    assert sum(dd["parts"].values()) == pytest.approx(dd["total_change_usd"], abs=1e-9)  # to the cent, exactly
    assert dd["total_change_usd"] == round(m(e1, a1), 2) - round(m(e0, a0), 2)


def test_rounded_parts_always_add_up():
    assert attribution.round_to_total([0.004, 0.004, 0.004]) == [0.01, 0.0, 0.0]  # 0.012 rounds to 0.01
    assert sum(attribution.round_to_total([-1.005, 2.335, 7.777])) == pytest.approx(9.11)


def test_volume_and_price_share_their_interaction(seed_cube, seed_a):
    a1 = seed_a.replace(usd_per_critical_event=1.45, requests_per_month=2_000_000)
    att = attribution.margin_change(seed_cube, seed_a, seed_cube, a1)
    parts = {p.key: p.usd for p in att.parts}
    # 1,540 extra critical events per 1.4M requests × $0.25, at 1.4M and at 2M, averaged: −(385 + 550) / 2
    assert parts["usd_per_critical_event"] == pytest.approx(-467.5)
    assert sum(parts.values()) == pytest.approx(att.total_change_usd)


def _cycles(volumes) -> pd.DataFrame:
    n = len(volumes)
    return pd.DataFrame(
        {
            "cycle": [f"2026-W{49 + i}" for i in range(n)],
            "agreement": [0.97] * n,
            "requests_per_month": volumes,
        }
    )


DEC = ["2026-12-07", "2026-12-14", "2026-12-21"]


def test_the_traffic_branch_fires_on_a_timeline_built_for_it_and_not_otherwise(three):
    hot = reviews.build_timeline(list(three), _cycles([4.8e6, 5.2e6, 5.5e6, 6.0e6]))
    calm = reviews.build_timeline(list(three), _cycles([1.4e6, 1.5e6, 1.6e6, 1.7e6]))
    branch = lambda t, rule: next(b for b in t.branches if b.rule == rule)
    assert branch(hot, "traffic_above_5m").status == "fires"  # 5.2M, 5.5M, 6.0M: three weeks running, the last
    assert "volume sweep" in branch(hot, "traffic_above_5m").action
    assert branch(calm, "traffic_above_5m").status == "quiet"
    assert branch(hot, "traffic_above_5m").on == "production cycles"
    # production symptoms are judged on production: these weeks carry no KL (the reviews' offline KL is not used)
    assert branch(calm, "kl_above_limit").status == "no data"
    # ISO weeks land on their Mondays, among the reviews: 2026-W49 is Monday 2026-11-30
    assert list(hot.frame["date"]) == ["2026-11-18", "2026-11-25", "2026-11-30", "2026-12-02", *DEC]
    assert list(hot.frame["kind"]) == ["review", "review", "production", "review"] + ["production"] * 3


def test_the_price_branch_fires_above_the_live_break_even(db, seed_ev, seed_a):
    r, _ = reviews.record(seed_ev, seed_a.replace(usd_per_critical_event=2.0), scenario_label="s", B=B, author="s")
    t = reviews.build_timeline([r])
    b = next(b for b in t.branches if b.rule == "critical_price_above_break_even")
    assert b.status == "fires" and "$2.00 per critical event, above the $1.93 break-even" in b.detail
    assert review_report.go_no_go(r, t.branches)[0] == "nogo"  # at $2.00 the teacher is cheaper


def test_the_report_is_the_review(three):
    inp = reviews.report_inputs(three[2]["review_id"])
    html = review_report.build(inp)
    assert "<h1>Distill Decide — weekly review of 2026-12-02</h1>" in html
    assert "Weekly review 2026-12-02 — " in html.split("</title>")[0]
    assert "Margin by review: " in html and "What moved the margin since 2026-11-25" in html
    assert "Evidence: seed (cube " in html and "Top-1 agreement" in html and "Promotion gates" in html
    assert "<details><summary>Reproduce these numbers</summary>" in html and "@media print" in html
    assert 'src="https://' not in html and "MODIFIED" not in html
    first = review_report.build(reviews.report_inputs(three[0]["review_id"]))
    assert "first stored review: nothing to compare with" in first and "2026-11-25" not in first
    csv = review_report.cost_csv(three[0]).splitlines()
    assert csv[0] == "Component,Teacher ($/month),Student ($/month),Student − teacher ($/month)"
    assert "Business-weighted error" in csv[2] or "," in csv[2]


def test_cli_records_lists_and_diffs(db, tmp_path):
    base = ("review", "record", "--bootstrap", "200", "--author", "sam")
    assert run_cli(*base, "--date", "2026-11-18", env_db=db).returncode == 0
    again = run_cli(*base, "--date", "2026-11-18", env_db=db)
    assert "already recorded (nothing written)" in again.stdout
    assert run_cli(*base, "--date", "2026-11-25", "--critical-cost", "1.45", env_db=db).returncode == 0
    out = json.loads(run_cli("review", "diff", "--json", env_db=db).stdout)
    assert out["total_change_usd"] == -385.0 and out["parts"] == {"usd_per_critical_event": -385.0}
    listed = json.loads(run_cli("review", "list", "--json", env_db=db).stdout)
    assert [r["date"] for r in listed] == ["2026-11-18", "2026-11-25"]
    rep = run_cli("report", "--out", str(tmp_path / "review.html"), env_db=db)
    assert rep.returncode == 0, rep.stderr
    assert "weekly review of 2026-11-25" in (tmp_path / "review.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("review", "record", "--date", "2026-13-01"), "date"),
        (("review", "show", "7"), "review"),
        (("review", "diff"), "review"),
        (("report", "--out", "x.pdf"), "--out"),
    ],
)
def test_cli_refuses_with_one_line(db, args, field):
    r = run_cli(*args, env_db=db)
    assert r.returncode == 2 and r.stderr.startswith(f"error: {field}") and len(r.stderr.splitlines()) == 1, r.stderr


def test_bad_dates_name_the_field():
    with pytest.raises(DistillDecideError, match="date"):
        reviews.parse_date("next tuesday")
    assert reviews.cycle_date("2026-W48") == "2026-11-23" and reviews.cycle_date("W48") is None


def test_a_review_decision_is_the_dashboard_decision(seed_ev, seed_a, db):
    d = verdict.decide(seed_ev, seed_a, B=B)
    r, _ = reviews.record(seed_ev, seed_a, scenario_label="seed", decision=d, B=B, author="pm")
    assert r["decision"]["bootstrap"]["margin_ci95"] == list(d.bootstrap.margin_ci95_usd)


def test_a_production_week_is_priced_with_the_latest_reviews_inputs(three, seed_cube, seed_a):
    from engine.rollout import drift

    week = drift.cycle_from_cube(seed_cube, seed_a, cycle="2026-W49")  # the seed's own rates, as a production week
    partial = pd.DataFrame({"cycle": ["2026-W50"], "agreement": [0.96], "teacher_critical_rate": [0.0034]})
    t = reviews.build_timeline([three[0]], pd.concat([week, partial], ignore_index=True))
    prod = t.frame[t.frame["kind"] == "production"].set_index("cycle")["margin_usd"]
    assert prod["2026-W49"] == pytest.approx(1_121.92)  # the seed week priced at $1.20: the seed margin
    assert pd.isna(prod["2026-W50"])  # a week without both models' rates is not priced at all


def test_reviews_do_not_hide_a_production_agreement_drop(three):
    """The walk's blocker: offline reviews (97.4% agreement) between falling production weeks broke the run of
    three, and the 12-02 review became the "latest" entry, so this week's KL alert read "fired earlier"."""
    prod = pd.DataFrame(
        {
            "cycle": ["2026-W46", "2026-W47", "2026-W48", "2026-W49"],  # Mondays 11-09 … 11-30, among the reviews
            "agreement": [0.962, 0.946, 0.941, 0.935],
            "kl_t3": [0.08, 0.11, 0.14, 0.18],
        }
    )
    t = reviews.build_timeline(list(three), prod)
    branch = {b.rule: b for b in t.branches}
    assert branch["agreement_below_gate"].status == "fires" and branch["agreement_below_gate"].cycles == ("2026-W49",)
    assert branch["kl_above_limit"].status == "fires" and "0.180" in branch["kl_above_limit"].detail
    assert branch["critical_price_above_break_even"].on == "review cycles"  # the reviews' own $ per critical event
    word, text = review_report.go_no_go(three[1], t.branches)  # the guardrail blocks; the alerts hold it too
    assert (
        word == "nogo"
        and " Also on HOLD: " in text
        and "Top-1 agreement below the gate for 3 cycles (Re-distil" in text
    )


def test_record_takes_one_evidence_flag(db, tmp_path, seed_ev, seed_rows, seed_a):
    """``--evidence seed`` is the default evidence (so the same cycle is already recorded); ``counts:FILE`` of
    the same requests is the same cube, so the same review; counts of the first 5,000 requests are other
    evidence, priced as the engine prices that cube; an empty spec names the flag."""
    base = ("review", "record", "--bootstrap", "200", "--date", "2026-11-18", "--json")
    first = json.loads(run_cli(*base, env_db=db).stdout)
    same = json.loads(run_cli(*base, "--evidence", "seed", env_db=db).stdout)
    assert first["created"] and not same["created"] and same["review_id"] == first["review_id"]
    whole = tmp_path / "seed_counts.csv"
    seed_ev.cube.to_frame().to_csv(whole, index=False)
    again = json.loads(run_cli(*base, "--evidence", f"counts:{whole}", env_db=db).stdout)
    assert not again["created"] and again["review_id"] == first["review_id"]
    part = cube.from_rows(seed_rows.iloc[:5_000], intents=seed_ev.cube.intents)
    half = tmp_path / "first_5000.csv"
    part.to_frame().to_csv(half, index=False)
    other = json.loads(run_cli(*base, "--evidence", f"counts:{half}", env_db=db).stdout)
    assert other["created"] and other["review_id"] != first["review_id"]
    assert other["margin_usd"] == pytest.approx(costs.decompose(part, seed_a).margin_usd, abs=0.005)
    assert first["margin_usd"] == pytest.approx(1_121.92, abs=0.005)
    bad = run_cli("review", "record", "--evidence", "cube:", env_db=db)
    assert bad.returncode == 2 and bad.stderr.startswith("error: --evidence"), bad.stderr


def test_the_review_carries_the_rollout_pages_guardrail_and_go_no_go(three, seed_ev, seed_a):
    """M1: at the seed the canary guardrail blocks (+$1,848 > $1,800): the review says NO-GO, with the sentence the
    Rollout page computes from the same engine functions, and its gates table carries the guardrail."""
    from engine.decision import uncertainty
    from engine.present import figures_rollout
    from engine.rollout import canary

    r1 = three[0]
    g = r1["decision"]["guardrail"]
    assert g["limit_usd_per_month"] == 1_800 and g["already_breached"] is True
    assert round(g["offline_estimate_usd_per_month"]) == 1_848
    d = verdict.decide(seed_ev, seed_a, B=B)
    draws = uncertainty.draw(seed_ev.cube, B, 0)
    want = figures_rollout.go_no_go(d.gates, canary.guardrail_check(d.breakdown, seed_ev.cube, seed_a, draws))
    assert r1["decision"]["rollout"] == {"go": want[0], "sentence": want[1]} and want[0] is False
    word, text = review_report.go_no_go(r1, [])
    assert word == "nogo" and text.startswith("NO-GO: promoting the student is blocked by the canary guardrail")
    gates = review_report.gates_table(r1)
    row = gates[gates["Gate"].str.startswith("Canary guardrail")].iloc[0]
    assert row["Status"] == "FAIL" and "+$1,848/month is above the $1,800/month limit" in row["Evidence"]


def test_a_firing_branch_is_one_hold_headline_first(three):
    """M1: a review the Rollout page would let through, with a branch firing now: HOLD first, no GO before it."""
    from engine.rollout import drift

    r = three[0] | {"decision": three[0]["decision"] | {"rollout": {"go": True, "sentence": "**Go:** …"}}}
    fires = drift.Branch("kl_above_limit", "KL(T = 3) above 0.15", "re-distil: …", "fires", ("w1",), "0.2")
    word, text = review_report.go_no_go(r, [fires])
    assert word == "hold" and text.startswith("HOLD: ") and "GO TO CANARY" not in text and "re-distil" in text
    assert review_report.go_no_go(r, [])[0] == "canary"


def test_a_review_dated_after_today_is_refused(db, seed_ev, seed_a):
    """M2: a review "next week" would become the last review and scramble the trend."""
    from datetime import date, timedelta

    later = (date.today() + timedelta(days=7)).isoformat()
    with pytest.raises(DistillDecideError, match="date") as e:
        reviews.record(seed_ev, seed_a, scenario_label="s", review_date=later, author="s", B=B)
    assert "after today" in str(e.value)
    assert store.list_reviews() == []
    out = run_cli("review", "record", "--bootstrap", "200", "--date", later, env_db=db)
    assert out.returncode != 0 and "after today" in out.stderr


def test_a_date_only_cycles_file_names_each_cycle_by_its_date(three, db, tmp_path):
    """M3: docs/review.md promises "a date column, or a cycle named by date": a file with ``date`` and no
    ``cycle`` is accepted, on the page's timeline and by ``review cycles``."""
    prod = pd.DataFrame({"date": ["2026-11-23", "2026-11-30"], "agreement": [0.97, 0.96], "kl_t3": [0.09, 0.1]})
    t = reviews.build_timeline(list(three), prod)
    rows = t.frame[t.frame["kind"] == "production"]
    assert list(rows["cycle"]) == ["2026-11-23", "2026-11-30"] and list(rows["date"]) == ["2026-11-23", "2026-11-30"]
    path = tmp_path / "prod.csv"
    prod.to_csv(path, index=False)
    out = run_cli("review", "cycles", str(path), env_db=db)
    assert out.returncode == 0, out.stderr
    assert list(store.load_cycles("production")["cycle"]) == ["2026-11-23", "2026-11-30"]


def test_rate_gates_read_in_percent_and_a_modified_seed_says_so(seed_ev, seed_a):
    """Minor findings: "87.4% is at least 87%" beside "Rare-class accuracy ≥ 87.0%", not "0.874 … 0.87"; the
    report's scenario for $1.45 inputs is not plain "seed scenario"."""
    d = verdict.decide(seed_ev, seed_a, B=B)
    words = {r.gate.metric: r.evidence for r in d.gates.results}
    assert words["student.rare_class_accuracy"] == "point estimate 87.4% is at least 87%: passes"
    assert words["agreement"] == "point estimate 97.4% is at least 95%: passes"
    assert words["student.p95_latency_ms"] == "point estimate 5 is at most 15: passes"  # ms stay ms
    a1 = seed_a.replace(usd_per_critical_event=1.45)
    assert reviews.scenario_words("seed scenario", a1) == "seed scenario, modified ($ per critical event $1.20 → $1.45)"
    assert reviews.scenario_words("seed scenario", seed_a) == "seed scenario"


def test_the_price_branch_is_judged_on_production_when_it_carries_the_price(three):
    prod = pd.DataFrame({"cycle": ["2026-W48", "2026-W49"], "agreement": [0.97, 0.97]})
    branch = lambda t: next(b for b in t.branches if b.rule == "critical_price_above_break_even")
    assert branch(reviews.build_timeline(list(three), prod)).on == "review cycles"
    priced = prod.assign(usd_per_critical_event=[1.45, 2.10])
    b = branch(reviews.build_timeline(list(three), priced))
    assert b.on == "production cycles" and b.status == "fires"


def test_inputs_not_recorded_yet_come_after_the_latest_review(three):
    """M2: "now" is drawn after the latest stored review, even one dated later than today's what-if."""
    from engine.present import figures_review

    now = three[0] | {"review_id": "now", "review_date": "2026-11-20"}
    t = reviews.build_timeline([*three, now])
    assert list(t.frame["cycle"])[-1] == "2026-11-20 review #now"
    fig = figures_review.margin_trend(t.frame)
    assert list(fig.layout.xaxis.categoryarray)[-1] == "2026-11-20<br>now"
    assert figures_review.margin_takeaway(t.frame).startswith("Margin by review: −$9,413 → $1,122/month now")


def test_the_weekly_review_says_each_gate_in_the_rollout_pages_words(three):
    """One word per gate on both screens: a gate with no metric (ECE without probabilities) is "not evaluated",
    one on figures nobody measured is "not measured" (it neither passes nor blocks), as on the Rollout page."""
    from engine.present import rollout_gates
    from engine.rollout.gates import NOT_MEASURED

    gates = [dict(x) for x in three[0]["decision"]["gates"]["gates"]]
    ece = next(x for x in gates if x["metric"] == "student.ece")
    ece.update(passed=None, source=None)
    p95 = next(x for x in gates if x["metric"].endswith("latency_ms"))
    p95.update(passed=None, source=NOT_MEASURED)
    decision = three[0]["decision"] | {"gates": three[0]["decision"]["gates"] | {"gates": gates}}
    shown = review_report.gates_table(three[0] | {"decision": decision}).set_index("Gate")["Status"]
    assert shown[ece["name"]] == "not evaluated" and shown[p95["name"]] == "not measured"
    for x in gates:
        assert shown[x["name"]] == rollout_gates.gate_word(x["passed"], x.get("source"))
    assert {shown[x["name"]] for x in gates if x["passed"] is not None} <= {"pass", "FAIL"}
