"""Plotly figures from engine results, shared by the dashboard pages and the HTML report.

One colour per model everywhere; money on axes in dollars per month; every axis
carries its unit.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from engine.decision import costs
from engine.present.money import usd

TEACHER_COLOR = "#1f5fa8"  # blue
STUDENT_COLOR = "#e07b00"  # orange
MODEL_COLORS = {"teacher": TEACHER_COLOR, "student": STUDENT_COLOR}
COMPONENT_LABELS = {
    "inference": "Inference",
    "weighted_error": "Weighted error",
    "critical": "Critical error",
    "operational": "Operations",
    "latency": "Latency",
    "carbon": "Carbon",
}
COMPONENT_COLORS = {
    "inference": "#4c78a8",
    "weighted_error": "#f2b701",
    "critical": "#d62728",
    "operational": "#7f7f7f",
    "latency": "#17becf",
    "carbon": "#2ca02c",
}


MONEY_FORMAT = "$,.0f"  # d3: −1000 reads "−$1,000" (a tickprefix="$" gave "$−1,000")
SHARE_FONT = dict(size=14, color="#1a1a1a")  # ≥ 14 px and near-black: readable on a compressed screen share
LEGEND = dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0)  # above the plot, clear of ticks


def _layout(fig: go.Figure, *, title: str, x: str, y: str, height: int = 400) -> go.Figure:
    """Title, axis titles with units, and the legend above the plot area (never over the x labels)."""
    fig.update_layout(
        title=dict(text=title, y=0.98, yanchor="top", x=0, xanchor="left"),
        height=height,
        margin=dict(l=70, r=20, t=76, b=60),
        legend=LEGEND,
        font=SHARE_FONT,
    )
    fig.update_xaxes(title_text=x)
    fig.update_yaxes(title_text=y)
    return fig


def money_text(values) -> list[str]:
    """Dollar strings for a hover ("−$1,115"): plotly's hover formats "$,.0f" with a hyphen ("-$1,115"), so
    every money hover shows these preformatted strings (customdata or text), never a d3 "$" spec."""
    return [usd(float(v)) for v in np.asarray(values, dtype=float).ravel()]


def money_grid(values) -> np.ndarray:
    """:func:`money_text` for a 2-D array (a heatmap's ``text``), same shape."""
    arr = np.asarray(values, dtype=float)
    return np.array(money_text(arr), dtype=object).reshape(arr.shape)


def money_axis(fig: go.Figure, axis: str = "y") -> go.Figure:
    """Dollar ticks and hover values on ``axis`` ("x" or "y"): "−$1,000", not "$−1,000"."""
    (fig.update_xaxes if axis == "x" else fig.update_yaxes)(tickformat=MONEY_FORMAT, hoverformat=MONEY_FORMAT)
    return fig


def cost_bars(b: costs.CostBreakdown) -> go.Figure:
    """Stacked monthly cost per model by component."""
    fig = go.Figure()
    for comp in costs.COMPONENTS:
        vals = [b.teacher.component_usd(comp), b.student.component_usd(comp)]
        if not any(vals):
            continue
        fig.add_bar(
            name=COMPONENT_LABELS[comp],
            x=["Teacher", "Student"],
            y=vals,
            marker_color=COMPONENT_COLORS[comp],
            customdata=money_text(vals),
            hovertemplate="%{x}: %{customdata}/month<extra>" + COMPONENT_LABELS[comp] + "</extra>",
        )
    fig.update_layout(barmode="stack")
    for i, m in enumerate((b.teacher, b.student)):
        fig.add_annotation(x=i, y=m.total_usd, text=usd(m.total_usd), showarrow=False, yshift=12)
    _layout(fig, title="Total monthly cost by component", x="Model", y="USD per month")
    money_axis(fig, "y")
    return fig


def margin_histogram(margins_usd: np.ndarray, ci95: tuple[float, float], point_usd: float) -> go.Figure:
    """Bootstrap distribution of the margin with its 95% interval and zero marked.

    Binned here (60 equal bins) and drawn as bars, so each bar's hover names its range in "−$1,000" words.
    """
    counts, edges = np.histogram(np.asarray(margins_usd, dtype=float), bins=60)
    ranges = [f"{usd(lo)} to {usd(hi)}" for lo, hi in zip(edges[:-1], edges[1:])]
    fig = go.Figure(
        go.Bar(
            x=(edges[:-1] + edges[1:]) / 2,
            y=counts,
            width=float(edges[1] - edges[0]),
            marker_color=STUDENT_COLOR,
            opacity=0.75,
            customdata=ranges,
            hovertemplate="margin %{customdata}/month: %{y:,} resamples<extra></extra>",
            name="resamples",
        )
    )
    fig.update_layout(bargap=0)
    for x, text, dash in (
        (ci95[0], "2.5%", "dot"),
        (ci95[1], "97.5%", "dot"),
        (point_usd, "point", "solid"),
        (0.0, "zero", "dash"),
    ):
        fig.add_vline(
            x=x,
            line_dash=dash,
            line_color="black" if text != "zero" else "red",
            annotation_text=text,
            annotation_position="top",
        )
    _layout(
        fig,
        title="Margin (teacher − student), paired bootstrap",
        x="USD per month (positive: student cheaper)",
        y="Resamples (count)",
    )
    money_axis(fig, "x")
    return fig


def waterfall(b: costs.CostBreakdown) -> go.Figure:
    """From the teacher's total to the student's, one step per component (student − teacher).

    Drawn as floating bars so the two totals keep the model colours.
    """
    steps = [(COMPONENT_LABELS[c], b.delta_usd(c)) for c in costs.COMPONENTS if b.delta_usd(c) != 0]
    x, base, height, color, text = (
        ["Teacher total"],
        [0.0],
        [b.teacher.total_usd],
        [TEACHER_COLOR],
        [usd(b.teacher.total_usd)],
    )
    level = b.teacher.total_usd
    for label, delta in steps:
        x.append(label)
        base.append(min(level, level + delta))
        height.append(abs(delta))
        color.append("#d62728" if delta > 0 else "#2ca02c")
        text.append(usd(delta, signed=True))
        level += delta
    x.append("Student total")
    base.append(0.0)
    height.append(b.student.total_usd)
    color.append(STUDENT_COLOR)
    text.append(usd(b.student.total_usd))
    fig = go.Figure(
        go.Bar(
            x=x,
            y=height,
            base=base,
            marker_color=color,
            text=text,
            textposition="outside",
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    _layout(
        fig,
        title="From teacher total to student total (red: student costs more, green: less)",
        x="Cost component",
        y="USD per month",
    )
    money_axis(fig, "y")
    return fig


def confusion_cost_bars(top, *, title: str = "Most expensive confusions") -> go.Figure:
    """Horizontal bars of monthly error dollars per (model, true → predicted)."""
    labels = [f"{r.true} → {r.pred} ({r.model})" for r in top.itertuples()]  # one bar per model and pair
    fig = go.Figure(
        go.Bar(
            x=top.usd_per_month,
            y=labels,
            orientation="h",
            marker_color=[MODEL_COLORS[m] for m in top.model],
            customdata=money_text(top.usd_per_month),
            hovertemplate="%{y}: %{customdata}/month<extra></extra>",
        )
    )
    _layout(
        fig,
        title=title + " (blue: teacher, orange: student)",
        x="USD per month",
        y="True intent → predicted",
        height=max(320, 26 * len(top) + 120),
    )
    fig.update_yaxes(autorange="reversed")
    money_axis(fig, "x")
    return fig


def segment_bars(seg) -> go.Figure:
    fig = go.Figure()
    for model in ("teacher", "student"):
        part = seg[seg.model == model]
        fig.add_bar(
            name=model.capitalize(),
            x=part.segment,
            y=part.total_usd,
            marker_color=MODEL_COLORS[model],
            customdata=money_text(part.total_usd),
            hovertemplate="%{x}: %{customdata}/month<extra>" + model + "</extra>",
        )
    fig.update_layout(barmode="group")
    _layout(fig, title="Total monthly cost by segment", x="Segment", y="USD per month")
    money_axis(fig, "y")
    return fig


def payback_line(p) -> go.Figure:
    months = list(range(1, len(p.cumulative_usd_by_month) + 1))
    fig = go.Figure(
        go.Scatter(
            x=months,
            y=p.cumulative_usd_by_month,
            mode="lines+markers",
            line_color=STUDENT_COLOR,
            customdata=money_text(p.cumulative_usd_by_month),
            hovertemplate="month %{x}: %{customdata}<extra></extra>",
            name="Net saving",
        )
    )
    fig.add_hline(y=0, line_dash="dash")
    _layout(fig, title="Cumulative saving of the student, net of one-off costs", x="Month", y="USD (cumulative)")
    money_axis(fig, "y")
    return fig


def narrowing(ns, lows, highs, point: float, n_now: int) -> go.Figure:
    fig = go.Figure()
    hover = "%{x:,} requests: %{customdata}/month<extra>%{fullData.name}</extra>"
    fig.add_scatter(
        x=ns,
        y=highs,
        mode="lines",
        line_color=STUDENT_COLOR,
        name="97.5% bound",
        customdata=money_text(highs),
        hovertemplate=hover,
    )
    fig.add_scatter(
        x=ns,
        y=lows,
        mode="lines",
        line_color=STUDENT_COLOR,
        fill="tonexty",
        name="2.5% bound",
        customdata=money_text(lows),
        hovertemplate=hover,
    )
    fig.add_hline(y=0, line_color="red", line_dash="dash")
    fig.add_hline(y=point, line_color="black", annotation_text="point margin", annotation_position="bottom right")
    fig.add_vline(x=n_now, line_dash="dot")
    # on a log axis an annotation's x is log10 of the value (add_vline's own label lands far off the chart)
    fig.add_annotation(
        x=float(np.log10(n_now)), y=1, yref="paper", text=f"today: {n_now:,}", showarrow=False, yanchor="bottom"
    )
    _layout(
        fig,
        title="95% interval of the margin vs evaluation requests",
        x="Evaluation requests (paired, log scale)",
        y="Margin, USD per month",
    )
    lo, hi = min(ns), max(ns)
    ticks = [m * 10**k for k in range(len(str(int(hi))) + 1) for m in (1, 2, 5) if lo <= m * 10**k <= hi]
    fig.update_xaxes(type="log", tickvals=ticks, ticktext=[f"{t:,}" for t in ticks])  # 1,000 2,000 5,000 …
    money_axis(fig, "y")
    return fig
