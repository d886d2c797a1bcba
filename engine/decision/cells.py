"""Where the error money is, per harm-matrix cell: how often each model makes that misroute (per 10,000
requests, at the production mix) and what it costs a month, priced by :func:`costs.confusion_costs` (issue 12).

A harm unit typed into a cell moves the margin by ``margin_usd_per_harm_unit`` dollars a month: the
teacher's and the student's monthly misroutes of that cell, weighted by the mix and segment multipliers,
times the price of a harm unit. A cell neither model ever made moves nothing, whatever is typed there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.decision import costs
from engine.decision.cube import ConfusionCube
from engine.decision.scenario import Assumptions

PER = 10_000.0  # counts are per 10,000 requests
COLUMNS = (
    "true",
    "pred",
    "critical",
    "harm_units",
    "teacher_per_10k",
    "student_per_10k",
    "teacher_usd_per_month",
    "student_usd_per_month",
    "margin_usd_per_month",
    "margin_usd_per_harm_unit",
)


def _per_10k(cube: ConfusionCube, a: Assumptions) -> pd.DataFrame:
    """(model, true, pred) → misroutes and dollars per 10,000 requests under ``a``."""
    cc = costs.confusion_costs(cube, a.replace(requests_per_month=PER))
    return cc.pivot_table(
        index=["true", "pred"], columns="model", values=["misroutes_per_month", "usd_per_month"], fill_value=0.0
    )


def harm_cells(cube: ConfusionCube, a: Assumptions) -> pd.DataFrame:
    """Every off-diagonal cell of ``a``'s matrix (row = true, column = predicted), zero where no model erred."""
    n = len(a.intents)
    ones = np.ones((n, n)) - np.eye(n)
    real = _per_10k(cube, a)
    unit = _per_10k(cube, a.replace(harm_matrix=tuple(map(tuple, ones.tolist()))))  # $ per 10K per harm unit
    i, j = np.where(~np.eye(n, dtype=bool))
    names = np.array(a.intents)
    idx = pd.MultiIndex.from_arrays([names[i], names[j]], names=["true", "pred"])
    scale = a.requests_per_month / PER

    def col(frame: pd.DataFrame, what: str, model: str) -> np.ndarray:
        key = (what, model)
        s = frame[key] if key in frame.columns else pd.Series(dtype=float)
        return s.reindex(idx, fill_value=0.0).to_numpy(dtype=float)

    crit = np.isin(names[i], a.critical_intents)
    harm = np.asarray(a.harm_matrix, dtype=float)[i, j]
    t_usd, s_usd = (col(real, "usd_per_month", m) * scale for m in ("teacher", "student"))
    per_unit = (col(unit, "usd_per_month", "teacher") - col(unit, "usd_per_month", "student")) * scale
    out = pd.DataFrame(
        {
            "true": names[i],
            "pred": names[j],
            "critical": crit,
            "harm_units": harm,
            "teacher_per_10k": col(real, "misroutes_per_month", "teacher"),
            "student_per_10k": col(real, "misroutes_per_month", "student"),
            "teacher_usd_per_month": t_usd,
            "student_usd_per_month": s_usd,
            "margin_usd_per_month": t_usd - s_usd,
            "margin_usd_per_harm_unit": np.where(crit, 0.0, per_unit),
        }
    )
    return out[list(COLUMNS)]


def observed(cells: pd.DataFrame) -> pd.Series:
    """True where at least one model made that misroute in the evaluation data."""
    return (cells["teacher_per_10k"] > 0) | (cells["student_per_10k"] > 0)
