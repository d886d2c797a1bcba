"""Plotly figures from engine results, shared by the dashboard pages and the HTML report.

One colour per model everywhere; money on axes in dollars per month; every axis
carries its unit.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from engine import costs
from engine.sweeps import SweepResult

TEACHER_COLOR = "#1f5fa8"   # blue
STUDENT_COLOR = "#e07b00"   # orange
MODEL_COLORS = {"teacher": TEACHER_COLOR, "student": STUDENT_COLOR}
COMPONENT_LABELS = {"inference": "Inference", "weighted_error": "Weighted error", "critical": "Critical error",
                    "operational": "Operations", "latency": "Latency", "carbon": "Carbon"}
COMPONENT_COLORS = {"inference": "#4c78a8", "weighted_error": "#f2b701", "critical": "#d62728",
                    "operational": "#7f7f7f", "latency": "#17becf", "carbon": "#2ca02c"}


def _layout(fig: go.Figure, *, title: str, x: str, y: str, height: int = 380) -> go.Figure:
    fig.update_layout(title=title, height=height, margin=dict(l=60, r=20, t=50, b=100),
                      legend=dict(orientation="h", yanchor="top", y=-0.22, x=0))
    fig.update_xaxes(title_text=x)
    fig.update_yaxes(title_text=y)
    return fig


def cost_bars(b: costs.CostBreakdown) -> go.Figure:
    """Stacked monthly cost per model by component."""
    fig = go.Figure()
    for comp in costs.COMPONENTS:
        vals = [b.teacher.component_usd(comp), b.student.component_usd(comp)]
        if not any(vals):
            continue
        fig.add_bar(name=COMPONENT_LABELS[comp], x=["Teacher", "Student"], y=vals, marker_color=COMPONENT_COLORS[comp],
                    hovertemplate="%{x}: $%{y:,.0f}/month<extra>" + COMPONENT_LABELS[comp] + "</extra>")
    fig.update_layout(barmode="stack")
    for i, m in enumerate((b.teacher, b.student)):
        fig.add_annotation(x=i, y=m.total_usd, text=f"${m.total_usd:,.0f}", showarrow=False, yshift=12)
    _layout(fig, title="Total monthly cost by component", x="Model", y="USD per month")
    fig.update_yaxes(tickprefix="$", tickformat=",.0f")
    return fig


def margin_histogram(margins_usd: np.ndarray, ci95: tuple[float, float], point_usd: float) -> go.Figure:
    """Bootstrap distribution of the margin with its 95% interval and zero marked."""
    fig = go.Figure(go.Histogram(x=margins_usd, nbinsx=60, marker_color=STUDENT_COLOR, opacity=0.75,
                                 hovertemplate="$%{x:,.0f}: %{y} resamples<extra></extra>", name="resamples"))
    for x, text, dash in ((ci95[0], "2.5%", "dot"), (ci95[1], "97.5%", "dot"), (point_usd, "point", "solid"),
                          (0.0, "zero", "dash")):
        fig.add_vline(x=x, line_dash=dash, line_color="black" if text != "zero" else "red",
                      annotation_text=text, annotation_position="top")
    _layout(fig, title="Margin (teacher − student), paired bootstrap", x="USD per month (positive: student cheaper)",
            y="Resamples (count)")
    fig.update_xaxes(tickprefix="$", tickformat=",.0f")
    return fig


def sweep_lines(res: SweepResult, *, x_title: str) -> go.Figure:
    """Both totals across a sweep, with the crossing marked when there is one."""
    fig = go.Figure()
    for model, ys in (("teacher", res.teacher_total_usd), ("student", res.student_total_usd)):
        fig.add_scatter(x=res.values, y=ys, mode="lines+markers", name=model.capitalize(),
                        line_color=MODEL_COLORS[model], hovertemplate="%{x:,.4g}: $%{y:,.0f}/month<extra></extra>")
    if res.crossing is not None:
        fig.add_vline(x=res.crossing, line_dash="dash", annotation_text=f"break-even {res.crossing:,.4g}")
    _layout(fig, title="Total monthly cost", x=x_title, y="USD per month")
    fig.update_yaxes(tickprefix="$", tickformat=",.0f")
    return fig
