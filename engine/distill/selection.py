"""Which epoch a run keeps, and when it stops: gates first, then a weighted score; seed 002 §13's rules.

Pure numpy/pandas (no torch), so it is tested on hand-made epoch summaries.

* **Selection** (seed 003 §4.8, not the lowest loss): a checkpoint is eligible when it passes
  every promotion gate that can be measured on validation data (the rollout gates: rare-class
  accuracy, top-1 agreement with the teacher, ECE, …; latency and cost gates are checked on the
  verdict, not per epoch). Among eligible epochs the best weighted score wins. When no epoch
  passes, the best score is kept and the run says so: the verdict's gate check then blocks it.
* **Early stopping** (seed 002 §13) for a classifier: validation loss fails to improve by 1% for
  2 epochs; validation accuracy gains < 0.5 points over 2 epochs; the critical-error rate worsens
  2 evaluations in a row.
* **Business-weighted error** of an epoch: error dollars per request (harm units × $ per unit +
  critical events × $ per event) under the scenario's harm matrix, critical set and mix.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from engine.decision import costs
from engine.decision import cube as cube_mod
from engine.errors import DistillDecideError
from engine.rollout import checkpoints
from engine.rollout.gates import DEFAULT_GATES, Gate

# weights of the validation score (renormalised over the signals a phase has; negative = lower is better)
SCORE_WEIGHTS = {
    "val_accuracy": 0.30,
    "val_macro_f1": 0.20,
    "val_rare_class_accuracy": 0.20,
    "val_ece_calibrated": -0.10,  # ECE after the epoch's temperature (fitted on validation): what is served
    "val_error_vs_teacher": -0.20,
}
# rollout gate metric → the validation column that measures it per epoch
GATE_COLUMNS = {
    "student.accuracy": "val_accuracy",
    "student.macro_f1": "val_macro_f1",
    "student.rare_class_accuracy": "val_rare_class_accuracy",
    "student.ece": "val_ece_calibrated",
    "student.critical_rate": "val_critical_rate",
    "agreement": "val_agreement",
    "student.kl_t3": "val_kl_t3",
    "kl_t3": "val_kl_t3",
}


def epoch_gates(gates: Sequence[Gate] = DEFAULT_GATES) -> tuple[dict[str, tuple[str, float]], list[str]]:
    """The gates measurable per epoch as {column: (op, threshold)}, and the names of those that are not."""
    usable, skipped = {}, []
    for g in gates:
        col = GATE_COLUMNS.get(g.metric)
        if col is None:
            skipped.append(g.name)
        else:
            usable[col] = (g.comparator, g.threshold)
    return usable, skipped


def failing_gates(summary: dict, gates: Sequence[Gate] = DEFAULT_GATES) -> list[str]:
    """The measurable gates one epoch summary fails (empty: the checkpoint is promotable on validation)."""
    return checkpoints.gate_failures(_table([summary]), epoch_gates(gates)[0])[0]


def _table(summaries: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(summaries)
    keep = ["epoch"] + [c for c in df.columns if c.startswith("val_")]
    df = df[keep].copy()
    if "val_ece" in df and "val_ece_calibrated" not in df:  # a log from before per-epoch temperature scaling
        df["val_ece_calibrated"] = df["val_ece"]
    for c in keep[1:]:
        df[c] = pd.to_numeric(df[c], errors="coerce")
    return df.dropna(axis=1, how="all")


def select_checkpoint(
    summaries: list[dict], gates: Sequence[Gate] = DEFAULT_GATES, *, apply_gates: bool = True
) -> dict:
    """The epoch to keep: eligible (passes the measurable gates) first, then the best weighted score.

    Returns ``epoch`` plus the evidence: eligible epochs, why the others are not, the scores and
    weights used, a tie within noise, and ``gates_passed`` False when no epoch passed (the best
    score is then kept, and the verdict's gates will block it).
    """
    if not summaries:
        raise DistillDecideError("epochs", "no epoch finished", "train at least one epoch")
    table = _table(summaries)
    usable, skipped = epoch_gates(gates) if apply_gates else ({}, [g.name for g in gates])
    sel = checkpoints.select(table, weights=SCORE_WEIGHTS, gates=usable, tie_tolerance=1e-3)
    gates_passed = sel.chosen_epoch is not None
    scores = sel.scores  # eligibility and the reasons come from the gated pass
    if not gates_passed:
        sel = checkpoints.select(table, weights=SCORE_WEIGHTS, gates={}, tie_tolerance=1e-3)
    assert sel.chosen_epoch is not None  # without gates every epoch is eligible, and there is at least one
    return {
        "epoch": int(sel.chosen_epoch),
        "gates_passed": gates_passed,
        "eligible": [int(e) for e in scores.epoch[scores.eligible]] if gates_passed else [],
        "why_not": {int(e): w for e, w in zip(scores.epoch, scores.why_not) if w},
        "gates_checked": sorted(usable),
        "gates_not_measurable_per_epoch": skipped,
        "scores": {int(e): round(float(s), 6) for e, s in zip(scores.epoch, scores.score)},
        "weights": {k: round(v, 4) for k, v in sel.weights_used.items()},
        "tie": sel.tie_break if sel.tie_within_noise else "",
    }


def stop_rule(
    summaries: list[dict], *, min_rel_improvement: float = 0.01, patience: int = 2, min_gain: float = 0.005
) -> dict | None:
    """The first seed 002 §13 rule that fires at the latest epoch (None: keep training)."""
    if len(summaries) < 2:
        return None
    table = _table(summaries)
    last = int(table.epoch.max())
    for rule in checkpoints.early_stopping(
        table,
        min_rel_improvement=min_rel_improvement,
        patience=patience,
        min_win_gain=min_gain,
        quality_col="val_accuracy",
        safety_col="val_critical_rate",
    ):
        if rule.stop_epoch == last:
            return {"rule": rule.rule, "epoch": last, "detail": rule.detail}
    return None


def error_usd_per_request(
    true: np.ndarray, pred: np.ndarray, labels: Sequence[str], assumptions, segments: np.ndarray | None = None
) -> float:
    """Business-weighted error dollars per request of one model's predictions under ``assumptions``.

    NaN when the scenario cannot price this label set (say, an intent it has no harm row for).
    """
    names = np.asarray(labels, dtype=object)
    rows = pd.DataFrame(
        {
            "true": names[np.asarray(true)],
            "teacher_pred": names[np.asarray(pred)],
            "student_pred": names[np.asarray(pred)],
        }
    )
    if segments is not None:
        rows["segment"] = segments
    try:
        c = cube_mod.from_rows(rows, intents=list(labels))
        _, s = costs.rates_from_counts(costs.cell_quantities(c, assumptions), c.counts)
    except DistillDecideError:
        return math.nan
    per_request = costs.price(s, assumptions, "student", requests_per_month=1.0)  # the cost model's own formula
    return float(per_request["weighted_error"] + per_request["critical"])
