"""Quality metrics over label indices and probability vectors (numpy only): the one implementation.

ECE, KL, top-1 agreement, accuracy, macro-F1 and rare-class accuracy (and the rare-set rule) live
here and nowhere else; the quality report, its bootstraps, the trainer's validation and the seed
generator all call these functions.

Names follow scikit-learn: ``*_score`` is higher-better, ``*_loss`` and ``*_error`` lower-better,
arguments in ``y_true, y_pred`` order.

Weights. Metrics take ``weights``, one per row: a request's multiplicity, a confusion-cube cell's
count, or a bootstrap weight. The batch forms (:func:`class_counts`, :func:`agreement_batch`,
:func:`expected_calibration_error_batch`) take a (B, n) matrix, one row per resample, and return B
values; each scalar function is its batch form with one row, so a vectorised bootstrap and a single
evaluation cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, overload

import numpy as np

from engine.errors import require

RARE_PRIOR = 0.05  # a class is rare when 0 < prior < 5% (seed 001 §3)
ECE_BINS = 15
KL_TEMPERATURE = 3.0  # the teacher–student KL the gates read is at T = 3 (seed 001 §4)
STRATEGIES = ("uniform", "quantile")


def _weights(weights, n: int, *, batch: bool) -> np.ndarray:
    """Weights as a (B, n) float64 matrix; None is one resample of unit weights."""
    if weights is None:
        return np.ones((1, n))
    w = np.asarray(weights, dtype=np.float64)
    ndim = 2 if batch else 1
    require(
        w.ndim == ndim and w.shape[-1] == n,
        "weights",
        f"have shape {w.shape} for {n} rows",
        "give one weight per row, shape (B, n) for the batch form and (n,) otherwise",
    )
    return w if batch else w[None, :]


def _labels(y: np.ndarray, name: str) -> np.ndarray:
    y = np.asarray(y)
    require(y.ndim == 1, name, f"has shape {y.shape}", "give one label index per row")
    return y


def _pair(a, b, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    a, b = _labels(a, names[0]), _labels(b, names[1])
    require(a.shape == b.shape, names[1], f"has {b.size} rows, {names[0]} has {a.size}", "give one per row")
    return a, b


def _1d(weights) -> np.ndarray | None:
    """Weights for a scalar metric: one per row (a (B, n) matrix belongs to the batch forms)."""
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float64)
    require(w.ndim == 1, "weights", f"have shape {w.shape}", "give one weight per row, or use the batch form")
    return w


def _class_totals(labels: np.ndarray, n_classes: int, w: np.ndarray, values=None) -> np.ndarray:
    """Σ over the rows of each class of weight × value, shape (B, n_classes).

    One weight vector takes a bincount; a (B, n) matrix one (B × n) @ (n × classes) product.
    """
    v = None if values is None else np.asarray(values, dtype=np.float64)
    if w.shape[0] == 1:
        return np.bincount(labels, weights=w[0] if v is None else w[0] * v, minlength=n_classes)[None, :]
    onehot = np.eye(n_classes)[labels]
    return w @ (onehot if v is None else onehot * v[:, None])


# ----------------------------------------------------------------------------- rare set


def class_priors(y_true: np.ndarray, n_classes: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Share of (weighted) rows whose true label is each class."""
    y = _labels(y_true, "y_true")
    totals = _class_totals(y, n_classes, _weights(weights, y.size, batch=False))[0]
    return totals / totals.sum()


def rare_classes(priors: Mapping[str, float] | Sequence[float] | np.ndarray, threshold: float = RARE_PRIOR) -> tuple:
    """Classes with 0 < prior < ``threshold`` (absent classes are not rare, they are absent).

    ``priors`` is a mapping {name: prior} (names come back, in its order) or an array indexed by
    class (indices come back). Use :func:`class_priors` to get priors from labels.
    """
    require(0 < threshold <= 1, "rare threshold", f"is {threshold}", "give a prior between 0 and 1")
    if isinstance(priors, Mapping):
        return tuple(k for k, v in priors.items() if 0 < v < threshold)
    p = np.asarray(priors, dtype=np.float64)
    return tuple(int(i) for i in np.flatnonzero((p > 0) & (p < threshold)))


# ----------------------------------------------------------------------------- count metrics


@dataclass(frozen=True)
class ClassCounts:
    """Weighted per-class totals of one model's predictions, shape (B, n_classes): every per-class
    count metric (F1, macro-F1, per-class and pooled accuracy) is a function of these.

    ``present`` marks the classes that occur in ``y_true`` among the rows given, whatever their
    weights, so a class a resample happens to miss counts as F1 0 rather than leaving the mean.
    """

    tp: np.ndarray
    support: np.ndarray
    predicted: np.ndarray
    present: np.ndarray

    def accuracy(self) -> np.ndarray:
        """Share of (weighted) requests predicted right."""
        return self.tp.sum(axis=1) / self.support.sum(axis=1)

    def misroute_rate(self, classes) -> np.ndarray:
        """Share of all requests whose true class is in ``classes`` and that are predicted wrong
        (the critical-error rate when ``classes`` is the critical set)."""
        idx = np.asarray(classes, dtype=np.int64)
        return (self.support[:, idx] - self.tp[:, idx]).sum(axis=1) / self.support.sum(axis=1)

    def f1_per_class(self) -> np.ndarray:
        """F1 per class; 0 where a class has neither support nor predictions."""
        denom = self.support + self.predicted
        return np.divide(2 * self.tp, denom, out=np.zeros_like(self.tp), where=denom > 0)

    def macro_f1(self) -> np.ndarray:
        """Unweighted mean of per-class F1 over the present classes."""
        return self.f1_per_class()[:, self.present].mean(axis=1)

    def per_class_accuracy(self) -> np.ndarray:
        """Accuracy among each class's requests (recall); NaN without support."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.tp / self.support

    def pooled_accuracy(self, classes) -> np.ndarray:
        """Accuracy over the requests whose true class is in ``classes`` (pooled, not averaged); NaN if none."""
        idx = np.asarray(classes, dtype=np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.tp[:, idx].sum(axis=1) / self.support[:, idx].sum(axis=1)


def class_counts(
    y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, weights: np.ndarray | None = None
) -> ClassCounts:
    """Per-class true positives, support and predictions under ``weights``: None, (n,) or (B, n).

    A (B, n) matrix takes one (B × n) @ (n × 3k) product, so a bootstrap reads it once per model.
    """
    y, p = _pair(y_true, y_pred, ("y_true", "y_pred"))
    w = _weights(weights, y.size, batch=weights is not None and np.ndim(weights) == 2)
    if w.shape[0] == 1:
        tp, support, predicted = (_class_totals(c, n_classes, w, v) for c, v in ((y, y == p), (y, None), (p, None)))
    else:
        eye = np.eye(n_classes)
        true_1h, pred_1h = eye[y], eye[p]
        fused = w @ np.hstack([true_1h * (y == p)[:, None], true_1h, pred_1h])
        tp, support, predicted = np.split(fused, 3, axis=1)
    return ClassCounts(tp, support, predicted, np.bincount(y, minlength=n_classes) > 0)


def _n_classes(*labels: np.ndarray) -> int:
    return int(max(np.asarray(a).max(initial=-1) for a in labels)) + 1


def accuracy_score(y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Share of (weighted) requests predicted right."""
    y, p = _pair(y_true, y_pred, ("y_true", "y_pred"))
    return float(class_counts(y, p, _n_classes(y, p), _1d(weights)).accuracy()[0])


def f1_per_class(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Per-class F1 (0 where a class has neither support nor predictions)."""
    return class_counts(y_true, y_pred, n_classes).f1_per_class()[0]


def macro_f1_score(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, weights: np.ndarray | None = None) -> float:
    """Unweighted mean of per-class F1 over classes that occur in ``y_true``."""
    return float(class_counts(y_true, y_pred, n_classes, _1d(weights)).macro_f1()[0])


def pooled_class_accuracy(
    y_true: np.ndarray, y_pred: np.ndarray, classes: np.ndarray, weights: np.ndarray | None = None
) -> float:
    """Accuracy over the requests whose true class is in ``classes`` (pooled, not averaged); NaN if none.

    Rare-class accuracy is this over :func:`rare_classes`.
    """
    y, p = _pair(y_true, y_pred, ("y_true", "y_pred"))
    idx = np.asarray(classes, dtype=np.int64).ravel()
    return float(class_counts(y, p, _n_classes(y, p, idx), _1d(weights)).pooled_accuracy(idx)[0])


def agreement_batch(teacher_pred: np.ndarray, student_pred: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Top-1 agreement (weighted share of rows where both predict the same label), per resample."""
    t, s = _pair(teacher_pred, student_pred, ("teacher_pred", "student_pred"))
    w = _weights(weights, t.size, batch=True)
    return w @ (t == s).astype(np.float64) / w.sum(axis=1)


def agreement(teacher_pred: np.ndarray, student_pred: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Top-1 agreement: share of (weighted) rows where teacher and student predict the same label."""
    t = _labels(teacher_pred, "teacher_pred")
    return float(agreement_batch(t, student_pred, _weights(weights, t.size, batch=False))[0])


# ----------------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class ReliabilityBins:
    """Per confidence bin: total weight (a count when unweighted), mean confidence, accuracy (NaN if empty)."""

    count: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray


def _top_label(y_true: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Top-label confidence and whether the top label is right (1.0 / 0.0)."""
    p = np.asarray(probs, dtype=np.float64)
    y = _labels(y_true, "y_true")
    require(
        p.ndim == 2 and p.shape[0] == y.size,
        "probs",
        f"has shape {p.shape} for {y.size} labels",
        "give one probability vector per row",
    )
    return p.max(axis=1), (p.argmax(axis=1) == y).astype(np.float64)


def _bin_index(conf: np.ndarray, n_bins: int, strategy: str) -> np.ndarray:
    """Bin of each row: equal-width on [0, 1] (1.0 in the last bin) or equal-mass by rank.

    Equal-mass bins are cut on the rows given (ties split by row order), so bootstrap weights
    re-weight fixed bins rather than re-cutting them.
    """
    require(
        isinstance(n_bins, int | np.integer) and n_bins >= 1,
        "n_bins",
        f"is {n_bins!r}",
        "give a whole number of bins, at least 1",
    )
    require(strategy in STRATEGIES, "strategy", f"is {strategy!r}", f"use one of {STRATEGIES}")
    if strategy == "uniform":
        return np.minimum((conf * n_bins).astype(int), n_bins - 1)
    order = np.argsort(conf, kind="stable")
    bins = np.empty(conf.size, dtype=int)
    bins[order] = np.minimum(np.arange(conf.size) * n_bins // max(conf.size, 1), n_bins - 1)
    return bins


def reliability_bins(
    y_true: np.ndarray,
    probs: np.ndarray,
    n_bins: int = ECE_BINS,
    *,
    strategy: str = "uniform",
    weights: np.ndarray | None = None,
) -> ReliabilityBins:
    """The reliability diagram's bins on top-label confidence (the bins ECE sums over)."""
    conf, correct = _top_label(y_true, probs)
    bins = _bin_index(conf, n_bins, strategy)
    w = _weights(weights, conf.size, batch=False)
    count = _class_totals(bins, n_bins, w)[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        return ReliabilityBins(
            count,
            _class_totals(bins, n_bins, w, conf)[0] / count,
            _class_totals(bins, n_bins, w, correct)[0] / count,
        )


def expected_calibration_error_batch(
    y_true: np.ndarray,
    probs: np.ndarray,
    weights: np.ndarray,
    n_bins: int = ECE_BINS,
    *,
    strategy: str = "uniform",
) -> np.ndarray:
    """ECE under each row of ``weights`` (B, n): the vectorised bootstrap of :func:`expected_calibration_error`.

    One (B × n) @ (n × bins) product: per bin, Σ w·(correct − confidence).
    """
    conf, correct = _top_label(y_true, probs)
    w = _weights(weights, conf.size, batch=True)
    gap = _class_totals(_bin_index(conf, n_bins, strategy), n_bins, w, correct - conf)
    return np.abs(gap).sum(axis=1) / w.sum(axis=1)


def expected_calibration_error(
    y_true: np.ndarray,
    probs: np.ndarray,
    n_bins: int = ECE_BINS,
    *,
    strategy: str = "uniform",
    weights: np.ndarray | None = None,
) -> float:
    """ECE on top-label confidence: Σ_b (n_b / n) · |accuracy_b − mean confidence_b|.

    ``strategy`` is ``"uniform"`` (``n_bins`` equal-width bins; a confidence of exactly 1.0
    falls in the last bin) or ``"quantile"`` (equal-mass bins). With ``weights`` every n_b and
    mean is weighted.
    """
    y = _labels(y_true, "y_true")
    w = _weights(weights, y.size, batch=False)
    return float(expected_calibration_error_batch(y, probs, w, n_bins, strategy=strategy)[0])


# ----------------------------------------------------------------------------- distributions


def log_soften(probs: np.ndarray, temperature: float) -> np.ndarray:
    """Log of :func:`soften`, computed without taking the log of a rounded probability."""
    require(temperature > 0, "temperature", f"is {temperature}", "give a temperature above 0")
    z = np.log(np.clip(np.asarray(probs, dtype=np.float64), 1e-12, None)) / temperature
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def soften(probs: np.ndarray, temperature: float) -> np.ndarray:
    """Softmax of log-probabilities / T: the distribution a model gives at temperature T."""
    return np.exp(log_soften(probs, temperature))


@overload
def kl_divergence(
    p_teacher: np.ndarray, p_student: np.ndarray, temperature: float = ..., *, per_row: Literal[False] = ...
) -> float: ...
@overload
def kl_divergence(
    p_teacher: np.ndarray, p_student: np.ndarray, temperature: float = ..., *, per_row: Literal[True]
) -> np.ndarray: ...
def kl_divergence(
    p_teacher: np.ndarray, p_student: np.ndarray, temperature: float = KL_TEMPERATURE, *, per_row: bool = False
) -> float | np.ndarray:
    """KL(p_teacher^T ‖ p_student^T) in nats, both softened at ``temperature``.

    The mean over rows (a float), or with ``per_row`` one value per row (an array; a bootstrap
    re-weights these).
    """
    lt, ls = log_soften(p_teacher, temperature), log_soften(p_student, temperature)
    require(lt.shape == ls.shape, "p_student", f"has shape {ls.shape}, p_teacher {lt.shape}", "give both per row")
    kl = np.sum(np.exp(lt) * (lt - ls), axis=1)
    return kl if per_row else float(kl.mean())


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
