"""Cascade and routing economics.

The student answers every request and falls back to the teacher when its
confidence is below a threshold (0 = never, 1 = always). A fallback pays both
models' price and both models' latency (seed: 5 + 12 = 17 ms > the 15 ms
budget). Running a cascade at all means operating both models, so the
teacher's fixed operations cost is added whenever the fallback rate is above 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.decision import verdict
from engine.decision.cube import ConfusionCube
from engine.decision.scenario import Assumptions
from engine.errors import DistillDecideError, require

LATENCY_BUDGET_MS = 15.0


@dataclass(frozen=True)
class RowCosts:
    """Per-request error dollars and outcomes of each model (aligned with the rows)."""

    error_usd: np.ndarray  # (2, n) teacher, student: harm × $ + critical × $ × segment multiplier
    correct: np.ndarray  # (2, n)
    critical: np.ndarray  # (2, n)
    confidence: np.ndarray  # (n,) student top-label probability
    latency_ms: np.ndarray  # (2, n)


def row_costs(rows: pd.DataFrame, a: Assumptions) -> RowCosts:
    """Per-request quantities from rows with true, teacher_pred, student_pred and student probabilities."""
    for col in ("true", "teacher_pred", "student_pred"):
        require(col in rows.columns, f"column {col}", "missing", "give per-request rows (the seed rows or a run)")
    lab = {v: i for i, v in enumerate(a.intents)}
    idx = {c: rows[c].astype(str).map(lab) for c in ("true", "teacher_pred", "student_pred")}
    for c, v in idx.items():
        require(
            not v.isna().any(),
            c,
            f"unknown intent(s) {sorted(set(rows[c][v.isna()]))[:5]}",
            "use the scenario's intents",
        )
    y, t, s = (idx[c].to_numpy(int) for c in ("true", "teacher_pred", "student_pred"))
    conf = _student_confidence(rows, a)
    harm = np.asarray(a.harm_matrix)
    crit_set = np.isin(np.array(a.intents), a.critical_intents)
    mult = rows["segment"].map(a.critical_multipliers).fillna(1.0).to_numpy() if "segment" in rows else 1.0
    err, cor, cri = np.zeros((2, len(y))), np.zeros((2, len(y)), bool), np.zeros((2, len(y)), bool)
    for m, pred in enumerate((t, s)):
        wrong = pred != y
        c = wrong & crit_set[y]
        err[m] = np.where(c, a.usd_per_critical_event * mult, np.where(wrong, harm[y, pred] * a.usd_per_harm_unit, 0))
        cor[m], cri[m] = ~wrong, c
    lat = np.vstack([_latency(rows, a, m) for m in ("teacher", "student")])
    return RowCosts(err, cor, cri, conf, lat)


def _student_confidence(rows: pd.DataFrame, a: Assumptions) -> np.ndarray:
    cols = [f"p_student_{i}" for i in a.intents]
    if all(c in rows.columns for c in cols):
        return rows[cols].to_numpy().max(axis=1)
    if "student_probs" in rows.columns:
        return np.array([max(p) for p in rows["student_probs"]])
    if "student_confidence" in rows.columns:
        return rows["student_confidence"].to_numpy(float)
    raise DistillDecideError(
        "student probabilities", "missing", "a cascade needs the student's confidence per request (probability columns)"
    )


def _latency(rows: pd.DataFrame, a: Assumptions, model: str) -> np.ndarray:
    col = f"{model}_latency_ms"
    if col in rows.columns and rows[col].notna().all():
        return rows[col].to_numpy(float)
    return np.full(len(rows), a.model(model).p95_latency_ms)  # no measured latencies: the P95 for every request


@dataclass(frozen=True)
class CascadeSweep:
    thresholds: np.ndarray
    fallback_rate: np.ndarray
    usd_per_request_inference: np.ndarray
    accuracy: np.ndarray
    critical_rate: np.ndarray
    p95_latency_ms: np.ndarray
    share_over_budget: np.ndarray
    total_usd: np.ndarray
    teacher_total_usd: float
    student_total_usd: float
    oracle_fallback_rate: float
    oracle_total_usd: float
    oracle_accuracy: float

    @property
    def best_index(self) -> int:
        return int(np.argmin(self.total_usd))

    @property
    def beats_both(self) -> bool:
        return bool(self.total_usd.min() < min(self.teacher_total_usd, self.student_total_usd))

    def break_even_fallback_rate(self) -> float | None:
        """Fallback rate above which the cascade always costs more than the teacher alone (None: never)."""
        over = self.total_usd > self.teacher_total_usd
        if not over.any():
            return None
        order = np.argsort(self.fallback_rate, kind="stable")
        f, o = self.fallback_rate[order], over[order]
        below = np.nonzero(~o)[0]
        last_ok = below.max() if below.size else -1
        return float(f[last_ok + 1]) if last_ok + 1 < f.size else None

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "threshold": self.thresholds,
                "fallback_rate": self.fallback_rate,
                "inference_usd_per_request": self.usd_per_request_inference,
                "accuracy": self.accuracy,
                "critical_rate": self.critical_rate,
                "p95_latency_ms": self.p95_latency_ms,
                "share_over_budget": self.share_over_budget,
                "total_usd_per_month": self.total_usd,
            }
        )


def sweep(
    rows: pd.DataFrame,
    a: Assumptions,
    thresholds=None,
    *,
    budget_ms: float = LATENCY_BUDGET_MS,
    rc: RowCosts | None = None,
) -> CascadeSweep:
    """Every threshold at once: rows sorted by confidence, prefix sums give each threshold's fallback set."""
    rc = rc or row_costs(rows, a)
    th = np.linspace(0, 1, 1001) if thresholds is None else np.asarray(thresholds, float)
    require(bool(np.all((th >= 0) & (th <= 1))), "thresholds", "outside [0, 1]", "use confidence thresholds in [0, 1]")
    n = rc.confidence.size
    order = np.argsort(rc.confidence, kind="stable")
    conf = rc.confidence[order]
    k = np.where(th >= 1, n, np.searchsorted(conf, th, side="left"))  # rows with confidence < threshold
    pre = lambda x: np.concatenate([[0.0], np.cumsum(x[order])])
    err = (rc.error_usd[1].sum() + pre(rc.error_usd[0] - rc.error_usd[1])[k]) / n
    acc = (rc.correct[1].sum() + pre(rc.correct[0].astype(float) - rc.correct[1])[k]) / n
    crit = (rc.critical[1].sum() + pre(rc.critical[0].astype(float) - rc.critical[1])[k]) / n
    f = k / n
    v = a.requests_per_month
    infer = a.student.usd_per_request + f * a.teacher.usd_per_request
    p95, over = _latency_profile(rc, order, k, budget_ms)
    ops = (
        a.student.ops_usd_per_month
        + v * a.student.ops_usd_per_request
        + (f > 0) * (a.teacher.ops_usd_per_month + v * a.teacher.ops_usd_per_request)
    )
    total = _monthly(a, v, infer, err, ops, p95)
    t_alone = _monthly(
        a,
        v,
        a.teacher.usd_per_request,
        rc.error_usd[0].mean(),
        a.teacher.ops_usd_per_month + v * a.teacher.ops_usd_per_request,
        float(np.percentile(rc.latency_ms[0], 95)),
    )
    gain = rc.error_usd[1] - rc.error_usd[0]  # the oracle falls back exactly where the teacher is cheaper
    route = gain > 0
    fo = float(route.mean())
    o_err = (rc.error_usd[1].sum() - gain[route].sum()) / n
    o_p95, _ = _latency_profile(rc, np.argsort(~route, kind="stable"), np.array([route.sum()]), budget_ms)
    o_total = _monthly(
        a, v, a.student.usd_per_request + fo * a.teacher.usd_per_request, o_err, float(ops.max()), float(o_p95[0])
    )
    o_acc = float(np.where(route, rc.correct[0], rc.correct[1]).mean())
    s_alone = _monthly(
        a,
        v,
        a.student.usd_per_request,
        rc.error_usd[1].mean(),
        a.student.ops_usd_per_month + v * a.student.ops_usd_per_request,
        float(np.percentile(rc.latency_ms[1], 95)),
    )
    return CascadeSweep(
        th, f, infer, acc, crit, p95, over, total, float(t_alone), float(s_alone), fo, float(o_total), o_acc
    )


def _monthly(a: Assumptions, v: float, infer, err, ops, p95):
    """Monthly dollars: inference and error per request × volume, operations, monetised P95 latency."""
    lat = a.usd_per_ms_month * (v / a.latency_reference_requests_per_month) * np.maximum(0, p95 - a.baseline_ms)
    return v * (infer + err) + ops + lat


def _latency_profile(rc: RowCosts, order: np.ndarray, k: np.ndarray, budget_ms: float):
    """P95 latency (numpy's linear interpolation) and share over budget when the first k rows of ``order``
    fall back and pay both models' latency."""
    ls, lt = rc.latency_ms[1][order], rc.latency_ms[0][order]
    n = ls.size
    if np.ptp(ls) == 0 and np.ptp(lt) == 0:  # constant latencies (P95s, nothing measured): closed form
        lo_val, hi_val = ls[0], ls[0] + lt[0]
        pos = 0.95 * (n - 1)
        i, frac = int(np.floor(pos)), pos - np.floor(pos)
        value = lambda idx: np.where(idx >= n - k, hi_val, lo_val)
        p95 = value(i) + frac * (value(min(i + 1, n - 1)) - value(i))
        f = k / n
        over = (lo_val > budget_ms) * (1 - f) + (hi_val > budget_ms) * f
        return p95.astype(float), over.astype(float)
    p95, over = np.empty(k.size), np.empty(k.size)
    uniq, inv = np.unique(k, return_inverse=True)
    rank = np.arange(n)
    for j, kk in enumerate(uniq):
        lat = ls + np.where(rank < kk, lt, 0.0)
        p95[inv == j] = np.percentile(lat, 95)
        over[inv == j] = np.mean(lat > budget_ms)
    return p95, over


def fallback_daily_usd(*, daily_requests: float, student_usd: float, teacher_usd: float, fallback_rate: float) -> float:
    """Seed 003 §4.3: every request pays the student, fallbacks also pay the teacher."""
    require(0 <= fallback_rate <= 1, "fallback rate", f"{fallback_rate!r}", "give a share between 0 and 1")
    return daily_requests * student_usd + daily_requests * fallback_rate * teacher_usd


def segment_routing(cube: ConfusionCube, a: Assumptions, policy: dict[str, str], **decide_kwargs):
    """Route each segment to one model; returns (decision vs teacher-only, routed cube, routed assumptions).

    The routed system is priced as the 'student' side of a decision: its
    predictions come from the model each segment is sent to, its price per
    request is the volume-weighted blend, it operates every model it uses and
    its P95 is the slowest used model's.
    """
    unknown = sorted(set(policy) - set(cube.segments))
    require(not unknown, "routing policy", f"unknown segment(s) {unknown}", f"use {', '.join(cube.segments)}")
    bad = sorted({m for m in policy.values() if m not in ("teacher", "student")})
    require(not bad, "routing policy", f"unknown model(s) {bad}", "route each segment to teacher or student")
    to_teacher = np.array([policy.get(s, "student") == "teacher" for s in cube.segments])[cube.segment_idx]
    routed = ConfusionCube(
        cube.intents,
        cube.segments,
        cube.segment_idx,
        cube.true_idx,
        cube.teacher_idx,
        np.where(to_teacher, cube.teacher_idx, cube.student_idx).astype(cube.student_idx.dtype),
        cube.counts,
        f"routed:{cube.source}",
    )
    share_t = float(cube.counts[to_teacher].sum() / cube.n)
    used = {"teacher"} if share_t == 1 else ({"student"} if share_t == 0 else {"teacher", "student"})
    blended = a.replace(
        **{
            "student.usd_per_request": share_t * a.teacher.usd_per_request + (1 - share_t) * a.student.usd_per_request,
            "student.ops_usd_per_month": sum(a.model(m).ops_usd_per_month for m in used),
            "student.p95_latency_ms": max(a.model(m).p95_latency_ms for m in used),
        }
    )
    return verdict.decide(routed, blended, **decide_kwargs), routed, blended
