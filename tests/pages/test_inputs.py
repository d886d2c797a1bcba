"""The one input model (issue 12): one stored value per assumption, errors beside their field, the URL as the
view. The typed-value-reverts bug itself lives in the browser (test_browser.py): AppTest keeps no frontend
widget state, so it cannot see a stale slider write back.

Hand-checked numbers (seed scenario, 1.4M requests/month): margin(c) = 2,969.92 − 1,540·c, so c = $2.50 gives
−$880.08 ("Lean teacher: saves $880/month").
"""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def app(page: str | None = None, query: dict | None = None):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params.update(query or {})
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def banner_text(at) -> str:
    return " ".join(e.value for kind in (at.success, at.info, at.warning, at.error) for e in kind)


def test_negative_volume_error_beside_the_field_and_later_edits_still_work(db):
    at = app("assumptions")
    at.number_input(key="in:requests_per_month").set_value(-5.0).run()
    assert not at.exception
    side = [e.value for e in at.sidebar.error]  # the volume box is in the sidebar: its message is right under it
    assert any("Monthly volume must be ≥ 0" in v for v in side), side
    assert not any("requests_per_month" in e.value for e in at.error)  # plain words, not the code name
    assert at.session_state["assumptions"].requests_per_month == 1_400_000  # the last good value stays in use
    at.number_input(key="in:usd_per_critical_event").set_value(2.5).run()  # a bad value blocks nothing else
    assert at.session_state["assumptions"].usd_per_critical_event == 2.5
    assert "Lean teacher: saves $880/month" in banner_text(at)
    at.number_input(key="in:requests_per_month").set_value(5_000_000.0).run()  # the next valid volume applies
    assert at.session_state["assumptions"].requests_per_month == 5_000_000
    assert not any("Monthly volume" in e.value for e in at.sidebar.error)


def test_every_change_is_in_the_url_and_survives_navigation(db):
    at = app("assumptions")
    at.number_input(key="in:usd_per_critical_event").set_value(2.5).run()
    at.number_input(key="in:teacher.p95_latency_ms").set_value(11.0).run()
    assert at.query_params["usd_per_critical_event"] == "2.5"
    assert at.query_params["teacher.p95_latency_ms"] == "11.0"
    at.switch_page("app_pages/costs.py").run()
    assert at.query_params["usd_per_critical_event"] == "2.5"
    assert at.session_state["assumptions"].usd_per_critical_event == 2.5
    assert at.number_input(key="in:usd_per_critical_event").value == 2.5


def test_a_copied_url_reopens_the_view(db):
    at = app(query={"usd_per_critical_event": "2.5"})
    assert "Lean teacher: saves $880/month" in banner_text(at)
    assert at.number_input(key="in:usd_per_critical_event").value == 2.5
    assert any("Modified from the seed scenario: $ per critical event" in m.value for m in at.markdown)


def test_harm_edits_travel_compactly_and_move_the_margin_by_hand(db, seed_rows):
    # chitchat (row 6) misrouted to faq (column 4): harm 0.3 → 1.3 units. Only non-critical, observed cells move $.
    t = int(((seed_rows["true"] == "chitchat") & (seed_rows["teacher_pred"] == "faq")).sum())
    s = int(((seed_rows["true"] == "chitchat") & (seed_rows["student_pred"] == "faq")).sum())
    base = app()
    a0 = base.session_state["assumptions"]
    assert (a0.intents[6], a0.intents[4]) == ("chitchat", "faq")
    m0 = base.session_state["_decision"][1].breakdown.margin_usd
    at = app(query={"harm": f"6-4:{a0.harm_matrix[6][4] + 1.0}"})
    a = at.session_state["assumptions"]
    assert a.harm_matrix[6][4] == pytest.approx(a0.harm_matrix[6][4] + 1.0)
    m1 = at.session_state["_decision"][1].breakdown.margin_usd
    # margin = teacher − student: + 1 unit × $0.013 × 1.4M / 10,000 × (teacher count − student count)
    assert m1 - m0 == pytest.approx(0.013 * 1_400_000 / 10_000 * (t - s))
    assert at.query_params["harm"] == f"6-4:{a0.harm_matrix[6][4] + 1.0}"


def test_bad_url_field_is_named_and_the_rest_applies(db):
    at = app(query={"usd_per_critical_event": "-1", "requests_per_month": "5000000"})
    assert at.session_state["assumptions"].requests_per_month == 5_000_000
    assert at.session_state["assumptions"].usd_per_critical_event == 1.2
    assert any("usd_per_critical_event=-1" in e.value for e in at.sidebar.error)


def test_reset_clears_the_state_and_the_url(db):
    at = app("assumptions", query={"usd_per_critical_event": "2.5"})
    at.sidebar.button(key="reset_seed").click().run()
    assert not at.exception
    assert at.session_state["assumptions"].usd_per_critical_event == 1.2
    assert at.number_input(key="in:usd_per_critical_event").value == 1.2
    assert not at.query_params
    assert "Lean student: saves $1,122/month" in banner_text(at)


def test_change_log_records_only_the_users_edits(db):
    at = app("assumptions")
    at.number_input(key="in:usd_per_critical_event").set_value(2.5).run()
    at.number_input(key="in:requests_per_month").set_value(5_000_000.0).run()
    at.number_input(key="in:requests_per_month").set_value(1_400_000.0).run()
    what = [e["What"] for e in at.session_state["change_log"]]
    assert what == [
        "$ per critical event: 1.20 → 2.50",
        "Monthly volume: 1,400,000 → 5,000,000",
        "Monthly volume: 5,000,000 → 1,400,000",
    ]
    assert at.session_state["assumptions"].usd_per_critical_event == 2.5


def test_stored_evidence_is_in_the_url(db, seed_rows):
    from engine import sources
    from engine.decision import cube

    c = cube.from_rows(seed_rows.head(5_000), intents=sources.seed_evidence().cube.intents, source="half")
    h = sources.store_cube(c)
    at = app(query={"evidence": f"cube:{h}"})
    assert at.session_state["evidence"].cube.n == 5_000
    assert at.query_params["evidence"] == f"cube:{h}"
    assert any("5,000 evaluation requests" in cap.value for cap in at.sidebar.caption)


def test_overview_shows_each_value_beside_its_break_even(db):
    at = app(query={"usd_per_critical_event": "2.5"})
    table = at.dataframe[0].value
    row = table.set_index("Assumption").loc["$ per critical event"]
    assert (row["Now"], row["Break-even"], row["Now vs break-even"]) == ("$2.50", "$1.93", "+30%")  # 2.5/1.9285
    vol = table.set_index("Assumption").loc["Monthly volume (requests)"]
    assert (vol["Break-even"], vol["Which model"]) == ("none", "teacher cheaper at any value")  # −850.08V/1.4M − 30
    seed = app().dataframe[0].value.set_index("Assumption").loc["Monthly volume (requests)"]
    assert (seed["Now"], seed["Break-even"]) == ("1,400,000", "36,461")


def test_a_loaded_scenario_is_what_the_url_is_relative_to(db):
    from engine import store
    from engine.data import seed

    vid = store.save_scenario("plan-b", seed.load_assumptions().replace(usd_per_critical_event=2.5).to_dict())
    at = app("scenarios")
    at.selectbox(key="load_pick").set_value("plan-b")
    at.button(key="load_btn").click().run()
    assert at.session_state["assumptions"].usd_per_critical_event == 2.5
    assert at.query_params == {"scenario": str(vid)}  # the version, not its 2.5 as a change
    at.number_input(key="in:requests_per_month").set_value(5_000_000.0).run()
    assert at.query_params == {"scenario": str(vid), "requests_per_month": "5000000.0"}
    again = app(query=dict(at.query_params))  # a fresh session from the copied link
    a = again.session_state["assumptions"]
    assert (a.usd_per_critical_event, a.requests_per_month) == (2.5, 5_000_000)
    assert any("Modified from the stored scenario version" in c.value for c in again.sidebar.caption)


def test_an_engine_message_under_a_field_says_its_fix_once(db):
    at = app("assumptions")
    at.number_input(key="in:usd_per_critical_event").set_value(5e6).run()  # over the $1,000,000 limit
    shown = [e.value for e in at.sidebar.error]
    assert len(shown) == 1 and "$ per critical event" in shown[0], shown
    assert shown[0].count("Fix:") == 1, shown[0]
    assert at.session_state["assumptions"].usd_per_critical_event == 1.2  # the last good value stays in use
