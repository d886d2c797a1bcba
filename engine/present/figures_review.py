"""The weekly review's charts: the margin across reviews with its interval band, what moved it, agreement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from engine.present.figures import _layout, money_axis, money_text
from engine.present.money import usd

MARGIN_COLOR = "#333333"  # the margin (teacher − student) is neither model: near-black, not a model's colour
BAND = "rgba(80,80,80,0.16)"  # the margin's 95% interval, faint grey
OFFLINE = "#555555"  # the reviews' offline agreement (grey); production weeks purple
UP, DOWN = "#2ca02c", "#d62728"  # a cause that raised the student's saving / lowered it


def _who(m: float) -> str:
    return "the student cheaper" if m > 0 else "the teacher cheaper"


PRODUCTION = "#7b4fa0"  # purple: production weeks, never mistaken for the teacher's blue or the student's orange


def _label(row) -> str:
    """A review's x label: its date, "#id" when two share a date, "now" when it is not recorded yet."""
    rid = str(row.get("cycle", "")).rsplit("#", 1)[-1]
    return f"{row['date']}<br>now" if rid == "now" else f"{row['date']}<br>#{rid}"


def frame_figure(fig: go.Figure, *, x: str, y: str, height: int, legend: bool = True) -> go.Figure:
    """No title (the takeaway is text above the chart), horizontal ticks that push the margins, the legend in
    the figure's bottom strip below the axis title: nothing overlaps at 1440 or 1920 px, or on an A4 page."""
    _layout(fig, title="", x=x, y=y, height=height)
    fig.update_layout(
        title=None,
        margin=dict(l=80, r=24, t=30, b=130 if legend else 70),
        legend=dict(orientation="h", yref="container", y=0.01, yanchor="bottom", x=0, xanchor="left"),
        showlegend=legend,
        plot_bgcolor="white",  # the same white plot on the page and in the report (no template's blue)
        paper_bgcolor="white",
    )
    fig.update_xaxes(automargin=True, tickangle=0, title_standoff=12, gridcolor="#e6e6e6", linecolor="#999")
    return fig.update_yaxes(automargin=True, gridcolor="#e6e6e6", zerolinecolor="#bbb")


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


def _reviews(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The review rows and their x labels (the date; "date / #id" when two share a date or one is not recorded)."""
    df = frame[frame["kind"] == "review"] if "kind" in frame else frame
    x = df["date"].astype(str).tolist()
    if len(set(x)) < len(x) or (len(df) and str(df["cycle"].iloc[-1]).endswith("#now")):
        x = [_label(r) for r in df.to_dict(orient="records")]
    return df, x


def margin_takeaway(frame: pd.DataFrame) -> str:
    """The trend's one line, shown above the chart: "Margin by review: $846 → $737/month (the student cheaper)"."""
    df, x = _reviews(frame)
    m = df["margin_usd"].to_numpy(float) if len(df) else np.array([])
    now = " now (not recorded yet)" if x and x[-1].endswith("now") else ""
    if len(m) >= 2:
        return f"Margin by review: {usd(m[-2])} → {usd(m[-1])}/month{now} ({_who(m[-1])})"
    if len(m):
        return f"Margin{now or ' at the first review'}: {usd(m[-1])}/month ({_who(m[-1])})"
    return "No stored review yet"


def margin_trend(frame: pd.DataFrame) -> go.Figure:
    """The margin of each stored review with its 95% interval as a band and error bars (one review still shows its
    interval); production weeks that carry rates as diamonds; above $0 the student is cheaper."""
    df, x = _reviews(frame)
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
        line_color=MARGIN_COLOR,
        error_y=dict(type="data", symmetric=False, array=hi - m, arrayminus=m - lo, color=MARGIN_COLOR, width=4),
        customdata=np.c_[money_text(m), money_text(lo), money_text(hi)],
        hovertemplate="%{x}: %{customdata[0]}/month [%{customdata[1]}, %{customdata[2]}]<extra></extra>",
    )
    _production_margins(fig, frame)
    fig.add_hline(y=0, line_color="#555", line_dash="dot")
    frame_figure(fig, x="Review date", y="Margin, $ per month", height=400)  # above $0: the student is cheaper
    labels = {str(v) for tr in fig.data if tr.x is not None for v in tr.x}
    now = [v for v in x if v.endswith("now")]
    order = sorted(labels - set(now)) + now  # by date, and "now" last even beside a later stored review
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=order, nticks=6)
    return money_axis(fig, "y")


def waterfall_takeaway(dd: dict) -> str:
    total = dd["total_change_usd"]
    return (
        f"What moved the margin since {dd['from']['date']}: {usd(total, signed=True)}/month in all "
        "(green raises the student's saving, red lowers it)"
    )


def _wrap(words: str, width: int = 16) -> str:
    """A tick label on lines of about ``width`` characters (horizontal, never rotated onto the axis title)."""
    lines: list[str] = []
    for w in words.split():
        if lines and len(lines[-1]) + 1 + len(w) <= width:
            lines[-1] += " " + w
        else:
            lines.append(w)
    return "<br>".join(lines)


def change_waterfall(dd: dict) -> go.Figure:
    """From last review's margin to this one's, one bar per cause (they sum to the change)."""
    causes = dd["causes"]
    to = "now" if dd["to"]["review_id"] in (None, "now") else f"#{dd['to']['review_id']}"
    x = [f"Last review #{dd['from']['review_id']} ({dd['from']['date']})"] + [_short(c["words"]) for c in causes]
    x = [_wrap(w) for w in x + [f"This review {to} ({dd['to']['date']})"]]
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
            totals_marker_color=MARGIN_COLOR,
            connector_line_color="#999",
            hovertemplate="%{x}: %{text}<extra></extra>",
            cliponaxis=False,
        )
    )
    frame_figure(fig, x="", y="Margin, $ per month", height=400, legend=False)
    return money_axis(fig, "y")


def _short(words: str, n: int = 48) -> str:
    words = words.split(", by ")[0]
    return words if len(words) <= n else words[: n - 1] + "…"


def agreement_takeaway(frame: pd.DataFrame, gate: float | None) -> str:
    prod = frame[frame["kind"] == "production"] if "kind" in frame else frame.iloc[:0]
    src, who = (prod, "Production agreement") if len(prod) else (frame, "Top-1 agreement")
    last = src[["date", "agreement"]].dropna() if "agreement" in src else pd.DataFrame()
    if len(last) and gate is not None:
        v, when = float(last["agreement"].iloc[-1]), last["date"].iloc[-1]
        return f"{who} is {'below' if v < gate else 'above'} the {gate:.0%} gate ({v:.1%} on {when})"
    return f"{who} by date"


def _date_ticks(fig: go.Figure, dates: list[str]) -> None:
    """One tick per distinct date when there are few (a single week no longer repeats its date as hourly ticks),
    at most 6 otherwise, as "Nov 23" so they stay horizontal and apart in a half-width chart at 1440 px."""
    days = sorted(set(dates))
    fig.update_xaxes(tickformat="%b %d")
    if 0 < len(days) <= 5:
        fig.update_xaxes(tickmode="array", tickvals=days, ticktext=[pd.Timestamp(d).strftime("%b %d") for d in days])
    else:
        fig.update_xaxes(nticks=6)
    if len(days) == 1:  # a one-day axis: three days either side, so the point is not alone on an hourly scale
        d = pd.Timestamp(days[0])
        fig.update_xaxes(range=[(d - pd.Timedelta(days=3)).isoformat(), (d + pd.Timedelta(days=3)).isoformat()])


def agreement_trend(frame: pd.DataFrame, gate: float | None) -> go.Figure:
    """Top-1 agreement on the timeline (reviews and production cycles), with the gate (in %, like the axis)."""
    fig = go.Figure()
    for kind, color, symbol in (("review", OFFLINE, "circle"), ("production", PRODUCTION, "diamond")):
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
        fig.add_hline(
            y=gate,
            line_dash="dash",
            line_color=DOWN,
            annotation_text=f"gate {gate:.0%}",
            annotation_position="top left",
        )
    frame_figure(fig, x="Date", y="Agreement (% of requests)", height=380)
    fig.update_xaxes(type="date", hoverformat="%Y-%m-%d")  # one chronological axis for reviews and production
    dates = [str(x)[:10] for x in frame["date"]] if "date" in frame and "agreement" in frame else []
    _date_ticks(fig, [d for d, a in zip(dates, frame.get("agreement", [])) if pd.notna(a)])
    return fig.update_yaxes(tickformat=".1%")
