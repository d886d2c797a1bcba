"""Figures and words for "decide now, or learn more first?" (engine.decision.voi).

Same colours, fonts and money rules as :mod:`engine.present.figures`: each chart's title is its one-line
takeaway, axes carry units, money hovers are ``usd`` strings.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from engine.decision.voi import EVALUATION, Joint, ValueOfInformation
from engine.decision.voi import WORDS as WORDS  # the words for each assumption: the verdict says them too
from engine.decision.voi import words as words
from engine.present.figures import STUDENT_COLOR, _layout, margin_histogram, money_axis, money_text
from engine.present.money import usd

# Neither line of the value-of-sampling chart is a model: not the teacher's blue or the student's orange.
WORTH_COLOR = "#636363"  # grey, dotted: what n more labels are worth
NET_COLOR = "#2ca02c"  # green: worth minus their cost


def sentence(v: ValueOfInformation) -> str:
    """Whether more evaluation pays ("label N more" or "decide now: … worth $X and costs $Y"), and which
    assumption to pin down instead when one carries most of the value of perfect information."""
    h = f"{v.horizon_months:g} months"
    ev = v.evppi_usd_per_month
    top = max(ev, key=lambda k: ev[k])
    if v.best_n > 0:
        i = int(np.searchsorted(v.n_grid, v.best_n))
        text = (
            f"Label {v.best_n:,} more requests: worth {usd(v.evsi_usd_per_month[i] * v.horizon_months)} over {h}, "
            f"costs {usd(v.best_n * v.usd_per_label)}, net {usd(v.net_value_usd[i])}."
        )
    else:
        ratio = np.where(v.n_grid > 0, v.evsi_usd_per_month / np.maximum(v.n_grid, 1), -1.0)
        i = int(np.argmax(ratio)) if ratio.max() > 0 else len(v.n_grid) - 1  # the best worth per label
        worth, cost = usd(v.evsi_usd_per_month[i] * v.horizon_months), usd(v.n_grid[i] * v.usd_per_label)
        text = f"Decide now: more evaluation ({v.n_grid[i]:,} requests) is worth {worth} over {h} and costs {cost}."
    if top != EVALUATION and ev[top] > 0.5 * v.evpi_usd_per_month > 0:
        text += (
            f" Pin down the {words(top)} instead: knowing it is worth up to {usd(ev[top])}/month "
            f"({usd(ev[top] * v.horizon_months)} over {h})."
        )
    return text


def joint_histogram(j: Joint) -> go.Figure:
    """The margin's distribution with both sources of uncertainty; the title says how often the student wins."""
    fig = margin_histogram(j.margins_usd, j.ci95_usd, j.point_usd)
    fig.update_layout(title_text=f"The student is cheaper in {j.p_student_cheaper:.0%} of joint draws")
    fig.update_yaxes(title_text="Joint draws (count)")
    return fig


def variance_shares(j: Joint) -> go.Figure:
    """How much of the margin's variance each source explains (fixing it at its mean)."""
    items = sorted(j.variance_shares.items(), key=lambda kv: kv[1])
    names = [words(k) for k, _ in items]
    shares = [100 * max(s, 0.0) for _, s in items]
    top = names[-1] if names else "nothing"
    title = f"Most of the margin's uncertainty comes from {top}"
    if len(shares) > 1 and shares[-1] - shares[-2] < 5:  # within 5 points: say it is a tie, not a winner
        a, b = (n if n.startswith("the ") else f"the {n}" for n in (names[-1], names[-2]))
        title = f"{a[0].upper() + a[1:]} and {b} explain about equal shares of the margin's uncertainty"
    fig = go.Figure(
        go.Bar(
            x=shares,
            y=names,
            orientation="h",
            marker_color="#636363",
            hovertemplate="%{y}: %{x:.0f}% of the margin's variance<extra></extra>",
        )
    )
    _layout(
        fig,
        title=title,
        x="Share of the margin's variance removed by fixing it (%)",
        y="",
        height=max(260, 90 + 40 * len(names)),
    )
    fig.update_xaxes(range=[0, 100])
    fig.update_yaxes(automargin=True)  # the sources' names in full ("the evaluation sample"), never clipped
    return fig


def acceptability(
    x: np.ndarray,
    p: np.ndarray,
    *,
    what: str,
    unit: str,
    tick: str,
    now: float,
    log: bool = False,
    break_even: float | None = None,
) -> go.Figure:
    """P(student cheaper) against one assumption (the critical price or the volume).

    ``break_even`` (the verdict's, where the point margin is zero) is named in the title beside the 50%
    crossing: the two differ when the margin's distribution is skewed, and a reader of the banner's "flips to
    the teacher above $1.93" should not wonder why the chart says $1.95."""
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=100 * np.asarray(p),
            mode="lines",
            line_color=STUDENT_COLOR,
            name="P(student cheaper)",
            hovertemplate="%{x:" + tick + "}: %{y:.0f}%<extra></extra>",
        )
    )
    fig.add_hline(y=50, line_dash="dot", line_color="#636363")
    fig.add_vline(x=now, line_dash="dash", annotation_text="now", annotation_position="top")
    _layout(
        fig,
        title=_acceptability_title(np.asarray(x), np.asarray(p), what, unit) + _point(break_even, unit),
        x=f"{what.capitalize()} ({unit})",
        y="Chance (%)",
    )
    fig.update_xaxes(tickformat=tick, type="log" if log else "linear")
    fig.update_yaxes(range=[0, 100])
    return fig


def _point(break_even: float | None, unit: str) -> str:
    if break_even is None:
        return ""
    shown = usd(break_even, cents=True) if unit == "USD" else f"{break_even:,.0f}"
    return f" (the point estimate breaks even at {shown})"


def _acceptability_title(x: np.ndarray, p: np.ndarray, what: str, unit: str) -> str:
    """The takeaway: where the student stops (or starts) being the likelier cheaper model."""
    cross = np.flatnonzero(np.diff(np.sign(p - 0.5)) != 0)
    if not cross.size:
        who = "student" if p.mean() > 0.5 else "teacher"
        return f"The {who} is the likelier cheaper model at every {what} shown"
    i = int(cross[0])
    at = float(x[i] + (0.5 - p[i]) * (x[i + 1] - x[i]) / (p[i + 1] - p[i])) if p[i + 1] != p[i] else float(x[i])
    shown = usd(at, cents=True) if unit == "USD" else f"{at:,.0f} {unit}"
    side = "below" if p[i] > p[i + 1] else "above"
    return f"The student is the likelier cheaper model {side} {shown}"


def value_of_sampling(v: ValueOfInformation) -> go.Figure:
    """Net value of labelling n more requests (EVSI over the horizon − labelling cost), the best n marked.

    n on a log axis (n = 0 is off it: the title says when it is best); the $ axis is fitted to what more
    evaluation is worth, so the worth curve is readable beside a cost that grows without bound."""
    keep = v.n_grid > 0
    n, net = v.n_grid[keep], v.net_value_usd[keep]
    worth = v.evsi_usd_per_month[keep] * v.horizon_months
    fig = go.Figure()
    for ys, name, line, verb in (
        (worth, f"worth over {v.horizon_months:g} months (EVSI)", dict(color=WORTH_COLOR, dash="dot"), "worth"),
        (net, "net of labelling cost", dict(color=NET_COLOR), "net"),
    ):
        fig.add_scatter(
            x=n,
            y=ys,
            mode="lines+markers",
            name=name,
            line=line,
            customdata=money_text(ys),
            hovertemplate="%{x:,} requests: " + verb + " %{customdata}<extra></extra>",
        )
    fig.add_hline(y=0, line_color="red", line_dash="dash")
    best = v.best_n
    if best > 0:
        i = int(np.searchsorted(v.n_grid, best))
        fig.add_scatter(
            x=[best],
            y=[v.net_value_usd[i]],
            mode="markers",
            marker=dict(symbol="star", size=16, color="black"),
            name=f"best n = {best:,}",
        )
    title = "Decide now: more evaluation costs more than it is worth" if best == 0 else f"Label {best:,} more requests"
    _layout(
        fig,
        title=title,
        x="More labelled evaluation requests (n, log scale)",
        y=f"USD over {v.horizon_months:g} months",
    )
    fig.update_xaxes(type="log", tickformat=",")
    top = float(max(worth.max(initial=0.0), net.max(initial=0.0)))
    if top > 0:
        fig.update_yaxes(range=[-1.5 * top, 1.3 * top])
    money_axis(fig, "y")
    return fig
