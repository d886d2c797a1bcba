"""What an epoch (and the test split) is judged on: probabilities, then quality, safety and dollars.

Every metric comes from ``engine.quality.metrics`` and every dollar from the cost model (through
``selection.error_usd_per_request``); nothing here computes its own version of either.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from engine.data.seed import CRITICAL
from engine.distill import selection
from engine.distill.batching import collate
from engine.quality import metrics as qm


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
        for i, p in zip(chunk, torch.softmax(logits, -1).cpu().numpy()):
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


def evaluate(
    y: np.ndarray,
    probs: np.ndarray,
    labels: list[str],
    teacher_probs: np.ndarray | None = None,
    *,
    assumptions=None,
    segments: np.ndarray | None = None,
    teacher_error_usd: float | None = None,
) -> dict:
    """Accuracy, macro-F1, rare-class accuracy, ECE (15 bins), loss, critical-error rate; against the teacher
    top-1 agreement and KL at T = 3; under a scenario the business-weighted error $ per request."""
    pred = probs.argmax(1)
    k = len(labels)
    rare = np.array([i for i in range(k) if np.mean(y == i) < 0.05 and np.any(y == i)])
    crit = np.array([labels.index(c) for c in CRITICAL if c in labels])
    p_true = np.clip(probs[np.arange(len(y)), y], 1e-12, 1.0)
    out = {
        "accuracy": qm.accuracy_score(y, pred),
        "macro_f1": qm.macro_f1_score(y, pred, k),
        "rare_class_accuracy": qm.pooled_class_accuracy(y, pred, rare) if rare.size else float("nan"),
        "ece": qm.expected_calibration_error(y, probs, 15),
        "loss": float(-np.mean(np.log(p_true))),
        "critical_rate": float(np.mean(np.isin(y, crit) & (pred != y))) if crit.size else 0.0,
    }
    if teacher_probs is not None:
        out["agreement"] = float(np.mean(pred == teacher_probs.argmax(1)))
        out["kl_t3"] = qm.kl_divergence(teacher_probs, probs, 3.0)
    if assumptions is not None:
        usd = selection.error_usd_per_request(y, pred, labels, assumptions, segments)
        out["error_usd_per_request"] = usd
        if teacher_error_usd:
            out["error_vs_teacher"] = usd / teacher_error_usd
    return out
