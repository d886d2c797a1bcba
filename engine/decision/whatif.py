"""What-if on model quality: shift a model's behaviour without retraining, by re-weighting cube cells.

``student.critical_rate=-20%`` keeps 80% of the requests in each cell where the student misroutes a
critical intent and moves the other 20% to the cell where, on the same requests (same segment, true intent
and teacher prediction), the student routes correctly; the teacher's outcomes and the intent and segment
mix do not change. ``misroute_rate`` does the same to every misroute of the model; ``accuracy=+1pt`` is the
misroute change that moves accuracy by one point. The result is a **hypothetical** cube: its source says
so, and nothing here is ever stored as evidence.

The margin is linear in the scale of the moved cells, so :func:`break_even` solves for the change at which
the two models cost the same from two evaluations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from engine.decision import costs
from engine.decision.cube import ConfusionCube, Evidence
from engine.decision.scenario import MODELS, Assumptions
from engine.errors import require

METRICS = ("critical_rate", "misroute_rate", "accuracy")
_SPEC = re.compile(r"\s*(teacher|student)\.([a-z_]+)\s*=\s*([+-−]?\s*[0-9.]+)\s*(%|pt)\s*")
_EXAMPLE = "write e.g. student.critical_rate=-20%, teacher.misroute_rate=+10% or teacher.accuracy=-0.5pt"


@dataclass(frozen=True)
class WhatIf:
    model: str
    metric: str
    change: float  # relative (−0.2 for −20%) for a rate; percentage points for accuracy

    @property
    def words(self) -> str:
        if self.metric == "accuracy":
            return f"{self.model} accuracy {self.change:+g} points"
        what = "critical misroutes" if self.metric == "critical_rate" else "misroutes"
        return f"{self.model} {what} {self.change:+.0%}".replace("-", "−")


def parse(text: str) -> WhatIf:
    """``MODEL.METRIC=±X%`` (a rate, relative) or ``MODEL.accuracy=±Xpt`` (points)."""
    m = _SPEC.fullmatch(text or "")
    require(m is not None, "--what-if", f"{str(text)[:60]!r} is not MODEL.METRIC=±X%", _EXAMPLE)
    assert m is not None
    model, metric, num, unit = m.groups()
    require(metric in METRICS, "--what-if", f"{metric!r} is not a quality metric", f"use {', '.join(METRICS)}")
    require(
        (unit == "pt") == (metric == "accuracy"),
        "--what-if",
        f"{metric} takes {'points (pt)' if metric == 'accuracy' else 'a relative change (%)'}",
        _EXAMPLE,
    )
    x = float(num.replace("−", "-").replace(" ", ""))
    require(abs(x) <= 100, "--what-if", f"{x:g}{unit} is more than 100", "give a change between −100 and +100")
    return WhatIf(model, metric, x / 100 if unit == "%" else x)


def _selected(cube: ConfusionCube, a: Assumptions, w: WhatIf) -> np.ndarray:
    q = costs.cell_quantities(cube, a)
    m = MODELS.index(w.model)
    return (q.critical[m] if w.metric == "critical_rate" else q.misroute[m]) > 0


def factor(cube: ConfusionCube, a: Assumptions, w: WhatIf) -> float:
    """The scale of the moved cells: 1 + change for a rate; for accuracy the misroute scale that moves it."""
    if w.metric != "accuracy":
        return 1.0 + w.change
    r = 1.0 - cube.accuracy(w.model)
    require(r > 0 or w.change <= 0, "--what-if", f"the {w.model} already routes every request right", "lower it")
    new = r - w.change / 100
    require(0 <= new <= 1, "--what-if", f"accuracy would be {1 - new:.2%}", "give a change that keeps it in 0–100%")
    return new / r if r > 0 else 1.0


def _fewer(cube: ConfusionCube, own: np.ndarray, other: np.ndarray, selected: np.ndarray, f: float):
    """Scale the selected misroutes by f ≤ 1; the rest of each moves to its correct cell (same other prediction)."""
    moved = np.where(selected, (1.0 - f) * cube.counts, 0.0)
    twice = lambda x, y: np.concatenate([x, y])
    return (
        twice(cube.segment_idx, cube.segment_idx),
        twice(cube.true_idx, cube.true_idx),
        twice(own, cube.true_idx),
        twice(other, other),
        twice(cube.counts - moved, moved),
    )


def _more(cube: ConfusionCube, own: np.ndarray, other: np.ndarray, selected: np.ndarray, f: float, model: str):
    """Scale the selected misroutes by f > 1 per (segment, true intent): the extra requests come from the model's
    correct requests of that segment and intent (each keeps its other-model prediction), misrouted as the selected
    ones are (same wrong labels, same shares), so the selected dollars scale by exactly f."""
    k = len(cube.intents)
    group = cube.segment_idx.astype(np.int64) * k + cube.true_idx
    correct = own == cube.true_idx
    counts = cube.counts.astype(np.float64).copy()
    parts = [(cube.segment_idx, cube.true_idx, own, other, counts)]
    for g in np.unique(group[selected]):
        si, ci = np.flatnonzero(selected & (group == g)), np.flatnonzero(correct & (group == g))
        need, have = (f - 1.0) * cube.counts[si].sum(), float(cube.counts[ci].sum())
        require(
            need <= have * (1 + 1e-12),
            "--what-if",
            f"needs {need:,.0f} more {model} misroutes of {cube.intents[g % k]!r} than its {have:,.0f} correct ones",
            "give a smaller increase",
        )
        t = need / have
        share = cube.counts[si] / cube.counts[si].sum()
        counts[ci] -= t * cube.counts[ci]
        rep = [np.repeat(x[ci], len(si)) for x in (cube.segment_idx, cube.true_idx, other)]
        parts.append((rep[0], rep[1], np.tile(own[si], len(ci)), rep[2], np.outer(t * cube.counts[ci], share).ravel()))
    return tuple(np.concatenate([part[i] for part in parts]) for i in range(5))


def scaled(cube: ConfusionCube, a: Assumptions, model: str, selected: np.ndarray, f: float) -> ConfusionCube:
    """The cube with ``model``'s ``selected`` misroute cells scaled by ``f`` (mass moved to or from its correct
    routes on the same requests); the other model's outcomes and the segment and intent mix are unchanged."""
    require(f >= 0, "--what-if", f"scales misroutes by {f:g}", "give a change of −100% or more")
    own, other = (cube.teacher_idx, cube.student_idx) if model == "teacher" else (cube.student_idx, cube.teacher_idx)
    seg, true, own2, oth2, counts = (
        _fewer(cube, own, other, selected, f) if f <= 1 else _more(cube, own, other, selected, f, model)
    )
    tch, stu = (own2, oth2) if model == "teacher" else (oth2, own2)
    k = len(cube.intents)
    key = ((seg.astype(np.int64) * k + true) * k + tch) * k + stu
    uniq, inv = np.unique(key, return_inverse=True)
    summed = np.bincount(inv, weights=counts)
    keep = summed > 1e-12 * cube.n
    uniq, summed = uniq[keep], summed[keep]
    summed[np.argmax(summed)] += cube.n - summed.sum()  # the total stays exactly n (draws resample n requests)
    idx = lambda x: x.astype(cube.true_idx.dtype)
    return ConfusionCube(
        cube.intents,
        cube.segments,
        idx(uniq // (k * k * k)),
        idx((uniq // (k * k)) % k),
        idx((uniq // k) % k),
        idx(uniq % k),
        summed,
        source=f"hypothetical ({cube.source})",
    )


def apply(cube: ConfusionCube, a: Assumptions, whatifs: list[WhatIf]) -> ConfusionCube:
    """Every what-if in turn (each on the result of the last)."""
    for w in whatifs:
        cube = scaled(cube, a, w.model, _selected(cube, a, w), factor(cube, a, w))
    return cube


def hypothetical_evidence(ev: Evidence, a: Assumptions, texts: list[str]) -> Evidence:
    """Evidence whose label says it is hypothetical; no per-request rows (they no longer match the cube)."""
    whatifs = [parse(t) for t in texts]
    words = "; ".join(w.words for w in whatifs)
    return Evidence(apply(ev.cube, a, whatifs), None, f"{ev.label} — HYPOTHETICAL what-if: {words}")


@dataclass(frozen=True)
class QualityBreakEven:
    model: str
    metric: str
    change: float | None  # relative change of the selected misroutes at which the margin is 0; None: never
    note: str


def break_even(cube: ConfusionCube, a: Assumptions, model: str = "student", metric: str = "critical_rate"):
    """How much ``model``'s critical misroutes (or all misroutes) must change before the two models cost the same."""
    require(metric in METRICS[:2], "metric", f"{metric!r}", "use critical_rate or misroute_rate")
    sel = _selected(cube, a, WhatIf(model, metric, 0.0))
    m1 = costs.decompose(cube, a).margin_usd
    m0 = costs.decompose(scaled(cube, a, model, sel, 0.0), a).margin_usd
    what = "critical misroutes" if metric == "critical_rate" else "misroutes"
    if m1 == m0:
        return QualityBreakEven(model, metric, None, f"the margin does not depend on the {model}'s {what}")
    f = m0 / (m0 - m1)  # margin(f) = m0 + (m1 − m0) f = 0
    if f < 0:
        winner = "student" if m0 > 0 else "teacher"
        return QualityBreakEven(model, metric, None, f"the {winner} is cheaper whatever the {model}'s {what}")
    change = f - 1.0
    verb = "fall" if change < 0 else "rise"
    flips = "teacher" if m1 > 0 else "student"
    note = f"the {flips} wins once the {model}'s {what} {verb} by {abs(change):.1%} (hypothetical)"
    return QualityBreakEven(model, metric, change, note)
