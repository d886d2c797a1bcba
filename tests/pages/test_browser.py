"""End to end: `streamlit run app.py` in a real headless chromium (skipped, with the reason, without one)."""

import pytest

from tests.pages.browser import SCREENSHOTS, browser_page, chromium_path, dashboard
from tests.pages.test_pages import PAGES

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="no chromium on PATH (.ci/run installs it with apt)")


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    with dashboard(tmp_path_factory.mktemp("e2e") / "e2e.duckdb") as url:
        yield url


def test_overview_opens_on_seed_verdict(running):
    SCREENSHOTS.mkdir(exist_ok=True)
    with browser_page() as page:
        page.goto(running, wait_until="domcontentloaded")
        page.get_by_text("Lean student: saves $1,122/month").wait_for(timeout=60_000)
        page.get_by_text("$12,112").first.wait_for(timeout=30_000)
        assert page.locator("text=Traceback").count() == 0


def test_critical_cost_input_flips_verdict_in_the_browser(running):
    with browser_page() as page:
        page.goto(running + "/assumptions", wait_until="domcontentloaded")
        page.get_by_text("Lean student").first.wait_for(timeout=60_000)
        box = page.get_by_label("$ per critical event", exact=True)
        box.fill("1.90")
        box.press("Enter")
        page.get_by_text("Lean student: saves $44/month").wait_for(timeout=30_000)  # 2,969.92 − 1,540 × 1.90
        box.fill("2.00")
        box.press("Enter")
        page.get_by_text("Lean teacher: saves $110/month").wait_for(timeout=30_000)
        page.screenshot(path=str(SCREENSHOTS / "flip-to-teacher.png"))


def test_bad_upload_shows_plain_error(running, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("true,teacher_pred\nfaq,faq\n")
    with browser_page() as page:
        page.goto(running + "/lab", wait_until="domcontentloaded")
        page.get_by_text("Bring your own per-request results").wait_for(timeout=60_000)
        page.locator("input[type=file]").last.set_input_files(str(bad))  # the per-request results uploader
        page.get_by_text("student_pred").first.wait_for(timeout=30_000)
        page.get_by_text("Fix:").first.wait_for(timeout=30_000)
        assert page.locator("text=Traceback").count() == 0


def test_screenshot_every_page(running):
    SCREENSHOTS.mkdir(exist_ok=True)
    with browser_page() as page:
        for name in PAGES:
            page.goto(running + ("" if name == "overview" else f"/{name}"), wait_until="domcontentloaded")
            page.locator("h1").first.wait_for(timeout=60_000)
            page.wait_for_timeout(1500)  # let charts draw
            assert page.locator("text=Traceback").count() == 0, name
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
