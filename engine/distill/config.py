"""A training run's settings: the one config dataclass (nanoGPT style), its profiles, and the config a resume reads.

A run records these fields in its config.json; ``--resume`` reads them back from there
(:func:`resume_config`), so an interrupted run continues with exactly the settings it started with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from engine.distill import logits as logit_cache
from engine.distill import models
from engine.errors import DistillDecideError, require
from engine.runs import rundir

MODES = ("finetune", "kd-online", "kd-cached")
LOSSES = ("kd", "rare-hybrid")
PROFILES = {
    "quick": dict(
        n_train=2_000, n_val=500, n_test=1_000, epochs=2, max_len=32, batch_size=32, lr=1.5e-4, student_lr=3e-4
    ),
    "medium": dict(
        n_train=4_000, n_val=1_000, n_test=1_000, epochs=3, max_len=48, batch_size=32, lr=1e-4, student_lr=2e-4
    ),
    "full": dict(
        n_train=44_000, n_val=5_500, n_test=5_500, epochs=5, max_len=64, batch_size=64, lr=5e-5, student_lr=1e-4
    ),
}
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
    epochs: int | None = None
    seed: int = 0
    temperature: float = 3.0
    alpha: float = 0.7
    loss: str = "kd"  # kd: α·T²·KL + (1−α)·CE; rare-hybrid: 0.45 CE + 0.35 T²·KL + 0.20 weighted CE
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
        require(self.temperature > 0, "temperature", f"{self.temperature}", "give a temperature above 0 (default 3)")
        require(math.isfinite(self.temperature), "temperature", f"{self.temperature}", "give a finite temperature")
        require(0 <= self.alpha <= 1, "alpha", f"{self.alpha}", "give α between 0 and 1 (default 0.7)")
        require(self.threads >= 0, "threads", f"{self.threads}", "give 0 (all cores) or a positive count")
        _check_counts(self)
        rundir.check_run_id(self.run_id, "--run-id")
        if self.teacher_run:
            rundir.check_run_id(self.teacher_run, "--teacher-run")
        p = PROFILES[self.profile]
        fill: dict[str, Any] = {k: v for k, v in p.items() if not getattr(self, k, None)}
        if self.epochs is None:
            fill["epochs"] = p["epochs"]
        return replace(self, **fill)

    @property
    def n_epochs(self) -> int:
        """Epochs to train (``resolved()`` fills a missing count from the profile)."""
        return int(self.epochs if self.epochs is not None else PROFILES[self.profile]["epochs"])

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


# the fields a resume takes from config.json (run_id names the run; everything else is how it trains)
CONFIG_FIELDS = tuple(f.name for f in fields(TrainConfig))


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
    stored = rundir.read_run_json(run_dir, "config.json", fix, keys=CONFIG_FIELDS)
    values = {k: stored[k] for k in CONFIG_FIELDS}
    values["device"] = "cuda" if str(values["device"]).startswith("cuda") else "cpu"
    values["run_id"] = run_id
    try:
        return TrainConfig(**values).resolved()
    except TypeError:  # a number where text belongs, or the reverse: a hand-edited or foreign file
        raise DistillDecideError(
            f"{run_id}/config.json", "holds a setting of the wrong type", "start a new run instead of --resume"
        ) from None
