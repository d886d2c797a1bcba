"""The Overview renders the seed verdict without training, without torch."""

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_overview_shows_seed_verdict():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    text = " ".join(w.value for w in at.warning)
    assert "Lean student: saves $1,122/month" in text and "$1.93 per critical event" in text
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Teacher total / month"] == "$12,112"
    assert metrics["Student total / month"] == "$10,990"
    assert metrics["Student critical misroutes / mo"] == "6,300"
    assert metrics["Break-even $ / critical event"] == "$1.93"
    assert metrics["Break-even volume (req/mo)"] == "36,461"


def test_scenario_change_moves_verdict():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.session_state["assumptions"] = at.session_state["assumptions"].replace(usd_per_critical_event=20.0)
    at.run()
    assert not at.exception
    # ship teacher has its own look (st.info, blue), distinct from ship student (st.success, green)
    assert any("Ship the teacher" in e.value for e in at.info)
    assert not any("Ship the teacher" in e.value for e in [*at.success, *at.warning])


def test_overview_says_the_rollout_pages_no_go_at_the_seed():
    """'Lean student' on the cost question, and the Rollout page's no-go on promoting now, both on the Overview: at
    the seed the offline critical-cost growth (+$1,848/month: 1,540 more critical misroutes × $1.20) already breaches
    the $1,800 canary guardrail, so promoting is blocked though the student is cheaper."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    rollout = [w.value for w in at.warning if w.value.startswith("**Rollout:**")]
    assert len(rollout) == 1, [w.value[:80] for w in at.warning]
    assert "**No-go:**" in rollout[0] and "$1,800/month" in rollout[0] and "+$1,848/month" in rollout[0]
    assert "$1,900/month" in rollout[0]  # the proposed guardrail: the next $100 above the offline estimate
    at.session_state["assumptions"] = at.session_state["assumptions"].replace(usd_per_critical_event=1.0)
    at.run()  # 1,540 × $1.00 = $1,540 < $1,800: the guardrail no longer blocks, every seed gate passes
    rollout = [e.value for e in [*at.success, *at.warning] if e.value.startswith("**Rollout:**")]
    assert len(rollout) == 1 and "No-go" not in rollout[0], rollout
