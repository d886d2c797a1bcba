"""Issue 17 on the dashboard: a label set that is not MangaAssist's carries a banner on every page until its
defaults are confirmed (a reload keeps the confirmation); several student prediction columns in a rows upload
are candidates the Overview compares against the teacher on the same requests."""

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from engine.data import seed
from engine.decision import cube as cube_mod
from engine.decision import uncertainty, verdict
from engine.present.money import usd
from engine.rollout import candidates
from tests.conftest import ROOT

BANNER = "label set is not MangaAssist's"


def _app(params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    return at.run()


def _upload(at: AppTest, frame: pd.DataFrame) -> None:
    at.switch_page("app_pages/lab.py").run()
    at.file_uploader(key="rows_upload").set_value(("rows.csv", frame.to_csv(index=False).encode(), "text/csv")).run()
    assert not at.exception, at.exception
    at.button(key="use_rows").click().run()
    assert not at.exception, at.exception


def _banners(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if BANNER in w.value]


def _rows_77(n: int = 7_700) -> pd.DataFrame:
    """77 balanced intents (100 requests each), a teacher right 90% of the time, a student 85%."""
    labels = np.array([f"intent_{i:02d}" for i in range(77)])
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(77), n // 77)
    t = np.where(rng.random(len(y)) < 0.9, y, rng.integers(0, 77, len(y)))
    s = np.where(rng.random(len(y)) < 0.85, y, rng.integers(0, 77, len(y)))
    return pd.DataFrame(
        {
            "request_id": np.arange(len(y)).astype(str),
            "true": labels[y],
            "teacher_pred": labels[t],
            "student_pred": labels[s],
        }
    )


PAGES = ("overview", "assumptions", "costs", "sensitivity", "uncertainty", "scenarios", "lab", "quality", "latency")


def test_seed_has_no_banner(db):
    at = _app()
    for page in ("overview", "costs", "lab"):
        at.switch_page(f"app_pages/{page}.py").run()
        assert not _banners(at), page


def test_a_77_label_upload_has_the_defaults_banner_on_every_page_until_confirmed(db):
    at = _app()
    _upload(at, _rows_77())
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        assert len(_banners(at)) == 1, page


def test_confirming_the_defaults_removes_the_banner_and_a_reload_keeps_it_away(db):
    at = _app()
    _upload(at, _rows_77())
    ev = at.session_state["evidence"]
    at.switch_page("app_pages/overview.py").run()
    (text,) = _banners(at)
    # by hand: no critical intents; 10% of 77 = 7.7 → 8 rare intents; 1 unit per misroute; the seed's figures
    assert "Critical set: unset" in text and "critical-error cost is **$0**" in text
    assert "bottom 10% of the 77 intents by prior — 8 intent(s)" in text
    assert "1 harm unit per misroute" in text
    assert (
        "The seed's prices (teacher $0.0038, student $0.0016 per request), P95s (teacher 12 ms, student 5 ms)" in text
    )
    assert "volume (1,400,000 requests/month)" in text
    assert [p.label for p in at.get("page_link") if not p.label.startswith("Rollout:")] == [
        "Set critical intents and the harm matrix",
        "Measure P95s and prices",
    ]  # the banner's two links (the Overview's own link to the Rollout page's go/no-go is not the banner's)
    assert "defaults_ok" not in at.query_params
    at.button(key="confirm_defaults").click().run()
    assert not _banners(at)
    assert at.query_params["defaults_ok"] == ev.cube.hash  # the URL carries the confirmation
    at.switch_page("app_pages/costs.py").run()
    assert not _banners(at)
    url = {k: at.query_params[k] for k in at.query_params}
    assert url == {"evidence": f"upload:{ev.cube.hash}", "defaults_ok": ev.cube.hash}
    # a reload of that URL: a new session, the same evidence, still confirmed
    again = _app(url)
    assert again.session_state["evidence"].cube.hash == ev.cube.hash
    assert not _banners(again)
    # the same evidence without the confirmation asks again
    fresh = _app({"evidence": url["evidence"]})
    assert len(_banners(fresh)) == 1


def test_a_critical_set_the_user_names_is_said_instead_of_unset(db):
    at = _app()
    _upload(at, _rows_77())
    at.switch_page("app_pages/assumptions.py").run()
    at.multiselect(key="in:critical").set_value(["intent_03", "intent_05"]).run()
    (text,) = _banners(at)
    assert "Critical set:** 2 intent(s) you named (intent_03, intent_05)" in text and "unset" not in text


COLUMNS = {"student": "student_pred", "s4": "s4_pred", "int8": "int8_pred"}


@pytest.fixture(scope="module")
def three():
    """The seed rows with two more candidates: the teacher's routes with 30% / 60% of requests taken from the
    seed student (tests/engine/test_candidates.py's blends), so the seed student is one of three."""
    r = seed.load_rows()[["request_id", "segment", "true", "teacher_pred", "student_pred"]].copy()
    rng = np.random.default_rng(1)
    for col, share in (("s4_pred", 0.3), ("int8_pred", 0.6)):
        r[col] = np.where(rng.random(len(r)) < share, r["student_pred"], r["teacher_pred"])
    return r


def _pairwise(rows: pd.DataFrame, col: str, a) -> verdict.Decision:
    """The two-model run of one candidate: its own rows file, as `decide --rows` prices it."""
    pair = rows[["segment", "true", "teacher_pred", col]].rename(columns={col: "student_pred"})
    c = cube_mod.from_rows(pair, intents=seed.INTENTS)
    return verdict.decide(cube_mod.Evidence(c, pair, "pair"), a, draws=uncertainty.draw(c, 10_000, 0))


def test_three_candidates_on_the_overview_give_the_intervals_of_their_two_model_runs(db, three):
    at = _app()
    _upload(at, three)
    assert any("**3 candidates** against the teacher" in i.value for i in at.info)
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, at.exception
    a = at.session_state["assumptions"]
    shown = next(df.value for df in at.dataframe if "Candidate" in df.value.columns)
    assert list(shown["Candidate"]) == ["student", "s4 (best)", "int8"]
    for (name, col), row in zip(COLUMNS.items(), shown.itertuples(index=False)):
        pair = _pairwise(three, col, a)
        lo, hi = pair.bootstrap.margin_ci95_usd
        assert row[2] == usd(pair.breakdown.margin_usd) and row[3] == f"[{usd(lo)}, {usd(hi)}]", name
    # by hand: the seed student is the seed verdict's $1,122 [−$385, $2,474], the same as the banner above says
    assert tuple(shown.iloc[0, 2:4]) == ("$1,122", "[−$385, $2,474]")
    assert "[−$385, $2,474]" in at.session_state["_decision"][1].verdict.sentence
    # the verdict names the best and its lead over the runner-up: the lead of a two-candidate run of the same two
    two = candidates.compare(candidates.joint_cells(three, {"s4": "s4_pred", "int8": "int8_pred"}),
                             {"s4": "s4_pred", "int8": "int8_pred"}, a)  # fmt: skip
    (said,) = [s.value for s in at.success if "Best candidate" in s.value]
    assert said == f"**{two.sentence}**"
    assert said.startswith("**Best candidate: s4, which saves $2,363/month vs the teacher")
    assert "$373/month cheaper than the runner-up int8" in said  # $2,363 − $1,990 (the table's margins)
    # the cost breakdown shows each candidate's components beside the teacher's
    at.switch_page("app_pages/costs.py").run()
    assert not at.exception, at.exception
    by_c = next(df.value for df in at.dataframe if "s4" in df.value.columns)
    assert list(by_c.columns) == ["Component", "Teacher", "student", "s4", "int8"]
    total = by_c[by_c["Component"] == "Total"].iloc[0]
    assert round(total["Teacher"] - total["s4"]) == 2363
