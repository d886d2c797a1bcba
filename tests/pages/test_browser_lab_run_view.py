"""The Lab's finished-run view in a real browser (`streamlit run app.py` + the system chromium): a run with an
FT-only baseline says the KD − FT-only differences in words, an older run says "not recorded for this run";
screenshots in screenshots/lab_run_view_*.png."""

from __future__ import annotations

import pytest

from tests.pages.browser import SCREENSHOTS, browser_page, chromium_path, dashboard
from tests.pages.test_lab_run_view import NEW_SUMMARY, done_run

pytestmark = [
    pytest.mark.skipif(chromium_path() is None, reason="no chromium on PATH (.ci/run installs it with apt)"),
    pytest.mark.slow,  # one server start and two page reruns (~30 s on 2 cores)
]
HEADING = "Teacher, KD student and fine-tune-only baseline"


def settled(page, text: str):
    """``text`` on the page once the first load's rerun (the URL written back) is over."""
    found = page.get_by_text(text).first
    found.wait_for(timeout=60_000)
    page.wait_for_timeout(3_000)
    found.wait_for(timeout=60_000)
    return found


def test_the_lab_shows_kd_against_fine_tune_only_and_an_old_run(tmp_path, monkeypatch):
    done_run(tmp_path / "runs", "r-new", NEW_SUMMARY)
    done_run(tmp_path / "runs", "r-aaa-old", {"teacher": {"accuracy": 0.912}, "student": {"accuracy": 0.89}})
    monkeypatch.setenv("DISTILL_DECIDE_RUNS", str(tmp_path / "runs"))
    SCREENSHOTS.mkdir(exist_ok=True)
    with dashboard(tmp_path / "db.duckdb") as url, browser_page(1400, 1000) as page:
        page.goto(url + "/lab", wait_until="networkidle")
        said = settled(page, "KD is 2.0 points less accurate than fine-tuning alone [−3.5, −0.5]")
        assert "costs $14,000/month more [+$5,000, +$23,000]" in said.inner_text()
        assert said.inner_text().endswith("distillation did not help here.")
        page.get_by_text(HEADING).scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "lab_run_view_new.png"))
        page.locator(".st-key-lab_view_run").click()
        page.get_by_role("option", name="r-aaa-old", exact=True).click()
        settled(page, "paired differences: not recorded for this run")
        page.get_by_text(HEADING).scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "lab_run_view_old.png"))
        assert "Fine-tune-only student: not recorded for this run" in page.inner_text("body")
