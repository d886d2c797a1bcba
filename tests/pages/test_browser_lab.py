"""The Distillation lab in a real browser: start a run from the form, follow it to DONE, use it as the evidence;
and the Latency page's screenshot. `streamlit run app.py` + the system chromium (skipped without one).

The fast test trains the smallest model the trainer takes: a 2-layer, 32-wide random BERT saved to a folder
(tests/engine/distill/tiny.py) and typed into the form's Teacher box, as a user names a local model folder.
The slow one trains the real `quick` profile on the offline MiniLM teacher (about 1.5 minutes on 2 cores).
"""

from __future__ import annotations

import re

import pytest

from tests.pages.browser import SCREENSHOTS, browser_page, chromium_path, dashboard

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="no chromium on PATH (.ci/run installs it with apt)")


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """A dashboard whose runs folder is this module's own (the launched trainer inherits it)."""
    root = tmp_path_factory.mktemp("lab-e2e")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DISTILL_DECIDE_RUNS", str(root / "runs"))
        mp.setenv("DISTILL_DECIDE_DB", str(root / "e2e.duckdb"))
        with dashboard(root / "e2e.duckdb") as url:
            yield url, root


@pytest.fixture(scope="module")
def tiny_teacher(running):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from engine.distill import models
    from tests.engine.distill.tiny import tiny_bert

    folder = running[1] / "tiny-teacher"
    tok = models.load_tokenizer("default")
    tiny_bert(10, tok.vocab_size, layers=2, hidden=32, seed=1).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def _choose(page, key: str, option: str) -> None:
    """Open the selectbox and pick ``option``; on a loaded machine the rerun of the field typed just before can
    redraw the box as it is clicked and close its list, so the list is opened again until the option shows."""
    item = page.get_by_role("option", name=option, exact=True)
    for attempt in range(3):
        page.locator(f".st-key-{key}").click()
        try:
            item.wait_for(state="visible", timeout=10_000)
            break
        except Exception:  # the list closed with the redraw: open it again
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    item.click()


def _start(page, *, teacher: str | None, epochs: int, layers: int, mode: str) -> None:
    if teacher:
        page.get_by_label("Teacher", exact=True).fill(teacher)
    page.get_by_label("Epochs (0 = profile default)").fill(str(epochs))
    page.get_by_label("Student layers (of 6)").fill(str(layers))
    _choose(page, "lab_mode", mode)
    page.get_by_role("button", name="Start training in the background").click()


def _follow_to_done(page, timeout_ms: int) -> None:
    page.get_by_text(re.compile(r"ui-\S+: (STARTING|RUNNING)")).first.wait_for(timeout=30_000)
    page.get_by_text(re.compile(r"ui-\S+: DONE")).first.wait_for(timeout=timeout_ms)
    page.get_by_text(re.compile(r"ui-\S+ is DONE")).first.wait_for(timeout=30_000)
    page.get_by_text("Training loss").first.wait_for(timeout=30_000)  # the loss curve's title
    assert page.locator("text=Traceback").count() == 0


def test_start_a_tiny_run_follow_it_to_done_and_use_it(running, tiny_teacher):
    url, _ = running
    SCREENSHOTS.mkdir(exist_ok=True)
    with browser_page(1440, 900) as page:
        page.goto(url + "/lab", wait_until="domcontentloaded")
        page.get_by_text("Past runs").wait_for(timeout=60_000)
        page.get_by_text("p_teacher_*").first.wait_for(timeout=10_000)  # the upload hint, not eaten by Markdown
        _start(page, teacher=str(tiny_teacher), epochs=1, layers=1, mode="kd-online")
        _follow_to_done(page, 90_000)
        page.get_by_text(re.compile(r"ui-\S+: DONE")).first.scroll_into_view_if_needed()
        page.wait_for_timeout(1500)  # let the loss curve draw
        page.screenshot(path=str(SCREENSHOTS / "lab-run-done-1440x900.png"))
        page.get_by_role("button", name="Use this run as the evidence").click()
        page.get_by_text("This run is the evidence behind every page now").wait_for(timeout=30_000)
        page.get_by_text(re.compile(r"Evidence behind every page now: run ui-")).first.wait_for(timeout=30_000)


def test_latency_page_screenshot(running):
    url, _ = running
    SCREENSHOTS.mkdir(exist_ok=True)
    with browser_page(1440, 900) as page:
        page.goto(url + "/latency", wait_until="domcontentloaded")
        page.get_by_text("saves $1,122/month").first.wait_for(timeout=60_000)
        page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        page.get_by_text("latency budget 15 ms").first.wait_for(timeout=30_000)
        page.wait_for_timeout(2000)  # let the charts and tables draw
        assert page.locator("text=Traceback").count() == 0
        page.screenshot(path=str(SCREENSHOTS / "latency-budget-1440x900.png"))


@pytest.mark.slow
def test_start_the_real_quick_profile_and_follow_it_to_done(running):
    """The offline MiniLM teacher, quick profile, kd-cached: what a new user starts first (minutes on 2 cores)."""
    url, _ = running
    with browser_page(1440, 900) as page:
        page.goto(url + "/lab", wait_until="domcontentloaded")
        page.get_by_text("Past runs").wait_for(timeout=60_000)
        _start(page, teacher=None, epochs=0, layers=2, mode="kd-cached")
        page.get_by_text(re.compile(r"about \d+ (s|min) left")).first.wait_for(timeout=180_000)
        _follow_to_done(page, 900_000)  # a loaded 2-core machine took 8.5 min end to end
