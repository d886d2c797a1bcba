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


def hidden_mse(
    student_hidden: torch.Tensor, teacher_hidden: torch.Tensor, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """TinyBERT hidden-state loss: mean((W·h_s − h_t)²), with h_s already projected to the teacher's width.

    With ``mask`` (batch, seq; 1 = a real token) the mean is over the non-padded positions' features only.
    """
    if mask is None:
        return F.mse_loss(student_hidden, teacher_hidden)
    m = mask.to(student_hidden.dtype)[..., None]
    return ((student_hidden - teacher_hidden) ** 2 * m).sum() / (m.sum() * student_hidden.shape[-1])


def attention_mse(
    student_attention: torch.Tensor, teacher_attention: torch.Tensor, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """TinyBERT attention loss: mean((A_s − A_t)²) over heads and positions, head h against head h.

    ``A`` (batch, heads, query, key) are attention probabilities. With ``mask`` (batch, seq; 1 = a real token)
    the mean is over the non-padded query rows (every head and key column of those rows).
    """
    if mask is None:
        return F.mse_loss(student_attention, teacher_attention)
    m = mask.to(student_attention.dtype)[:, None, :, None]
    n = m.sum() * student_attention.shape[1] * student_attention.shape[-1]
    return ((student_attention - teacher_attention) ** 2 * m).sum() / n


FEATURE_TERMS = ("embedding_mse", "hidden_mse", "attention_mse")
# TinyBERT (Jiao et al. 2020) weighs its intermediate-layer terms and the prediction loss alike
FEATURE_WEIGHTS = {"logit_loss": 1.0, "embedding_mse": 1.0, "hidden_mse": 1.0, "attention_mse": 1.0}


def feature_losses(
    student_hidden: Sequence[torch.Tensor],
    teacher_hidden: Sequence[torch.Tensor],
    student_attentions: Sequence[torch.Tensor],
    teacher_attentions: Sequence[torch.Tensor],
    layer_map: Sequence[int],
    mask: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """TinyBERT's intermediate-layer terms for one batch.

    ``student_hidden`` is the student's embedding output and its S layer outputs, already projected to the
    teacher's width (``models.Projections``: W_0 for the embeddings, W_i for layer i); ``teacher_hidden`` the
    teacher's embedding output and its T layer outputs; attentions one (batch, heads, seq, seq) tensor per layer.
    Student layer i is taught by teacher layer m(i) = ``layer_map[i]`` (``models.uniform_layer_map``):

    * embedding_mse = MSE(W_0·E_s, E_t)
    * hidden_mse    = Σ_i MSE(W_i·H_s^(i), H_t^(m(i)))
    * attention_mse = Σ_i MSE(A_s^(i), A_t^(m(i))), head for head

    each a mean over the non-padded positions of ``mask`` (:func:`hidden_mse`, :func:`attention_mse`).
    """
    zero = student_hidden[0].new_zeros(())
    emb = hidden_mse(student_hidden[0].float(), teacher_hidden[0].float(), mask)
    hid, att = zero, zero
    for i, m in enumerate(layer_map):
        hid = hid + hidden_mse(student_hidden[i + 1].float(), teacher_hidden[m + 1].float(), mask)
        att = att + attention_mse(student_attentions[i].float(), teacher_attentions[m].float(), mask)
    return {"embedding_mse": emb, "hidden_mse": hid, "attention_mse": att}


def with_feature_losses(
    logit_total: torch.Tensor,
    logit_terms: dict[str, float],
    features: Mapping[str, torch.Tensor],
    weights: Mapping[str, float] = FEATURE_WEIGHTS,
) -> tuple[torch.Tensor, dict[str, float]]:
    """L = 1·L_logit + 1·embedding_mse + 1·hidden_mse + 1·attention_mse (``FEATURE_WEIGHTS``, TinyBERT's equal
    weights), combined by :func:`weighted_total`.

    ``logit_total`` is the run's KD loss (``--loss``: kd, rare-hybrid or cost-aware) with its step-log terms; the
    step log keeps those, adds each feature term and ``logit_loss`` (the KD loss alone), and ``total_loss`` is L.
    """
    parts = {"logit_loss": logit_total, **features}
    total = weighted_total(parts, weights)
    terms = {**logit_terms, "logit_loss": logit_total.item(), **{k: v.item() for k, v in features.items()}}
    return total, {**terms, "total_loss": total.item()}


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
