"""Plain language on the Decide pages, Quality, Scale and Weekly review (issue 12): no code names on screen,
tables in words with units, the glossary on the Overview, and money that reads "−$1,000" in a real browser.

Hand-checked seed numbers (MangaAssist, 1.4M requests/month): teacher $12,111.84 = $3,773.05 (new) +
$7,191.35 (returning) + $1,147.44 (vip); the costliest confusion is the student's escalation → chitchat,
1,680 misroutes × $1.20 = $2,016/month; teacher accuracy 9,210 of 10,000 = 92.1%.
"""

import getpass
import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from engine.present.glossary import GLOSSARY, define
from tests.conftest import ROOT
from tests.pages.browser import SCREENSHOTS, browser_page, chromium_path, dashboard

FORBIDDEN = (  # code names and Python reprs that must never reach the screen
    "usd_per_month",
    "misroutes_per_month",
    "critical_per_month",
    "volume_share",
    "total_usd",
    "_usd",
    "ci95_low",
    "ci95_high",
    "kl_t3",
    "weighted_outcome",
    "weighted_error",
    "critical_rate",
    "teacher_accuracy",
    "requests_per_month",
    "usd_per_critical_event",
    "version_id",
    "created_at",
    "harm_matrix",
    "np.float64",
    "np.int64",
)
PAGES = ("overview", "costs", "quality", "uncertainty", "scale", "scenarios", "review")


def _open(page: str, *, changed: bool = False) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    if changed:  # a what-if since the scenario was loaded: the review's "what changed" and the compare table show
        a = at.session_state["assumptions"]
        at.session_state["assumptions"] = a.replace(usd_per_critical_event=2.5, requests_per_month=2_000_000.0)
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def _screen_text(at: AppTest) -> list[str]:
    """Everything a page prints in words: markdown, captions, metrics, boxes, titles, expander labels, JSON."""
    texts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    texts += [f"{m.label} {m.value} {m.proto.delta}" for m in at.metric]
    texts += [e.value for kind in (at.info, at.warning, at.success, at.error, at.subheader, at.title) for e in kind]
    texts += [e.label for e in at.expander] + [str(j.proto.body) for j in at.json]
    return texts


@pytest.fixture()
def saved(db):
    """Two stored scenarios, so the Scenarios page shows its change log and its compare tables."""
    from engine import store
    from engine.data import seed

    a = seed.load_assumptions()
    store.save_scenario("plan-a", a.replace(usd_per_critical_event=2.5).to_dict(), author="pm", note="CSAT")
    store.save_scenario("plan-b", a.replace(requests_per_month=2_000_000.0).to_dict(), author="pm", note="growth")
    return db


@pytest.mark.parametrize("page", PAGES)
def test_no_code_names_on_screen(page, saved):
    at = _open(page, changed=page in ("review", "scenarios"))
    frames = [df.value for df in at.dataframe]
    if page in ("costs", "quality", "scale", "scenarios", "review"):
        assert frames, f"{page} shows no table"
    for df in frames:
        for col in map(str, df.columns):
            assert "_" not in col and not any(t in col for t in FORBIDDEN), (page, col)  # words, not code names
        cells = " ".join(str(v) for c in df.columns if df[c].dtype == object for v in df[c])
        assert not [t for t in FORBIDDEN if t in cells], (page, [t for t in FORBIDDEN if t in cells])
    shown = " ".join(_screen_text(at))
    assert not [t for t in FORBIDDEN if t in shown], (page, [t for t in FORBIDDEN if t in shown])
    assert not at.table, f"{page}: st.table has no CSV download; use st.dataframe"


def test_cost_breakdown_tables_in_words_with_the_seed_totals(db):
    at = _open("costs")
    top, seg, traffic = (df.value for df in at.dataframe[:3])
    first = top.iloc[0]
    assert (first["Model"], first["True intent"], first["Predicted as"]) == ("Student", "escalation", "chitchat")
    assert (first["Misroutes / month"], first["Error cost ($/month)"]) == (1_680, pytest.approx(2_016.0))
    assert list(seg.columns[:3]) == ["Segment", "Model", "Total ($/month)"]  # the key column first, never cut off
    teacher = seg[seg["Model"] == "Teacher"]
    assert teacher["Total ($/month)"].sum() == pytest.approx(12_111.84)
    assert list(traffic["Share of volume (%)"]) == pytest.approx([30.0, 60.0, 10.0])  # a percentage, not 0.3


def test_quality_metrics_in_percent_with_glossary_help(db):
    at = _open("quality")
    shown = at.dataframe[0].value.set_index(["Metric", "Model"])
    assert shown.loc[("Accuracy", "Teacher"), "Value"] == pytest.approx(92.1)
    assert shown.loc[("Accuracy", "Teacher"), "Unit"] == "%"
    metrics = {m.label: m for m in at.metric}
    assert metrics["Top-1 agreement"].value == "97.4%"  # 9,740 of 10,000 requests predicted alike
    assert metrics["Student calibration error (ECE)"].proto.help == define("ECE")
    assert metrics["McNemar p-value"].proto.help == define("McNemar")
    assert metrics["KL divergence (T = 3)"].proto.help == define("KL")


def test_scenarios_compare_in_words(saved):
    at = _open("scenarios")
    at.selectbox(key="cmp_right").set_value("plan-b").run()
    diff = next(df.value for df in at.dataframe if "Assumption" in df.value.columns).set_index("Assumption")
    assert tuple(diff.loc["Monthly volume (requests)"]) == ("1,400,000", "2,000,000")
    totals = next(df.value for df in at.dataframe if "Per month" in df.value.columns).set_index("Per month")
    # at 2M requests the variable $11,599.84 of the teacher's $12,111.84 scales by 2/1.4; the $512 operations do not
    assert totals.loc["Teacher total ($/month)", "plan-b"] == pytest.approx(11_599.84 * 2 / 1.4 + 512)
    log = next(df.value for df in at.dataframe if "Version" in df.value.columns)
    assert list(log.columns) == ["Version", "Author", "What changed and why", "Saved at"]


def _record_seed_review(day: str = "2026-11-25") -> dict:
    from engine import reviews, sources
    from engine.data import seed

    r, _ = reviews.record(
        sources.seed_evidence(),
        seed.load_assumptions(),
        scenario_label="seed scenario",
        review_date=day,
        author="sam",
        B=500,
    )
    return r


def test_weekly_review_says_what_changed_in_words(db):
    _record_seed_review()
    at = _open("review", changed=True)  # $2.50 per critical event and 2M requests since the stored review
    assert any(
        w.value.startswith("**Modified:** the inputs on screen are not a stored review.")
        and "compare them with the latest, #1 of 2026-11-25" in w.value
        for w in at.warning
    )
    changed = next(df.value for df in at.dataframe if "Assumption" in df.value.columns).set_index("Assumption")
    assert list(changed.columns) == ["At the review of 2026-11-25", "Now"]
    assert tuple(changed.loc["$ per critical event"]) == ("$1.20", "$2.50")  # with the field's unit
    assert tuple(changed.loc["Monthly volume (requests)"]) == ("1,400,000", "2,000,000")
    causes = next(df.value for df in at.dataframe if "Cause" in df.value.columns).set_index("Cause")
    # 1,540 extra student critical misroutes/month at 1.4M (2,200 at 2M) × $1.30 more, averaged over both orders
    who = getpass.getuser()  # the page's "Recorded by" default: the OS user, as the CLI's --author
    price = causes.loc[f"$ per critical event $1.20 → $2.50, by {who}", "Effect on the margin ($/month)"]
    assert price == "−$2,431.00"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Last review #1 (2026-11-25)"] == "$1,122/month"


def test_weekly_review_with_nothing_stored_offers_to_record_the_first(db):
    at = _open("review")
    assert any(i.value.startswith("No review is stored yet") for i in at.info)
    assert {m.label: m.value for m in at.metric}["Last review"] == "none stored"
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    # the takeaway is text above each chart (never clipped by the toolbar), so the chart is found by its y axis
    agreement = next(c for c in charts if c["layout"]["yaxis"]["title"]["text"].startswith("Agreement"))
    assert [sh["y0"] for sh in agreement["layout"]["shapes"]] == [0.95]  # the decision's 95% gate
    at.text_input(key="review_author").set_value("sam")
    at.button(key="FormSubmitter:review_record-Record this week's review").click().run()
    assert not at.exception, at.exception
    from engine import store

    stored = store.list_reviews()
    assert len(stored) == 1 and stored[0]["author"] == "sam"
    assert stored[0]["decision"]["margin_usd"] == pytest.approx(1_121.92)  # the banner's decision, as shown
    assert any(
        c.value.startswith(f"These are the inputs of the stored review #{stored[0]['review_id']}") for c in at.caption
    )


def test_scale_says_whose_saving_and_adds_up_the_shown_misses(db):
    at = _open("scale")
    m = {x.label: x.value for x in at.metric}
    assert m["Total saving / month: the student saves"] == "$1,122"
    # 1.4M ÷ 30.4 days = 46,053 requests/day × 0.4% rare × (9% → 18% missed) = 16.6 → 33.2 a day
    assert any("Missed rare-class events per day: 16.6 → 33.2 (**+16.6**)" in t.value for t in at.markdown)
    a = at.session_state["assumptions"]
    at.session_state["assumptions"] = a.replace(**{"student.usd_per_request": 0.006})  # $60 per 10K: dearer
    at.run()
    m = {x.label: x.value for x in at.metric}
    assert [k for k in m if k.startswith("Total saving")] == ["Total saving / month: the teacher saves"]
    shown = " ".join(_screen_text(at))
    assert "seed 003" not in shown and "§" not in shown


def test_scenarios_share_line_is_text_not_code(db):
    at = _open("scenarios")
    assert not [c for c in at.code if "nothing changed" in c.value.lower()]
    assert any(m.value.startswith("Nothing has changed from the seed scenario yet") for m in at.markdown)


def test_uncertainty_says_how_to_give_a_price_range_on_the_page(db):
    at = _open("uncertainty")
    box = next(i.value for i in at.info if i.value.startswith("The $ per critical event is a single value ($1.20)"))
    assert box.index("**Use this price range**") < box.index("--critical-cost-range")  # words first, command second
    at.button(key="crit_range_use").click().run()  # the defaults: $0.80 to $2.40
    assert any("between $0.80 and $2.40 (most often near $1.20)" in i.value for i in at.info)
    interval = next(m.value for m in at.metric if m.label == "95% interval of the margin")
    assert interval != "[−$385, $2,474]"  # each resample now draws its own price: the interval changes


def test_latency_page_words_first_and_a_wide_instance_column(env):  # its own empty runs folder
    at = _open("latency")
    box = next(i.value for i in at.info if i.value.startswith("No measured latency yet"))
    assert box.index("**Distillation lab**") < box.index("python -m engine export")
    weights = [c.proto.weight for c in at.columns if len(at.columns) and c.proto.weight]
    assert max(weights) >= 2 * min(weights)  # the instance select ("cpu (c7i.xlarge, 4 vCPU)") is not cut off


def test_sensitivity_notes_are_sentences_and_the_range_is_a_percentage(db):
    at = _open("sensitivity")
    caps = [c.value for c in at.caption]
    # the seed margin v / 1.4M × $1,151.92 − $30 crosses $0 at 36,461 requests; $1.93 per critical event
    assert any(c.startswith("The teacher is cheaper below 36,461 requests per month, the student above.") for c in caps)
    assert "The student is cheaper below $1.93 per critical event, the teacher above." in caps
    assert (
        "The student is cheaper at any price per ms of P95 latency per month: the two models never cost the same."
        in caps
    )
    slider = next(s for s in at.slider if s.key == "tornado_rel")
    assert (slider.label, slider.value, slider.proto.format) == ("Range around each assumption (±%)", 50, "±%d%%")


def test_overview_glossary(db):
    at = _open("overview")
    box = next(e for e in at.expander if e.label == "Glossary: what these words mean")
    text = " ".join(m.value for m in box.markdown)
    for term, definition in GLOSSARY.items():
        assert f"**{term}**: {definition}" in text, term


# --- in a real browser: the tick text plotly draws, a CSV download, no table wider than the page at 1440 px ---

browser = pytest.mark.skipif(chromium_path() is None, reason="no chromium on PATH (.ci/run installs it with apt)")


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    with dashboard(tmp_path_factory.mktemp("plain") / "plain.duckdb") as url:
        yield url


def _ticks(chart, axis: str) -> list[str]:
    return [t for t in chart.locator(f".{axis}tick text").all_text_contents() if t.strip()]


@browser
def test_money_ticks_csv_download_table_widths_and_legend_in_a_browser(running):
    SCREENSHOTS.mkdir(exist_ok=True)
    with browser_page(1440, 900) as page:
        page.add_init_script("delete window.showSaveFilePicker")  # the grid's CSV export falls back to a download
        page.goto(running + "/uncertainty", wait_until="domcontentloaded")
        page.get_by_text("Margin (teacher − student), paired bootstrap").wait_for(timeout=60_000)
        histogram = page.locator(".js-plotly-plot").first
        histogram.locator(".xtick text").first.wait_for(timeout=30_000)
        ticks = _ticks(histogram, "x")  # the margin histogram spans about −$1,500 … $3,500 on the seed
        assert any(re.fullmatch(r"−\$[\d,]+", t) for t in ticks), ticks
        assert not [t for t in ticks if "$−" in t or "$-" in t], ticks
        page.goto(running + "/costs", wait_until="domcontentloaded")
        page.get_by_text("Most expensive confusions", exact=False).first.wait_for(timeout=60_000)
        grids = page.locator('[data-testid="stDataFrame"]')
        grids.nth(1).wait_for(timeout=30_000)
        page.wait_for_timeout(1_500)  # let the grids lay out their columns
        page.screenshot(path=str(SCREENSHOTS / "costs-download-1440x900.png"))
        grids.first.hover()  # the toolbar's CSV download of a Styler-formatted table: headers in words, raw numbers
        with page.expect_download(timeout=30_000) as download:
            # a DOM click: under load the grid's scroller can sit over the toolbar while it lays out
            page.get_by_role("button", name="Download as CSV").first.dispatch_event("click")
        csv = download.value.path().read_text(encoding="utf-8-sig").splitlines()
        assert csv[:2] == [
            "Model,True intent,Predicted as,Misroutes / month,Critical / month,Error cost ($/month)",
            "Student,escalation,chitchat,1680,1680,2016",  # 1,680 misroutes × $1.20, not "$2,016"
        ], csv[:2]
        for i in range(grids.count()):
            scroller = grids.nth(i).locator(".dvn-scroller")
            wide = scroller.evaluate("e => e.scrollWidth - e.clientWidth")
            assert wide <= 1, f"table {i} on Cost breakdown scrolls sideways by {wide} px at 1440 px"
        page.screenshot(path=str(SCREENSHOTS / "costs-tables-1440x900.png"))
    with browser_page(1920, 1080) as page:
        page.goto(running + "/review", wait_until="domcontentloaded")
        page.get_by_text("Margin now (not recorded yet)", exact=False).first.wait_for(timeout=60_000)
        page.wait_for_timeout(1_500)
        chart = page.locator(".js-plotly-plot").first
        legend, plot = chart.locator(".legend").bounding_box(), chart.locator(".nsewdrag").first.bounding_box()
        assert legend and plot, (legend, plot)
        above = legend["y"] + legend["height"] <= plot["y"] + 1
        below = legend["y"] >= plot["y"] + plot["height"] - 1  # the review's: a strip under the axis title
        assert above or below, (legend, plot)  # never over the data or the ticks
        page.screenshot(path=str(SCREENSHOTS / "review-legend-1920x1080.png"))
