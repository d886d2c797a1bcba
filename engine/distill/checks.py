"""What a training start checks and loads before its run directory exists, so a refused start leaves nothing."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any, NamedTuple

from engine import sources
from engine.distill import checkpointing, models, run_files
from engine.distill import config as config_mod
from engine.distill.config import CONFIG_FIELDS, TrainConfig
from engine.distill.data import Prepared, prepare
from engine.distill.parallel import Dist
from engine.rollout import gates as gates_mod
from engine.runs import rundir


class Checked(NamedTuple):
    """What a start checks and loads before the run directory exists (so a refused start leaves nothing)."""

    run_dir: Path
    data: Prepared
    assumptions: Any
    gates: tuple
    cfg: TrainConfig  # with the data-driven max length and epoch budget filled in
    chosen: dict  # what was chosen and why (config.json's ``chosen``)


def check(cfg: TrainConfig, dist: Dist, *, resume: bool, model_factory) -> Checked:
    """The run id, a resume's run and settings, the reused teacher, the student's width, the data, scenario and
    gates."""
    run_dir = run_files.check_run_dir(cfg.run_id, resume=resume) if dist.main else rundir.run_path(cfg.run_id)
    if cfg.teacher_run:
        checkpointing.teacher_source(cfg.teacher_run, "--teacher-run")
    models.check_student_width(cfg.student_width, cfg.teacher, model_factory)
    data = prepare(cfg, model_factory)
    cfg, chosen = config_mod.effective(cfg, data.token_lengths if data.token_lengths is not None else [cfg.max_len])
    if resume and dist.main:
        run_files.check_same_settings(run_dir, asdict(cfg), CONFIG_FIELDS)
    assumptions, _ = sources.scenario_for_labels(data.labels, cfg.scenario)
    gate_list = gates_mod.load_gates(cfg.gates) if cfg.gates else gates_mod.DEFAULT_GATES
    return Checked(run_dir, data, assumptions, tuple(gate_list), cfg, {**chosen, "data": list(data.notes)})
