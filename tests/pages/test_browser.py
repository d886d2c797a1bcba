"""End to end: `streamlit run app.py` in a real headless chromium (skipped, with the reason, without one)."""

import re
import statistics
import time

import pytest

from engine.present.money import usd
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
        rows = page.locator('[data-testid="stFileUploader"]').filter(has_text="Per-request results")
        rows.locator("input[type=file]").set_input_files(str(bad))  # the per-request results uploader (first tab)
        page.get_by_text("student_pred").first.wait_for(timeout=30_000)
        page.get_by_text("Fix:").first.wait_for(timeout=30_000)
        assert page.locator("text=Traceback").count() == 0


@pytest.mark.parametrize(
    "width, height", [pytest.param(1440, 900, id="1440"), pytest.param(1920, 1080, id="1920", marks=pytest.mark.slow)]
)
def test_screenshot_every_page(running, width, height):
    """Every page as a 1440 px laptop (default run) and a 1920×1080 screen share (``-m slow``) see it
    (screenshots/<page>-<w>x<h>.png), each opening on the seed verdict with no traceback and no Streamlit error
    box."""
    SCREENSHOTS.mkdir(exist_ok=True)
    with browser_page(width, height) as page:
        for name in PAGES:
            page.goto(running + ("" if name == "overview" else f"/{name}"), wait_until="domcontentloaded")
            page.locator("h1").first.wait_for(timeout=60_000)
            page.get_by_text("saves $1,122/month").first.wait_for(timeout=60_000)
            page.wait_for_timeout(1000)  # let charts draw
            assert page.locator("text=Traceback").count() == 0, name
            assert page.get_by_test_id("stException").count() == 0, name
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}x{height}.png"))


# --- issue 12: the PM journey in a real browser ------------------------------------------------------------
# margin(c) = 2,969.92 − 1,540·c at 1.4M requests/month (seed 000 §3 corrected); at 5M and c = $2.50:
# 5/1.4 × (−880.08 + 30) − 30 = −3,066.00 (the $30 operations gap is fixed, not per request)
VOLUME = re.compile(r"^(Monthly volume|Volume) \(requests")  # the label (before the fix: "Volume (requests / month)")


def _commit(box, text: str) -> None:
    box.fill(text)
    box.press("Enter")


def _sidebar(page):
    return page.locator('[data-testid="stSidebar"]')


def test_typed_price_survives_other_edits_and_a_reload(running):
    with browser_page(1440, 900) as page:
        page.goto(running + "/assumptions", wait_until="domcontentloaded")
        page.get_by_text("Lean student: saves $1,122/month").first.wait_for(timeout=60_000)
        crit = page.get_by_label("$ per critical event", exact=True)
        _commit(crit, "2.50")
        page.get_by_text("Lean teacher: saves $880/month").first.wait_for(timeout=30_000)
        volume = page.get_by_label(VOLUME)
        _commit(volume, "5000000")
        page.get_by_text("Lean teacher: saves $3,066/month").first.wait_for(timeout=30_000)
        assert crit.input_value() == "2.50"  # before the fix: the slider's stale 1.20 came back here
        _commit(volume, "1400000")
        page.get_by_text("Lean teacher: saves $880/month").first.wait_for(timeout=30_000)
        assert crit.input_value() == "2.50"
        thumb = page.locator(".st-key-crit_slider [data-testid=stSliderThumbValue]")
        assert thumb.inner_text() == "2.50"  # the slider shows the stored value too
        page.wait_for_function("() => location.search.includes('usd_per_critical_event=2.5')", timeout=10_000)
        copied = page.url
    with browser_page(1440, 900) as page:  # a fresh session: only the copied URL carries the view
        page.goto(copied, wait_until="domcontentloaded")
        page.get_by_text("Lean teacher: saves $880/month").first.wait_for(timeout=60_000)
        assert page.get_by_label("$ per critical event", exact=True).input_value() == "2.50"
        assert page.get_by_label(VOLUME).input_value() == "1400000"
        page.get_by_test_id("stTopNavSection").filter(has_text="Decide").click()  # navigation keeps it
        page.get_by_role("menuitem", name="Overview").first.click()
        page.get_by_text("Modified from the seed scenario").first.wait_for(timeout=30_000)
        page.get_by_text("Lean teacher: saves $880/month").first.wait_for(timeout=30_000)
        assert "usd_per_critical_event=2.5" in page.url


def test_negative_volume_message_beside_the_field_and_the_next_edit_works(running):
    with browser_page(1440, 900) as page:
        page.goto(running + "/assumptions", wait_until="domcontentloaded")
        page.get_by_text("Lean student: saves $1,122/month").first.wait_for(timeout=60_000)
        volume = page.get_by_label(VOLUME)
        _commit(volume, "-5")
        msg = page.get_by_text("Monthly volume must be ≥ 0").first
        msg.wait_for(timeout=30_000)
        box, where = volume.bounding_box(), msg.bounding_box()
        assert box and where and 0 < where["y"] - box["y"] < 200, (box, where)  # right under the field
        assert _sidebar(page).get_by_text("Monthly volume must be ≥ 0").count() == 1
        assert page.locator("text=requests_per_month").count() == 0 and page.locator("text=Traceback").count() == 0
        _commit(page.get_by_label("$ per critical event", exact=True), "2.50")  # another field still works
        page.get_by_text("Lean teacher: saves $880/month").first.wait_for(timeout=30_000)
        _commit(volume, "5000000")  # and so does the next valid volume
        page.get_by_text("Lean teacher: saves $3,066/month").first.wait_for(timeout=30_000)
        assert page.get_by_text("Monthly volume must be ≥ 0").count() == 0


def _edit_harm_cell(page, row: int, col: int, text: str, grid_index: int = 0) -> None:
    """Type into cell (row, col) of the page's ``grid_index``-th table (the matrix editor's col 0 is the intent
    name; in the cell list, col 2 is the harm units). On a loaded machine charts above the grid can still be
    laying out, so the click waits for the grid to stop moving and the typing waits for the cell's editor."""
    grid = page.locator('[data-testid="stDataFrame"]').nth(grid_index)
    for _ in range(3):
        grid.scroll_into_view_if_needed()
        b = grid.bounding_box()
        for _ in range(20):  # the same box twice, 250 ms apart
            page.wait_for_timeout(250)
            again = grid.bounding_box()
            if again == b:
                break
            b = again
        assert b
        page.mouse.click(b["x"] + 200, b["y"] + 52)  # a cell of the first row (35 px header, 35 px rows)
        for key, n in (("ArrowLeft", 12), ("ArrowRight", col), ("ArrowDown", row)):
            for _ in range(n):
                page.keyboard.press(key)
        page.keyboard.press("Enter")  # opens the cell's editor
        editor = page.locator("[id^=gdg-overlay] input, [id^=gdg-overlay] textarea").first
        try:
            editor.wait_for(state="visible", timeout=5_000)
            break
        except Exception:  # the click missed the grid: measure again and retry
            page.keyboard.press("Escape")
    page.keyboard.press("Control+A")
    page.keyboard.type(text, delay=30)
    page.keyboard.press("Enter")


def test_harm_cell_edit_moves_the_margin_by_hand(running, seed_rows):
    # chitchat misrouted to faq, 0.2 → 1.2 harm units: margin moves by 1 × $0.013 × 1.4M / 10,000 × (t − s)
    t = int(((seed_rows["true"] == "chitchat") & (seed_rows["teacher_pred"] == "faq")).sum())
    s = int(((seed_rows["true"] == "chitchat") & (seed_rows["student_pred"] == "faq")).sum())
    with browser_page(1440, 900) as page:
        page.goto(running + "/assumptions", wait_until="domcontentloaded")
        page.get_by_text("Lean student: saves $1,122/month").first.wait_for(timeout=60_000)
        matrix = page.locator('[data-testid="stDataFrame"]').first
        rows = [matrix.locator(f"#glide-cell-0-{i}").inner_text() for i in range(8)]
        assert rows == [
            "order_tracking",
            "product_question",
            "product_discovery",
            "recommendation",
            "faq",
            "chitchat",
            "checkout_help",
            "account_security",
        ]  # escalation and return_request (critical, priced per event) are not offered as harm edits
        assert matrix.locator("#glide-cell-5-5").inner_text() == "0.2"  # chitchat → faq
        _edit_harm_cell(page, 5, 5, "1.2")
        margin = 1_121.92 + 0.013 * 1_400_000 / 10_000 * (t - s)
        page.get_by_text(f"Lean student: saves {usd(margin)}/month").first.wait_for(timeout=30_000)
        page.wait_for_function("() => decodeURIComponent(location.search).includes('harm=6-4:1.2')", timeout=10_000)
        _edit_harm_cell(page, 0, 2, "0.6")  # a second edit applies once; the first stays
        page.wait_for_function(
            "() => decodeURIComponent(location.search).includes('harm=0-1:0.6,6-4:1.2')", timeout=10_000
        )


def test_cell_list_edit_moves_the_margin_by_its_per_unit_dollars(running, seed_ev, seed_a):
    """The cell list's top row (largest margin effect): one more harm unit moves the margin by the dollars
    printed beside it (engine/decision/cells.py, checked by hand in tests/engine/test_cells.py)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from engine.decision import cells

    c = cells.harm_cells(seed_ev.cube, seed_a)
    c = c[~c["critical"]]
    c = c.reindex(c["margin_usd_per_month"].abs().sort_values(ascending=False, kind="stable").index)
    top = c.iloc[0]
    with browser_page(1440, 900) as page:
        page.goto(running + "/assumptions", wait_until="domcontentloaded")
        page.get_by_text("Lean student: saves $1,122/month").first.wait_for(timeout=60_000)
        grid = page.locator('[data-testid="stDataFrame"]').nth(1)
        grid.scroll_into_view_if_needed()
        assert grid.locator("#glide-cell-0-0").inner_text() == top.true
        assert grid.locator("#glide-cell-1-0").inner_text() == top.pred
        page.get_by_text("greyed (never observed: they move $0)").first.wait_for(timeout=10_000)
        i, j = seed_a.intents.index(top.true), seed_a.intents.index(top.pred)
        cell = f"harm={i}-{j}:{top.harm_units + 1:g}"  # the edit reached the server once it is in the URL
        in_url = f"() => decodeURIComponent(location.search).includes('{cell}')"
        for attempt in range(3):  # on a loaded machine a click can land while the grid still lays out, or the
            # page's first rerun can replace the grid under the typing: edit again until the URL holds the edit
            if page.evaluate(in_url):
                break
            page.keyboard.press("Escape")  # an editor a missed attempt left open
            _edit_harm_cell(page, 0, 2, f"{top.harm_units + 1:g}", grid_index=1)
            try:
                page.wait_for_function(in_url, timeout=45_000)
                break
            except PlaywrightTimeout:
                if attempt == 2:
                    raise
        margin = 1_121.92 + top.margin_usd_per_harm_unit
        page.get_by_text(f"saves {usd(abs(margin))}/month").first.wait_for(timeout=60_000)
        page.wait_for_timeout(2000)  # the rerun ends and the list redraws with the new dollars
        page.screenshot(path=str(SCREENSHOTS / "harm-cells-1440x900.png"))


@pytest.mark.slow  # a measurement, printed only (no timing assertions in the default run)
def test_input_to_verdict_time(running):
    """Median time from Enter in the sidebar box to the new verdict on screen, over 10 edits (printed only)."""
    times = []
    with browser_page(1440, 900) as page:
        page.goto(running, wait_until="domcontentloaded")
        page.get_by_text("saves $1,122/month").first.wait_for(timeout=60_000)
        crit = page.get_by_label("$ per critical event", exact=True)
        for i in range(10):
            c = 0.5 + 0.1 * i
            crit.fill(f"{c:.2f}")
            t0 = time.perf_counter()
            crit.press("Enter")
            page.get_by_text(f"saves {usd(abs(2_969.92 - 1_540 * c))}/month").first.wait_for(timeout=30_000)
            times.append(time.perf_counter() - t0)
    print(f"\ninput → updated verdict in the browser: median {statistics.median(times) * 1e3:.0f} ms over 10 edits")


@pytest.mark.parametrize("width, height", [(1440, 3200)])
def test_screenshots_overview_and_assumptions(running, width, height):
    """The two busiest pages whole: 1440×3200 stands in for a full-page shot (Streamlit scrolls inside its own
    container, so Playwright's full_page captures only the viewport); test_screenshot_every_page has the
    1440×900 and 1920×1080 views."""
    SCREENSHOTS.mkdir(exist_ok=True)
    with browser_page(width, height) as page:
        for name in ("overview", "assumptions"):
            page.goto(running + ("" if name == "overview" else f"/{name}"), wait_until="domcontentloaded")
            page.get_by_text("saves $1,122/month").first.wait_for(timeout=60_000)
            page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
            page.locator('[data-testid="stDataFrame"] canvas').first.wait_for(timeout=60_000)
            page.wait_for_timeout(2500)  # let charts and tables draw
            assert page.locator("text=Traceback").count() == 0, name
            tall = "-full" if height > 2000 else ""
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}{tall or f'x{height}'}.png"))
