"""Quality metrics over label indices and probability vectors (numpy only).

Names follow scikit-learn: ``*_score`` is higher-better, ``*_loss`` and
``*_error`` lower-better, arguments in ``y_true, y_pred`` order.
"""

from __future__ import annotations

import numpy as np


def accuracy_score(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def f1_per_class(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Per-class F1 (0 where a class has neither support nor predictions)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    tp = np.bincount(y_true[y_true == y_pred], minlength=n_classes).astype(float)
    support = np.bincount(y_true, minlength=n_classes).astype(float)
    predicted = np.bincount(y_pred, minlength=n_classes).astype(float)
    denom = support + predicted
    return np.divide(2 * tp, denom, out=np.zeros(n_classes), where=denom > 0)


def macro_f1_score(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> float:
    """Unweighted mean of per-class F1 over classes that occur in ``y_true``."""
    present = np.bincount(np.asarray(y_true), minlength=n_classes) > 0
    return float(f1_per_class(y_true, y_pred, n_classes)[present].mean())


def pooled_class_accuracy(y_true: np.ndarray, y_pred: np.ndarray, classes: np.ndarray) -> float:
    """Accuracy over the requests whose true class is in ``classes`` (pooled, not averaged)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    mask = np.isin(y_true, classes)
    return float(np.mean(y_true[mask] == y_pred[mask])) if mask.any() else float("nan")


def expected_calibration_error(y_true: np.ndarray, probs: np.ndarray, n_bins: int = 15) -> float:
    """ECE with ``n_bins`` equal-width bins on top-label confidence.

    ECE = Σ_b (n_b / n) · |accuracy_b − mean confidence_b|; a confidence of
    exactly 1.0 falls in the last bin.
    """
    probs = np.asarray(probs, dtype=np.float64)
    conf = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == np.asarray(y_true)).astype(float)
    bins = np.minimum((conf * n_bins).astype(int), n_bins - 1)
    gap = np.abs(
        np.bincount(bins, weights=correct, minlength=n_bins) - np.bincount(bins, weights=conf, minlength=n_bins)
    )
    return float(gap.sum() / len(conf))


def soften(probs: np.ndarray, temperature: float) -> np.ndarray:
    """Softmax of log-probabilities / T: the distribution a model gives at temperature T."""
    logp = np.log(np.clip(np.asarray(probs, dtype=np.float64), 1e-12, None)) / temperature
    logp -= logp.max(axis=1, keepdims=True)
    e = np.exp(logp)
    return e / e.sum(axis=1, keepdims=True)


def kl_divergence(p_teacher: np.ndarray, p_student: np.ndarray, temperature: float = 3.0) -> float:
    """Mean KL(p_teacher^T ‖ p_student^T) in nats over rows, both softened at ``temperature``."""
    pt, ps = soften(p_teacher, temperature), soften(p_student, temperature)
    return float(np.mean(np.sum(pt * (np.log(pt) - np.log(ps)), axis=1)))


def ndcg_score(relevance_in_ranked_order: list[float], gain: str = "exponential") -> float:
    """NDCG of one ranking given the true relevance of each ranked item, in ranked order.

    ``gain`` is ``"exponential"`` (2^rel − 1) or ``"linear"`` (rel); discount 1/log2(rank + 1).
    """
    rel = np.asarray(relevance_in_ranked_order, dtype=float)
    g = (2.0**rel - 1.0) if gain == "exponential" else rel
    ideal = np.sort(rel)[::-1]
    gi = (2.0**ideal - 1.0) if gain == "exponential" else ideal
    disc = 1.0 / np.log2(np.arange(2, rel.size + 2))
    return float((g * disc).sum() / (gi * disc).sum())
