"""A page's own choices in the URL (``p.<page>.<name>``, ui.url.Choice and ui.choices): the Rollout page's
canary planner and frontier axis open on the link's values, a bad value falls back to the default and is named
once, a default is never written (the seed link stays bare), and a round trip through another page keeps them."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui import url
from ui.canary_planner import ALPHA, METRIC, NI, SIDED

LINK = "Part of the link's choices for this page could not be applied"


def app(query: dict | None = None, page: str = "rollout") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(query or {})
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if LINK in w.value]


def test_choice_reads_and_writes_by_hand():
    assert METRIC.param == "p.rollout.metric" and METRIC.read("margin") == "margin"
    assert METRIC.write("critical-rate") is None and METRIC.write("margin") == "margin"
    assert ALPHA.read("1") == 1.0 and isinstance(ALPHA.read("1"), float) and ALPHA.write(1.0) == "1.0"
    assert ALPHA.write(5.0) is None  # the default: not in the link
    assert SIDED["critical-rate"].read("2") == 2 and SIDED["critical-rate"].write(1) is None
    assert NI.read("true") is True and NI.write(True) == "true" and NI.write(False) is None
    for bad, why in (("abc", "not a number"), ("25", "outside 0.1 to 20"), ("NaN", "not a number"), ("true", "not")):
        with pytest.raises(ValueError, match=why):
            ALPHA.read(bad)
    with pytest.raises(ValueError, match="not one of critical-rate, margin, accuracy"):
        METRIC.read("speed")


def test_page_problems_keep_good_values_and_other_pages(seed_a):
    params = {"p.rollout.alpha": "1.0", "p.rollout.power": "x", "p.rollout.nope": "1", "p.lab.x": "1", "evidence": "r"}
    kept, problems = url.page_problems("rollout", (ALPHA, url.Choice("rollout", "power", 80.0, "w", lo=50, hi=99)),
                                       params)  # fmt: skip
    assert kept == {"p.rollout.alpha": "1.0", "p.lab.x": "1", "evidence": "r"}
    assert problems == [
        "'p.rollout.power=x': not a number (showing the default, 80.0)",
        "'p.rollout.nope' is not a choice on this page (ignored)",
    ]
    a, said = url.decode(seed_a, params)  # not assumptions: decode neither applies nor reports them
    assert a == seed_a and said == []


def test_the_seed_link_has_no_page_choices(db):
    at = app()
    assert at.radio(key="can_metric").value == "critical-rate" and at.number_input(key="can_alpha").value == 5.0
    assert not dict(at.query_params)


def test_widgets_open_on_the_links_choices(db):
    at = app({"p.rollout.metric": "margin", "p.rollout.alpha": "1.0", "p.rollout.sided.margin": "1",
              "p.rollout.axis": "error", "p.rollout.share": "10"})  # fmt: skip
    assert at.radio(key="can_metric").value == "margin"
    assert at.number_input(key="can_alpha").value == 1.0 and at.number_input(key="can_share").value == 10.0
    assert at.selectbox(key="can_sided:margin").value == 1
    assert at.radio(key="front_axis").value == "error"
    assert not warnings(at) and not [e.value for e in at.error if "shared link" in e.value]
    assert dict(at.query_params)["p.rollout.alpha"] == "1.0"  # kept by mirror_url
    assert any(m.label == "Days to collect at 10%" for m in at.metric)


def test_a_bad_choice_falls_back_to_the_default_and_says_so_once(db):
    at = app({"p.rollout.alpha": "abc", "p.rollout.power": "200", "p.rollout.colour": "red", "p.rollout.axis": "error"})
    said = warnings(at)
    assert len(said) == 1, said
    assert "'p.rollout.alpha=abc': not a number (showing the default, 5.0)" in said[0]
    assert "'p.rollout.power=200': outside 50 to 99 (showing the default, 80.0)" in said[0]
    assert "'p.rollout.colour' is not a choice on this page (ignored)" in said[0]
    assert at.number_input(key="can_alpha").value == 5.0 and at.number_input(key="can_power").value == 80.0
    assert at.radio(key="front_axis").value == "error"  # the good one still applies
    assert not [e.value for e in at.error if "shared link" in e.value]  # the sidebar's link error stays quiet
    assert dict(at.query_params) == {"p.rollout.axis": "error"}
    at.run()
    assert not warnings(at)  # once


def test_a_changed_choice_goes_into_the_link_and_survives_another_page(db):
    at = app()
    at.radio(key="can_metric").set_value("margin").run()
    at.number_input(key="can_alpha").set_value(1.0).run()
    assert dict(at.query_params) == {"p.rollout.metric": "margin", "p.rollout.alpha": "1.0"}
    at.switch_page("app_pages/overview.py").run()
    assert dict(at.query_params) == {"p.rollout.metric": "margin", "p.rollout.alpha": "1.0"}
    at.switch_page("app_pages/rollout.py").run()
    assert at.radio(key="can_metric").value == "margin" and at.number_input(key="can_alpha").value == 1.0
    at.number_input(key="can_alpha").set_value(5.0).run()  # back to the default: out of the link
    assert dict(at.query_params) == {"p.rollout.metric": "margin"}
    at.button(key="reset_seed").click().run()
    assert not dict(at.query_params) and at.radio(key="can_metric").value == "critical-rate"
