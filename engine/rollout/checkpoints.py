"""Checkpoint selection, early stopping and candidate scorecards from uploaded tables.

Works for any distillation, including response models that cannot be trained
here: the input is an epoch table (CSV) of whatever signals were logged.

Selection (seed 003 §4.8): eligible checkpoints pass every gate whose column is
present; among them the best weighted score wins, with weights renormalised
over the columns present (missing ones are named). A gap smaller than the
tie tolerance is reported as a tie within noise, with what breaks it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from engine import validate
from engine.errors import require

WEIGHTS_003 = {
    "teacher_preference_match": 0.30,
    "human_win_rate": 0.20,
    "hallucination_rate": -0.20,
    "fallback_rate": -0.10,
    "rare_class_recall": 0.10,
    "cost_reduction": 0.10,
}
GATES_003 = {
    "hallucination_rate": ("<=", 0.04),
    "teacher_preference_match": (">=", 0.85),
    "human_win_rate": (">=", 0.65),
}
ALIASES = {
    "teacher_match": "teacher_preference_match",
    "teacher_preference": "teacher_preference_match",
    "hallucination": "hallucination_rate",
    "fallback": "fallback_rate",
    "eval_loss": "val_loss",
    "human_win_rate_vs_base_student": "human_win_rate",
    "win_rate": "human_win_rate",
    "refusal_precision_": "refusal_precision",
}
LOWER_IS_BETTER = {
    "train_loss",
    "val_loss",
    "hallucination_rate",
    "fallback_rate",
    "val_ece",
    "val_critical_rate",
    "val_error_vs_teacher",
    "val_error_usd_per_request",
    "val_kl_t3",
}


TIE_TOLERANCE = validate.Interval(Real, 0, 1, unit="score difference")
METRIC = validate.Interval(Real, -1e12, 1e12)


def read_epochs(df: pd.DataFrame, *, strict: bool = False) -> pd.DataFrame:
    """Normalise column names (lower_snake, aliases) and values ('86.7%' → 0.867).

    Every value must be finite and every epoch a whole number; ``strict`` (a file a person wrote) also
    refuses blank cells and an epoch listed twice.
    """
    out = df.copy()
    out.columns = [ALIASES.get(c, c) for c in (str(c).strip().lower().replace(" ", "_") for c in out.columns)]
    require("epoch" in out.columns, "epochs column epoch", "missing", "give one row per epoch with an epoch column")
    require(len(out) > 0, "epochs", "no rows", "give one row per epoch")
    for c in out.columns:
        if c in ("decision", "notes"):
            continue
        col = out[c]
        if col.dtype == object or str(col.dtype).startswith(("str", "string")):
            pct = col.astype(str).str.strip().str.endswith("%")
            num = pd.to_numeric(col.astype(str).str.replace("%", "", regex=False).str.strip(), errors="coerce")
            col = pd.Series(np.where(pct, num / 100.0, num), index=out.index)
        num = pd.to_numeric(col, errors="coerce")
        bad = out[c][num.isna() & out[c].notna()]
        require(
            bad.empty,
            c,
            f"has values that are not numbers ({', '.join(map(str, bad.head(3)))})",
            "use numbers or percentages such as 86.7%, or name a text column 'decision' or 'notes'",
        )
        out[c] = num
        if c != "epoch":
            validate.column(out, c, METRIC, where="epochs", blank_ok=not strict)
    out["epoch"] = validate.column(out, "epoch", validate.EPOCH, where="epochs").astype(int)
    dup = out.epoch[out.epoch.duplicated()]
    require(
        not (strict and len(dup)),
        "epochs column epoch",
        f"epoch {dup.iloc[0] if len(dup) else ''} appears twice",
        "give one row per epoch",
    )
    return out.sort_values("epoch").reset_index(drop=True)


@dataclass(frozen=True)
class Selection:
    chosen_epoch: int | None
    runner_up_epoch: int | None
    score_gap: float | None
    tie_within_noise: bool
    tie_break: str
    scores: pd.DataFrame
    weights_used: dict[str, float]
    missing_columns: tuple[str, ...]
    dominates_runner_up: bool
    dominated_epochs: tuple[int, ...]


def gate_failures(df: pd.DataFrame, gates: dict[str, tuple[str, float]]) -> list[list[str]]:
    """Per row, the gates it fails ("col value fails op threshold"); gates whose column is absent are skipped."""
    reasons: list[list[str]] = [[] for _ in range(len(df))]
    for col, (op, thr) in gates.items():
        if col not in df.columns:
            continue
        values = df[col].to_numpy()
        ok = values >= thr if op == ">=" else values <= thr
        for i in np.nonzero(~ok)[0]:
            reasons[i].append(f"{col} {values[i]:.4g} fails {op} {thr:g}")
    return reasons


def select(
    epochs: pd.DataFrame,
    *,
    weights: dict[str, float] = WEIGHTS_003,
    gates: dict[str, tuple[str, float]] = GATES_003,
    tie_tolerance: float = 1e-3,
) -> Selection:
    tie_tolerance = TIE_TOLERANCE.check(tie_tolerance, "tie tolerance")
    df = read_epochs(epochs)
    present = {k: v for k, v in weights.items() if k in df.columns}
    missing = tuple(k for k in weights if k not in df.columns)
    require(
        bool(present),
        "epochs",
        f"none of the scored columns {list(weights)} is present",
        "add at least one scored column",
    )
    scale = sum(abs(v) for v in present.values())
    used = {k: v / scale for k, v in present.items()}
    reasons = gate_failures(df, gates)
    eligible = np.array([not r for r in reasons], dtype=bool)
    score = sum(df[k] * w for k, w in used.items())
    scores = pd.DataFrame(
        {"epoch": df.epoch, "score": score, "eligible": eligible, "why_not": ["; ".join(r) for r in reasons]}
    )
    ranked = scores[scores.eligible].sort_values("score", ascending=False)
    if ranked.empty:
        return Selection(None, None, None, False, "no checkpoint passes the gates", scores, used, missing, False, ())
    best = int(ranked.epoch.iloc[0])
    runner = int(ranked.epoch.iloc[1]) if len(ranked) > 1 else None
    gap = float(ranked.score.iloc[0] - ranked.score.iloc[1]) if runner is not None else None
    tie = gap is not None and gap < tie_tolerance
    signals = [
        c
        for c in df.columns
        if c not in ("epoch", "decision", "notes", "train_loss") and pd.api.types.is_numeric_dtype(df[c])
    ]
    dominated = tuple(int(e) for e in df.epoch if e != best and _dominates(df, best, int(e), signals))
    tie_break = ""
    if tie:
        assert runner is not None and gap is not None  # a tie needs a runner-up; narrows for mypy
        tie_break = _tie_break(df, best, runner, [c for c in signals if c not in used], gap, tie_tolerance)
    return Selection(
        best, runner, gap, tie, tie_break, scores, used, missing, runner is not None and runner in dominated, dominated
    )


def _tie_break(df: pd.DataFrame, best: int, runner: int, others: list[str], gap: float, tolerance: float) -> str:
    """What the signals outside the score say between two epochs whose scores tie within noise."""
    picks = {c: _better(df, best, runner, c) for c in others}
    breaks = [f"{c} picks epoch {e}" for c, e in picks.items() if e is not None]
    return f"tie within noise (gap {gap:.4f} < {tolerance:g}); " + (
        "; ".join(breaks) if breaks else "no other signal separates them"
    )


def _value(df: pd.DataFrame, epoch: int, col: str) -> float:
    return float(df.loc[df.epoch == epoch, col].iloc[0])


def _better(df: pd.DataFrame, a: int, b: int, col: str) -> int | None:
    va, vb = _value(df, a, col), _value(df, b, col)
    if va == vb:
        return None
    lower = col in LOWER_IS_BETTER
    return a if (va < vb) == lower else b


def _dominates(df: pd.DataFrame, a: int, b: int, signals: list[str]) -> bool:
    return all(_better(df, a, b, c) in (a, None) for c in signals) and any(_better(df, a, b, c) == a for c in signals)


@dataclass(frozen=True)
class EarlyStop:
    rule: str
    stop_epoch: int | None
    detail: str


def _loss_stop(df: pd.DataFrame, min_rel_improvement: float, patience: int) -> int | None:
    """First epoch after ``patience`` epochs in a row without a relative improvement of the best loss."""
    best, bad = np.inf, 0
    for e, v in zip(df.epoch, df.val_loss):
        if v < best * (1 - min_rel_improvement):
            best, bad = v, 0
        else:
            bad += 1
            if bad >= patience:
                return int(e)
    return None


def early_stopping(
    epochs: pd.DataFrame,
    *,
    min_rel_improvement: float = 0.01,
    patience: int = 2,
    min_win_gain: float = 0.005,
    quality_col: str = "human_win_rate",
    safety_col: str = "hallucination_rate",
) -> list[EarlyStop]:
    """Seed 002 §13's three stopping rules (the fourth, gates, is :func:`select`'s eligibility).

    ``quality_col`` (higher is better) and ``safety_col`` (lower is better) name the signals the
    quality and safety rules watch: a response model's human win rate and hallucination rate by
    default; a classifier passes e.g. validation accuracy and critical-error rate.
    """
    df = read_epochs(epochs)
    out = []
    if "val_loss" in df:
        stop = _loss_stop(df, min_rel_improvement, patience)
        out.append(
            EarlyStop(
                "loss",
                stop,
                f"validation loss fails to improve by ≥ {min_rel_improvement:.0%} for "
                f"{patience} consecutive epochs" + ("" if stop else ": never"),
            )
        )
    quality_col, safety_col = ALIASES.get(quality_col, quality_col), ALIASES.get(safety_col, safety_col)
    if quality_col in df:
        w = df[quality_col].to_numpy()
        hits = [int(df.epoch[i]) for i in range(2, len(w)) if w[i] - w[i - 2] < min_win_gain]
        out.append(
            EarlyStop(
                "quality",
                hits[0] if hits else None,
                f"{quality_col.replace('_', ' ')} gains < {min_win_gain * 100:.1f} points over 2 epochs"
                + ("" if hits else ": never"),
            )
        )
    if safety_col in df:
        h = df[safety_col].to_numpy()
        hits = [int(df.epoch[i]) for i in range(2, len(h)) if h[i] > h[i - 1] > h[i - 2]]
        out.append(
            EarlyStop(
                "safety",
                hits[0] if hits else None,
                f"{safety_col.replace('_', ' ')} worsens for 2 evaluations in a row" + ("" if hits else ": never"),
            )
        )
    return out


SCORECARD_003 = pd.DataFrame(
    {
        "candidate": ["full human review", "raw teacher labels", "retrieval-grounded gating", "post-hoc verifier only"],
        "safety": [10, 3, 9, 7],
        "quality": [10, 6, 8, 6],
        "latency": [9, 10, 8, 7],
        "cost": [2, 10, 8, 8],
        "operability": [3, 9, 7, 8],
        "weighted_outcome": [7.2, 6.5, 8.2, 7.0],
    }
)
CRITERIA = ("safety", "quality", "latency", "cost", "operability")
PRIORITY_003 = ("safety", "latency", "cost", "quality", "operability")  # seed 003 §2.3


@dataclass(frozen=True)
class WeightFit:
    best_fit: dict[str, float]
    low: dict[str, float]
    high: dict[str, float]
    n_consistent: int
    contradicts_priority: bool
    detail: str


def score_candidates(table: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    missing = [c for c in CRITERIA if c not in table.columns]
    require(not missing, f"scorecard column(s) {missing}", "missing", f"give {', '.join(CRITERIA)} per candidate")
    total = sum(weights.get(c, 0.0) for c in CRITERIA)
    require(total > 0, "weights", "sum to 0", "give positive weights")
    out = table.copy()
    out["score"] = sum(out[c] * weights.get(c, 0.0) for c in CRITERIA) / total
    return out.sort_values("score", ascending=False, ignore_index=True)


def weights_consistent_with(
    table: pd.DataFrame,
    *,
    outcome_col: str = "weighted_outcome",
    step: int = 50,
    tolerance: float = 0.05,
    priority: tuple[str, ...] = PRIORITY_003,
) -> WeightFit:
    """Weights on the simplex that reproduce a table's outcomes within rounding (±``tolerance``).

    Returns the constrained least-squares fit and the range of each weight over
    the grid points (spacing 1/step) that match; says whether every consistent
    weighting contradicts the stated priority order.
    """
    s = table[list(CRITERIA)].to_numpy(float)
    y = table[outcome_col].to_numpy(float)
    fit, _ = nnls(np.vstack([s, 100 * np.ones(len(CRITERIA))]), np.append(y, 100.0))
    grid = np.array([c for c in itertools.product(range(step + 1), repeat=len(CRITERIA) - 1) if sum(c) <= step])
    w = np.hstack([grid, step - grid.sum(axis=1, keepdims=True)]) / step
    ok = np.all(np.abs(w @ s.T - y) <= tolerance + 1e-9, axis=1)
    cons = w[ok]
    pos = {c: i for i, c in enumerate(CRITERIA)}
    violates = np.zeros(len(cons), bool)
    for hi_c, lo_c in zip(priority, priority[1:]):
        violates |= cons[:, pos[hi_c]] < cons[:, pos[lo_c]]
    contradicts = bool(len(cons) and violates.all())
    detail = f"{len(cons)} weightings on a 1/{step} grid reproduce the outcomes within ±{tolerance}; " + (
        "every one of them breaks the priority order " + " > ".join(priority)
        if contradicts
        else "some respect the priority order"
        if len(cons)
        else "none reproduce them"
    )
    return WeightFit(
        dict(zip(CRITERIA, map(float, fit))),
        dict(zip(CRITERIA, map(float, cons.min(0)))) if len(cons) else {},
        dict(zip(CRITERIA, map(float, cons.max(0)))) if len(cons) else {},
        int(len(cons)),
        contradicts,
        detail,
    )
