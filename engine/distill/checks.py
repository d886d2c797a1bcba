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
from engine.errors import DistillDecideError
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
    _check_scenario_covers(data.labels, assumptions.intents, cfg.scenario)
    gate_list = gates_mod.load_gates(cfg.gates) if cfg.gates else gates_mod.DEFAULT_GATES
    return Checked(run_dir, data, assumptions, tuple(gate_list), cfg, {**chosen, "data": list(data.notes)})


def _check_scenario_covers(labels, intents, scenario: str | None) -> None:
    """A scenario that lacks some of the data's labels cannot price their errors (every epoch's error $ would be
    NaN and the KD − FT-only comparison would fail after training): refused before anything is trained."""
    missing = sorted(set(map(str, labels)) - set(map(str, intents)))
    if missing:
        shown = ", ".join(repr(m) for m in missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
        raise DistillDecideError(
            "--scenario",
            f"{scenario} lacks {len(missing)} label(s) of the training data: {shown}",
            "add them to the scenario's intents (and its harm matrix), or leave --scenario out for the label set's "
            "defaults",
        )
