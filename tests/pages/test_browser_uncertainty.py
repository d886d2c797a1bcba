"""A product manager's walk through the Uncertainty page in chromium at 1440×900: the seed decides now; the $ per
critical event typed as lognormal(P10 $0.90, P90 $2.40) (Enter applies it) asks for 5,477 more labels; a reload
keeps it, and a $ per label of $0.05 (13,332 more) too; a bad distribution names its field and fix and changes
nothing; the banner and the body give the same dollars. Screenshots under screenshots/walk-uncertainty-*.png.

By hand (docs/uncertainty.md, B = 10,000, seed 0, $0.10 a label, 12 months): EVPI $23.25/month at points;
with the lognormal price EVPI $346.45/month, EVPPI evaluation sample $180.79/month and $ per critical event
$190.10/month ($2,281 over 12 months), best n 5,477: worth $728, costs 5,477 × $0.10 = $548, net +$180.
"""

import pytest

from tests.pages.browser import SCREENSHOTS, browser_page, chromium_path, dashboard
from tests.pages.test_browser_rollout import metrics, wait_metric

pytestmark = [
    pytest.mark.skipif(chromium_path() is None, reason="no chromium on PATH (.ci/run installs it with apt)"),
    pytest.mark.slow,  # one server start and a handful of reruns (~60 s on 2 cores)
]
BEST, EVPI = "Best number of requests to label", "Perfect information is worth"


def shot(page, name: str) -> None:
    page.wait_for_timeout(1200)  # let charts lay out
    page.screenshot(path=str(SCREENSHOTS / f"walk-uncertainty-{name}.png"))


def alerts(page) -> list[str]:
    return [a.inner_text() for a in page.locator('[data-testid="stAlert"]').all()]


def test_product_manager_prices_more_evaluation_on_the_uncertainty_page(tmp_path):
    SCREENSHOTS.mkdir(exist_ok=True)
    with dashboard(tmp_path / "walk.duckdb") as url, browser_page(1440, 900) as page:
        page.goto(url + "/uncertainty", wait_until="domcontentloaded")
        wait_metric(page, EVPI, "$23.25/month")
        assert metrics(page)[BEST] == "0"
        shot(page, "1-seed")

        spec = page.get_by_role("textbox", name="Distribution")
        spec.fill("lognormal:0.9,2.4")
        spec.press("Enter")  # the form applies it: no separate click needed
        wait_metric(page, BEST, "5,477")
        m = metrics(page)
        assert (m[EVPI], m["Net value of labelling them"]) == ("$346.45/month", "+$180")
        table = _grid_text(page, "the evaluation sample")
        assert "$180.79/month" in table and "$190.10/month" in table and "$2,281" in table
        said = alerts(page)
        banner = next(t for t in said if "Lean student" in t)
        body = next(t for t in said if t.startswith("Label 5,477 more requests"))
        # the same question, the same dollars in the banner and the page body
        assert "worth $728 over 12 months against $548" in banner and "(up to $190/month)" in banner
        assert "worth $728 over 12 months, costs $548, net $180" in body and "$190/month ($2,281 over 12" in body
        assert any(t.startswith("Hypothetical, not evidence") for t in said)
        assert "uncertain=" in page.url
        shot(page, "2-lognormal")

        page.reload(wait_until="domcontentloaded")
        wait_metric(page, BEST, "5,477")  # still there: the link carries the distribution
        assert page.get_by_role("textbox", name="Distribution").input_value() == "lognormal:0.9,2.4"
        assert metrics(page)[EVPI] == "$346.45/month"

        label = page.get_by_role("spinbutton", name="Cost of labelling one request ($)")
        label.fill("0.05")
        label.press("Enter")
        wait_metric(page, BEST, "13,332")  # cheaper labels buy more
        page.reload(wait_until="domcontentloaded")
        wait_metric(page, BEST, "13,332")  # the $ per label is in the link too (p.uncertainty.usd_per_label)
        assert page.get_by_role("spinbutton", name="Cost of labelling one request ($)").input_value() == "0.05"
        assert page.get_by_text("the verdict at the top of every page keeps $0.10").count() == 1

        spec = page.get_by_role("textbox", name="Distribution")
        spec.fill("uniform:2.4,0.9")
        spec.press("Enter")
        err = page.locator('[data-testid="stAlert"]').filter(has_text="low 2.4 > high 0.9").first
        err.wait_for(timeout=60_000)
        assert "uncertain.usd_per_critical_event" in err.inner_text() and "Fix" in err.inner_text()
        assert metrics(page)[BEST] == "13,332"  # the bad one changed nothing
        shot(page, "3-bad-distribution")
        assert page.locator("text=Traceback").count() == 0
        assert not any("Session State API" in t for t in alerts(page))  # bound widgets draw without a warning


def _grid_text(page, first_cell: str) -> str:
    """The words of the data grid whose first cell is ``first_cell`` (its accessible cells, once scrolled to)."""
    for grid in page.locator('[data-testid="stDataFrame"]').all():
        grid.scroll_into_view_if_needed()
        cell = grid.locator("#glide-cell-0-0")
        cell.wait_for(state="attached", timeout=10_000)
        if (cell.text_content() or "").strip() == first_cell:
            return " ".join(c.text_content() or "" for c in grid.locator("td").all())
    raise AssertionError(f"no table starts with {first_cell!r}")
