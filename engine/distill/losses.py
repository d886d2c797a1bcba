"""Distillation losses as pure functions of logits (torch). Each docstring gives its formula.

Shapes: logits (batch, classes); labels (batch,) integer class ids. Reductions
are means over the batch (KL: ``batchmean``, the mathematically correct one).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F


def soft_targets(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """p^T = softmax(z / T)."""
    return F.softmax(logits / temperature, dim=-1)


def kd_loss(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float = 3.0) -> torch.Tensor:
    """T² · KL(p_t^T ‖ p_s^T), averaged over the batch.

    The T² factor (Hinton et al. 2015) keeps the soft-target gradient on the
    same scale as the hard loss: ∂/∂z_s [T²·KL] = T · (p_s^T − p_t^T).
    """
    log_ps = F.log_softmax(student_logits / temperature, dim=-1)
    log_pt = F.log_softmax(teacher_logits / temperature, dim=-1)
    return temperature**2 * F.kl_div(log_ps, log_pt, reduction="batchmean", log_target=True)


def weighted_total(terms: Mapping[str, Any], weights: Mapping[str, float]) -> Any:
    """Σ weight × term over the weighted terms: how every loss here combines its parts (a step log's total_loss).

    Terms may be tensors (training) or floats (checking a logged total, e.g. seed 002 §15.1).
    """
    return sum(w * terms[name] for name, w in weights.items())


def hard_loss(logits: torch.Tensor, labels: torch.Tensor, class_weights: torch.Tensor | None = None) -> torch.Tensor:
    """CE(y, softmax(z)) = −log p(y), optionally class-weighted (weighted mean)."""
    return F.cross_entropy(logits, labels, weight=class_weights)


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    *,
    temperature: float = 3.0,
    alpha: float = 0.7,
) -> tuple[torch.Tensor, dict[str, float]]:
    """α · T² · KL(p_t^T ‖ p_s^T) + (1 − α) · CE(y, p_s); returns (loss, terms for the step log)."""
    kd = kd_loss(student_logits, teacher_logits, temperature)
    ce = hard_loss(student_logits, labels)
    total = weighted_total({"kd_kl_t2": kd, "hard_ce": ce}, {"kd_kl_t2": alpha, "hard_ce": 1 - alpha})
    return total, {"hard_ce": ce.item(), "kd_kl_t2": kd.item(), "total_loss": total.item()}


def class_weights_from_priors(priors: Sequence[float] | np.ndarray, cap: float = 5.0) -> torch.Tensor:
    """w_k ∝ 1/√prior_k, normalised to mean 1, capped at ``cap`` (seed 003's rare-class weighting)."""
    w = torch.tensor([1.0 / math.sqrt(max(p, 1e-12)) for p in priors], dtype=torch.float32)
    w = w / w.mean()
    return torch.clamp(w, max=cap)


HYBRID_TERMS = ("hard_ce", "kd_kl_t2", "weighted_ce")


def hybrid_rare_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    class_weights: torch.Tensor,
    *,
    temperature: float = 3.0,
    weights: tuple[float, float, float] = (0.45, 0.35, 0.20),
) -> tuple[torch.Tensor, dict]:
    """0.45 · CE + 0.35 · T²·KL(p_t^T ‖ p_s^T) + 0.20 · class-weighted CE (seed 003 §4.2)."""
    ce = hard_loss(student_logits, labels)
    kd = kd_loss(student_logits, teacher_logits, temperature)
    wce = hard_loss(student_logits, labels, class_weights.to(student_logits.device))
    total = weighted_total({"hard_ce": ce, "kd_kl_t2": kd, "weighted_ce": wce}, dict(zip(HYBRID_TERMS, weights)))
    return total, {"hard_ce": ce.item(), "kd_kl_t2": kd.item(), "weighted_ce": wce.item(), "total_loss": total.item()}


def hidden_mse(student_hidden: torch.Tensor, teacher_hidden: torch.Tensor) -> torch.Tensor:
    """TinyBERT hidden-state loss: mean((W·h_s − h_t)²), with h_s already projected to the teacher's width."""
    return F.mse_loss(student_hidden, teacher_hidden)


def attention_mse(student_attention: torch.Tensor, teacher_attention: torch.Tensor) -> torch.Tensor:
    """TinyBERT attention loss: mean((A_s − A_t)²) over heads and positions."""
    return F.mse_loss(student_attention, teacher_attention)


def cost_aware_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    intent_weights: torch.Tensor,
    *,
    temperature: float = 3.0,
    alpha: float = 0.7,
) -> tuple[torch.Tensor, dict[str, float]]:
    """α · T² · KL(p_t^T ‖ p_s^T) + (1 − α) · mean_i w_{y_i} · CE(y_i, p_s,i) (seed 000 §8 open problem 2).

    ``intent_weights[k]`` is the weight of an example whose true intent is k (``cost_weights.intent_weights``:
    1 + the expected $ of misrouting intent k, normalised to mean 1 over the training rows). The hard term is a
    plain mean of the weighted per-example CE (not torch's weighted mean, which would renormalise by the batch's
    weights), so all-ones weights give :func:`distillation_loss` exactly.
    """
    kd = kd_loss(student_logits, teacher_logits, temperature)
    ce_i = F.cross_entropy(student_logits, labels, reduction="none")
    wce = (intent_weights.to(student_logits.device)[labels] * ce_i).mean()
    parts, weights = {"kd_kl_t2": kd, "cost_weighted_ce": wce}, {"kd_kl_t2": alpha, "cost_weighted_ce": 1 - alpha}
    total = weighted_total(parts, weights)
    terms = {"hard_ce": ce_i.mean().item(), "cost_weighted_ce": wce.item(), "kd_kl_t2": kd.item()}
    return total, {**terms, "total_loss": total.item()}
