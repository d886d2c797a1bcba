"""Training runs: a finished run directory ingested whole (rows, config, summary, step log, epochs), and latency."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from engine.errors import DistillDecideError, require
from engine.runs.rundir import read_jsonl
from engine.store.db import connect, insert_frame, transaction
from engine.store.rows import rows_frame, write_rows

STEP_COLUMNS = (
    "phase",
    "epoch",
    "global_step",
    "batch_size",
    "hard_ce",
    "kd_kl_t2",
    "total_loss",
    "grad_norm",
    "lr",
    "throughput_samples_per_sec",
)
EPOCH_COLUMNS = (
    "phase",
    "epoch",
    "train_loss",
    "val_loss",
    "val_accuracy",
    "val_macro_f1",
    "val_rare_class_accuracy",
    "val_ece",
    "val_critical_rate",
    "val_agreement",
    "val_kl_t3",
    "val_error_usd_per_request",
    "checkpoint_promotable",
)
RUN_TABLES = ("runs", "run_steps", "run_epochs")  # fixed names, never user input
RUN_LOGS = {"steps": ("run_steps", "phase, global_step"), "epochs": ("run_epochs", "phase, epoch")}


class _StagedRun(NamedTuple):
    """Everything one ingest writes, read and checked before the transaction opens."""

    run_id: str
    row: list[Any]  # the runs-table row
    rows: pd.DataFrame  # per-request rows in the stored layout
    steps: pd.DataFrame
    epochs: pd.DataFrame


def _read(d: Path, name: str) -> Any:
    """One file of a run directory (parquet, JSON lines or JSON); an unreadable one is named with its fix."""
    f = d / name
    try:
        if name.endswith(".parquet"):
            return pd.read_parquet(f)
        if name.endswith(".jsonl"):
            return read_jsonl(f)
        return json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # JSONDecodeError and pyarrow's ArrowInvalid are ValueErrors
        raise DistillDecideError(
            "run", f"{d.name}/{name} could not be read ({type(exc).__name__})", "copy the whole run directory again"
        ) from None


def _log_frame(rows: list[dict], columns: tuple[str, ...], run_id: str) -> pd.DataFrame:
    """Log records as a frame with exactly ``columns`` (absent fields are NULL), the last of any repeat, plus run_id."""
    frame = pd.DataFrame(rows).reindex(columns=list(columns))
    if "checkpoint_promotable" in frame:
        frame["checkpoint_promotable"] = frame["checkpoint_promotable"].astype("boolean")
    frame = frame.drop_duplicates(
        ["phase", "global_step"] if "global_step" in frame else ["phase", "epoch"], keep="last"
    )
    return frame.assign(run_id=run_id)


def _epoch_frame(epochs: list[dict], summary: dict, run_id: str) -> pd.DataFrame:
    kept = summary.get("selection", {})
    records = [
        {
            **x,
            "kept": kept.get(x["phase"], {}).get("epoch") == x["epoch"],
            "early_stop": (x.get("early_stop") or {}).get("rule"),
        }
        for x in epochs
    ]
    return _log_frame(records, EPOCH_COLUMNS + ("kept", "early_stop"), run_id)


def _stage(d: Path) -> _StagedRun:
    require(
        (d / "DONE").exists(),
        "run",
        f"{d.name} has no DONE marker (unfinished or failed)",
        "wait for the run to finish, or re-run it",
    )
    for f in ("config.json", "summary.json", "predictions.parquet"):
        require((d / f).exists(), "run", f"{d.name} has no {f}", "copy the whole run directory")
    config, summary = _read(d, "config.json"), _read(d, "summary.json")
    require(isinstance(config, dict) and "labels" in config, "run", f"{d.name}/config.json has no labels", "re-run it")
    require(isinstance(summary, dict), "run", f"{d.name}/summary.json is not an object", "re-run it")
    run_id = str(config.get("run_id", d.name))
    epochs = _read(d, "epochs.jsonl")
    rows = rows_frame(f"run:{run_id}", _read(d, "predictions.parquet"), intents=config["labels"])
    return _StagedRun(
        run_id=run_id,
        row=[run_id, str(d.resolve()), json.dumps(config), json.dumps(summary), json.dumps(epochs)],
        rows=rows,
        steps=_log_frame(_read(d, "steps.jsonl"), STEP_COLUMNS, run_id),
        epochs=_epoch_frame(epochs, summary, run_id),
    )


def ingest_run(run_dir: str | Path, path: str | Path | None = None) -> str:
    """Ingest a finished run directory (idempotent): its predictions as rows, its config, summary and epochs.

    A run without DONE is never ingested as complete. Every file is read and checked first, then one
    transaction replaces all of the run's rows: a failure anywhere leaves the store as it was.
    """
    run = _stage(Path(run_dir))
    with transaction(path) as con:
        write_rows(con, f"run:{run.run_id}", run.rows)
        for table in RUN_TABLES:
            con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run.run_id])
        con.execute(
            "INSERT INTO runs (run_id, path, config_json, summary_json, epochs_json) VALUES (?, ?, ?, ?, ?)", run.row
        )
        if len(run.steps):
            sql = f"INSERT INTO run_steps SELECT run_id, {', '.join(STEP_COLUMNS)} FROM incoming"
            insert_frame(con, run.steps, sql)
        if len(run.epochs):
            sql = f"INSERT INTO run_epochs SELECT run_id, {', '.join(EPOCH_COLUMNS)}, kept, early_stop FROM incoming"
            insert_frame(con, run.epochs, sql)
    return run.run_id


def load_run_log(run_id: str, which: str = "epochs", path: str | Path | None = None) -> pd.DataFrame:
    """A run's ingested step log (``which="steps"``) or epoch summaries, in order."""
    require(which in RUN_LOGS, "which", repr(which), "use steps or epochs")
    table, order = RUN_LOGS[which]
    with connect(path, read_only=True) as con:
        return con.execute(f"SELECT * FROM {table} WHERE run_id = ? ORDER BY {order}", [run_id]).df()


def list_ingested_runs(path: str | Path | None = None) -> pd.DataFrame:
    """Ingested runs, newest first: id, directory, summary JSON, when."""
    with connect(path, read_only=True) as con:
        return con.execute("SELECT run_id, path, summary_json, ingested_at FROM runs ORDER BY ingested_at DESC").df()


def run_labels(run_id: str, path: str | Path | None = None) -> list[str] | None:
    """The label order an ingested run was trained with (None if the run is not ingested)."""
    with connect(path, read_only=True) as con:
        row = con.execute("SELECT config_json FROM runs WHERE run_id = ?", [run_id]).fetchone()
    return json.loads(row[0])["labels"] if row else None


def ingest_latency(run_dir: str | Path, path: str | Path | None = None) -> int:
    """Store a run's per-request latencies (ONNX fp32, batch 1), replacing earlier ones."""
    d = Path(run_dir)
    require((d / "latency.parquet").exists(), "run", f"{d.name} has no latency.parquet", "run bench-latency first")
    frame = _read(d, "latency.parquet").reset_index(names="position")
    for col in ("teacher_latency_ms", "student_latency_ms"):
        if col not in frame:
            frame[col] = None
    frame.insert(0, "run_id", d.name)
    with transaction(path) as con:
        con.execute("DELETE FROM request_latency WHERE run_id = ?", [d.name])
        insert_frame(
            con,
            frame[["run_id", "position", "teacher_latency_ms", "student_latency_ms"]],
            "INSERT INTO request_latency SELECT * FROM incoming",
        )
    return len(frame)
