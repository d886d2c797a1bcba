"""A run's progress file, its heartbeat, and the one rule that says a run whose process is gone is interrupted.

The trainer rewrites ``progress.json`` every few steps and, from a background thread, at least every
:data:`HEARTBEAT_S` seconds (through evaluation, checkpoints and the teacher-logit pass too), with
its ``pid``, ``host`` and ``heartbeat`` (Unix seconds). A reader (``runs list``, the launcher, the Lab)
calls a run **interrupted** when it says ``running`` but its process is gone: the pid is not alive on
this host, or the heartbeat is older than :data:`STALE_AFTER_S` (a run on another host, a reused pid,
a hung process). Nothing here imports torch: the dashboard reads progress with it.
"""

from __future__ import annotations

import json
import math
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

HEARTBEAT_S = 5.0
STALE_AFTER_S = 60.0  # 12 missed beats: the stated timeout after which a silent run reads interrupted
ACTIVE = ("running",)  # the trainer's own state; the launcher's "starting" is judged by launcher.state


def resume_command(run_id: str) -> str:
    """What continues an interrupted run from its last checkpointed epoch (settings from its config.json)."""
    return f"python -m engine train --resume --run-id {run_id}"


def pid_alive(pid: int) -> bool:
    """True while process ``pid`` exists on this host (a finished child of ours is reaped, so it reads dead)."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 1:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    try:  # a finished child stays a zombie until reaped
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:  # not our child
        return True


def gone_reason(progress: dict, *, now: float, host: str) -> str | None:
    """Why a ``running`` progress record's process is gone (None while it looks alive).

    ``now`` is Unix seconds and ``host`` this machine's name: both are arguments so the rule can be
    checked by hand on a made-up record.
    """
    if progress.get("state") not in ACTIVE:
        return None
    pid, beat = progress.get("pid"), progress.get("heartbeat")
    if isinstance(pid, int) and progress.get("host") == host and not pid_alive(pid):
        return f"its process {pid} is not running"
    if isinstance(beat, int | float) and now - float(beat) > STALE_AFTER_S:
        return f"no heartbeat for {now - float(beat):,.0f} s (the timeout is {STALE_AFTER_S:.0f} s)"
    return None


def _half_up(x: float) -> int:
    return math.floor(x + 0.5)


def duration_words(seconds: float) -> str:
    """A duration as a person says it: "45 s", "3 min", "1 h 5 min" (seconds under a minute rounded to 5)."""
    s = max(0.0, float(seconds))
    if s < 60:
        return f"{max(1, _half_up(s))} s" if s < 10 else f"{min(55, 5 * _half_up(s / 5))} s"
    minutes = _half_up(s / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min" if minutes % 60 else f"{minutes // 60} h"


def eta_words(eta_s: object) -> str:
    """The ETA the trainer wrote (``eta_s``) in words: "about 3 min left"; "" when it is missing or not a number."""
    if not isinstance(eta_s, int | float) or isinstance(eta_s, bool) or not math.isfinite(eta_s) or eta_s < 0:
        return ""
    return "a few seconds left" if eta_s < 10 else f"about {duration_words(eta_s)} left"


def read_raw(run_dir: Path) -> dict:
    """progress.json as written ({} when absent or torn)."""
    p = run_dir / "progress.json"
    try:
        data = json.loads(p.read_text(encoding="utf-8")) if p.is_file() else {}
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def read_progress(run_dir: Path, *, now: float | None = None) -> dict:
    """progress.json, where a ``running`` run whose process is gone reads ``interrupted`` with why and a
    ``resume`` command. A record without a heartbeat (an older run) is judged by the file's age."""
    data = read_raw(run_dir)
    if data.get("state") not in ACTIVE:
        return data
    now = time.time() if now is None else now
    judged = data if "heartbeat" in data else {**data, "heartbeat": _mtime(run_dir / "progress.json", now)}
    why = gone_reason(judged, now=now, host=socket.gethostname())
    if why is None:
        return data
    return {**data, "state": "interrupted", "interrupted_because": why, "resume": resume_command(run_dir.name)}


def _mtime(path: Path, default: float) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return default


def write_atomic(path: Path, data: Any) -> None:
    """Write JSON through a temporary file of this process and thread, so concurrent writers never tear it."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)


class Progress:
    """The progress file the dashboard follows, its heartbeat thread, and an optional terminal bar.

    ``start_heartbeat`` starts a daemon thread that rewrites the last record with a fresh heartbeat
    every :data:`HEARTBEAT_S` seconds; ``finish`` stops it before writing the final state, so a
    finished run is never written back to ``running``.
    """

    def __init__(self, run_dir: Path, total_steps: int, bar: bool = False, done_steps: int = 0) -> None:
        self.run_dir, self.total, self.bar = run_dir, max(1, total_steps), bar
        self.start = time.monotonic()
        self.done = self._first = done_steps
        self._record: dict = {"state": "running", "phase": "starting", "fraction": done_steps / self.total}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _write(self, record: dict) -> None:
        with self._lock:
            self._record = record
            stamped = {**record, "pid": os.getpid(), "host": socket.gethostname(), "heartbeat": time.time()}
            write_atomic(self.run_dir / "progress.json", stamped)

    def start_heartbeat(self, every_s: float | None = None) -> None:
        every = HEARTBEAT_S if every_s is None else every_s
        self._write(self._record)

        def beat() -> None:
            while not self._stop.wait(every):
                self._write(self._record)

        self._thread = threading.Thread(target=beat, name="progress-heartbeat", daemon=True)
        self._thread.start()

    def stop_heartbeat(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def update(self, *, phase: str, epoch: int, step: int, samples_per_s: float, terms: dict[str, float]) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.start
        eta = elapsed / max(1, self.done - self._first) * (self.total - self.done)
        state = {"state": "running", "phase": phase, "epoch": epoch, "step": step, "done_steps": self.done}
        state |= {"total_steps": self.total, "fraction": self.done / self.total, "samples_per_s": samples_per_s}
        state |= {"eta_s": eta, "elapsed_s": elapsed, **terms}
        if self.done % 5 == 0 or self.done == self.total:
            self._write(state)
        else:
            self._record = state  # the next beat writes it
        if self.bar and (self.done % 10 == 0 or self.done == self.total):
            width = 30
            filled = int(width * self.done / self.total)
            print(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {phase} e{epoch} "
                f"loss {terms.get('total_loss', float('nan')):.3f} {samples_per_s:,.0f}/s ETA {eta:,.0f}s",
                end="",
                flush=True,
            )

    def finish(self, state: str, **extra) -> None:
        self.stop_heartbeat()
        fraction = 1.0 if state == "done" else self.done / self.total
        with self._lock:
            write_atomic(self.run_dir / "progress.json", {"state": state, "fraction": fraction, **extra})
        if self.bar:
            print()
