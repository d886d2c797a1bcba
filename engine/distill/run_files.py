"""What a training run writes into its directory, besides the logs and checkpoints the loop writes.

config.json first, then predictions.parquet and summary.json, and DONE last (or FAILED): the store
ingests only a run with DONE, and a run copied from another machine is read from these files.
"""

from __future__ import annotations

import resource
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from engine.distill.config import LATER_FIELDS
from engine.distill.data import Prepared
from engine.distill.evaluation import evaluate, predict
from engine.distill.models import count_params
from engine.errors import require
from engine.quality import temperature
from engine.runs import compare, rundir

BASELINE = rundir.PHASE_BASELINE
BASELINE_COLUMN = "finetune_pred"  # a candidate column (engine.rollout.candidates.columns_in reads it as "finetune")


def check_run_dir(run_id: str, *, resume: bool) -> Path:
    """The run's folder, checked and not yet made: new (or the launcher's, still empty of training
    artifacts), or for ``resume`` an unfinished run that is not running and holds its config.json."""
    run_dir = rundir.run_path(run_id, "--run-id")
    if not resume:
        require(
            rundir.fresh_for_training(run_dir),
            "--run-id",
            f"run {run_id} already exists",
            "pick another run id or --resume",
        )
        return run_dir
    require(
        run_dir.is_dir(),
        "--run-id",
        f"run {run_id} not found in {run_dir.parent}",
        "--resume continues an existing run: list them with `python -m engine runs list`",
    )
    require(not rundir.is_done(run_dir), "--run-id", f"run {run_id} is already finished", "start a new run")
    progress = rundir.read_progress(run_dir)
    require(
        progress.get("state") != "running",
        "--run-id",
        f"run {run_id} is still running (process {progress.get('pid')} on {progress.get('host')})",
        "wait for it to finish, or cancel it before resuming",
    )
    require(
        (run_dir / "config.json").is_file(),
        "--run-id",
        f"run {run_id} has no config.json (it stopped before training began)",
        "start a new run",
    )
    return run_dir


def check_same_settings(run_dir: Path, config: dict, names: tuple[str, ...]) -> None:
    """A resume trains with the settings the run started with (``train --resume`` reads them from config.json)."""
    stored = rundir.read_run_json(run_dir, "config.json", "start a new run instead of --resume")
    stored = {**LATER_FIELDS, **stored}  # a run written before a field existed had its old value
    recorded_device = "cuda" if str(stored.get("device", "")).startswith("cuda") else "cpu"
    differ = [
        f"{k} {stored.get(k)!r} → {config.get(k)!r}" for k in names if k != "device" and stored.get(k) != config.get(k)
    ]
    if config.get("device") in ("cpu", "cuda") and config["device"] != recorded_device:
        differ.append(f"device {recorded_device!r} → {config['device']!r}")
    require(
        not differ,
        "--resume",
        f"run {run_dir.name} was started with other settings ({'; '.join(differ[:4])})",
        f"resume it with its own settings: python -m engine train --resume --run-id {run_dir.name}",
    )


def open_run_dir(run_dir: Path, *, main: bool) -> None:
    """Make the checked folder (rank 0), clearing the FAILED marker of an earlier attempt on a resume."""
    if main:
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "FAILED").unlink(missing_ok=True)


def write_config(run_dir: Path, config: dict, data: Prepared, *, device: str, torch_version: str, world: int) -> None:
    n = {"train": len(data.train_rows), "val": len(data.val_rows), "test": len(data.test_rows)}
    facts = {"device": device, "torch": torch_version, "world_size": world, "n": n}
    rundir.write_json(run_dir / "config.json", {**config, "labels": data.labels, "data_hash": data.data_hash, **facts})


def write_predictions(run_dir: Path, run_id: str, data: Prepared, probs: dict[str, np.ndarray]) -> None:
    """predictions.parquet: one row per test request with each model's prediction, and the teacher's and the
    student's calibrated probabilities (a fine-tune-only baseline adds ``finetune_pred``, a candidate column)."""
    d, names = data, np.array(data.labels)
    pt, ps = probs["teacher"], probs["student"]
    preds = pd.DataFrame(
        {
            "request_id": [f"{run_id}-{i}" for i in d.test_rows],
            "segment": d.df.segment.to_numpy()[d.test_rows],
            "text": d.df.text.to_numpy()[d.test_rows],
            "true": names[d.y[d.test_rows]],
            "teacher_pred": names[pt.argmax(1)],
            "student_pred": names[ps.argmax(1)],
        }
    )
    if BASELINE in probs:
        preds[BASELINE_COLUMN] = names[probs[BASELINE].argmax(1)]
    cols = {f"p_teacher_{c}": pt[:, j] for j, c in enumerate(d.labels)}
    cols |= {f"p_student_{c}": ps[:, j] for j, c in enumerate(d.labels)}
    pd.concat([preds, pd.DataFrame(cols)], axis=1).to_parquet(run_dir / "predictions.parquet", index=False)


def test_results(run_dir: Path, run_id: str, data: Prepared, trained: dict, device, assumptions) -> dict:
    """Every trained model on the test split, each at its temperature fitted on validation: predictions.parquet
    (one row per request) and their metrics (ECE after scaling; ``ece_uncalibrated`` before), with
    ``calibration`` {model: temperature, test ECE before/after} and, beside a fine-tune-only baseline, the paired
    KD − FT-only differences (``kd_vs_finetune``)."""
    d = data
    yv, yt = d.y[d.val_rows], d.y[d.test_rows]
    probs, fits = {}, {}
    for name, model in trained.items():
        p_val = predict(model, d.ids, d.val_rows, d.pad_id, device)
        p_test = predict(model, d.ids, d.test_rows, d.pad_id, device)
        probs[name], fits[name] = temperature.fit_and_apply(yv, p_val, yt, p_test)
    write_predictions(run_dir, run_id, d, probs)
    seg = d.segments[d.test_rows] if d.segments is not None else None
    t_test = evaluate(yt, probs["teacher"], d.labels, assumptions=assumptions, segments=seg)
    usd = t_test["error_usd_per_request"]
    out = {"teacher": t_test}
    for name in trained:
        if name != "teacher":
            out[name] = evaluate(
                yt, probs[name], d.labels, probs["teacher"], assumptions=assumptions, segments=seg,
                teacher_error_usd=usd,
            )  # fmt: skip
    for name, fit in fits.items():
        out[name] |= {"ece_uncalibrated": fit.ece_before, "temperature": fit.temperature}
    out["calibration"] = {name: fit.to_dict() for name, fit in fits.items()}
    if BASELINE in trained:
        rows = pd.read_parquet(run_dir / "predictions.parquet")
        out["kd_vs_finetune"] = compare.paired(rows, "student_pred", BASELINE_COLUMN, assumptions)
    return out


def write_summary(run_dir: Path, head: dict, *, models: dict, sums: dict, sels: dict, tests: dict) -> dict:
    """summary.json: the chosen epochs and why, early stops, test metrics, temperatures and parameter counts."""
    summary = {
        **head,
        "chosen_student_epoch": sels["student"]["epoch"],
        "chosen_teacher_epoch": sels["teacher"]["epoch"],
        "selection": sels,
        "early_stop": {p: next((s["early_stop"] for s in sums[p] if s.get("early_stop")), None) for p in sums},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "calibration": tests["calibration"],
    }
    for name, model in models.items():
        summary[name] = {**tests[name], "params": asdict(count_params(model))}
    if "kd_vs_finetune" in tests:
        summary["kd_vs_finetune"] = tests["kd_vs_finetune"]
    rundir.write_json(run_dir / "summary.json", summary)
    return summary


def mark_done(run_dir: Path, progress, seconds: float) -> None:
    progress.finish("done", seconds=seconds)
    (run_dir / "DONE").write_text(time.strftime("%Y-%m-%dT%H:%M:%S") + "\n")


def mark_failed(run_dir: Path, progress, exc: BaseException) -> None:
    if progress is not None:
        progress.finish("failed", error=str(exc))
    else:
        rundir.write_json(run_dir / "progress.json", {"state": "failed", "error": str(exc)})
    (run_dir / "FAILED").write_text(f"{type(exc).__name__}: {exc}\n")


def ingest(run_dir: Path) -> None:
    """Into the dashboard's store, where DuckDB is installed (a GPU box copies the directory home instead)."""
    try:
        from engine import store

        store.ingest_run(run_dir)
    except ImportError:  # DuckDB absent: `python -m engine runs import DIR` where it is installed
        pass
