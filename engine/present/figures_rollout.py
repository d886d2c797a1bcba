"""Figures and display tables for the Rollout page and the architect's view on Sensitivity.

Same colours and unit rules as :mod:`engine.present.figures`: money in dollars per month on axes
(``$,.0f``, which d3 renders as −$1,000), percentages not fractions, every axis with its unit, no code names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.present.figures import COMPONENT_COLORS, STUDENT_COLOR, TEACHER_COLOR, _layout, money_text
from engine.present.money import usd
from engine.present.rollout_gates import (
    GATE_GROUPS,
    GATE_READS,
    gate_result,
    gate_table,
    gate_value,
    go_no_go,
    not_measured,
)

CASCADE_COLOR = "#6a3d9a"
BUDGET_COLOR = "#d62728"
__all__ = ["GATE_GROUPS", "GATE_READS", "gate_result", "gate_table", "gate_value", "go_no_go", "not_measured"]


def cascade_chart(sw, rec) -> go.Figure:
    """Monthly cost (left axis) and P95 latency (right axis) against the fallback share, the latency budget as a
    line on the latency axis, the over-budget region shaded, and the two answers (within budget, unconstrained)."""
    x = sw.fallback_rate * 100
    p95 = sw.budget_p95_ms
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_scatter(
        x=x,
        y=sw.total_usd,
        mode="lines",
        name="Cascade cost",
        line_color=CASCADE_COLOR,
        customdata=np.column_stack([[f"{t:.3f}" for t in sw.thresholds], money_text(sw.total_usd)]),
        hovertemplate="fallback %{x:.1f}% (threshold %{customdata[0]}): %{customdata[1]}/month<extra></extra>",
    )
    for y, name, color in (
        (sw.teacher_total_usd, "Teacher alone", TEACHER_COLOR),
        (sw.student_total_usd, "Student alone", STUDENT_COLOR),
    ):
        fig.add_scatter(
            x=[0, 100],
            y=[y, y],
            mode="lines",
            name=name,
            line=dict(color=color, dash="dash"),
            hovertemplate=f"{name}: {usd(float(y))}/month<extra></extra>",
        )
    _latency_traces(fig, x, p95, rec.budget_ms)
    _cascade_choices(fig, rec)
    _layout(
        fig,
        title="Cascade: monthly cost and P95 latency vs fallback share",
        x="Fallback to the teacher (% of requests)",
        y="USD per month",
        height=420,
    )
    fig.update_yaxes(tickformat="$,.0f", secondary_y=False)
    top = 5 * np.ceil(max(float(np.max(p95)), rec.budget_ms) * 1.15 / 5)
    fig.update_yaxes(
        title_text="P95 latency (ms)", ticksuffix=" ms", range=[0, top], dtick=5, secondary_y=True, showgrid=False
    )
    fig.update_xaxes(ticksuffix="%", range=[-2, 100])
    return fig


def _latency_traces(fig: go.Figure, x: np.ndarray, p95: np.ndarray, budget_ms: float) -> None:
    """P95 against the fallback share on the right axis, the budget as a line on it, the over-budget shares shaded."""
    fig.add_scatter(
        x=x,
        y=p95,
        mode="lines",
        name="P95 latency",
        line=dict(color="#7f7f7f", width=1.5),
        hovertemplate="fallback %{x:.1f}%: P95 %{y:.1f} ms<extra></extra>",
        secondary_y=True,
    )
    fig.add_scatter(
        x=[0, 100],
        y=[budget_ms] * 2,
        mode="lines",
        name=f"Latency budget ({budget_ms:g} ms)",
        line=dict(color=BUDGET_COLOR, dash="dot"),
        hoverinfo="skip",
        secondary_y=True,
    )
    over = x[p95 > budget_ms]
    if over.size:
        fig.add_vrect(
            x0=float(over.min()),
            x1=100,
            fillcolor=BUDGET_COLOR,
            opacity=0.06,
            line_width=0,
            annotation_text="P95 over budget",
            annotation_position="top right",
        )


def _cascade_choices(fig: go.Figure, rec) -> None:
    if rec.alone == "teacher" and rec.alone_total_usd is not None:  # the recommendation is no cascade at all
        fig.add_scatter(
            x=[100.0],
            y=[rec.alone_total_usd],
            mode="markers",
            name="Recommended: the teacher alone",
            marker=dict(size=15, color="black", symbol="star"),
            hovertemplate=f"Recommended: the teacher alone, {usd(rec.alone_total_usd)}/month<extra></extra>",
        )
    for choice, name, symbol in (
        (
            rec.within_budget,
            "Cheapest cascade within budget" if rec.alone == "teacher" else "Recommended (within budget)",
            "star",
        ),
        (rec.unconstrained, "Cheapest ignoring the budget", "circle"),
    ):
        if choice is not None:
            fig.add_scatter(
                x=[choice.fallback_rate * 100],
                y=[choice.total_usd],
                mode="markers",
                name=name,
                marker=dict(size=13, color="black", symbol=symbol),
                hovertemplate=f"{name}: fallback %{{x:.1f}}%, {usd(choice.total_usd)}/month<extra></extra>",
            )


def _volume_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    ticks = [v * 10**e for e in range(3, 10) for v in (1, 2, 5) if lo <= v * 10**e <= hi]
    word = lambda v: f"{v / 1e6:g}M" if v >= 1e6 else f"{v / 1e3:g}k"
    return ticks, [word(v) for v in ticks]


def _mark(fig: go.Figure, x: float, text: str, color: str, dash: str, y: float) -> None:
    """A vertical line at volume x with its label (on a log axis an annotation's x is log10 of the value)."""
    fig.add_vline(x=x, line_dash=dash, line_color=color)
    fig.add_annotation(
        x=float(np.log10(x)),
        y=y,
        xref="x",
        yref="paper",
        text=text,
        showarrow=False,
        xanchor="left",
        xshift=4,
        font_color=color,
        bgcolor="rgba(255,255,255,0.8)",
    )


def volume_margin_chart(band, current_volume: float) -> go.Figure:
    """Margin (teacher − student) vs monthly volume on a log axis with its 95% band; break-even and the
    scenario's volume marked."""
    v = band.volumes
    fig = go.Figure()
    fig.add_scatter(x=v, y=band.high_usd, mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip")
    fig.add_scatter(
        x=v,
        y=band.low_usd,
        mode="lines",
        line=dict(width=0),
        fill="tonexty",
        fillcolor="rgba(224,123,0,0.18)",
        name="95% interval",
        customdata=[f"{lo} to {hi}" for lo, hi in zip(money_text(band.low_usd), money_text(band.high_usd))],
        hovertemplate="%{x:,.0f} requests/month: 95% interval %{customdata}/month<extra></extra>",
    )
    fig.add_scatter(
        x=v,
        y=band.margin_usd,
        mode="lines",
        name="Margin (teacher − student)",
        line_color=STUDENT_COLOR,
        customdata=money_text(band.margin_usd),
        hovertemplate="%{x:,.0f} requests/month: margin %{customdata}/month<extra></extra>",
    )
    fig.add_hline(y=0, line_color="#444", line_width=1)
    be = band.break_even.value
    if be is not None and v.min() <= be <= v.max():
        _mark(fig, be, f"break-even {be:,.0f} requests/month", TEACHER_COLOR, "dash", 0.08)
    _mark(fig, current_volume, f"current {current_volume:,.0f} requests/month", "black", "dot", 0.92)
    _layout(
        fig,
        title="Where volume tips the decision: margin per month with its 95% interval",
        x="Requests per month (log scale)",
        y="Margin, teacher − student (USD per month)",
        height=420,
    )
    ticks, text = _volume_ticks(float(v.min()), float(v.max()))
    fig.update_xaxes(type="log", tickvals=ticks, ticktext=text)
    fig.update_yaxes(tickformat="$,.0f", range=list(margin_view(band, current_volume)))
    fig.add_annotation(
        xref="paper", yref="paper", x=0.01, y=0.98, showarrow=False, text="↑ student cheaper", font_color=STUDENT_COLOR
    )
    fig.add_annotation(
        xref="paper", yref="paper", x=0.01, y=0.02, showarrow=False, text="↓ teacher cheaper", font_color=TEACHER_COLOR
    )
    return fig


def view_volumes(band, current_volume: float) -> tuple[float, float]:
    """The volumes the y axis is fitted to: from the chart's left end to 3× the larger of the current volume and
    the break-even (at the seed: up to 4.2M requests/month, not the 50M end whose margin is ~$40,000)."""
    marks = [current_volume] + ([band.break_even.value] if band.break_even.value else [])
    return float(band.volumes.min()), 3.0 * max(marks)


def margin_view(band, current_volume: float) -> tuple[float, float]:
    """The y range: the 95% band over :func:`view_volumes` and $0, padded 10%; larger volumes run off the top
    (or bottom) of the chart, so the region around the current volume and the break-even stays readable."""
    lo_v, hi_v = view_volumes(band, current_volume)
    inside = (band.volumes >= lo_v) & (band.volumes <= hi_v)
    lo = min(0.0, float(np.min(band.low_usd[inside])))
    hi = max(0.0, float(np.max(band.high_usd[inside])))
    pad = 0.1 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def volume_axis(break_even: float | None, current: float, lo: float = 1e5, hi: float = 5e7, n: int = 160) -> np.ndarray:
    """Log-spaced volumes from 0.1M to 50M, widened to show the break-even and the current volume."""
    lo = min([lo] + [x / 2 for x in (break_even, current) if x is not None and x > 0])
    hi = max([hi] + [x * 2 for x in (break_even, current) if x is not None and x > 0])
    return np.geomspace(lo, min(hi, 1e12), n)


REC_SYMBOL = {"continue": "circle-open", "ramp": "triangle-up", "roll back": "x", "ship": "star"}
GUARDRAIL_COLOR = "#1a1a1a"  # the critical-error growth is drawn in the critical component's red


def first_stop(days: pd.DataFrame) -> int | None:
    """The day a stop (roll back, ship) first fired, or None (a stop is final: later days repeat it)."""
    stops = days.loc[days["recommendation"].isin(["roll back", "ship"]), "day"]
    return int(stops.iloc[0]) if len(stops) else None


def sequence_chart(days: pd.DataFrame, guardrail_usd: float, *, example: bool = False) -> go.Figure:
    """The daily confidence sequences in $/month: critical-error cost growth against the guardrail and the
    canary's total $ difference against $0, each day's recommendation marked on the growth estimate. Neither
    series is a model, so neither wears the teacher's blue: critical-error growth is the critical component's
    red (as in the cost bars), the canary's (the student's) extra cost the student's orange, the guardrail black."""
    fig = go.Figure()
    x = days["day"].to_numpy()
    for key, name, color in (
        ("critical_cost_growth_usd_per_month", "Critical-error cost growth", COMPONENT_COLORS["critical"]),
        ("usd_per_month_difference", "Canary − control, all costs", STUDENT_COLOR),
    ):
        lo, hi, est = (days[key + e].to_numpy() for e in ("_lo", "_hi", ""))
        fig.add_scatter(x=np.r_[x, x[::-1]], y=np.r_[lo, hi[::-1]], fill="toself", fillcolor=color, opacity=0.18,
                        line_width=0, showlegend=False, hoverinfo="skip")  # fmt: skip
        text = [f"day {d}: {usd(e, signed=True)}/month [{usd(a)}, {usd(b)}]" for d, e, a, b in zip(x, est, lo, hi)]
        fig.add_scatter(x=x, y=est, mode="lines", name=f"{name} (band: 95% confidence sequence)", text=text,
                        line_color=color, hovertemplate="%{text}<extra>" + name + "</extra>")  # fmt: skip
    guard = dict(color=GUARDRAIL_COLOR, dash="dot", width=2)
    fig.add_hline(y=guardrail_usd, line=guard)
    name = f"Guardrail ({usd(guardrail_usd)}/month of critical-error growth)"
    fig.add_scatter(x=[x[0], x[-1]], y=[guardrail_usd] * 2, mode="lines", line=guard, name=name, hoverinfo="skip")
    fig.add_hline(y=0, line=dict(color="#7f7f7f", width=1))
    g = days["critical_cost_growth_usd_per_month"].to_numpy()
    for rec, symbol in REC_SYMBOL.items():
        m = (days["recommendation"] == rec).to_numpy()
        if m.any():
            fig.add_scatter(x=x[m], y=g[m], mode="markers", name=f"Recommendation: {rec}", text=days["rule"][m],
                            marker=dict(symbol=symbol, size=11, color="black"),
                            hovertemplate="day %{x}: " + rec + " — %{text}<extra></extra>")  # fmt: skip
    last, stop = days.iloc[-1], first_stop(days)
    lo, hi = last["critical_cost_growth_usd_per_month_lo"], last["critical_cost_growth_usd_per_month_hi"]
    since = f" (since day {stop})" if stop is not None and stop != int(last["day"]) else ""
    title = (f"{'Example: d' if example else 'D'}ay {int(last['day'])}: {last['recommendation']}{since} — "
             f"critical-error cost growth {usd(lo)} to {usd(hi)}/month vs the {usd(guardrail_usd)} "
             "guardrail")  # fmt: skip
    _layout(fig, title=title, x="Day of the canary", y="USD per month (canary − control)", height=520)
    fig.update_layout(margin=dict(t=130))
    span = np.abs(np.r_[days["critical_cost_growth_usd_per_month"], days["usd_per_month_difference"]])
    top = max(3 * guardrail_usd, float(np.percentile(span, 60)))  # early days' bands are too wide to show whole
    fig.update_yaxes(tickformat="$,.0f", range=[-top, top])
    return fig


GREY = "#7f7f7f"


def frontier_chart(f) -> go.Figure:
    """Monthly cost against a quality axis for every way to serve (an :class:`engine.rollout.frontier.Frontier`;
    ``f.axis``: critical misroutes a month or the business-weighted error in $/month): the Pareto frontier within
    the latency budget, points over it hollow, the oracle a bound, the recommendation starred."""
    from engine.rollout.frontier import AXES

    fig = go.Figure()
    q = lambda ps: [p.quality(f.axis) for p in ps]
    hover = lambda ps: [f"{p.label}: {usd(p.total_usd)}/month, {p.critical_per_month:,.0f} critical misroutes/month, "
                        f"business-weighted error {usd(p.error_usd_per_month)}/month, P95 {p.p95_latency_ms:.0f} ms"
                        for p in ps]  # fmt: skip
    groups = (
        ("Cascade within budget", lambda p: p.kind == "cascade" and p.within_budget, CASCADE_COLOR, "circle", 6),
        (f"Over the {f.budget_ms:g} ms P95 budget (never recommended)", lambda p: p.deployable and not p.within_budget,
         GREY, "circle-open", 7),
        ("Segment policy", lambda p: p.kind == "segment policy" and p.within_budget, "#444444", "square", 10),
        ("Teacher alone", lambda p: p.label == "Teacher alone", TEACHER_COLOR, "circle", 14),
        ("Student alone", lambda p: p.label == "Student alone", STUDENT_COLOR, "circle", 14),
        ("Oracle router (a bound)", lambda p: p.kind == "oracle", "black", "diamond-open", 12),
    )  # fmt: skip
    for name, keep, color, symbol, size in groups:
        ps = [p for p in f.points if keep(p)]
        if ps:
            fig.add_scatter(x=q(ps), y=[p.total_usd for p in ps], mode="markers", name=name,
                            marker=dict(color=color, symbol=symbol, size=size), text=hover(ps),
                            hovertemplate="%{text}<extra></extra>")  # fmt: skip
    front = sorted((p for p in f.points if p.pareto), key=lambda p: p.quality(f.axis))
    fig.add_scatter(x=q(front), y=[p.total_usd for p in front], mode="lines",
                    line=dict(color="black", dash="dash", shape="hv"), name="Pareto frontier (within budget)",
                    hoverinfo="skip")  # fmt: skip
    r = f.recommended
    fig.add_scatter(
        x=q([r]),
        y=[r.total_usd],
        mode="markers",
        name="Recommended (cheapest within budget)",
        marker=dict(symbol="star-open", size=24, color="black", line=dict(width=2)),
        text=hover([r]),
        hovertemplate="Recommended: %{text}<extra></extra>",
    )  # fmt: skip  (open: the point shows inside)
    title = f"Recommended within the {f.budget_ms:g} ms budget: {r.label.lower()}, {usd(r.total_usd)}/month"
    _layout(fig, title=title, x=AXES[f.axis][1], y="Total cost (USD per month)", height=520)
    fig.update_layout(margin=dict(t=140))  # the four-row legend sits between the title and the plot
    fig.update_yaxes(tickformat="$,.0f")
    fig.update_xaxes(tickformat="$,.0f" if f.axis == "error" else ",.0f")
    return fig
