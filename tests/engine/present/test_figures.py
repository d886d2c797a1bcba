"""Chart money reads "−$1,000" (issue 12: tickprefix="$" drew "$−1,000"), legends sit above the plot, axes
carry their unit.

d3-format (plotly.js) renders ``$,.0f`` of −1000 as "−$1,000", and a prefix "$" before a formatted "−1,000" as
"$−1,000": the figures must use the format, not the prefix. tests/pages/test_plain_language.py reads the real
tick text in a browser.
"""

import numpy as np
import pandas as pd
import pytest

from engine.decision import cells, costs, sweeps
from engine.present import figures, figures_harm, figures_quality, figures_sweeps
from engine.present.figures import MONEY_FORMAT


@pytest.fixture(scope="module")
def b(seed_cube, seed_a):
    return costs.decompose(seed_cube, seed_a)


def _money_figures(b, seed_cube, seed_a):
    cc = costs.confusion_costs(seed_cube, seed_a)
    seg = costs.decompose_by_segment(seed_cube, seed_a)
    margins = np.array([-1_000.0, 500.0, 1_122.0, 2_000.0])
    wide = pd.DataFrame({"cycle": ["W1", "W2"], "margin_usd": [-1_000.0, 1_122.0]})
    return {
        ("cost_bars", "y"): figures.cost_bars(b),
        ("waterfall", "y"): figures.waterfall(b),
        ("margin_histogram", "x"): figures.margin_histogram(margins, (-385.0, 2_474.0), 1_122.0),
        ("confusion_cost_bars", "x"): figures.confusion_cost_bars(cc.head(5)),
        ("segment_bars", "y"): figures.segment_bars(seg),
        ("tornado", "x"): figures_sweeps.tornado_chart(sweeps.tornado(seed_cube, seed_a)),
        ("narrowing", "y"): figures.narrowing([1_000, 10_000], [-2_000.0, -385.0], [4_000.0, 2_474.0], 1_122.0, 10_000),
        ("trend", "y"): figures_quality.trend(
            wide, {"margin_usd": "Margin"}, title="Margin", y="$ per month", money=True
        ),
    }


def test_money_axes_use_the_dollar_format_not_a_prefix(b, seed_cube, seed_a):
    assert MONEY_FORMAT == "$,.0f"
    for (name, axis), fig in _money_figures(b, seed_cube, seed_a).items():
        ax = fig.layout.xaxis if axis == "x" else fig.layout.yaxis
        assert ax.tickformat == "$,.0f", name  # d3: −1000 → "−$1,000"
        assert ax.tickprefix is None, name  # a "$" prefix gives "$−1,000"
        for trace in fig.data:
            hover = trace.hovertemplate or ""
            assert "$%{" not in hover, (name, hover)  # "$%{y:,.0f}" shows "$-3,080"; "%{y:$,.0f}" shows "−$3,080"


def test_every_legend_sits_above_the_plot_and_every_axis_has_a_title(b, seed_cube, seed_a):
    figs = list(_money_figures(b, seed_cube, seed_a).values()) + [
        figures_quality.confusion_matrix(seed_cube, "student"),
        figures_harm.harm_money_heatmap(seed_a.intents, cells.harm_cells(seed_cube, seed_a), 1.2),
    ]
    for fig in figs:
        assert fig.layout.legend.orientation == "h" and fig.layout.legend.y > 1, fig.layout.title.text
        assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text, fig.layout.title.text


def test_shares_on_axes_are_percentages():
    before = pd.DataFrame({"confidence": [0.5, 0.9], "accuracy": [0.45, 0.92], "count": [10, 90]})
    rel = figures_quality.reliability(before, before, 1.1)
    assert rel.layout.xaxis.tickformat == ".0%" and rel.layout.yaxis.tickformat == ".0%"
    agree = figures_quality.trend(
        pd.DataFrame({"cycle": ["W1"], "agreement": [0.974]}),
        {"agreement": "Agreement"},
        title="t",
        y="%",
        percent=True,
    )
    assert agree.layout.yaxis.tickformat == ".1%" and "%{y:.1%}" in agree.data[0].hovertemplate


def test_narrowing_marks_today_on_its_log_axis():
    fig = figures.narrowing(
        [1_000, 10_000, 200_000], [-3_700.0, -385.0, 800.0], [4_700.0, 2_474.0, 1_400.0], 1_122, 10_000
    )
    today = next(a for a in fig.layout.annotations if a.text.startswith("today"))
    assert today.x == 4.0 and today.text == "today: 10,000"  # log10(10,000): plotly places log-axis notes in log10
    assert list(fig.layout.xaxis.tickvals) == [1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000]
