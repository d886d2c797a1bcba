"""Plotly figures for the Latency page and the Distillation lab (same colours and unit rules as engine.figures).

Latency is in milliseconds on its axis, volume in requests per month, money in dollars per month ("−$1,000").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.decision.capacity import CapacityPrice
from engine.present.figures import MODEL_COLORS, _layout, money_text

MODELS = ("teacher", "student")
RUNTIME_LABELS = {"torch": "torch (eager)", "onnx_fp32": "ONNX fp32", "onnx_int8": "ONNX INT8"}
MONEY_FORMAT = "$,.0f"  # d3: −1000 reads "−$1,000"
WIDTH = {"teacher": 5, "student": 2}  # the teacher's line under the student's shows where the two are equal
PHASE_COLORS = {"teacher": MODEL_COLORS["teacher"], "student": MODEL_COLORS["student"]}


def volume_label(v: float) -> str:
    """0.5M, 1M, 1.4M, 20M: a monthly volume as the axis reads it."""
    return f"{v / 1e6:g}M"


def _budget_line(fig: go.Figure, budget_ms: float, *, axis: str = "y") -> None:
    line = dict(line_dash="dash", line_color="#d62728", annotation_text=f"latency budget {budget_ms:g} ms")
    if axis == "y":
        fig.add_hline(y=budget_ms, annotation_position="top right", **line)
    else:
        fig.add_vline(x=budget_ms, annotation_position="top right", **line)


def p95_vs_budget(p95_ms: Mapping[str, Mapping[str, float]], budget_ms: float) -> go.Figure:
    """P95 latency per model for each source (the scenario's assumption, then each measured runtime), against
    the budget. ``p95_ms`` maps a source label to {"teacher": ms, "student": ms}."""
    fig = go.Figure()
    sources = list(p95_ms)
    for m in MODELS:
        ys = [p95_ms[s].get(m) for s in sources]
        fig.add_bar(
            name=m.capitalize(),
            x=sources,
            y=ys,
            marker_color=MODEL_COLORS[m],
            text=[f"{y:,.1f} ms" if y is not None else "" for y in ys],
            textposition="outside",
            hovertemplate="%{x}: P95 %{y:,.1f} ms<extra>" + m.capitalize() + "</extra>",
        )
    _budget_line(fig, budget_ms)
    top = max([budget_ms] + [v for s in p95_ms.values() for v in s.values() if v is not None])
    fig.update_layout(barmode="group", bargap=0.6 if len(sources) == 1 else 0.25)
    _layout(fig, title="P95 latency against the budget", x="Where the P95 comes from", y="P95 latency (ms)")
    fig.update_yaxes(range=[0, top * 1.25], ticksuffix=" ms")
    return fig


def latency_percentiles(lat: Mapping[str, Mapping[str, Mapping]], budget_ms: float) -> go.Figure:
    """P50, P95 and P99 per model and runtime (a run's latency.json), one line from P50 to P99 each."""
    fig = go.Figure()
    for m in MODELS:
        xs, p50, p95, p99 = [], [], [], []
        for rt, r in lat.get(m, {}).items():
            xs.append(f"{m.capitalize()} · {RUNTIME_LABELS.get(rt, rt)}")
            p50.append(r["p50_ms"])
            p95.append(r["p95_ms"])
            p99.append(r["p99_ms"])
        for name, ys, symbol in (("P50", p50, "circle"), ("P95", p95, "diamond"), ("P99", p99, "triangle-up")):
            fig.add_scatter(
                x=xs,
                y=ys,
                mode="markers",
                marker=dict(color=MODEL_COLORS[m], symbol=symbol, size=11),
                name=f"{m.capitalize()} {name}",
                hovertemplate="%{x}: " + name + " %{y:,.1f} ms<extra></extra>",
            )
        for x, lo, hi in zip(xs, p50, p99):
            fig.add_scatter(
                x=[x, x], y=[lo, hi], mode="lines", line_color=MODEL_COLORS[m], showlegend=False, hoverinfo="skip"
            )
    _budget_line(fig, budget_ms)
    _layout(fig, title="Measured latency per request: P50, P95, P99", x="Model and runtime", y="Latency (ms)")
    fig.update_yaxes(rangemode="tozero", ticksuffix=" ms")
    return fig


def latency_histogram(samples: pd.DataFrame, budget_ms: float) -> go.Figure:
    """The per-request batch-1 latencies bench-latency stored (ONNX fp32), one histogram per model."""
    fig = go.Figure()
    for m in MODELS:
        col = f"{m}_latency_ms"
        if col in samples:
            fig.add_histogram(
                x=samples[col],
                name=m.capitalize(),
                marker_color=MODEL_COLORS[m],
                opacity=0.6,
                nbinsx=60,
                hovertemplate="%{x} ms: %{y:,} requests<extra>" + m.capitalize() + "</extra>",
            )
    _budget_line(fig, budget_ms, axis="x")
    fig.update_layout(barmode="overlay")
    _layout(fig, title="Latency of each measured request (ONNX fp32, batch 1)", x="Latency (ms)", y="Requests")
    fig.update_xaxes(ticksuffix=" ms", rangemode="tozero")
    return fig


def replicas_words(n: int) -> str:
    """1 replica, 3 replicas."""
    return f"{n:,} replica{'' if n == 1 else 's'}"


def _replica_trace(fig: go.Figure, m: str, curve: Sequence[CapacityPrice]) -> None:
    """Replicas against volume (top panel): dotted with square markers, unlike the solid cost line with circles."""
    name = m.capitalize()
    fig.add_scatter(
        x=[c.requests_per_month for c in curve],
        y=[c.replicas for c in curve],
        mode="lines+markers",
        line=dict(color=MODEL_COLORS[m], shape="hv", width=WIDTH[m], dash="dot"),
        marker=dict(symbol="square"),
        name=f"{name} replicas",
        customdata=[replicas_words(c.replicas) for c in curve],
        hovertemplate="%{x:,.0f} requests/month: %{customdata}<extra>" + name + "</extra>",
        row=1,
        col=1,
    )


def capacity_vs_volume(
    curves: Mapping[str, Sequence[CapacityPrice]], scenario_usd_per_request: Mapping[str, float]
) -> go.Figure:
    """Replicas (top) and monthly serving cost (bottom) against monthly volume, from the capacity model; the
    bottom panel also draws the cost at the scenario's price per request (dashed) for comparison."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.4, 0.6])
    vols: list[float] = []
    for m, curve in curves.items():
        vols = [c.requests_per_month for c in curve]
        name, color = m.capitalize(), MODEL_COLORS[m]
        _replica_trace(fig, m, curve)
        fig.add_scatter(
            x=vols,
            y=[c.monthly_usd for c in curve],
            mode="lines+markers",
            line=dict(color=color, width=WIDTH[m]),
            marker=dict(symbol="circle"),
            name=f"{name} capacity cost",
            customdata=money_text([c.monthly_usd for c in curve]),
            hovertemplate="%{x:,.0f} requests/month: %{customdata}/month<extra>" + name + " capacity</extra>",
            row=2,
            col=1,
        )
        if m in scenario_usd_per_request:
            fig.add_scatter(
                x=vols,
                y=[v * scenario_usd_per_request[m] for v in vols],
                mode="lines",
                line=dict(color=color, dash="dash"),
                name=f"{name} at the scenario's price",
                customdata=money_text([v * scenario_usd_per_request[m] for v in vols]),
                hovertemplate="%{x:,.0f} requests/month: %{customdata}/month<extra>" + name + " scenario</extra>",
                row=2,
                col=1,
            )
    _layout(fig, title="Replicas and monthly serving cost against volume", x="", y="", height=560)
    fig.update_xaxes(type="log", tickvals=vols, ticktext=[volume_label(v) for v in vols])
    fig.update_xaxes(title_text="Monthly volume (requests per month, log scale)", row=2, col=1)
    fig.update_yaxes(title_text="Replicas (instances)", rangemode="tozero", dtick=1 if _few(curves) else None, row=1)
    fig.update_yaxes(title_text="Serving cost ($ per month, log scale)", type="log", row=2, col=1)
    fig.update_yaxes(tickformat=MONEY_FORMAT, hoverformat=MONEY_FORMAT, row=2, col=1)
    return fig


def _few(curves: Mapping[str, Sequence[CapacityPrice]]) -> bool:
    return max((c.replicas for curve in curves.values() for c in curve), default=1) <= 10


def loss_curve(steps: pd.DataFrame) -> go.Figure:
    """Training loss against the step within each phase (steps.jsonl: logged every 10 steps and at each
    epoch's last step), one line per phase."""
    fig = go.Figure()
    for phase, df in steps.groupby("phase", sort=False):
        name = str(phase).capitalize()
        epochs = df["epoch"] if "epoch" in df else [None] * len(df)
        fig.add_scatter(
            x=df["global_step"],
            y=df["total_loss"],
            customdata=list(epochs),
            mode="lines+markers",
            line_color=PHASE_COLORS.get(str(phase), "#7f7f7f"),
            name=f"{name} phase",
            hovertemplate="step %{x:,}, epoch %{customdata}: loss %{y:.3f}<extra>" + name + "</extra>",
        )
    _layout(fig, title="Training loss", x="Training step (one batch each)", y="Training loss (nats)", height=340)
    fig.update_yaxes(rangemode="tozero")
    return fig
