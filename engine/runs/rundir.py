"""A run is a self-contained directory: config.json, steps.jsonl, epochs.jsonl, progress.json,
checkpoints/, predictions.parquet, summary.json and a DONE marker written last.

Nothing here imports torch or DuckDB: the dashboard reads progress and runs with it,
and a run made on a GPU box comes home by copying its directory.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from engine.errors import DistillDecideError, require
from engine.paths import runs_dir
from engine.runs.progress import Progress as Progress  # the progress file and its heartbeat live there
from engine.runs.progress import read_progress as read_progress
from engine.runs.progress import resume_command

PHASE_BASELINE = "baseline"  # the fine-tune-only student a KD run trains beside its distilled one
PHASES = ("teacher", "student", PHASE_BASELINE)  # what epochs.jsonl's phase and checkpoints/<phase>-epochN hold
RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
RUN_ID_FIX = (
    "use 1–100 letters, digits, '.', '_' or '-', starting with a letter or digit (no '/' or '..': "
    "a run id names a folder inside the runs folder)"
)


def new_run_id(prefix: str = "run") -> str:
    return f"{prefix}-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}-{os.getpid() % 10000:04d}"


def check_run_id(run_id: object, field: str = "--run-id") -> str:
    """``run_id`` if it is a valid run id (the one rule for every command, the launcher and the pages)."""
    ok = isinstance(run_id, str) and RUN_ID.fullmatch(run_id) is not None and ".." not in run_id
    require(ok, field, f"{str(run_id)[:120]!r} is not a valid run id", RUN_ID_FIX)
    return str(run_id)


def run_path(run_id: object, field: str = "--run-id") -> Path:
    """The directory of run ``run_id`` inside :func:`runs_dir` (which it may not leave, even through a symlink)."""
    rid = check_run_id(run_id, field)
    root = runs_dir()
    real_root = root.resolve()
    require(
        (real_root / rid).resolve().parent == real_root,
        field,
        f"{rid!r} resolves outside the runs folder {root}",
        "remove the link in the runs folder, or copy the run directory there",
    )
    return root / rid


def write_json(path: Path, data: Any) -> None:
    """Atomic write: a reader never sees half a file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)


def append_jsonl(path: Path, record: dict) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, default=float) + "\n")


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def resolve_run(run: str | Path, field: str = "--run") -> Path:
    """A run the user named: a directory path they typed (it has a '/' or starts with '.' or '~'), or a run id.

    An id is checked by :func:`check_run_id` and looked up only inside the runs folder; a bare word is
    never read as a path relative to the working directory.
    """
    text = str(run)
    if isinstance(run, Path) or "/" in text or os.sep in text or text.startswith((".", "~")):
        p = Path(text).expanduser()
    else:
        p = run_path(text, field)
    require(p.is_dir(), field, f"{text[:200]!r} is not a run directory", "list runs with `python -m engine runs list`")
    return p


def read_run_json(run_dir: Path, name: str, fix: str, *, keys: tuple[str, ...] = ()) -> dict:
    """A JSON object a run directory holds (a copied run may hold anything): missing, malformed or
    lacking one of ``keys`` raises DistillDecideError naming the file and ``fix``, never a traceback."""
    path = run_dir / name
    require(path.is_file(), f"{run_dir.name}/{name}", "is missing", fix)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DistillDecideError(f"{run_dir.name}/{name}", f"is not valid JSON ({exc})", fix) from None
    require(isinstance(data, dict), f"{run_dir.name}/{name}", "is not a JSON object", fix)
    absent = [k for k in keys if k not in data]
    require(not absent, f"{run_dir.name}/{name}", f"has no {', '.join(absent)}", fix)
    return data


def is_done(run_dir: Path) -> bool:
    return (run_dir / "DONE").exists()


# The launcher creates a run's folder before the trainer starts (for the process log), and says so in
# launch.json. A new training run may take over a folder that holds these files and nothing else.
LAUNCH_FILE = "launch.json"
SCENARIO_FILE = "scenario.json"  # the scenario a launched run is priced with (launcher.start(scenario=…))
LAUNCHER_FILES = frozenset({LAUNCH_FILE, "process.log", "progress.json", SCENARIO_FILE})


def fresh_for_training(run_dir: Path) -> bool:
    """True when a new run may be written to ``run_dir``: it does not exist, or the launcher made it
    (``launch.json``) and it holds no training artifact yet (only the launcher's own files)."""
    if not run_dir.exists():
        return True
    names = {p.name for p in run_dir.iterdir() if not p.name.endswith(".tmp")}
    return LAUNCH_FILE in names and names <= LAUNCHER_FILES


def run_state(run_dir: Path) -> str:
    """done (DONE written), failed (FAILED written), else what progress.json says (starting, running,
    cancelled, …; '?' when it says nothing), where a running run whose process is gone reads
    ``interrupted`` (:func:`engine.runs.progress.read_progress`)."""
    if is_done(run_dir):
        return "done"
    if (run_dir / "FAILED").exists():
        return "failed"
    return str(read_progress(run_dir).get("state", "?"))


def _summary(run_dir: Path) -> dict:
    """summary.json, or {} when absent or unreadable (a listing never fails on one bad run)."""
    try:
        data = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def list_runs() -> list[dict]:
    root = runs_dir()
    if not root.exists():
        return []
    out = []
    for p in sorted(root.iterdir(), reverse=True):
        if not p.is_dir():
            continue
        summary = _summary(p)
        state = run_state(p)
        out.append(
            {
                "run_id": p.name,
                "done": is_done(p),
                "state": state,
                "resume": resume_command(p.name) if state == "interrupted" else None,
                "mode": summary.get("mode"),
                "teacher_accuracy": summary.get("teacher", {}).get("accuracy"),
                "student_accuracy": summary.get("student", {}).get("accuracy"),
                "finetune_accuracy": (summary.get(PHASE_BASELINE) or {}).get("accuracy"),
                "student_epoch": summary.get("chosen_student_epoch"),
                "gates_passed": summary.get("selection", {}).get("student", {}).get("gates_passed"),
                "seconds": summary.get("seconds"),
            }
        )
    return out


EPOCH_COLUMNS = {
    "phase": "Phase",
    "epoch": "Epoch",
    "val_accuracy": "Accuracy",
    "val_macro_f1": "Macro-F1",
    "val_rare_class_accuracy": "Rare-class accuracy",
    "val_ece": "ECE",
    "val_loss": "Loss (nats)",
    "val_agreement": "Agreement with teacher",
    "val_critical_rate": "Critical-error rate",
    "val_error_usd_per_request": "Error $ per request",
    "val_error_vs_teacher": "Error $ vs teacher",
}


def epoch_table(run_dir: Path) -> pd.DataFrame:
    """One row per (phase, epoch) of validation signals, with which epoch was kept and why the others were not."""
    rows = read_jsonl(run_dir / "epochs.jsonl")
    if not rows:
        return pd.DataFrame(columns=list(EPOCH_COLUMNS.values()) + ["Kept", "Why not / stop"])
    df = pd.DataFrame(rows)
    sel = _summary(run_dir).get("selection", {})
    kept, notes = [], []
    for phase, epoch, stop in zip(
        df["phase"], df["epoch"], df["early_stop"] if "early_stop" in df else [None] * len(df)
    ):
        ps = sel.get(phase, {})
        kept.append(ps.get("epoch") == epoch)
        note = ps.get("why_not", {}).get(str(epoch), "")
        if isinstance(stop, dict):
            note = "; ".join(x for x in (note, f"stopped: {stop.get('detail', '')}") if x)
        notes.append(note)
    out = df[[c for c in EPOCH_COLUMNS if c in df.columns]].rename(columns=EPOCH_COLUMNS)
    return out.assign(**{"Kept": kept, "Why not / stop": notes})


def latency_runs() -> list[str]:
    """Ids of the runs whose latency has been measured (``python -m engine bench-latency``)."""
    return [r["run_id"] for r in list_runs() if (runs_dir() / r["run_id"] / "latency.json").exists()]


def read_latency(run_id: str) -> dict:
    """A run's measured latency: model → runtime → {p50_ms, p95_ms, …, throughput_rps_by_batch}."""
    path = run_path(run_id, "run") / "latency.json"
    require(
        path.exists(),
        "run",
        f"{run_id} has no latency.json",
        f"measure it: python -m engine bench-latency --run {run_id}",
    )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DistillDecideError(
            "latency.json", f"of run {run_id} cannot be read ({exc})", "measure it again"
        ) from None
    require(
        isinstance(data, dict) and all(isinstance(data.get(m), dict) for m in ("teacher", "student")),
        "latency.json",
        f"of run {run_id} has no teacher and student entries",
        "measure it again",
    )
    return data


def read_latency_samples(run_id: str) -> pd.DataFrame | None:
    """The per-request batch-1 latencies ``bench-latency`` stored (ONNX fp32): one column per model
    (``teacher_latency_ms``, ``student_latency_ms``); None when the run has none or the file is unreadable."""
    path = run_path(run_id, "run") / "latency.parquet"
    try:
        df = pd.read_parquet(path) if path.is_file() else None
    except (OSError, ValueError):
        return None
    cols = [f"{m}_latency_ms" for m in ("teacher", "student")]
    if df is None or not set(cols) <= set(df.columns):
        return None
    return df[cols]


def read_steps(run_dir: Path) -> pd.DataFrame:
    """The training steps logged so far (steps.jsonl: phase, global_step, epoch, total_loss, …), read while
    the trainer appends to it: a half-written or damaged line is skipped, never an error."""
    path = run_dir / "steps.jsonl"
    rows = []
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if path.is_file() else []
    except OSError:
        lines = []
    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and isinstance(rec.get("total_loss"), int | float) and "global_step" in rec:
            rows.append(rec)
    return pd.DataFrame(rows, columns=None if rows else ["phase", "epoch", "global_step", "total_loss"])


def planned_epochs(run_dir: Path) -> int | None:
    """The epochs per phase a run was configured with (config.json), None before the trainer wrote it."""
    try:
        n = json.loads((run_dir / "config.json").read_text(encoding="utf-8")).get("epochs")
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        return None
    return n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else None
