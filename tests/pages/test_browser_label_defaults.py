"""Issue 17 in a real browser (system chromium, `streamlit run app.py`): the seed has no defaults banner; a
77-label rows upload has it on every page; "Confirm these defaults" removes it and a reload of the URL keeps it
away; a rows upload with three prediction columns shows three candidates on the Overview, the best named."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data import seed
from tests.pages.browser import SCREENSHOTS, browser_page, chromium_path, dashboard
from tests.pages.test_label_defaults_and_candidates import _rows_77

pytestmark = [
    pytest.mark.skipif(chromium_path() is None, reason="no chromium on this machine (apt install chromium)"),
    pytest.mark.slow,  # one server, a dozen page loads (~90 s on 2 cores)
]
BANNER = "label set is not MangaAssist"
PAGES = ("", "assumptions", "costs", "sensitivity", "uncertainty", "scenarios", "lab", "quality", "latency", "scale")


def _settle(page, text: str) -> None:
    page.get_by_text(text).first.wait_for(timeout=90_000)
    page.wait_for_timeout(1_000)


def _nav(page, group: str, title: str) -> None:
    page.get_by_test_id("stTopNavSection").filter(has_text=group).click()
    page.get_by_role("menuitem", name=title).first.click()


def _use_rows(page, path) -> None:
    _settle(page, "Bring your own per-request results")
    box = page.locator('[data-testid="stFileUploader"]').filter(has_text="Per-request results").first
    box.locator("input[type=file]").set_input_files(str(path))
    _settle(page, "Valid:")
    before = page.evaluate("() => location.search")
    page.get_by_role("button", name="Use these").click()
    page.wait_for_function(  # the new evidence is in the URL (not the upload used before it)
        "b => location.search !== b && location.search.includes('evidence=upload')", arg=before, timeout=60_000
    )
    page.wait_for_timeout(1_000)


def test_defaults_banner_confirm_reload_and_candidates(db, tmp_path):
    f77 = tmp_path / "intents77.csv"
    _rows_77().to_csv(f77, index=False)
    rows = seed.load_rows()[["request_id", "segment", "true", "teacher_pred", "student_pred"]].copy()
    rng = np.random.default_rng(1)
    for col, share in (("s4_pred", 0.3), ("int8_pred", 0.6)):
        rows[col] = np.where(rng.random(len(rows)) < share, rows["student_pred"], rows["teacher_pred"])
    three = tmp_path / "candidates.csv"
    rows.to_csv(three, index=False)
    SCREENSHOTS.mkdir(exist_ok=True)
    with dashboard(db) as url, browser_page(1440, 1000) as page:
        page.goto(url, wait_until="domcontentloaded")
        _settle(page, "Lean student: saves $1,122/month")
        assert page.get_by_text(BANNER).count() == 0
        page.goto(url + "/lab", wait_until="domcontentloaded")
        _use_rows(page, f77)
        query = page.url.split("?", 1)[1]
        for p in PAGES:
            page.goto(f"{url}/{p}?{query}", wait_until="domcontentloaded")
            _settle(page, BANNER)
            assert page.get_by_text("Critical set: unset.").count() == 1, p
        page.goto(f"{url}/?{query}", wait_until="domcontentloaded")
        _settle(page, BANNER)
        page.screenshot(path=str(SCREENSHOTS / "issue17_defaults_banner.png"))
        page.get_by_role("button", name="Confirm these defaults").click()
        page.wait_for_function("() => location.search.includes('defaults_ok=')", timeout=30_000)
        confirmed = page.url
        page.goto(confirmed, wait_until="domcontentloaded")  # a reload: a new session from the URL alone
        _settle(page, "Ship the teacher or the student?")
        page.wait_for_timeout(2_000)
        assert page.get_by_text(BANNER).count() == 0
        _nav(page, "Decide", "Cost breakdown")
        _settle(page, "Most expensive confusions")
        assert page.get_by_text(BANNER).count() == 0 and "defaults_ok=" in page.url
        _nav(page, "Evidence", "Distillation lab")
        _use_rows(page, three)
        _nav(page, "Decide", "Overview")
        _settle(page, "3 candidates against the teacher, on the same 10,000 requests")
        assert page.get_by_text("Best candidate: s4, which saves $2,363/month vs the teacher").count() == 1
        assert page.get_by_text(BANNER).count() == 0  # the seed's own labels: no banner
        page.screenshot(path=str(SCREENSHOTS / "issue17_candidates.png"))
