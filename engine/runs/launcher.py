"""Start, follow and cancel training runs as separate processes (no torch here: the dashboard imports this)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from engine.errors import DistillDecideError, require
from engine.paths import DATA_DIR, REPO_ROOT
from engine.runs import rundir
from engine.runs.progress import pid_alive, read_raw


def start(
    *,
    profile: str = "quick",
    mode: str = "kd-cached",
    threads: int = 1,
    epochs: int | None = None,
    seed: int = 0,
    data: str | None = None,
    text_col: str = "text",
    label_col: str = "label",
    teacher: str = "default",
    student_layers: int = 2,
    teacher_run: str | None = None,
    temperature: float = 3.0,
    alpha: float = 0.7,
    loss: str = "kd",
    baseline: bool = True,
    scenario=None,
) -> tuple[str, int]:
    """Launch `python -m engine train …` in its own process session; returns (run_id, pid).

    ``scenario`` (an Assumptions: the dashboard's current one) prices the run (error $ per epoch, the checkpoint
    kept, the cost-aware loss): written into its folder and passed as ``--scenario FILE`` (:func:`_write_scenario`);
    None leaves the trainer's default (the seed scenario, or a foreign label set's defaults)."""
    require(threads >= 1, "threads", f"{threads}", "give at least 1 thread (1 keeps the dashboard responsive)")
    require(temperature > 0, "temperature", f"{temperature}", "give a temperature above 0 (default 3)")
    require(0 <= alpha <= 1, "alpha", f"{alpha}", "give α between 0 and 1 (default 0.7)")
    if teacher_run:
        src = rundir.run_path(teacher_run, "teacher run")
        require(rundir.is_done(src), "teacher run", f"{teacher_run} is not finished", "pick a finished run")
    run_id = _new_run_folder()
    path = _write_scenario(rundir.run_path(run_id), scenario) if scenario is not None else None
    cmd = [sys.executable, "-m", "engine", "train", "--profile", profile, "--mode", mode, "--threads", str(threads)]
    cmd += ["--seed", str(seed), "--run-id", run_id, "--teacher", teacher, "--student", str(student_layers), "--json"]
    cmd += ["--temperature", str(temperature), "--alpha", str(alpha), "--loss", loss]
    if teacher_run:
        cmd += ["--teacher-run", teacher_run]
    if not baseline:  # a KD run trains its fine-tune-only control unless told not to
        cmd += ["--no-baseline"]
    if epochs:
        cmd += ["--epochs", str(epochs)]
    if data:
        cmd += ["--data", data, "--text-col", text_col, "--label-col", label_col]
    if path is not None:
        cmd += ["--scenario", str(path)]
    return run_id, _spawn(rundir.run_path(run_id), cmd)


def _write_scenario(run_dir: Path, a) -> Path:
    """The scenario as JSON (``engine.decision.scenario``'s own serialisation) in the new run's folder, beside
    launch.json (a resume reads the same file); a start that fails here leaves no folder behind."""
    from engine.decision import scenario as scenario_mod

    try:
        require(
            isinstance(a, scenario_mod.Assumptions),
            "scenario",
            f"is a {type(a).__name__}, not a scenario",
            "pass the dashboard's current Assumptions (or None for the trainer's default)",
        )
        return scenario_mod.save(a, run_dir / rundir.SCENARIO_FILE)
    except BaseException:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise


def _spawn(log_dir: Path, cmd: list[str], *, log_mode: str = "w") -> int:
    """Start ``cmd`` in its own session with output to process.log (``a``: appended, for a resume); returns its pid.

    The folder holds only the launcher's files until the trainer takes it over (rundir.fresh_for_training);
    they are written before the child starts, so the child's own progress is never overwritten.
    """
    launch = {"pid": None, "host": socket.gethostname(), "cmd": cmd, "started": time.strftime("%Y-%m-%dT%H:%M:%S")}
    before = rundir.read_progress(log_dir)
    rundir.write_json(log_dir / rundir.LAUNCH_FILE, launch)
    rundir.write_json(log_dir / "progress.json", {"state": "starting", "fraction": 0.0})
    try:
        with open(log_dir / "process.log", log_mode, encoding="utf-8") as log:  # the child keeps its own copy
            proc = subprocess.Popen(
                cmd,
                cwd=REPO_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
    except OSError as exc:
        if log_mode == "w":  # a new run's folder holds only what was just written: nothing is left behind
            shutil.rmtree(log_dir, ignore_errors=True)
        else:  # a resume: the run stays as it was, resumable
            rundir.write_json(log_dir / "progress.json", before)
        raise DistillDecideError(
            "training process", f"could not be started ({exc})", "check the Python install"
        ) from None
    rundir.write_json(log_dir / rundir.LAUNCH_FILE, {**launch, "pid": proc.pid})
    return proc.pid


def _new_run_folder() -> str:
    """A new ``ui-…`` run id whose folder this call created (two starts in one second get different ids)."""
    base = rundir.new_run_id("ui")
    for k in range(100):
        run_id = base if k == 0 else f"{base}-{k}"
        try:
            rundir.run_path(run_id).mkdir(parents=True, exist_ok=False)
            return run_id
        except FileExistsError:
            continue
    raise DistillDecideError("run id", f"{base}-… are all taken", "wait a second and start again")


def state(run_id: str, pid: int | None = None) -> str:
    """The run's state (rundir.run_state: a training process that is gone reads ``interrupted``), where a
    launched process that exited before training began is ``failed`` (recorded in the run, so every later
    reader sees it too), never ``starting`` forever; one the trainer refused (:func:`start_refusal`) is
    ``refused`` and its folder is gone."""
    d = rundir.run_path(run_id, "run")
    current = rundir.run_state(d)
    if current not in ("starting", "?"):
        return current
    launch = _launch_record(d)
    pid = pid if pid is not None else launch.get("pid")
    if not pid or launch.get("host", socket.gethostname()) != socket.gethostname() or alive(int(pid)):
        return current
    again = rundir.run_state(d)  # the trainer may have taken over (or finished) between the two reads
    if again not in ("starting", "?"):
        return again
    if start_refusal(run_id, pid) is not None:
        return REFUSED
    tail = log_tail(run_id, 300).strip().splitlines()
    reason = tail[-1] if tail else "no output"
    (d / "FAILED").write_text(f"the training process exited without finishing: {reason}\n", encoding="utf-8")
    rundir.write_json(d / "progress.json", {**rundir.read_progress(d), "state": "failed", "error": reason})
    return "failed"


REFUSED = "refused"  # the trainer refused the start: its folder is gone, start_refusal said why


def start_refusal(run_id: str, pid: int | None = None) -> DistillDecideError | None:
    """Why the trainer refused a launched run, as the one-line error it printed (``error: field: problem.
    Fix: …``), once its process has exited without taking over the run folder; the folder, which holds
    only the launcher's files, is then removed, so a refused start leaves nothing behind. None while the
    process runs, after the trainer took the folder over, or when it died some other way (that reads failed,
    with its log kept)."""
    d = rundir.run_path(run_id, "run")
    launch = _launch_record(d)
    pid = pid if pid is not None else launch.get("pid")
    here = launch.get("host", socket.gethostname()) == socket.gethostname()
    if not pid or not here or alive(int(pid)) or not rundir.fresh_for_training(d):
        return None
    lines = log_tail(run_id, 4000).strip().splitlines()
    if not lines or not lines[-1].startswith("error: "):
        return None
    field, _, rest = lines[-1].removeprefix("error: ").partition(": ")
    problem, found, fix = rest.rpartition(". Fix: ")
    if not found:
        problem, fix = rest, "check the settings and start again"
    refusal = DistillDecideError(field, problem.rstrip("."), fix)
    shutil.rmtree(d, ignore_errors=True)
    return refusal


RESUMABLE = ("interrupted", "cancelled")


def resume(run_id: str) -> int:
    """Continue an interrupted (or cancelled) run in a new process: `python -m engine train --resume --run-id ID`,
    which reads the run's settings from its config.json and starts after its last checkpointed epoch.
    Output is appended to the run's process.log; returns the new pid."""
    d = rundir.run_path(run_id, "run")
    current = state(run_id)
    require(
        current in RESUMABLE,
        "run",
        f"{run_id} is {current}, not interrupted",
        "resume only a run whose training process is gone (runs list shows it interrupted)",
    )
    require(
        (d / "config.json").is_file(),
        "run",
        f"{run_id} has no config.json (it stopped before training began)",
        "start a new run",
    )
    cmd = [sys.executable, "-m", "engine", "train", "--resume", "--run-id", run_id, "--json"]
    return _spawn(d, cmd, log_mode="a")


def launched_pid(run_id: str) -> int | None:
    """The pid of the process this launcher started for ``run_id`` (launch.json), when it was started on this host;
    None for a run started elsewhere (the command line, another machine) or an id that is not a run."""
    try:
        launch = _launch_record(rundir.run_path(run_id, "run"))
    except DistillDecideError:
        return None
    pid = launch.get("pid")
    here = launch.get("host") == socket.gethostname()
    return pid if here and isinstance(pid, int) and not isinstance(pid, bool) and pid > 1 else None


def _launch_record(run_dir: Path) -> dict:
    try:
        return json.loads((run_dir / rundir.LAUNCH_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def list_runs() -> list[dict]:
    """rundir.list_runs, after marking launched runs whose process is gone as failed (and removing the folder
    of a start the trainer refused: :func:`start_refusal`)."""
    for r in rundir.list_runs():
        if r["state"] in ("starting", "running", "?") and (rundir.run_path(r["run_id"]) / rundir.LAUNCH_FILE).exists():
            state(r["run_id"])
    return rundir.list_runs()


UPLOAD_SUFFIXES = (".csv", ".parquet", ".json", ".jsonl", ".ndjson")  # what engine.data.byo reads
MAX_UPLOAD_BYTES = 50_000_000


def store_upload(name: str, data: bytes, *, root: Path | None = None, max_bytes: int = MAX_UPLOAD_BYTES) -> Path:
    """Store an uploaded training file under a generated name and return its path.

    ``name`` is the client's file name: it picks a whitelisted suffix and appears in messages,
    and is never part of the path (a name like ``../../x.csv`` stays an upload). Empty or
    over-size files are refused before anything is written.
    """
    shown = f"upload {Path(str(name)).name[:80]!r}"
    suffix = Path(str(name)).suffix.lower()
    require(
        suffix in UPLOAD_SUFFIXES,
        shown,
        "is not a CSV or parquet (or JSON / JSONL) file",
        "upload a .csv, .parquet, .json or .jsonl file",
    )
    require(bool(data.strip()), shown, "is empty", "export the table again")
    require(
        len(data) <= max_bytes,
        shown,
        f"is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit",
        "upload a smaller file, or train from the CLI with --data PATH",
    )
    root = root if root is not None else DATA_DIR / "uploads"
    root.mkdir(parents=True, exist_ok=True)
    dest = root / f"{uuid.uuid4().hex}{suffix}"
    tmp = dest.with_suffix(dest.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(dest)
    return dest


def alive(pid: int) -> bool:
    """True while ``pid`` runs on this host (the one rule: engine.runs.progress.pid_alive)."""
    return pid_alive(pid)


CANCEL_WAIT_S = 5.0


def cancel(run_id: str, pid: int) -> None:
    """Stop the run's process group; the run is marked cancelled and never DONE."""
    d = rundir.run_path(run_id, "run")
    # pid 0 or 1 would signal our own process group or every process: a launched run is never either
    require(isinstance(pid, int) and pid > 1, "pid", f"{pid!r}", "give the pid launcher.start returned")
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + CANCEL_WAIT_S  # so its last heartbeat cannot land after "cancelled"
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if d.exists() and not rundir.is_done(d):
        # as written, not as read: a process stopped on purpose is not "interrupted" because it is gone
        rundir.write_json(d / "progress.json", {**read_raw(d), "state": "cancelled"})


def log_tail(run_id: str, chars: int = 2000) -> str:
    p: Path = rundir.run_path(run_id, "run") / "process.log"
    return p.read_text(encoding="utf-8", errors="replace")[-chars:] if p.exists() else ""
