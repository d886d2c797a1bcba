"""Money in every chart's hover reads "−$1,115" like its ticks and tables (issue 12, browser walk).

plotly's hover formats a d3 "$,.0f" spec with a hyphen ("-$1,115") where the ticks draw a true minus sign, so
no hovertemplate may format money with a d3 "$" spec: each money hover shows strings made by
``engine.present.money.usd`` (customdata or text). The seed's negative figures checked by hand: the tornado's
"$ per critical event" at +50% ($1.80) gives a margin of $198/month; the 2.5% bound of the margin is −$385.
"""

import re

import numpy as np
import pandas as pd
import pytest

from engine.decision import capacity, costs, sweeps, uncertainty
from engine.present import figures, figures_quality, figures_rollout, figures_serving, figures_sweeps
from engine.rollout import cascade, drift

D3_DOLLAR = re.compile(r"%\{[^}]*:[^}]*\$[^}]*\}")  # %{y:$,.0f}, %{customdata:$,.2f}, %{z:$,.0f} …


@pytest.fixture(scope="module")
def figs(seed_ev, seed_a):
    cube, a = seed_ev.cube, seed_a
    b = costs.decompose(cube, a)
    draws = uncertainty.draw(cube, 500, 0)
    be = sweeps.break_even(cube, a, "requests_per_month")
    band = sweeps.margin_band(cube, a, draws, figures_rollout.volume_axis(be.value, a.requests_per_month))
    margins = np.array([-1_115.0, -385.0, 500.0, 1_122.0, 2_474.0])
    wide = drift.cycle_margins(drift.cycle_costs(drift.example_cycles(), a))
    rc = cascade.row_costs(seed_ev.rows, a)
    sw = cascade.sweep(seed_ev.rows, a, rc=rc, cube=cube)
    curves = {
        m: capacity.capacity_curve(
            [5e5, 1.4e6, 2e7], throughput_rps=30.0, days_per_month=a.days_per_month, instance_usd_per_hour=0.2
        )
        for m in ("teacher", "student")
    }
    return {
        "cost bars": figures.cost_bars(b),
        "waterfall": figures.waterfall(b),
        "margin histogram": figures.margin_histogram(margins, (-385.0, 2_474.0), 1_122.0),
        "confusion costs": figures.confusion_cost_bars(costs.confusion_costs(cube, a).head(5)),
        "segments": figures.segment_bars(costs.decompose_by_segment(cube, a)),
        "payback": figures.payback_line(costs.payback(b, a.replace(migration_usd=5_000.0))),
        "critical sweep": figures_sweeps.sweep_lines(
            sweeps.sweep(cube, a, "usd_per_critical_event", np.linspace(0.4, 5, 12)), x_title="$"
        ),
        "tornado": figures_sweeps.tornado_chart(sweeps.tornado(cube, a)),
        "who wins": figures_sweeps.winner_heatmap(sweeps.winner_map(cube, a, [1e5, 1.4e6], [0.6, 1.2, 5.0])),
        "narrowing": figures.narrowing([1_000, 10_000], [-3_700.0, -385.0], [4_700.0, 2_474.0], 1_122.0, 10_000),
        "review margin": figures_quality.trend(wide, {"margin_usd": "Margin"}, title="m", y="$", money=True),
        "volume margin": figures_rollout.volume_margin_chart(band, a.requests_per_month),
        "cascade": figures_rollout.cascade_chart(sw, cascade.recommend(seed_ev.rows, a, sw, rc=rc)),
        "capacity": figures_serving.capacity_vs_volume(curves, {"teacher": 0.0038, "student": 0.0008}),
    }


def _hover_strings(trace) -> list[str]:
    out = []
    for attr in ("customdata", "text"):
        v = getattr(trace, attr, None)
        if v is not None and not isinstance(v, str):
            out += [str(x) for x in np.asarray(v, dtype=object).ravel()]
    return out


def test_no_hover_formats_money_with_a_d3_dollar_spec(figs):
    for name, fig in figs.items():
        for trace in fig.data:
            hover = trace.hovertemplate or ""
            assert not D3_DOLLAR.search(hover), (name, hover)  # plotly would draw "-$1,115"
            assert "$%{" not in hover, (name, hover)  # "$%{y:,.0f}" gives "$-1,115"


@pytest.mark.parametrize(
    "name", ["margin histogram", "tornado", "who wins", "narrowing", "review margin", "volume margin", "payback"]
)
def test_negative_money_in_hovers_reads_with_a_true_minus(figs, name):
    strings = [s for t in figs[name].data for s in _hover_strings(t)]
    assert any("−$" in s for s in strings), name
    assert not any("-$" in s or "$-" in s for s in strings), name


def test_tornado_hover_says_the_margin_at_the_value_with_its_unit(figs):
    hovers = [s for t in figs["tornado"].data for s in _hover_strings(t)]
    # $1.20 × 1.5 = $1.80 per critical event: margin $198/month (base $1,122)
    assert "$ per critical event: margin $198/month at $1.80 (base $1,122)" in hovers
    assert any(h.startswith("Monthly volume: margin") and "2,100,000 requests/month" in h for h in hovers)
    assert any("Student price per request: " in h and "at $8.00 per 10K requests" in h for h in hovers)  # $16 × 0.5
    colours = {t.marker.color for t in figs["tornado"].data if t.type == "bar"}
    assert colours.isdisjoint({figures.TEACHER_COLOR, figures.STUDENT_COLOR, "#3182bd", "#9ecae1"})
    flips = [t for t in figs["tornado"].data if t.type == "scatter"]
    assert [t.name for t in flips] == ["$0: the winner flips"]  # named in the legend, not on top of the bars
    assert not [a for a in figs["tornado"].layout.annotations if "flips" in (a.text or "")]


def test_sweep_charts_name_what_is_swept_and_tick_in_dollars(seed_cube, seed_a):
    crit = figures_sweeps.sweep_lines(
        sweeps.sweep(seed_cube, seed_a, "usd_per_critical_event", [0.4, 1.1, 5.0]), x_title="x"
    )
    lat = figures_sweeps.sweep_lines(sweeps.sweep(seed_cube, seed_a, "usd_per_ms_month", [0, 50, 100]), x_title="x")
    assert crit.layout.title.text == "Total monthly cost at each $ per critical event"
    assert lat.layout.title.text == "Total monthly cost at each $ per ms of P95 latency per month"
    assert (crit.layout.xaxis.tickformat, lat.layout.xaxis.tickformat) == ("$,.2f", "$,.0f")
    assert [row[0] for row in crit.data[0].customdata] == ["$0.40", "$1.10", "$5.00"]  # not 1.102


def test_power_chart_ticks_with_thousands_separators():
    fig = figures_quality.power_curve([(500, 0.3), (5_000, 0.9)], 2_000)
    assert fig.layout.xaxis.tickformat == ",.0f"


def test_volume_chart_is_fitted_to_the_current_volume_and_the_break_even(figs, seed_a):
    fig = figs["volume margin"]
    lo, hi = fig.layout.yaxis.range
    x = np.asarray(fig.data[2].x)
    m = np.asarray(fig.data[2].y)
    # the margin at 1.4M ($1,122) and at 3 × 1.4M = 4.2M (≈ $3,426) are on the chart; the 50M end ($41k) is not
    assert lo < 0 < 1_122 < 3_426 < hi < 20_000
    assert m[x.argmax()] > hi


def test_heatmap_text_matches_usd(seed_cube, seed_a):
    wm = sweeps.winner_map(seed_cube, seed_a, [1.4e6], [1.2])
    fig = figures_sweeps.winner_heatmap(wm)
    assert fig.data[0].text[0][0] == "$1.20 per critical event, 1.40M requests/month: margin $1,122/month"


def test_trend_hover_strings_are_the_table_money():
    wide = pd.DataFrame({"cycle": ["W45", "W46"], "margin_usd": [1_121.92, -3_878.4]})
    fig = figures_quality.trend(wide, {"margin_usd": "Margin"}, title="m", y="$", money=True)
    assert list(fig.data[0].customdata) == ["$1,122", "−$3,878"]


def test_capacity_legend_swatches_differ_and_one_replica_is_singular(figs):
    traces = {t.name: t for t in figs["capacity"].data}
    replicas, cost = traces["Teacher replicas"], traces["Teacher capacity cost"]
    assert (replicas.line.dash, replicas.marker.symbol) == ("dot", "square")
    assert (cost.line.dash, cost.marker.symbol) == (None, "circle")
    # 0.5M requests/month ÷ (30.4 × 86,400 s) × 3 peak ≈ 0.57 requests/s: 1 replica at 30 requests/s, 60% busy
    assert replicas.customdata[0] == "1 replica"
