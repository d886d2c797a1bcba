"""The weekly review's charts: the margin across reviews with its interval band, what moved it, agreement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from engine.present.figures import STUDENT_COLOR, TEACHER_COLOR, _layout, money_axis, money_text
from engine.present.money import usd

BAND = "rgba(224,123,0,0.18)"  # the student's orange, faint: the margin's 95% interval
UP, DOWN = "#2ca02c", "#d62728"  # a cause that raised the student's saving / lowered it


def _who(m: float) -> str:
    return "the student cheaper" if m > 0 else "the teacher cheaper"


def _production_margins(fig: go.Figure, frame: pd.DataFrame) -> None:
    """Production weeks that could be priced, as diamonds beside the reviews' line."""
    prod = frame[(frame["kind"] == "production")] if "kind" in frame and "margin_usd" in frame else frame.iloc[:0]
    prod = prod[prod["margin_usd"].notna()] if len(prod) else prod
    if len(prod):
        fig.add_scatter(
            x=prod["date"].astype(str),
            y=prod["margin_usd"],
            mode="markers",
            marker=dict(symbol="diamond", size=10, color="#4c78a8"),
            name="Production week (priced with the latest review's inputs)",
            customdata=money_text(prod["margin_usd"]),
            hovertemplate="%{x}: %{customdata}/month<extra>production</extra>",
        )
        fig.update_xaxes(categoryorder="category ascending")


def margin_trend(frame: pd.DataFrame) -> go.Figure:
    """The margin of each stored review with its 95% interval as a band; above $0 the student is cheaper."""
    df = frame[frame["kind"] == "review"] if "kind" in frame else frame
    x = df["date"].astype(str).tolist()
    if len(set(x)) < len(x) and "cycle" in df:  # two reviews on one date: tell them apart
        x = df["cycle"].astype(str).tolist()
    m, lo, hi = (df[c].to_numpy(float) for c in ("margin_usd", "margin_lo_usd", "margin_hi_usd"))
    fig = go.Figure()
    fig.add_scatter(
        x=x + x[::-1],
        y=np.r_[hi, lo[::-1]],
        fill="toself",
        fillcolor=BAND,
        line_width=0,
        mode="lines",
        name="95% interval",
        hoverinfo="skip",
    )
    fig.add_scatter(
        x=x,
        y=m,
        mode="lines+markers",
        name="Margin (teacher − student)",
        line_color=STUDENT_COLOR,
        customdata=np.c_[money_text(m), money_text(lo), money_text(hi)],
        hovertemplate="%{x}: %{customdata[0]}/month [%{customdata[1]}, %{customdata[2]}]<extra></extra>",
    )
    _production_margins(fig, frame)
    fig.add_hline(y=0, line_color="#555", line_dash="dot")
    unrecorded = len(df) > 0 and str(df["cycle"].iloc[-1]).endswith("#now") if "cycle" in df else False
    now = " now (not recorded yet)" if unrecorded else ""
    if len(m) >= 2:
        title = f"Margin by review: {usd(m[-2])} → {usd(m[-1])}/month{now} ({_who(m[-1])})"
    elif len(m):
        title = f"Margin{now or ' at the first review'}: {usd(m[-1])}/month ({_who(m[-1])})"
    else:
        title = "No stored review yet"
    _layout(fig, title=title, x="Review date", y="Margin, $ per month (above $0: student cheaper)", height=380)
    fig.update_xaxes(type="category")
    return money_axis(fig, "y")


def change_waterfall(dd: dict) -> go.Figure:
    """From last review's margin to this one's, one bar per cause (they sum to the change)."""
    causes = dd["causes"]
    x = [f"{dd['from']['date']} margin"] + [_short(c["words"]) for c in causes] + [f"{dd['to']['date']} margin"]
    measure = ["absolute"] + ["relative"] * len(causes) + ["total"]
    y = [dd["margin_before_usd"]] + [c["usd"] for c in causes] + [0.0]
    text = [usd(dd["margin_before_usd"])] + [usd(c["usd"], signed=True) for c in causes] + [usd(dd["margin_after_usd"])]
    fig = go.Figure(
        go.Waterfall(
            x=x,
            y=y,
            measure=measure,
            text=text,
            textposition="outside",
            increasing_marker_color=UP,
            decreasing_marker_color=DOWN,
            totals_marker_color=STUDENT_COLOR if dd["margin_after_usd"] > 0 else TEACHER_COLOR,
            connector_line_color="#999",
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    total = dd["total_change_usd"]
    _layout(
        fig,
        title=f"What moved the margin since {dd['from']['date']}: {usd(total, signed=True)}/month in all",
        x="Cause (green raises the student's saving, red lowers it)",
        y="Margin, $ per month",
        height=380,
    )
    return money_axis(fig, "y")


def _short(words: str, n: int = 38) -> str:
    words = words.split(", by ")[0]
    return words if len(words) <= n else words[: n - 1] + "…"


def agreement_trend(frame: pd.DataFrame, gate: float | None) -> go.Figure:
    """Top-1 agreement on the timeline (reviews and production cycles), with the gate."""
    fig = go.Figure()
    for kind, color, symbol in (("review", STUDENT_COLOR, "circle"), ("production", "#4c78a8", "diamond")):
        df = frame[frame["kind"] == kind] if "kind" in frame else frame
        if len(df) and "agreement" in df:
            fig.add_scatter(
                x=df["date"].astype(str),
                y=df["agreement"],
                mode="lines+markers",
                name=kind.capitalize(),
                line_color=color,
                marker_symbol=symbol,
                hovertemplate="%{x}: %{y:.1%}<extra>" + kind + "</extra>",
            )
    if gate is not None:
        fig.add_hline(y=gate, line_dash="dash", line_color=DOWN, annotation_text=f"gate {gate:.0%}")
    last = frame["agreement"].dropna() if "agreement" in frame else pd.Series(dtype=float)
    below = gate is not None and len(last) and float(last.iloc[-1]) < gate
    title = "Top-1 agreement " + (
        f"is below the {gate:.0%} gate" if below else "is above the gate" if gate is not None else "by date"
    )
    _layout(fig, title=title, x="Date", y="Agreement (% of requests)", height=340)
    fig.update_xaxes(type="category")
    return fig.update_yaxes(tickformat=".1%")
