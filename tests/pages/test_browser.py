"""End to end: `streamlit run app.py` in a real headless chromium (skipped, with the reason, without one)."""
import pytest

from tests.pages.browser import SCREENSHOTS, browser_page, chromium_path, dashboard

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="no chromium on PATH (.ci/run installs it with apt)")


def test_overview_opens_on_seed_verdict(tmp_path):
    SCREENSHOTS.mkdir(exist_ok=True)
    with dashboard(tmp_path / "e2e.duckdb") as url, browser_page() as page:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("Lean student: saves $1,122/month").wait_for(timeout=60_000)
        page.get_by_text("$12,112").first.wait_for(timeout=30_000)
        assert page.locator("text=Traceback").count() == 0
        page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
        page.screenshot(path=str(SCREENSHOTS / "overview.png"), full_page=True)
