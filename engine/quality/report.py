"""Quality metrics of both models with paired bootstrap intervals, and calibration.

Count metrics (accuracy, macro-F1, per-class and rare-class accuracy, critical
rate, agreement) are functions of the confusion cube, so they reuse the
decision engine's multinomial draws: one (B × cells) × (cells × K) product
each. Probability metrics (KL at T = 3, ECE) need the per-request rows; they
use a Poisson bootstrap over rows with a smaller B (stated in the report).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from engine.data import seed
from engine.decision import uncertainty
from engine.decision.cube import ConfusionCube
from engine.errors import require
from engine.quality import metrics as qm

ROW_B = 1_000


@dataclass(frozen=True)
class Metric:
    name: str
    model: str  # teacher | student | pair
    point: float
    ci95: tuple[float, float] | None


@dataclass(frozen=True)
class Calibration:
    """Temperature scaling of the student fitted on a validation split, judged on the rest."""

    temperature: float
    ece_before: float
    ece_after: float
    ece_equal_mass_before: float
    ece_equal_mass_after: float
    reliability_before: pd.DataFrame
    reliability_after: pd.DataFrame
    n_fit: int
    n_eval: int


@dataclass(frozen=True)
class QualityReport:
    metrics: tuple[Metric, ...]
    per_class: pd.DataFrame
    per_segment: pd.DataFrame
    rare_classes: tuple[str, ...]
    mcnemar_b: int  # teacher right, student wrong
    mcnemar_c: int  # teacher wrong, student right
    mcnemar_p: float
    B: int
    B_rows: int
    calibration: Calibration | None

    def get(self, name: str, model: str) -> Metric | None:
        return next((m for m in self.metrics if m.name == name and m.model == model), None)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "metric": m.name,
                    "model": m.model,
                    "point": m.point,
                    "ci95_low": m.ci95[0] if m.ci95 else None,
                    "ci95_high": m.ci95[1] if m.ci95 else None,
                }
                for m in self.metrics
            ]
        )


def _ci(x: np.ndarray) -> tuple[float, float]:
    lo, hi = np.nanpercentile(x, [2.5, 97.5])
    return float(lo), float(hi)


def rare_classes(cube: ConfusionCube, prior_below: float = qm.RARE_PRIOR) -> tuple[str, ...]:
    """The cube's rare intents by :func:`rare_set` over its priors (shares of true labels)."""
    return rare_set(cube.intent_shares(), prior_below)


RARE_BOTTOM_SHARE = 0.10  # a label set other than MangaAssist: the bottom 10% of its intents by prior are rare


def rare_set(
    shares: Mapping[str, float], prior_below: float = qm.RARE_PRIOR, bottom_share: float = RARE_BOTTOM_SHARE
) -> tuple[str, ...]:
    """Rare intents, in ``shares``' order. MangaAssist's label set: 0 < prior < ``prior_below`` (seed 001 §3).
    Any other label set: the bottom ``bottom_share`` of its present intents by prior, at least one (ties broken by
    name), because "prior < 5%" over 77 balanced intents makes every intent rare and the rare-class gate plain
    accuracy."""
    if set(shares) <= set(seed.INTENTS):
        return qm.rare_classes(shares, prior_below)
    present = sorted((v, k) for k, v in shares.items() if v > 0)
    k = max(1, round(bottom_share * len(present)))
    chosen = {name for _, name in present[:k]}
    return tuple(name for name in shares if name in chosen)


def rare_rule(intents: Sequence[str], bottom_share: float = RARE_BOTTOM_SHARE) -> str:
    """The rare-set rule in words for this label set."""
    if set(intents) <= set(seed.INTENTS):
        return f"rare = prior < {qm.RARE_PRIOR:.0%} (seed 001 §3)"
    k = max(1, round(bottom_share * len(intents)))
    return f"rare = the bottom {bottom_share:.0%} of intents by prior ({k} of {len(intents)})"


def _count_metrics(cube: ConfusionCube, counts: np.ndarray, critical: tuple[str, ...], rare: tuple[str, ...]):
    """Metrics for counts of shape (C,) or (B, C): the cube's cells are the rows, their counts the weights."""
    k = len(cube.intents)
    w = np.atleast_2d(counts).astype(np.float64)
    y = cube.true_idx
    rare_idx = np.flatnonzero(np.isin(np.array(cube.intents), rare))
    crit_idx = np.flatnonzero(np.isin(np.array(cube.intents), critical))
    out = {"agreement.pair": qm.agreement_batch(cube.teacher_idx, cube.student_idx, w)}
    for model, pred in (("teacher", cube.teacher_idx), ("student", cube.student_idx)):
        per_class = qm.class_counts(y, pred, k, w)
        out[f"accuracy.{model}"] = per_class.accuracy()
        out[f"macro_f1.{model}"] = per_class.macro_f1()
        out[f"critical_rate.{model}"] = per_class.misroute_rate(crit_idx)
        out[f"rare_class_accuracy.{model}"] = per_class.pooled_accuracy(rare_idx)
        out[f"per_class.{model}"] = per_class.per_class_accuracy()
    return out


def _prob_columns(rows: pd.DataFrame, intents: tuple[str, ...], model: str) -> np.ndarray | None:
    cols = [f"p_{model}_{i}" for i in intents]
    if all(c in rows.columns for c in cols):
        return rows[cols].to_numpy(dtype=np.float64)
    if f"{model}_probs" in rows.columns and rows[f"{model}_probs"].notna().all():
        return np.vstack(list(rows[f"{model}_probs"]))
    return None


def reliability(
    y_true: np.ndarray, probs: np.ndarray, n_bins: int = qm.ECE_BINS, equal_mass: bool = False
) -> pd.DataFrame:
    """Per-bin count, mean confidence and accuracy (equal-width or equal-mass bins), as a table."""
    bins = qm.reliability_bins(y_true, probs, n_bins, strategy="quantile" if equal_mass else "uniform")
    return pd.DataFrame(
        {
            "bin": np.arange(n_bins),
            "count": bins.count.round().astype(np.int64),
            "confidence": bins.confidence,
            "accuracy": bins.accuracy,
        }
    )


def fit_temperature(y_true: np.ndarray, probs: np.ndarray) -> float:
    """Temperature T minimising the NLL of softmax(log p / T) (bounded search over log T)."""
    rows = np.arange(len(y_true))

    def nll(log_t: float) -> float:
        return float(-np.mean(qm.log_soften(probs, np.exp(log_t))[rows, y_true]))

    res = optimize.minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(res.x))


def calibrate(y_true: np.ndarray, probs: np.ndarray, fit_mask: np.ndarray, n_bins: int = qm.ECE_BINS) -> Calibration:
    """Fit T on ``fit_mask`` rows, report ECE (equal-width and equal-mass) before/after on the rest."""
    require(
        bool(fit_mask.any() and (~fit_mask).any()),
        "calibration split",
        "one side is empty",
        "give both validation and evaluation rows",
    )
    t = fit_temperature(y_true[fit_mask], probs[fit_mask])
    ev_y, ev_p = y_true[~fit_mask], probs[~fit_mask]
    after = qm.soften(ev_p, t)
    ece = lambda p, strategy: qm.expected_calibration_error(ev_y, p, n_bins, strategy=strategy)
    return Calibration(
        t,
        ece(ev_p, "uniform"),
        ece(after, "uniform"),
        ece(ev_p, "quantile"),
        ece(after, "quantile"),
        reliability(ev_y, ev_p, n_bins),
        reliability(ev_y, after, n_bins),
        int(fit_mask.sum()),
        int((~fit_mask).sum()),
    )


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value on the discordant pairs."""
    if b + c == 0:
        return 1.0
    return float(min(1.0, 2 * stats.binom.cdf(min(b, c), b + c, 0.5)))


def report(
    cube: ConfusionCube,
    rows: pd.DataFrame | None,
    *,
    critical_intents: tuple[str, ...],
    draws: uncertainty.Draws | None = None,
    rare: tuple[str, ...] | None = None,
    rng: int = 0,
    B_rows: int = ROW_B,
) -> QualityReport:
    """Both models' quality with paired 95% intervals, per class and per segment."""
    draws = draws if draws is not None else uncertainty.draw(cube, 10_000, rng)
    require(draws.cube_hash == cube.hash, "draws", "were drawn from another cube", "draw again for this cube")
    rare = rare_classes(cube) if rare is None else tuple(rare)
    point = _count_metrics(cube, cube.counts, critical_intents, rare)
    boot = _count_metrics(cube, draws.counts, critical_intents, rare)
    metrics = []
    for key, val in point.items():
        if key.startswith("per_class"):
            continue
        name, model = key.split(".")
        metrics.append(Metric(name, model, float(val[0]), _ci(boot[key])))
    per_class = _per_class(cube, point, boot, rare)
    segs = _per_segment(cube, draws, critical_intents, rare)
    right_t = cube.teacher_idx == cube.true_idx
    right_s = cube.student_idx == cube.true_idx
    b = int(cube.counts[right_t & ~right_s].sum())
    c = int(cube.counts[~right_t & right_s].sum())
    calibration = None
    if rows is not None:
        metrics, calibration = _row_metrics(cube, rows, metrics, rng, B_rows)
    return QualityReport(
        tuple(metrics),
        per_class,
        segs,
        rare,
        b,
        c,
        mcnemar_exact(b, c),
        draws.B,
        B_rows if rows is not None else 0,
        calibration,
    )


def _per_class(cube: ConfusionCube, point: dict, boot: dict, rare: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "intent": cube.intents,
            "support": cube.counts @ np.eye(len(cube.intents))[cube.true_idx],
            "teacher_accuracy": point["per_class.teacher"][0],
            "student_accuracy": point["per_class.student"][0],
            "student_ci95_low": np.nanpercentile(boot["per_class.student"], 2.5, axis=0),
            "student_ci95_high": np.nanpercentile(boot["per_class.student"], 97.5, axis=0),
            "rare": np.isin(cube.intents, rare),
        }
    )


def _per_segment(
    cube: ConfusionCube, draws: uncertainty.Draws, critical_intents: tuple[str, ...], rare: tuple[str, ...]
) -> pd.DataFrame:
    segs = []
    for s, seg in enumerate(cube.segments):
        mask = cube.segment_idx == s
        seg_point = _count_metrics(cube, np.where(mask, cube.counts, 0), critical_intents, rare)
        seg_boot = _count_metrics(cube, draws.counts * mask, critical_intents, rare)
        for model in ("teacher", "student"):
            lo, hi = _ci(seg_boot[f"accuracy.{model}"])
            segs.append(
                {
                    "segment": seg,
                    "model": model,
                    "requests": int(cube.counts[mask].sum()),
                    "accuracy": float(seg_point[f"accuracy.{model}"][0]),
                    "accuracy_ci95_low": lo,
                    "accuracy_ci95_high": hi,
                    "critical_rate": float(seg_point[f"critical_rate.{model}"][0]),
                    "agreement": float(seg_point["agreement.pair"][0]),
                }
            )
    return pd.DataFrame(segs)


def _row_metrics(cube, rows, metrics, rng, B_rows):
    pt, ps = _prob_columns(rows, cube.intents, "teacher"), _prob_columns(rows, cube.intents, "student")
    if pt is None or ps is None:
        return metrics, None
    lab = {v: i for i, v in enumerate(cube.intents)}
    y = rows["true"].astype(str).map(lab).to_numpy()
    gen = np.random.default_rng(rng + 11)
    w = gen.poisson(1.0, size=(B_rows, len(y))).astype(np.float64)  # Poisson bootstrap weights over rows
    kl_i = qm.kl_divergence(pt, ps, qm.KL_TEMPERATURE, per_row=True)
    metrics.append(Metric("kl_t3", "pair", float(kl_i.mean()), _ci(w @ kl_i / w.sum(axis=1))))
    for model, p in (("teacher", pt), ("student", ps)):
        boot = qm.expected_calibration_error_batch(y, p, w, qm.ECE_BINS)
        metrics.append(Metric("ece", model, qm.expected_calibration_error(y, p, qm.ECE_BINS), _ci(boot)))
    ids = rows["request_id"].astype(str) if "request_id" in rows else pd.Series(range(len(rows))).astype(str)
    fit_mask = pd.util.hash_pandas_object(ids, index=False).to_numpy() % 2 == 0  # deterministic half split
    return metrics, calibrate(y, ps, fit_mask)
