"""The harm matrix drawn with its money: each cell's harm units, counts per 10K and $/month in the hover,
never-observed cells grey, critical rows labelled as priced per critical event (issue 12)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from engine.decision import cells as cells_mod
from engine.present.figures import _layout
from engine.present.money import usd

NEVER = "#e8eaed"  # grey: a misroute neither model made


def _grid(cells: pd.DataFrame, intents, col: str) -> np.ndarray:
    pos = {t: k for k, t in enumerate(intents)}
    g = np.full((len(intents), len(intents)), np.nan)
    g[cells["true"].map(pos).to_numpy(), cells["pred"].map(pos).to_numpy()] = cells[col].to_numpy(dtype=float)
    return g


def _hover(cells: pd.DataFrame, intents, usd_per_critical_event: float) -> np.ndarray:
    pos = {t: k for k, t in enumerate(intents)}
    text = np.full((len(intents), len(intents)), "", dtype=object)
    cols = ["true", "pred", "critical", "harm_units", "teacher_per_10k", "student_per_10k"]
    money = cells[["teacher_usd_per_month", "student_usd_per_month"]].to_numpy(dtype=float)
    for (t, p, crit, h, tc, sc), (tu, su) in zip(cells[cols].to_numpy(), money):
        priced = f"critical: {usd(usd_per_critical_event, cents=True)} per event" if crit else f"{h:g} harm units"
        text[pos[t], pos[p]] = (
            f"{t} → {p}: {priced}<br>per 10K requests: teacher {tc:,.1f}, student {sc:,.1f}"
            f"<br>a month: teacher {usd(tu)}, student {usd(su)}" + ("" if tc or sc else "<br>never observed: moves $0")
        )
    return text


def harm_money_heatmap(intents, cells: pd.DataFrame, usd_per_critical_event: float) -> go.Figure:
    """Harm units of non-critical cells seen in the evidence in red; unseen cells grey; critical rows blank."""
    intents = list(intents)
    seen = cells_mod.observed(cells)
    units = _grid(cells[seen & ~cells["critical"]], intents, "harm_units")
    never = _grid(cells[~seen & ~cells["critical"]].assign(one=1.0), intents, "one")
    hover = _hover(cells, intents, usd_per_critical_event)
    big = len(intents) > 30
    fig = go.Figure(
        [
            go.Heatmap(
                z=never,
                x=intents,
                y=intents,
                colorscale=[[0, NEVER], [1, NEVER]],
                showscale=False,
                text=hover,
                hovertemplate="%{text}<extra></extra>",
            ),
            go.Heatmap(
                z=units,
                x=intents,
                y=intents,
                colorscale="Reds",
                colorbar=dict(title="harm units"),
                text=hover,
                hovertemplate="%{text}<extra></extra>",
            ),
        ]
    )
    _layout(
        fig,
        title="Harm per misroute (grey: never observed; blank rows: priced per critical event)",
        x="Predicted intent",
        y="True intent",
        height=700 if big else 480,
    )
    fig.update_xaxes(showticklabels=not big)
    fig.update_yaxes(showticklabels=not big, autorange="reversed")
    return fig
