"""Every input on the Latency page travels in the link as ``p.latency.<name>`` (ui.choices): a changed value goes
into the query parameters, survives a round trip through another page and a fresh session opened on that link, a
default is never written, and a bad value falls back to the default and is named once."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

HOURS = 730  # capacity.HOURS_PER_MONTH
LINK = "Part of the link's choices for this page could not be applied"


def app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(query or {})
    at.run()
    at.switch_page("app_pages/latency.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def cost(at: AppTest, volume: float = 20e6) -> float:
    df: pd.DataFrame = next(t.value for t in at.dataframe if "Teacher replicas" in t.value.columns)
    return float(df.set_index("Monthly volume (requests)").loc[volume, "Teacher serving cost ($/month)"])


def test_the_seed_link_has_no_latency_choices(env):
    at = app()
    assert at.number_input(key="lat_usd_h").value == 0.1785 and at.number_input(key="lat_peak").value == 3.0
    assert not dict(at.query_params)


def test_changed_inputs_go_into_the_link_and_survive_another_page_and_a_fresh_session(env):
    at = app()
    at.number_input(key="lat_usd_h").set_value(0.5).run()
    at.number_input(key="lat_peak").set_value(5.0).run()
    at.number_input(key="lat_util").set_value(50).run()
    at.number_input(key="lat_floor").set_value(2).run()
    at.number_input(key="lat_tput_teacher").set_value(5.0).run()
    link = {
        "p.latency.usd_per_hour": "0.5",
        "p.latency.peak_to_average": "5.0",
        "p.latency.utilisation_pct": "50",
        "p.latency.min_replicas": "2",
        "p.latency.teacher_throughput": "5.0",
    }
    assert dict(at.query_params) == link
    # 20M/month: 7.614 req/s × 5 peak ÷ (5 req/s × 50%) → ⌈15.2⌉ = 16 replicas × $0.50 × 730 h = $5,840
    assert cost(at) == pytest.approx(16 * 0.5 * HOURS)
    at.switch_page("app_pages/overview.py").run()
    assert dict(at.query_params) == link
    at.switch_page("app_pages/latency.py").run()
    assert at.number_input(key="lat_usd_h").value == 0.5 and at.number_input(key="lat_peak").value == 5.0
    fresh = app(link)  # a reload, or the link opened elsewhere
    assert fresh.number_input(key="lat_usd_h").value == 0.5 and fresh.number_input(key="lat_peak").value == 5.0
    assert fresh.number_input(key="lat_util").value == 50 and fresh.number_input(key="lat_floor").value == 2
    assert fresh.number_input(key="lat_tput_teacher").value == 5.0 and cost(fresh) == pytest.approx(16 * 0.5 * HOURS)
    assert not [w.value for w in fresh.warning if LINK in w.value] and dict(fresh.query_params) == link
    fresh.number_input(key="lat_peak").set_value(3.0).run()  # back to the default: out of the link
    assert "p.latency.peak_to_average" not in dict(fresh.query_params)


def test_another_instance_goes_into_the_link_with_its_own_list_price(env):
    at = app({"p.latency.usd_per_hour": "0.5"})
    other = at.selectbox(key="lat_inst").options[1]
    at.selectbox(key="lat_inst").set_value(other).run()
    assert dict(at.query_params) == {"p.latency.instance": other}  # the typed price was for the old instance
    price = at.number_input(key="lat_usd_h").value
    assert price != 0.5
    fresh = app(dict(at.query_params))
    assert fresh.selectbox(key="lat_inst").value == other and fresh.number_input(key="lat_usd_h").value == price


def test_a_bad_latency_choice_falls_back_to_the_default_and_says_so_once(env):
    at = app({"p.latency.peak_to_average": "abc", "p.latency.min_replicas": "500", "p.latency.usd_per_hour": "0.5"})
    said = [w.value for w in at.warning if LINK in w.value]
    assert len(said) == 1, said
    assert "'p.latency.peak_to_average=abc': not a number (showing the default, 3.0)" in said[0]
    assert "'p.latency.min_replicas=500': outside 1 to 100 (showing the default, 1)" in said[0]
    assert at.number_input(key="lat_peak").value == 3.0 and at.number_input(key="lat_usd_h").value == 0.5
    assert dict(at.query_params) == {"p.latency.usd_per_hour": "0.5"}
    at.run()
    assert not [w.value for w in at.warning if LINK in w.value]  # once
