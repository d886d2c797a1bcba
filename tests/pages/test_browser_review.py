"""The weekly review in a real browser (issue 14): the report opens with the network off and prints in whole
sections, and the review page's first screen at 1920×1080 shows the verdict, this week against last, and the
margin trend."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.pages.browser import SCREENSHOTS, browser_page, chromium_path, dashboard

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="no chromium on this machine (apt install chromium)")


@pytest.fixture()
def reviewed(db):
    """Three stored reviews a week apart ($1.20 → $1.45 per critical event, then 2M requests) and four weeks of
    production cycles on the same timeline."""
    from engine import reviews, sources, store
    from engine.data import seed

    ev, a = sources.seed_evidence(), seed.load_assumptions()
    steps = [("2026-11-18", a), ("2026-11-25", a.replace(usd_per_critical_event=1.45))]
    steps.append(("2026-12-02", a.replace(usd_per_critical_event=1.45, requests_per_month=2_000_000)))
    for day, x in steps:
        reviews.record(ev, x, scenario_label="seed scenario", review_date=day, author="sam")
    prod = pd.DataFrame(
        {
            "cycle": ["2026-W47", "2026-W48", "2026-W49"],
            "agreement": [0.972, 0.968, 0.961],
            "kl_t3": [0.09, 0.10, 0.12],
            "requests_per_month": [1.5e6, 1.7e6, 2.0e6],
        }
    )
    store.save_cycles("production", prod)
    return db


def test_the_report_opens_offline_and_prints_whole_sections(reviewed, tmp_path):
    from playwright.sync_api import sync_playwright

    from engine import reviews
    from engine.present import review_report

    path = tmp_path / "review.html"
    path.write_text(review_report.build(reviews.report_inputs("latest")), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"], headless=True)
        try:
            context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
            asked: list[str] = []
            context.route(
                "**/*",
                lambda r: (
                    asked.append(r.request.url),
                    r.continue_() if r.request.url.startswith("file:") else r.abort(),
                ),
            )
            page = context.new_page()
            page.goto(path.as_uri())
            page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=30_000)
            assert page.locator(".js-plotly-plot").count() == 3  # trend, what moved the margin, agreement
            assert page.locator("h1").inner_text() == "Distill Decide — weekly review of 2026-12-02"
            takeaways = page.locator(".takeaway").all_inner_texts()  # text above each chart (M4), not a chart title
            assert "Margin by review: $737 → $1,066/month (the student cheaper)" in takeaways, takeaways
            assert [u for u in asked if not u.startswith("file:")] == []  # nothing asked of the network
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "review-report-1280.png"), full_page=True)
            page.emulate_media(media="print")
            avoid = page.evaluate("[...document.querySelectorAll('.chart')].map(s => getComputedStyle(s).breakInside)")
            assert avoid and set(avoid) == {"avoid"}, avoid  # each chart whole on a page, with its takeaway
            # M6: every chart inside an A4 page's printable width (210 mm less 2 × 12 mm margins = 703 CSS px)
            right = page.evaluate("[...document.querySelectorAll('.js-plotly-plot')].map(e => e.scrollWidth)")
            assert right and max(right) <= 703, right
            # M6: on paper the reproduce block is the commands and keys, not pages of JSON (the harm matrix)
            printed = page.locator(".printonly").inner_text()
            assert "python -m engine review show 3 --json" in printed and "harm_matrix" not in printed
            assert page.evaluate("getComputedStyle(document.querySelector('details')).display") == "none"
            pdf = page.pdf(format="A4")
            pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
            assert 3 <= pages <= 9, pages  # more than one page, no pages of raw JSON
            (SCREENSHOTS / "review-report.pdf").write_bytes(pdf)
        finally:
            browser.close()


def test_the_first_screen_at_1920_shows_verdict_this_vs_last_and_the_trend(reviewed):
    from engine import store

    store.save_scenario("seed-now", store.list_reviews()[-1]["assumptions"], author="sam")
    with dashboard(reviewed) as url, browser_page(1920, 1080) as page:
        page.goto(url + "/review?scenario=" + str(int(store.list_scenarios()["version_id"].iloc[0])))
        trend = page.locator(".js-plotly-plot").filter(has_text="Review date").first
        trend.locator(".main-svg").first.wait_for(timeout=90_000)
        page.wait_for_timeout(1_500)
        text = page.inner_text("body")
        assert "These are the inputs of the stored review #3 of 2026-12-02" in text, text[:2000]
        assert "Last review #2 (2026-11-25)" in text and "$737/month" in text and "$1,066/month" in text
        # M1: one go / no-go headline, first, the Rollout page's: the canary guardrail blocks at $1.45
        alerts = page.locator("[data-testid=stAlert]").all_inner_texts()
        head = next(a for a in alerts if "GO" in a)
        assert head.startswith("NO-GO: promoting the student is blocked by the canary guardrail"), alerts
        assert "Margin by review: $737 → $1,066/month (the student cheaper)" in text  # the takeaway above the trend
        box = trend.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 1080, box  # the whole trend on the first screen
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "review-1920x1080.png"))
