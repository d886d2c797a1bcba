"""A training run's settings: the one config dataclass (nanoGPT style), its profiles, and the config a resume reads.

A run records these fields in its config.json; ``--resume`` reads them back from there
(:func:`resume_config`), so an interrupted run continues with exactly the settings it started with.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from engine.distill import logits as logit_cache
from engine.distill import models
from engine.errors import DistillDecideError, require
from engine.runs import rundir

MODES = ("finetune", "kd-online", "kd-cached")
LOSSES = ("kd", "rare-hybrid", "cost-aware")
KD_TARGETS = ("raw", "calibrated")  # the teacher logits the KD term sees: as is, or ÷ its validation-fitted T
# generated-data sizes, batch size and the epoch budget per profile; max length, epochs within the budget and
# learning rates are chosen from the data and the model where no flag gives them (see ``effective``)
PROFILES = {
    "quick": dict(n_train=2_000, n_val=500, n_test=1_000, batch_size=32, max_epochs=4),
    "medium": dict(n_train=4_000, n_val=1_000, n_test=1_000, batch_size=32, max_epochs=8),
    "full": dict(n_train=44_000, n_val=5_500, n_test=5_500, batch_size=64, max_epochs=10),
}
MAX_AUTO_LEN = 128  # the data-driven max length is the p99 of token lengths, at most this
MIN_AUTO_LEN = 16
REF_LR, REF_PARAMS = 5e-5, 85e6  # BERT-base's fine-tuning rate and its non-embedding parameter count
LR_RANGE = (1e-5, 1e-3)
MAX_SEED = 2**32 - 1  # numpy's and torch's seeds are unsigned 32-bit here
MAX_EPOCHS = 1_000


@dataclass(frozen=True)
class TrainConfig:
    profile: str = "quick"
    mode: str = "kd-cached"
    device: str = "auto"
    threads: int = 0
    data: str | None = None  # None: generated MangaAssist data
    text_col: str = "text"
    label_col: str = "label"
    teacher: str = models.DEFAULT_TEACHER
    teacher_run: str | None = None
    student_layers: int = 2
    student_width: int = 0  # 0: the teacher's width (a layer subset); W: a narrower weight-selected student
    feature_loss: bool = False  # add TinyBERT's embedding, hidden-state and attention MSE to the student's KD loss
    epochs: int | None = None
    seed: int = 0
    temperature: float = 3.0
    alpha: float = 0.7
    loss: str = "kd"  # kd: α·T²·KL + (1−α)·CE; rare-hybrid: 0.45 CE + 0.35 T²·KL + 0.20 weighted CE;
    # cost-aware: α·T²·KL + (1−α)·CE weighted per example by the misroute $ of its true intent (cost_weights.py)
    kd_targets: str = "raw"  # calibrated: teacher logits ÷ the teacher's temperature fitted on validation, then ÷ T
    baseline: bool = True  # a KD run also trains the fine-tune-only student (same init), its paired control
    warmup: float = 0.1
    weight_decay: float = 0.01
    bucketing: bool = True
    naive: bool = False  # the benchmark baseline: fp32, fixed max-length padding, no bucketing
    early_stopping: bool = True  # seed 002 §13 rules, checked after every epoch
    scenario: str | None = None  # prices the business-weighted error per epoch (default: seed)
    gates: str | None = None  # JSON gates file for checkpoint eligibility (default: the rollout gates)
    logits_cache: str | None = None  # teacher-logit cache folder (default: data/cache/teacher_logits)
    n_train: int = 0
    n_val: int = 0
    n_test: int = 0
    max_len: int = 0
    batch_size: int = 0
    lr: float = 0.0
    student_lr: float = 0.0
    run_id: str = field(default_factory=rundir.new_run_id)

    def resolved(self) -> TrainConfig:
        require(self.profile in PROFILES, "profile", repr(self.profile), f"use {', '.join(PROFILES)}")
        require(self.mode in MODES, "mode", repr(self.mode), f"use {', '.join(MODES)}")
        require(self.loss in LOSSES, "loss", repr(self.loss), f"use {', '.join(LOSSES)}")
        require(self.kd_targets in KD_TARGETS, "--kd-targets", repr(self.kd_targets), "use raw or calibrated")
        require(self.temperature > 0, "temperature", f"{self.temperature}", "give a temperature above 0 (default 3)")
        require(math.isfinite(self.temperature), "temperature", f"{self.temperature}", "give a finite temperature")
        require(0 <= self.alpha <= 1, "alpha", f"{self.alpha}", "give α between 0 and 1 (default 0.7)")
        require(
            not (self.feature_loss and self.mode == "finetune"),
            "--feature-loss",
            "teaches the student the teacher's hidden states and attentions, which --mode finetune has no teacher for",
            "use --mode kd-cached or kd-online with --feature-loss, or leave --feature-loss out",
        )
        require(self.threads >= 0, "threads", f"{self.threads}", "give 0 (all cores) or a positive count")
        _check_counts(self)
        rundir.check_run_id(self.run_id, "--run-id")
        if self.teacher_run:
            rundir.check_run_id(self.teacher_run, "--teacher-run")
        p = PROFILES[self.profile]
        fill: dict[str, Any] = {k: v for k, v in p.items() if k != "max_epochs" and not getattr(self, k, None)}
        return replace(self, **fill)

    @property
    def n_epochs(self) -> int:
        """Epochs to train at most: the given count, or the profile's budget (early stopping ends it sooner)."""
        return int(self.epochs if self.epochs is not None else PROFILES[self.profile]["max_epochs"])

    @property
    def trains_baseline(self) -> bool:
        """A distillation run trains its fine-tune-only control too (a finetune run's student is one)."""
        return self.baseline and self.mode != "finetune"

    @property
    def logits_root(self) -> Path:
        return Path(self.logits_cache) if self.logits_cache else logit_cache.default_root()


def _check_counts(cfg: TrainConfig) -> None:
    """Integer settings a user types: refused before anything is loaded or written."""
    require(
        0 <= cfg.seed <= MAX_SEED, "--seed", f"{cfg.seed}", f"give a whole number from 0 to {MAX_SEED:,} (default 0)"
    )
    require(
        cfg.epochs is None or 1 <= cfg.epochs <= MAX_EPOCHS,
        "--epochs",
        f"{cfg.epochs}",
        f"give 1 to {MAX_EPOCHS} epochs (or leave it out for the profile's)",
    )
    require(cfg.student_layers >= 1, "--student", f"{cfg.student_layers}", "give at least 1 student layer")
    require(
        0 <= cfg.student_width <= 100_000,
        "--student-width",
        f"{cfg.student_width}",
        "give a hidden width below the teacher's that its head count divides, or 0 for the teacher's",
    )
    for flag, value in (("--max-len", cfg.max_len), ("--batch-size", cfg.batch_size)):
        require(0 <= value <= 100_000, flag, f"{value}", "give a positive whole number (or leave it out)")
    require(cfg.max_len == 0 or cfg.max_len >= 4, "--max-len", f"{cfg.max_len}", "give at least 4 tokens")
    for flag, rate in (("--lr", cfg.lr), ("--student-lr", cfg.student_lr)):
        require(
            math.isfinite(rate) and 0 <= rate <= 1, flag, f"{rate}", "give a learning rate like 1e-4 (or leave it out)"
        )


def auto_max_len(lengths: Sequence[int] | np.ndarray, cap: int = MAX_AUTO_LEN) -> tuple[int, str]:
    """The p99 of the texts' token lengths, rounded up to a multiple of 8, within [16, cap]; and why."""
    arr = np.asarray(lengths, dtype=float)
    p99 = float(np.percentile(arr, 99))
    n = int(min(cap, max(MIN_AUTO_LEN, math.ceil(p99 / 8) * 8)))
    cut = float(np.mean(arr > n))
    if p99 > cap:
        return n, f"max_len {n}: the cap (p99 of token lengths is {p99:.0f}; {cut:.1%} of texts are cut)"
    return n, f"max_len {n} = p99 of token lengths ({p99:.0f}) rounded up to a multiple of 8; {cut:.1%} of texts cut"


def auto_lr(non_embedding_params: int) -> tuple[float, str]:
    """A learning rate by model size: BERT-base's 5e-5 scaled by √(85M / non-embedding parameters), clipped."""
    raw = REF_LR * math.sqrt(REF_PARAMS / max(non_embedding_params, 1))
    lr = float(f"{min(max(raw, LR_RANGE[0]), LR_RANGE[1]):.2g}")
    why = (
        f"{lr:.2g} for {non_embedding_params / 1e6:.2f}M non-embedding parameters (5e-5 × √(85M / params), "
        f"BERT-base's rate scaled by size, within {LR_RANGE[0]:.0e} … {LR_RANGE[1]:.0e})"
    )
    return lr, why


def effective(cfg: TrainConfig, lengths: Sequence[int] | np.ndarray) -> tuple[TrainConfig, dict[str, str]]:
    """The resolved config with the data-driven max length and epoch budget filled in, and what was chosen why.

    ``lengths`` are the texts' token lengths (untruncated). Learning rates left at 0 are chosen by model size
    when each phase starts (:func:`auto_lr`, recorded with :func:`record_choice`).
    """
    p = PROFILES[cfg.profile]
    chosen: dict[str, str] = {}
    max_len = cfg.max_len
    if max_len:
        chosen["max_len"] = f"max_len {max_len} (given)"
    else:
        max_len, chosen["max_len"] = auto_max_len(lengths)
    if cfg.epochs is not None:
        chosen["epochs"] = f"epochs {cfg.epochs} (given)" + (", early stopping on" if cfg.early_stopping else "")
    elif cfg.early_stopping:
        chosen["epochs"] = (
            f"epochs: up to {p['max_epochs']} (profile {cfg.profile}), until validation stops improving (seed 002 "
            "§13: loss not 1% better for 2 epochs, accuracy < 0.5 points better over 2, or the critical-error rate "
            "worse twice in a row)"
        )
    else:
        chosen["epochs"] = f"epochs {p['max_epochs']} (profile {cfg.profile} budget; early stopping off)"
    given_batch = cfg.batch_size != p["batch_size"]
    chosen["batch_size"] = f"batch_size {cfg.batch_size} " + ("(given)" if given_batch else f"(profile {cfg.profile})")
    for name in ("lr", "student_lr"):
        value = getattr(cfg, name)
        chosen[name] = f"{value:.2g} (given)" if value else "by model size when the phase starts"
    return replace(cfg, max_len=max_len, epochs=cfg.n_epochs), chosen


def record_choice(run_dir: Path, name: str, why: str) -> None:
    """Add one chosen setting's reason to the run's config.json (its ``chosen`` block)."""
    path = run_dir / "config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config.setdefault("chosen", {})[name] = why
    rundir.write_json(path, config)


# the fields a resume takes from config.json (run_id names the run; everything else is how it trains)
CONFIG_FIELDS = tuple(f.name for f in fields(TrainConfig))
# fields added after runs were first written, with the value a run written before them had
LATER_FIELDS = {"baseline": False, "student_width": 0, "feature_loss": False, "kd_targets": "raw"}


def resume_config(run_id: str) -> TrainConfig:
    """The settings run ``run_id`` started with, from its config.json (for ``train --resume --run-id ID``).

    The device is the kind recorded (``cuda:1`` resumes as ``cuda``); a config.json that is missing,
    malformed or lacks a field is a DistillDecideError naming the file, and nothing is written.
    """
    run_dir = rundir.run_path(run_id, "--run-id")
    require(
        run_dir.is_dir(),
        "--run-id",
        f"run {run_id} not found in {run_dir.parent}",
        "list runs with `python -m engine runs list`; --resume continues an existing run",
    )
    fix = "start a new run (this one stopped before its settings were written)"
    required = tuple(k for k in CONFIG_FIELDS if k not in LATER_FIELDS)
    stored = {**LATER_FIELDS, **rundir.read_run_json(run_dir, "config.json", fix, keys=required)}
    values = {k: stored[k] for k in CONFIG_FIELDS}
    values["device"] = "cuda" if str(values["device"]).startswith("cuda") else "cpu"
    values["run_id"] = run_id
    try:
        return TrainConfig(**values).resolved()
    except TypeError:  # a number where text belongs, or the reverse: a hand-edited or foreign file
        raise DistillDecideError(
            f"{run_id}/config.json", "holds a setting of the wrong type", "start a new run instead of --resume"
        ) from None
