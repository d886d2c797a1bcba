"""What an epoch (and the test split) is judged on: probabilities, then quality, safety and dollars.

Every metric comes from ``engine.quality.metrics`` and every dollar from the cost model (through
``selection.error_usd_per_request``); nothing here computes its own version of either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from engine.distill import losses, selection
from engine.distill.batching import collate
from engine.quality import metrics as qm
from engine.quality import report as quality_report


@torch.no_grad()
def predict(model, ids, rows: np.ndarray, pad_id: int, device, batch_size: int = 128) -> np.ndarray:
    """Softmax probabilities for ``rows`` (length-sorted batches, original order restored)."""
    model.eval()
    order = rows[np.argsort([len(ids[i]) for i in rows], kind="stable")]
    out = {}
    for k in range(0, len(order), batch_size):
        chunk = order[k : k + batch_size]
        batch = {n: t.to(device) for n, t in collate(ids, chunk, pad_id).items()}
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = model(**batch).logits.float()
        for i, p in zip(chunk, losses.soft_targets(logits, 1.0).cpu().numpy()):
            out[int(i)] = p
    return np.stack([out[int(i)] for i in rows])


@dataclass(frozen=True)
class EvalContext:
    """What an epoch's validation is judged with: labels, the scenario's prices, segments, the teacher."""

    labels: list[str]
    assumptions: object = None
    segments: np.ndarray | None = None
    teacher_probs: np.ndarray | None = None
    teacher_error_usd: float | None = None
    gates: tuple = ()  # the student's promotion gates (empty for the teacher phase)


def critical_set(labels: Sequence[str], assumptions=None, critical_intents: Sequence[str] | None = None) -> np.ndarray:
    """Label indices of the critical intents: given explicitly, else the scenario's, else none."""
    names = critical_intents if critical_intents is not None else getattr(assumptions, "critical_intents", ())
    return np.array([labels.index(c) for c in names if c in labels], dtype=np.int64)


def evaluate(
    y: np.ndarray,
    probs: np.ndarray,
    labels: list[str],
    teacher_probs: np.ndarray | None = None,
    *,
    assumptions=None,
    segments: np.ndarray | None = None,
    teacher_error_usd: float | None = None,
    critical_intents: Sequence[str] | None = None,
    calibrate: bool = False,
) -> dict:
    """Accuracy, macro-F1, rare-class accuracy, ECE (15 bins), loss, critical-error rate; against the teacher
    top-1 agreement and KL at T = 3; under a scenario the business-weighted error $ per request.

    The critical set is the scenario's (``assumptions.critical_intents``) unless ``critical_intents``
    is given; the rare set is the quality report's rule (``report.rare_set``: MangaAssist's 0 < prior < 5%,
    another label set's bottom 10% of intents by prior, among these requests). Every metric is
    ``engine.quality.metrics``'s. With ``calibrate`` (an epoch's validation) the temperature fitted on these rows
    and the ECE after it are added (``temperature``, ``ece_calibrated``): the ECE gate and the checkpoint score read
    that, since a served model is scaled by its temperature (fitted on validation, the test split is never used).
    """
    pred = probs.argmax(1)
    k = len(labels)
    counts = qm.class_counts(y, pred, k)
    rare_names = quality_report.rare_set(dict(zip(labels, qm.class_priors(y, k), strict=True)))
    rare = np.array([labels.index(n) for n in rare_names], dtype=np.int64)
    crit = critical_set(labels, assumptions, critical_intents)
    p_true = np.clip(probs[np.arange(len(y)), y], 1e-12, 1.0)
    out = {
        "accuracy": float(counts.accuracy()[0]),
        "macro_f1": float(counts.macro_f1()[0]),
        "rare_class_accuracy": float(counts.pooled_accuracy(rare)[0]) if rare.size else float("nan"),
        "ece": qm.expected_calibration_error(y, probs, qm.ECE_BINS),
        "loss": float(-np.mean(np.log(p_true))),
        "critical_rate": float(counts.misroute_rate(crit)[0]),  # 0 when the scenario has no critical intents
    }
    if calibrate:
        t = quality_report.fit_temperature(y, probs)
        out["temperature"] = t
        out["ece_calibrated"] = qm.expected_calibration_error(y, qm.soften(probs, t), qm.ECE_BINS)
    if teacher_probs is not None:
        out["agreement"] = qm.agreement(teacher_probs.argmax(1), pred)
        out["kl_t3"] = qm.kl_divergence(teacher_probs, probs, qm.KL_TEMPERATURE)
    if assumptions is not None:
        usd = selection.error_usd_per_request(y, pred, labels, assumptions, segments)
        out["error_usd_per_request"] = usd
        if teacher_error_usd:
            out["error_vs_teacher"] = usd / teacher_error_usd
    return out
