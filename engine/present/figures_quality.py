"""Plotly figures for quality, rollout and review pages (same colours and unit rules as engine.figures)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from engine.present.figures import MODEL_COLORS, STUDENT_COLOR, TEACHER_COLOR, _layout, money_axis, money_text


def confusion_matrix(cube, model: str) -> go.Figure:
    k = len(cube.intents)
    pred = cube.teacher_idx if model == "teacher" else cube.student_idx
    m = np.zeros((k, k))
    np.add.at(m, (cube.true_idx, pred), cube.counts)
    rowsum = m.sum(axis=1, keepdims=True)
    share = np.divide(m, rowsum, out=np.zeros_like(m), where=rowsum > 0)
    big = k > 30
    fig = go.Figure(
        go.Heatmap(
            z=share,
            x=list(cube.intents),
            y=list(cube.intents),
            customdata=m,
            colorscale="Blues" if model == "teacher" else "Oranges",
            zmin=0,
            zmax=1,
            colorbar=dict(title="Share of the true intent", tickformat=".0%"),
            hovertemplate="true %{y} → predicted %{x}: %{customdata:,.0f} requests (%{z:.1%})<extra></extra>",
        )
    )
    _layout(
        fig,
        title=f"{model.capitalize()} confusion matrix (row-normalised)",
        x="Predicted intent",
        y="True intent",
        height=640 if big else 460,
    )
    fig.update_xaxes(showticklabels=not big)
    fig.update_yaxes(showticklabels=not big, autorange="reversed")
    return fig


def reliability(before, after, temperature: float) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(dash="dash", color="#999"), name="Perfectly calibrated")
    after_name = f"After scaling (T = {temperature:.2f})"
    for rel, name, color in ((before, "Before scaling", "#d62728"), (after, after_name, STUDENT_COLOR)):
        r = rel[rel["count"] > 0]
        fig.add_scatter(
            x=r.confidence,
            y=r.accuracy,
            mode="lines+markers",
            name=name,
            line_color=color,
            customdata=r["count"],
            hovertemplate="confidence %{x:.1%}: accuracy %{y:.1%} (%{customdata:,} requests)<extra></extra>",
        )
    _layout(
        fig,
        title=f"Student reliability diagram ({len(before)} bins)",
        x="Mean confidence (%)",
        y="Accuracy (% correct)",
    )
    fig.update_xaxes(tickformat=".0%")
    fig.update_yaxes(tickformat=".0%")
    return fig


def power_curve(curve, n_planned: int) -> go.Figure:
    n, p = zip(*curve) if curve else ((), ())
    fig = go.Figure(
        go.Scatter(
            x=n,
            y=p,
            mode="lines",
            line_color=STUDENT_COLOR,
            name="power",
            hovertemplate="%{x:,} canary requests: power %{y:.0%}<extra></extra>",
        )
    )
    fig.add_hline(y=0.8, line_dash="dash")
    fig.add_vline(x=n_planned, line_dash="dot", annotation_text="planned")
    _layout(fig, title="Power vs canary-arm size", x="Canary requests (labelled)", y="Power (% chance to detect)")
    fig.update_xaxes(tickformat=",.0f")  # 1,000 not 1000 (or 1k)
    fig.update_yaxes(tickformat=".0%")
    return fig


def trend(
    df,
    columns,
    *,
    title: str,
    y: str,
    money: bool = False,
    percent: bool = False,
    line: tuple[float, str] | None = None,
) -> go.Figure:
    """One line per column over the evaluation cycles; money ("−$1,000") or percentage ticks and hover; ``line``
    (value, label) draws a gate's threshold as a red dashed line."""
    fig = go.Figure()
    palette = ["#4c78a8", "#f2b701", "#d62728", "#7f7f7f", TEACHER_COLOR, STUDENT_COLOR]
    value = "%{customdata}/month" if money else ("%{y:.1%}" if percent else "%{y:,.4g}")
    for i, (col, label) in enumerate(columns.items()):
        color = MODEL_COLORS.get(label.split()[0].lower(), palette[i % len(palette)])
        fig.add_scatter(
            x=df["cycle"],
            y=df[col],
            mode="lines+markers",
            name=label,
            line_color=color,
            customdata=money_text(df[col]) if money else None,
            hovertemplate="%{x}: " + value + "<extra>" + label + "</extra>",
        )
    if line is not None:
        fig.add_hline(
            y=line[0], line_dash="dash", line_color="#d62728", annotation_text=line[1], annotation_position="top right"
        )
    _layout(fig, title=title, x="Evaluation cycle", y=y)
    fig.update_xaxes(tickangle=-35, automargin=True)  # long cycle names slant instead of standing upright
    if money:
        money_axis(fig, "y")
    elif percent:
        fig.update_yaxes(tickformat=".1%")
    return fig
