"""A training step's loss: CE for the teacher and fine-tuning, the configured KD loss for a distilled student, and
with ``--feature-loss`` TinyBERT's intermediate-layer terms (torch; the trainer's phase object is passed in).

A feature-loss student is taught the teacher's embedding output, hidden states and attention probabilities on
top of its KD loss (:func:`engine.distill.losses.with_feature_losses`). That needs the teacher's hidden states
every step, so such a step runs the teacher on the batch even in kd-cached mode (its logits still come from the
cache), and both models use eager attention, the one kernel that returns attention probabilities.

With ``--kd-targets calibrated`` the logit loss sees the teacher's logits divided by the teacher's temperature
fitted on validation (:func:`kd_target_temperature`, the same fit summary.json's ``calibration`` reports) before
the usual ÷ T of distillation; the cache keeps raw logits and the division happens at use, in kd-online and
kd-cached alike, for every logit loss (kd, rare-hybrid, cost-aware) and beside the feature terms.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

from engine.distill import config as config_mod
from engine.distill import determinism, losses, models
from engine.errors import DistillDecideError
from engine.quality import temperature as calibration


def forward_outputs(ph) -> dict:
    """The forward's extra outputs a feature-loss phase reads (hidden states and attention probabilities)."""
    return {"output_hidden_states": True, "output_attentions": True} if ph.projections is not None else {}


def batch_loss(ph, out, batch: dict, b: np.ndarray, labels) -> tuple[torch.Tensor, dict]:
    """CE for the teacher, the fine-tune-only baseline and fine-tuning; otherwise the configured distillation loss,
    plus TinyBERT's feature terms with ``--feature-loss`` (:func:`losses.with_feature_losses`: the step log then
    holds embedding_mse, hidden_mse, attention_mse and logit_loss beside the KD loss's own terms)."""
    cfg = ph.run.cfg
    logits = out.logits.float()
    if ph.name != "student" or cfg.mode == "finetune":
        loss = losses.hard_loss(logits, labels)
        return loss, {"hard_ce": loss.item(), "total_loss": loss.item()}
    t_out: Any = None
    if ph.cached_logits is None or ph.projections is not None:
        with torch.no_grad():
            ph.teacher.eval()
            t_out = ph.teacher(**batch, **forward_outputs(ph))
    if ph.cached_logits is not None:
        t_logits = ph.cached_logits[torch.as_tensor(b)].to(ph.run.device)
    else:
        t_logits = t_out.logits.float()
    total, terms = logit_loss(ph, logits, t_logits, labels)
    if ph.projections is None:
        return total, terms
    student_hidden = ph.projections(list(out.hidden_states))
    features = losses.feature_losses(
        student_hidden, t_out.hidden_states, out.attentions, t_out.attentions, ph.layer_map, batch["attention_mask"]
    )
    return losses.with_feature_losses(total, terms, features)


def logit_loss(ph, logits, t_logits, labels) -> tuple[torch.Tensor, dict]:
    """The configured distillation loss on the logits (``--loss``: kd, rare-hybrid or cost-aware), on the teacher's
    logits ÷ ``ph.kd_tau`` (1 unless ``--kd-targets calibrated``)."""
    cfg = ph.run.cfg
    if ph.kd_tau != 1.0:
        t_logits = t_logits / ph.kd_tau
    if cfg.loss == "rare-hybrid":
        return losses.hybrid_rare_loss(logits, t_logits, labels, ph.class_w, temperature=cfg.temperature)
    if ph.intent_w is not None:
        return losses.cost_aware_loss(
            logits, t_logits, labels, ph.intent_w, temperature=cfg.temperature, alpha=cfg.alpha
        )
    return losses.distillation_loss(logits, t_logits, labels, temperature=cfg.temperature, alpha=cfg.alpha)


def kd_target_temperature(run, s_ctx) -> float:
    """The divisor of the teacher logits the KD term sees: 1 for ``--kd-targets raw`` (and a finetune run);
    for ``calibrated``, the teacher's temperature fitted by NLL on the validation rows from its validation
    probabilities (``s_ctx.teacher_probs``), recorded in config.json's ``chosen`` block as
    ``kd_teacher_temperature`` ("<T>: …", the number first)."""
    cfg, d = run.cfg, run.data
    if cfg.kd_targets != "calibrated" or cfg.mode == "finetune":
        return 1.0
    y_val = d.y[d.val_rows]
    _, fit = calibration.fit_and_apply(y_val, s_ctx.teacher_probs, y_val, s_ctx.teacher_probs)
    if run.dist.main:
        why = (
            f"{fit.temperature:.4f}: the teacher's temperature fitted on {fit.n_fit} validation rows (validation ECE "
            f"{fit.ece_before:.3f} → {fit.ece_after:.3f}); --kd-targets calibrated: the KD term sees teacher logits "
            f"÷ {fit.temperature:.4f}, then ÷ T = {cfg.temperature:g}"
        )
        config_mod.record_choice(run.run_dir, "kd_teacher_temperature", why)
    return fit.temperature


def average_projection_grads(ph, world: int) -> None:
    """Under torchrun, DistributedDataParallel averages the model's gradients but not the projections': do it."""
    if ph.projections is None or world <= 1:
        return
    for p in ph.projections.parameters():
        torch.distributed.all_reduce(p.grad)
        p.grad /= world


@contextmanager
def eager_attention(teacher, student, *, on: bool) -> Iterator[None]:
    """Both models on eager attention for the duration (when ``on``), each back on its own kernel after."""
    if not on:
        yield
        return
    kernels = (teacher.config._attn_implementation, student.config._attn_implementation)
    teacher.set_attn_implementation("eager")
    student.set_attn_implementation("eager")
    try:
        yield
    finally:
        teacher.set_attn_implementation(kernels[0])
        student.set_attn_implementation(kernels[1])


def feature_setup(student, teacher, seed: int) -> tuple[Any, list[int]]:
    """For --feature-loss: the student's attention dropout off (the probabilities eager attention returns in
    training are the dropped-out ones), seeded projections to the teacher's width (map 0 for the embeddings, one
    per layer) and the layer map (``models.uniform_layer_map``)."""
    t_heads, s_heads = models.attention_heads(teacher), models.attention_heads(student)
    if t_heads != s_heads:
        raise DistillDecideError(
            "--feature-loss",
            f"compares attention head for head, but the student has {s_heads} heads and the teacher {t_heads}",
            "use a student made from the teacher (the default), or leave --feature-loss out",
        )
    for name, mod in student.named_modules():
        if name.endswith("attention.self") and isinstance(getattr(mod, "dropout", None), torch.nn.Dropout):
            mod.dropout.p = 0.0
    n = student.config.num_hidden_layers
    layer_map = models.uniform_layer_map(teacher.config.num_hidden_layers, n)
    torch.manual_seed(determinism.derived_seed(seed, "init", "projections"))
    projections = models.Projections(models.hidden_width(student), models.hidden_width(teacher), n + 1)
    return projections, layer_map
