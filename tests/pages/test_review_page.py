"""The Weekly review page after the tester's walk (AppTest): one go / no-go headline first, the same as the Rollout
page's (the canary guardrail blocks at the seed); the review date cannot be after today; each chart's takeaway is
text above it (no title to clip); the production-cycles choice is kept in the URL; a recorder is never
"anonymous"; a date-only production series lands on the timeline."""

from __future__ import annotations

import getpass
import json
from datetime import date

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def review(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(query or {})
    at.run()
    at.switch_page("app_pages/review.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_first_headline_is_the_rollout_pages_no_go_and_the_gates_carry_the_guardrail(db):
    at = review()
    heads = [e.value for e in at.error]
    assert heads and heads[0].startswith("**NO-GO:** promoting the student is blocked by the canary guardrail")
    assert not any("GO TO CANARY" in x.value for x in [*at.warning, *at.info, *at.success])  # one answer only
    gates = next(t.value for t in at.dataframe if "Gate" in t.value.columns)
    row = gates[gates["Gate"].str.startswith("Canary guardrail")].iloc[0]
    assert row["Status"] == "FAIL" and "+$1,848/month is above the $1,800/month limit" in row["Evidence"]


def test_the_review_date_stops_at_today_and_the_recorder_is_not_anonymous(db):
    at = review()
    day = at.date_input(key="review_date")
    assert day.proto.max == date.today().isoformat()
    assert at.text_input(key="review_author").value == getpass.getuser() != "anonymous"


def test_each_takeaway_is_text_above_its_chart_and_charts_have_no_title(db):
    at = review()
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert charts and all(not (c["layout"].get("title") or {}).get("text") for c in charts)
    words = [m.value for m in at.markdown]
    assert "**Margin at the first review: $1,122/month (the student cheaper)**" not in words  # nothing recorded
    assert any(w.startswith("**Margin now (not recorded yet): $1,122/month") for w in words), words
    assert all(c["layout"]["xaxis"].get("tickangle") == 0 for c in charts)  # horizontal ticks, never on the title


def test_the_production_cycles_choice_is_kept_in_the_url_and_a_date_only_series_is_drawn(db):
    from engine import store
    from engine.rollout import drift

    dated = pd.DataFrame({"date": ["2026-11-23", "2026-11-30"], "agreement": [0.97, 0.96]})
    store.save_cycles("weekly", drift.validate_cycles(dated))  # as `review cycles FILE` stores it
    at = review({"p.review.cycles": "weekly"})
    assert at.selectbox(key="review_src").value == "weekly"
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    agreement = next(c for c in charts if any(t.get("name") == "Production" for t in c["data"]))
    assert next(t for t in agreement["data"] if t["name"] == "Production")["x"] == ["2026-11-23", "2026-11-30"]
    assert agreement["layout"]["xaxis"]["tickvals"] == ["2026-11-23", "2026-11-30", date.today().isoformat()]
