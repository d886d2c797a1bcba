"""Epoch checkpoints that never unpickle: weights in safetensors, resume state loaded with weights_only.

A run directory may come from another machine (it comes home by copying), so nothing a
checkpoint holds may run code when it is read:

* ``model.safetensors`` — the model's weights (tensors and a JSON header, nothing else). Export,
  serving, the teacher reuse and checkpoint selection load only this file.
* ``train_state.pt`` — optimizer and scheduler state for ``--resume``, read with
  ``torch.load(weights_only=True)``, which refuses any object but tensors and plain containers.

A checkpoint in the old format (one pickled ``state.pt``) is refused with a message, never loaded.
Every failure raises :class:`DistillDecideError` naming the file and the fix.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import torch

from engine.distill import selection
from engine.errors import DistillDecideError, require
from engine.runs import rundir

WEIGHTS = "model.safetensors"
TRAIN_STATE = "train_state.pt"
LEGACY = "state.pt"


def epoch_dir(run_dir: Path, phase: str, epoch: int) -> Path:
    return run_dir / "checkpoints" / f"{phase}-epoch{epoch}"


def save(path: Path, model, optimizer, scheduler, epoch: int, extra: dict | None = None) -> None:
    """Write one epoch's weights and resume state into ``path`` (each file atomically); ``extra`` (tensors only,
    e.g. a feature-loss student's projections) goes into the resume state beside the optimizer's."""
    from safetensors.torch import save_model

    path.mkdir(parents=True, exist_ok=True)
    tmp = path / (WEIGHTS + ".tmp")
    save_model(model, str(tmp))  # handles shared tensors (a student shares nothing, a teacher may)
    tmp.replace(path / WEIGHTS)
    tmp = path / (TRAIN_STATE + ".tmp")
    state = {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "epoch": epoch}
    torch.save({**state, **(extra or {})}, tmp)
    tmp.replace(path / TRAIN_STATE)


def _missing(path: Path, name: str) -> DistillDecideError:
    if (path / LEGACY).exists():
        return DistillDecideError(
            f"checkpoint {path / LEGACY}",
            "is in the old pickle format, which is not loaded because unpickling a file can run code",
            "re-train the run with this version (a run from a machine you trust can be re-exported there)",
        )
    return DistillDecideError(
        f"checkpoint {path / name}", "is missing", "re-train the run, or copy the whole run directory again"
    )


def load_weights(model, path: Path) -> None:
    """Load ``path/model.safetensors`` into ``model`` (every tensor must match by name and shape)."""
    from safetensors.torch import load_model

    file = path / WEIGHTS
    if not file.exists():
        raise _missing(path, WEIGHTS)
    try:
        load_model(model, str(file), strict=True)
    except Exception as exc:  # a torn, foreign or crafted file: say which, never a traceback
        raise DistillDecideError(
            f"checkpoint {file}",
            f"could not be read as this run's model weights ({type(exc).__name__}: {str(exc)[:160]})",
            "re-train the run, or copy the whole run directory again",
        ) from None


def load_train_state(path: Path) -> dict:
    """Optimizer and scheduler state of ``path`` for a resume (tensors and plain containers only)."""
    file = path / TRAIN_STATE
    if not file.exists():
        raise _missing(path, TRAIN_STATE)
    try:
        state = torch.load(file, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError:  # torch's own message suggests loading it unsafely: do not repeat that
        raise DistillDecideError(
            f"checkpoint {file}",
            "holds objects other than tensors and plain containers, refused because unpickling them could run code",
            "start a new run instead of --resume; never resume from a run directory you do not trust",
        ) from None
    except Exception as exc:
        raise DistillDecideError(
            f"checkpoint {file}",
            f"could not be read as resume state ({type(exc).__name__}: {str(exc)[:160]})",
            "start a new run instead of --resume, or copy the whole run directory again",
        ) from None
    if not (isinstance(state, dict) and {"optimizer", "scheduler"} <= set(state)):
        raise DistillDecideError(
            f"checkpoint {file}", "holds no optimizer and scheduler state", "start a new run instead of --resume"
        )
    return state


def load_epoch(model, run_dir: Path, phase: str, epoch: int) -> None:
    """Load a run's ``phase`` model at ``epoch`` (the weights only)."""
    load_weights(model, epoch_dir(run_dir, phase, epoch))


def teacher_source(teacher_run: str, field: str) -> Path:
    """The run directory a reused teacher comes from: an id inside the runs folder, never a path."""
    src = rundir.run_path(teacher_run, field)
    require(src.is_dir(), field, f"run {teacher_run!r} not found in {src.parent}", "train it first, or copy it there")
    return src


def chosen_teacher_epoch(src: Path) -> int:
    """The teacher epoch checkpoint selection keeps among ``src``'s teacher epochs (gates are for students)."""
    t_sum = [s for s in rundir.read_jsonl(src / "epochs.jsonl") if s["phase"] == "teacher"]
    return selection.select_checkpoint(t_sum, apply_gates=False)["epoch"]


def load_run_teacher(run_dir: Path, make) -> tuple[Any, int]:
    """A run's teacher at its chosen epoch (from the run itself or the run it reused), and that epoch."""
    config = json.loads((run_dir / "config.json").read_text())
    reused = config.get("teacher_run")
    src = teacher_source(reused, f"teacher_run in {run_dir.name}/config.json") if reused else run_dir
    summary_path = run_dir / "summary.json"
    chosen = json.loads(summary_path.read_text()).get("chosen_teacher_epoch") if summary_path.exists() else None
    chosen = chosen or chosen_teacher_epoch(src)
    teacher = make("teacher", len(config["labels"]))
    load_epoch(teacher, src, "teacher", chosen)
    return teacher, chosen
