"""Plotly figures for the Sensitivity page: the sweeps, the tornado and the who-wins map.

Same colours and unit rules as :mod:`engine.present.figures`; every money hover shows ``usd`` strings (customdata
or text), so it reads "−$1,115" as the ticks do, and values read with their unit ("$1.10", "2,100,000
requests/month").
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from engine.decision import sweeps
from engine.decision.sweeps import SweepResult, format_value
from engine.present.figures import (
    MODEL_COLORS,
    MONEY_FORMAT,
    STUDENT_COLOR,
    TEACHER_COLOR,
    _layout,
    money_axis,
    money_grid,
    money_text,
)
from engine.present.money import usd

SWEPT = {  # param -> (what the sweep varies, in words; d3 tick format of its axis)
    "usd_per_critical_event": ("$ per critical event", "$,.2f"),
    "usd_per_ms_month": ("$ per ms of P95 latency per month", "$,.0f"),
    "usd_per_harm_unit": ("$ per harm unit", "$,.4f"),
    "requests_per_month": ("monthly volume", ",.0f"),
}


def sweep_lines(res: SweepResult, *, x_title: str) -> go.Figure:
    """Both totals across a sweep, with the crossing marked when there is one; the title names what is swept."""
    words, tick = SWEPT[res.param]
    fig = go.Figure()
    xs = [format_value(res.param, v) for v in res.values]
    for model, ys in (("teacher", res.teacher_total_usd), ("student", res.student_total_usd)):
        fig.add_scatter(
            x=res.values,
            y=ys,
            mode="lines+markers",
            name=model.capitalize(),
            line_color=MODEL_COLORS[model],
            customdata=np.column_stack([xs, money_text(ys)]),
            hovertemplate="%{customdata[0]}: %{customdata[1]}/month<extra>" + model.capitalize() + "</extra>",
        )
    if res.crossing is not None:
        fig.add_vline(
            x=res.crossing, line_dash="dash", annotation_text=f"break-even {format_value(res.param, res.crossing)}"
        )
    _layout(fig, title=f"Total monthly cost at each {words}", x=x_title, y="USD per month")
    fig.update_xaxes(tickformat=tick)
    money_axis(fig, "y")
    return fig


TORNADO_LOW, TORNADO_HIGH = "#bdbdbd", "#636363"  # neutral greys: blue and orange mean the two models


def _tornado_hover(t, side: str, base: float) -> list[str]:
    return [
        f"{label}: margin {usd(m)}/month at {sweeps.value_words(key, x)} (base {usd(base)})"
        for key, label, x, m in zip(t.assumption, t.label, t[f"{side}_value"], t[f"margin_at_{side}_usd"])
    ]


def tornado_chart(t) -> go.Figure:
    """Margin at each assumption's low and high value around the base margin; a red line where the winner flips."""
    base = float(t.base_margin_usd.iloc[0])
    t = t.iloc[::-1]
    fig = go.Figure()
    for side, name, color in (
        ("low", "Assumption at its low value", TORNADO_LOW),
        ("high", "Assumption at its high value", TORNADO_HIGH),
    ):
        fig.add_bar(
            y=t.label,
            x=t[f"margin_at_{side}_usd"] - base,
            base=base,
            orientation="h",
            name=name,
            marker_color=color,
            customdata=_tornado_hover(t, side, base),
            hovertemplate="%{customdata}<extra></extra>",
        )
    fig.add_vline(x=0, line_color="red", line_dash="dash")
    fig.add_scatter(  # the $0 line's name in the legend, above the plot: a label on the line sat over the bars
        x=[None], y=[None], mode="lines", line=dict(color="red", dash="dash"), name="$0: the winner flips"
    )
    fig.update_layout(barmode="overlay")
    _layout(
        fig,
        title="Tornado: margin (teacher − student) at each assumption's low / high",
        x="Margin, USD per month",
        y="Assumption",
        height=420,
    )
    money_axis(fig, "x")
    return fig


def winner_heatmap(wm) -> go.Figure:
    prices = [format_value("usd_per_critical_event", c) for c in wm.usd_per_critical_event]
    hover = np.array(
        [[f"{p} per critical event, {v / 1e6:.2f}M requests/month: margin " for p in prices] for v in wm.volumes],
        dtype=object,
    )
    fig = go.Figure(
        go.Heatmap(
            x=wm.usd_per_critical_event,
            y=wm.volumes / 1e6,
            z=wm.margin_usd,
            zmid=0,
            colorscale=[[0, TEACHER_COLOR], [0.5, "#f7f7f7"], [1, STUDENT_COLOR]],
            colorbar=dict(title="Margin ($/month)", tickformat=MONEY_FORMAT),
            text=hover + money_grid(wm.margin_usd) + "/month",
            hovertemplate="%{text}<extra></extra>",
        )
    )
    fig.add_contour(
        x=wm.usd_per_critical_event,
        y=wm.volumes / 1e6,
        z=wm.margin_usd,
        showscale=False,
        contours=dict(start=0, end=0, size=1, coloring="none"),
        line=dict(color="black", width=2),
        hoverinfo="skip",
    )
    _layout(
        fig,
        title="Who wins: orange = student cheaper, blue = teacher cheaper (black line: break-even)",
        x="USD per critical event",
        y="Volume (million requests per month)",
    )
    fig.update_xaxes(tickformat="$,.2f")
    return fig
