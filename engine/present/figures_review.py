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


PRODUCTION = "#7b4fa0"  # purple: production weeks, never mistaken for the teacher's blue or the student's orange


def _label(row) -> str:
    """A review's x label: its date, "#id" when two share a date, "now" when it is not recorded yet."""
    rid = str(row.get("cycle", "")).rsplit("#", 1)[-1]
    return f"{row['date']} now" if rid == "now" else f"{row['date']} #{rid}"


def _example(frame: pd.DataFrame) -> bool:
    return "cycle" in frame and bool(frame["cycle"].astype(str).str.contains("(example)", regex=False).any())


def _production_margins(fig: go.Figure, frame: pd.DataFrame) -> None:
    """Production weeks that could be priced, as diamonds beside the reviews' line."""
    prod = frame[(frame["kind"] == "production")] if "kind" in frame and "margin_usd" in frame else frame.iloc[:0]
    prod = prod[prod["margin_usd"].notna()] if len(prod) else prod
    if len(prod):
        name = "Production week, priced with the latest review's inputs"
        fig.add_scatter(
            x=prod["date"].astype(str),
            y=prod["margin_usd"],
            mode="markers",
            marker=dict(symbol="diamond", size=10, color=PRODUCTION),
            name=("EXAMPLE (generated) — " if _example(prod) else "") + name,
            customdata=money_text(prod["margin_usd"]),
            hovertemplate="%{x}: %{customdata}/month<extra>production</extra>",
        )


def margin_trend(frame: pd.DataFrame) -> go.Figure:
    """The margin of each stored review with its 95% interval as a band and error bars (one review still shows its
    interval); production weeks that carry rates as diamonds; above $0 the student is cheaper."""
    df = frame[frame["kind"] == "review"] if "kind" in frame else frame
    x = df["date"].astype(str).tolist()
    if len(set(x)) < len(x) or (len(df) and str(df["cycle"].iloc[-1]).endswith("#now")):
        x = [_label(r) for r in df.to_dict(orient="records")]
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
        error_y=dict(type="data", symmetric=False, array=hi - m, arrayminus=m - lo, color=STUDENT_COLOR, width=4),
        customdata=np.c_[money_text(m), money_text(lo), money_text(hi)],
        hovertemplate="%{x}: %{customdata[0]}/month [%{customdata[1]}, %{customdata[2]}]<extra></extra>",
    )
    _production_margins(fig, frame)
    fig.add_hline(y=0, line_color="#555", line_dash="dot")
    now = " now (not recorded yet)" if x and x[-1].endswith(" now") else ""
    if len(m) >= 2:
        title = f"Margin by review: {usd(m[-2])} → {usd(m[-1])}/month{now} ({_who(m[-1])})"
    elif len(m):
        title = f"Margin{now or ' at the first review'}: {usd(m[-1])}/month ({_who(m[-1])})"
    else:
        title = "No stored review yet"
    _layout(fig, title=title, x="Review date", y="$ per month (above $0: student cheaper)", height=380)
    fig.update_xaxes(type="category", categoryorder="category ascending")
    return money_axis(fig, "y")


def change_waterfall(dd: dict) -> go.Figure:
    """From last review's margin to this one's, one bar per cause (they sum to the change)."""
    causes = dd["causes"]
    to = "now" if dd["to"]["review_id"] in (None, "now") else f"#{dd['to']['review_id']}"
    x = [f"Last review #{dd['from']['review_id']} ({dd['from']['date']})"] + [_short(c["words"]) for c in causes]
    x.append(f"This review {to} ({dd['to']['date']})")
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


def _short(words: str, n: int = 48) -> str:
    words = words.split(", by ")[0]
    return words if len(words) <= n else words[: n - 1] + "…"


def agreement_trend(frame: pd.DataFrame, gate: float | None) -> go.Figure:
    """Top-1 agreement on the timeline (reviews and production cycles), with the gate."""
    fig = go.Figure()
    for kind, color, symbol in (("review", STUDENT_COLOR, "circle"), ("production", PRODUCTION, "diamond")):
        df = frame[frame["kind"] == kind] if "kind" in frame else frame
        name = "Offline evaluation (reviews)" if kind == "review" else "Production"
        name = "EXAMPLE (generated) — production" if kind == "production" and _example(df) else name
        if len(df) and "agreement" in df:
            fig.add_scatter(
                x=df["date"].astype(str),
                y=df["agreement"],
                mode="lines+markers",
                name=name,
                line_color=color,
                marker_symbol=symbol,
                hovertemplate="%{x}: %{y:.1%}<extra>" + kind + "</extra>",
            )
    if gate is not None:
        fig.add_hline(y=gate, line_dash="dash", line_color=DOWN, annotation_text=f"gate {gate:.0%}")
    prod = frame[frame["kind"] == "production"] if "kind" in frame else frame.iloc[:0]
    src, who = (prod, "Production agreement") if len(prod) else (frame, "Top-1 agreement")
    last = src[["date", "agreement"]].dropna() if "agreement" in src else pd.DataFrame()
    title = f"{who} by date"
    if len(last) and gate is not None:
        v, when = float(last["agreement"].iloc[-1]), last["date"].iloc[-1]
        title = f"{who} is {'below' if v < gate else 'above'} the {gate:.0%} gate ({v:.1%} on {when})"
    _layout(fig, title=title, x="Date", y="Agreement (% of requests)", height=340)
    fig.update_xaxes(type="date", tickformat="%Y-%m-%d")  # one chronological axis for reviews and production
    return fig.update_yaxes(tickformat=".1%")
