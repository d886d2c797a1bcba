"""A release manager's walk through the Rollout page in chromium at 1440 px: the canary planner on the metric that
decides, then alpha and the $ margin; a daily CSV with a regression uploaded to the monitor; the frontier on the
business-weighted error axis; a reload and a round trip through the Overview keep the
chosen metric, alpha and axis (they are in the link as p.rollout.*). Screenshots under screenshots/walk-rollout-*.png.

By hand (seed): the rollout plan's 5% canary against +1,540 critical misroutes a month (0.34% → 0.45%, one-sided
5%, 80% power) needs 21,776 canary requests, 21,776 / (5% × 46,053 a day) = 9.5 days, 7.5 on the 5% → 25% ramp.
The uploaded CSV is the generated example at 1.8 × the teacher's critical rate; the engine's own monitor of the
same rows says on which day it first rolls back, and the page must say the same.
"""

import pytest

from engine import sources
from engine.rollout import canary_metric as cm
from engine.rollout import sequential as sq
from tests.pages.browser import SCREENSHOTS, browser_page, chromium_path, dashboard

pytestmark = [
    pytest.mark.skipif(chromium_path() is None, reason="no chromium on PATH (.ci/run installs it with apt)"),
    pytest.mark.slow,  # one server start and a dozen reruns (~60 s on 2 cores)
]


def metrics(page) -> dict[str, str]:
    """The visible st.metric label → value pairs."""
    out = {}
    for m in page.locator('[data-testid="stMetric"]').all():
        if m.is_visible():
            label = m.locator('[data-testid="stMetricLabel"]').inner_text().strip()
            out[label] = m.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return out


def wait_metric(page, label: str, value: str) -> None:
    page.wait_for_function(
        """([label, value]) => [...document.querySelectorAll('[data-testid="stMetric"]')].some((m) =>
            m.offsetParent !== null && m.querySelector('[data-testid="stMetricLabel"]').innerText.trim() === label
            && m.querySelector('[data-testid="stMetricValue"]').innerText.trim() === value)""",
        arg=[label, value],
        timeout=60_000,
    )


def regression_csv(path):
    ev = sources.seed_evidence()
    a, _ = sources.scenario_for(ev.cube, None)
    plan = sq.plan_for(ev.cube, a, 1_900.0)
    f = sq.example_daily(plan, days=21, critical_factor=1.8, seed=5)
    f.to_csv(path, index=False)
    days = sq.monitor(f, plan)
    first = int(days.loc[days["recommendation"] == "roll back", "day"].iloc[0])
    margin = cm.margin_plan(ev.cube, a, share=0.05, daily=a.requests_per_month / a.days_per_month, alpha=0.01)
    return first, margin.canary_arm


def nav(page, group: str, title: str) -> None:
    page.get_by_test_id("stTopNavSection").filter(has_text=group).click()
    page.get_by_role("menuitem", name=title).first.click()


def shot(page, name: str) -> None:
    page.wait_for_timeout(1200)  # let charts lay out
    page.screenshot(path=str(SCREENSHOTS / f"walk-rollout-{name}.png"), full_page=True)


def test_release_manager_walks_the_rollout_page(tmp_path):
    SCREENSHOTS.mkdir(exist_ok=True)
    csv = tmp_path / "regression.csv"
    first_rollback, margin_arm_at_1pct = regression_csv(csv)
    with dashboard(tmp_path / "walk.duckdb") as url, browser_page(1440, 2000) as page:
        page.goto(url + "/rollout", wait_until="domcontentloaded")
        page.get_by_text("No-go:").first.wait_for(timeout=90_000)
        assert "?" not in page.url  # the seed link carries no page choices (nor anything else)
        page.get_by_role("tab", name="Canary").click()
        wait_metric(page, "Canary arm (requests)", "21,776")
        m = metrics(page)
        assert (m["Control arm (requests)"], m["Days to collect at 5%"], m["Days on the 5% → 25% ramp"]) == (
            "413,744", "9.5", "7.5"
        )  # fmt: skip
        md = page.locator('[data-testid="stMarkdownContainer"]')
        plan = md.filter(has_text="The rollout plan's canary, on the metric that decides:").first
        assert "21,776 requests: 9.5 days, or 7.5 days on the plan's 5% → 25% ramp" in plan.inner_text()
        shot(page, "2-canary")

        page.get_by_text("$ margin per request").first.click()
        wait_metric(page, "Canary arm (requests)", "77,736")  # docs/rollout.md: two-sided 5%, 80% power
        alpha = page.get_by_role("spinbutton", name="Significance α (%)")
        alpha.fill("1")
        alpha.press("Enter")
        wait_metric(page, "Canary arm (requests)", f"{margin_arm_at_1pct:,}")
        assert "21,776 requests" in plan.inner_text()  # the plan's own canary is still stated
        shot(page, "4-canary-alpha1")

        page.get_by_role("tab", name="Monitor").click()
        uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="Daily canary readings")
        uploader.locator("input[type=file]").set_input_files(str(csv))
        verdict = page.get_by_text(f"Day 21: roll back (first on day {first_rollback})").first
        verdict.wait_for(timeout=60_000)
        title = page.locator(".js-plotly-plot .gtitle").filter(has_text="Day 21: roll back").first
        title_text = title.text_content() or ""  # SVG text: no innerText
        assert f"(since day {first_rollback})" in title_text and "$1,900 guardrail" in title_text
        assert page.get_by_text("Showing a generated").count() == 0  # the upload replaced the example
        shot(page, "5-monitor-regression")

        page.get_by_role("tab", name="Frontier").click()
        page.get_by_text("Business-weighted error ($ per month)").first.click()
        axis = page.locator(".js-plotly-plot .xtitle").filter(has_text="Business-weighted error (USD per month")
        axis.first.wait_for(timeout=60_000)
        words = md.filter(has_text="Recommended: the student alone").first.inner_text()
        assert "$10,990/month, P95 5 ms" in words and "so not recommended" in words
        ticks = page.locator(".js-plotly-plot .xtick text").all_text_contents()
        assert any(t.startswith("$") for t in ticks), ticks  # dollars on the error axis
        shot(page, "7-frontier-error")

        # the page's own choices are in the link (p.rollout.*): a reload and a round trip keep them
        for q in ("p.rollout.metric=margin", "p.rollout.alpha=1.0", "p.rollout.axis=error"):
            page.wait_for_function("q => window.location.search.includes(q)", arg=q, timeout=30_000)
        page.reload(wait_until="domcontentloaded")
        page.get_by_text("No-go:").first.wait_for(timeout=90_000)
        page.get_by_role("tab", name="Canary").click()
        wait_metric(page, "Canary arm (requests)", f"{margin_arm_at_1pct:,}")
        assert page.get_by_role("spinbutton", name="Significance α (%)").input_value() == "1.0"
        shot(page, "8-after-reload")
        nav(page, "Decide", "Overview")
        page.wait_for_function("() => !window.location.pathname.endsWith('/rollout')", timeout=30_000)
        page.get_by_text("Ship the teacher or the student?").first.wait_for(timeout=90_000)
        page.wait_for_function("() => window.location.search.includes('p.rollout.alpha=1.0')", timeout=30_000)
        shot(page, "9-overview-keeps-the-link")  # the choices ride along on other pages
        nav(page, "Ship", "Rollout")
        page.get_by_text("No-go:").first.wait_for(timeout=90_000)
        page.get_by_role("tab", name="Canary").click()
        wait_metric(page, "Canary arm (requests)", f"{margin_arm_at_1pct:,}")
        page.get_by_role("tab", name="Frontier").click()
        assert page.get_by_role("radio", name="Business-weighted error ($ per month)").is_checked()
        assert page.locator("text=Traceback").count() == 0
