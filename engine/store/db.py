"""Connections, the lock retry, transactions and the numbered schema migrations.

DuckDB allows one read-write process or many read-only ones, so connections
are short-lived (open, work, close): reads open read-only, writes open
read-write inside one transaction, and both retry while another process holds
the lock. That lets the CLI write while the dashboard is open.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import pandas as pd

from engine.errors import DistillDecideError, require
from engine.paths import db_path

LOCK_WAIT_S = 15.0
LOCK_LOG_ENV = "DISTILL_DECIDE_LOCK_LOG"  # a file: one line (the process id) per lock wait, for bench/concurrency.py
_lock_waits = 0
# DuckDB's file lock is a POSIX lock, and POSIX locks belong to the process: when any thread here closes a handle
# on the file, every lock the process holds on it is gone. A thread that opened a second handle (and closed it on a
# conflict, "Unique file handle conflict") let another process in while a connection of this process was still
# writing or checkpointing: bench/concurrency.py lost one CLI row of 20 beside 10 dashboard sessions, and another
# process read a half-written file as "damaged". So one connection per process at a time; other processes are
# waited for by the retry in _open.
_IN_PROCESS = threading.RLock()

MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            "CREATE SEQUENCE IF NOT EXISTS scenario_version_seq START 1",
            """CREATE TABLE IF NOT EXISTS scenario_versions (
            version_id BIGINT PRIMARY KEY DEFAULT nextval('scenario_version_seq'),
            name VARCHAR NOT NULL, assumptions_json VARCHAR NOT NULL,
            author VARCHAR, note VARCHAR, created_at TIMESTAMP DEFAULT current_timestamp)""",
            """CREATE TABLE IF NOT EXISTS request_rows (
            source VARCHAR NOT NULL, request_id VARCHAR NOT NULL, segment VARCHAR NOT NULL,
            true_intent VARCHAR NOT NULL, teacher_pred VARCHAR NOT NULL, student_pred VARCHAR NOT NULL,
            teacher_probs DOUBLE[], student_probs DOUBLE[], PRIMARY KEY (source, request_id))""",
            """CREATE TABLE IF NOT EXISTS cubes (
            cube_hash VARCHAR PRIMARY KEY, source VARCHAR, intents_json VARCHAR NOT NULL,
            segments_json VARCHAR NOT NULL, n BIGINT NOT NULL, created_at TIMESTAMP DEFAULT current_timestamp)""",
            """CREATE TABLE IF NOT EXISTS cube_cells (
            cube_hash VARCHAR NOT NULL, segment VARCHAR NOT NULL, true_intent VARCHAR NOT NULL,
            teacher_pred VARCHAR NOT NULL, student_pred VARCHAR NOT NULL, n BIGINT NOT NULL)""",
        ),
    ),
    (
        2,
        (
            """CREATE TABLE IF NOT EXISTS evaluation_cycles (
            series VARCHAR NOT NULL, position INTEGER NOT NULL, cycle VARCHAR NOT NULL, metrics_json VARCHAR NOT NULL,
            saved_at TIMESTAMP DEFAULT current_timestamp, PRIMARY KEY (series, position))""",
        ),
    ),
    (
        3,
        (
            """CREATE TABLE IF NOT EXISTS runs (
            run_id VARCHAR PRIMARY KEY, path VARCHAR NOT NULL, config_json VARCHAR NOT NULL,
            summary_json VARCHAR NOT NULL, epochs_json VARCHAR NOT NULL,
            ingested_at TIMESTAMP DEFAULT current_timestamp)""",
        ),
    ),
    (
        4,
        (
            """CREATE TABLE IF NOT EXISTS request_latency (
            run_id VARCHAR NOT NULL, position INTEGER NOT NULL, teacher_latency_ms DOUBLE, student_latency_ms DOUBLE,
            PRIMARY KEY (run_id, position))""",
        ),
    ),
    (
        5,
        (  # seed 002 §15 step log and epoch summaries, one row each, queryable across runs
            """CREATE TABLE IF NOT EXISTS run_steps (
            run_id VARCHAR NOT NULL, phase VARCHAR NOT NULL, epoch INTEGER NOT NULL, global_step INTEGER NOT NULL,
            batch_size INTEGER, hard_ce DOUBLE, kd_kl_t2 DOUBLE, total_loss DOUBLE, grad_norm DOUBLE, lr DOUBLE,
            throughput_samples_per_sec DOUBLE, PRIMARY KEY (run_id, phase, global_step))""",
            """CREATE TABLE IF NOT EXISTS run_epochs (
            run_id VARCHAR NOT NULL, phase VARCHAR NOT NULL, epoch INTEGER NOT NULL, train_loss DOUBLE,
            val_loss DOUBLE, val_accuracy DOUBLE, val_macro_f1 DOUBLE, val_rare_class_accuracy DOUBLE, val_ece DOUBLE,
            val_critical_rate DOUBLE, val_agreement DOUBLE, val_kl_t3 DOUBLE, val_error_usd_per_request DOUBLE,
            checkpoint_promotable BOOLEAN, kept BOOLEAN, early_stop VARCHAR, PRIMARY KEY (run_id, phase, epoch))""",
        ),
    ),
    (
        6,
        (  # the weekly review: one stored, dated decision per (date, evidence, scenario)
            "CREATE SEQUENCE IF NOT EXISTS review_seq START 1",
            """CREATE TABLE IF NOT EXISTS reviews (
            review_id BIGINT PRIMARY KEY DEFAULT nextval('review_seq'), review_date DATE NOT NULL,
            evidence VARCHAR NOT NULL, cube_hash VARCHAR NOT NULL, scenario VARCHAR NOT NULL,
            scenario_key VARCHAR NOT NULL, assumptions_json VARCHAR NOT NULL, decision_json VARCHAR NOT NULL,
            author VARCHAR NOT NULL, note VARCHAR, recorded_at TIMESTAMP DEFAULT current_timestamp,
            UNIQUE (review_date, cube_hash, scenario_key))""",
        ),
    ),
    (
        7,
        (  # N candidates on one plane: a stored source's extra prediction columns (`<name>_pred`), one row per
            # request and column, so a reloaded upload keeps every candidate (a database before 7 has none)
            """CREATE TABLE IF NOT EXISTS request_candidates (
            source VARCHAR NOT NULL, request_id VARCHAR NOT NULL, position INTEGER NOT NULL,
            column_name VARCHAR NOT NULL, pred VARCHAR NOT NULL, PRIMARY KEY (source, request_id, column_name))""",
        ),
    ),
)

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


def _is_lock_error(exc: Exception) -> bool:
    """Another connection holds the file: another process's lock, or (inside this process, e.g. the dashboard's
    sessions) a connection with the other read-only setting, or DuckDB's file handle still attached by a thread's
    connection that is opening or closing ("Unique file handle conflict", a ResourceInUseException): all pass."""
    text = str(exc).lower()
    return "lock" in text or "different configuration" in text or "file handle conflict" in text


_DAMAGED = ("not a valid duckdb database", "could not read enough bytes", "corrupt", "checksum", "invalid database")
_UNWRITABLE = ("permission denied", "operation not permitted", "read-only file system", "is a directory")


def _damaged(p: Path, reason: str) -> DistillDecideError:
    return DistillDecideError(
        "database",
        f"{p} is damaged or is not a DuckDB file ({reason})",
        f"restore it from a backup, or move it aside (mv {p} {p}.broken) and run again to start an empty store",
    )


def _fault(p: Path, exc: BaseException) -> DistillDecideError | None:
    """The one line for a store that cannot be used (damaged file, unwritable place); None for other errors."""
    text = " ".join(str(exc).split()).lower()
    reason = " ".join(str(exc).split()).removeprefix("IO Error: ").replace(f' "{p}"', "")[:200]
    if any(w in text for w in _DAMAGED):
        return _damaged(p, reason)
    if isinstance(exc, OSError) or any(w in text for w in _UNWRITABLE):
        return DistillDecideError(
            "database",
            f"{p.parent} is a read-only location: {p} cannot be created or written there ({reason})",
            f"make {p.parent} writable, or set DISTILL_DECIDE_DB to a file in a writable folder",
        )
    return None


def lock_retries() -> int:
    """How many times this process found the file locked by another and retried (see ``LOCK_LOG_ENV``)."""
    return _lock_waits


def _count_lock_wait() -> None:
    global _lock_waits
    _lock_waits += 1
    log = os.environ.get(LOCK_LOG_ENV)
    if log:  # one short O_APPEND write per wait: lines from concurrent processes never interleave
        with contextlib.suppress(OSError), open(log, "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\n")


def _busy(p: Path, wait_s: float) -> DistillDecideError:
    return DistillDecideError(
        "database",
        f"{p} is busy in another process for over {wait_s:.0f} s",
        "wait for the running write (e.g. an ingest) to finish, then retry",
    )


def _open(p: Path, *, read_only: bool, wait_s: float) -> duckdb.DuckDBPyConnection:
    """Open ``p``, retrying with backoff while another process holds its lock."""
    deadline = time.monotonic() + wait_s
    delay = 0.02
    while True:
        try:
            return duckdb.connect(str(p), read_only=read_only)
        except (duckdb.IOException, duckdb.ConnectionException, duckdb.ResourceInUseException) as exc:
            if not _is_lock_error(exc):
                fault = _fault(p, exc)
                if fault is None:
                    raise
                raise fault from None
            if time.monotonic() > deadline:
                raise _busy(p, wait_s) from None
            _count_lock_wait()
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


@contextlib.contextmanager
def connect(
    path: str | Path | None = None, *, read_only: bool = False, wait_s: float = LOCK_WAIT_S
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection, retried while another process holds the file's lock."""
    p = Path(path) if path is not None else db_path()
    if read_only and not p.exists():
        migrate(p)
    if not read_only:
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            fault = _fault(p, exc)
            assert fault is not None  # every OSError is a fault
            raise fault from None
    if not _IN_PROCESS.acquire(timeout=4 * wait_s):  # a long write of another thread here (an ingest)
        raise _busy(p, 4 * wait_s)
    try:
        con = _open(p, read_only=read_only, wait_s=wait_s)
        try:
            yield con
        except duckdb.Error as exc:  # a damaged block or an unwritable write-ahead log shows only when used
            fault = _fault(p, exc)
            if fault is None:
                raise
            raise fault from None
        finally:
            con.close()
    finally:
        _IN_PROCESS.release()


def check(path: str | Path | None = None) -> None:
    """Raise the store's one-line fault (damaged file, read-only place) now, creating nothing.

    A store busy in another process is not a fault. The dashboard calls this on every page.
    """
    p = Path(path) if path is not None else db_path()
    if p.exists() and _IN_PROCESS.acquire(timeout=1.0):  # another thread's connection here: busy, not a fault
        try:
            duckdb.connect(str(p), read_only=True).close()
        except duckdb.Error as exc:
            fault = None if _is_lock_error(exc) else _fault(p, exc)
            if fault is not None:
                raise fault from None
        finally:
            _IN_PROCESS.release()
    folder = next((f for f in (p.parent, *p.parent.parents) if f.exists()), p.parent)
    writable = os.access(folder, os.W_OK) and (not p.exists() or os.access(p, os.W_OK))
    require(
        writable,
        "database",
        f"{p} cannot be written: {folder} is a read-only location (saving scenarios, cubes and cycles will fail)",
        f"make {folder} writable, or set DISTILL_DECIDE_DB to a file in a writable folder",
    )


@contextlib.contextmanager
def transaction(path: str | Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection inside one transaction: all of a write lands, or none of it."""
    migrate(path)
    with connect(path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")


def migrate(path: str | Path | None = None) -> int:
    """Bring the schema up to date (idempotent); returns the schema version."""
    p = Path(path) if path is not None else db_path()
    latest = MIGRATIONS[-1][0]
    if p.exists():
        with contextlib.suppress(duckdb.Error), connect(p, read_only=True) as con:
            if _version(con) >= latest:
                return latest
    with connect(p) as con:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
            "applied_at TIMESTAMP DEFAULT current_timestamp)"
        )
        current = _version(con)
        for version, statements in MIGRATIONS:
            if version <= current:
                continue
            con.execute("BEGIN TRANSACTION")
            for sql in statements:
                con.execute(sql)
            con.execute("INSERT INTO schema_migrations (version) VALUES (?)", [version])
            con.execute("COMMIT")
    return latest


def _version(con: duckdb.DuckDBPyConnection) -> int:
    try:
        row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    except duckdb.CatalogException:
        return 0
    return int(row[0]) if row else 0


def insert_frame(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, sql: str, params: list | None = None) -> None:
    """Run ``sql`` with ``frame`` visible as the view ``incoming`` (bulk insert from a DataFrame)."""
    con.register("incoming", frame)
    try:
        con.execute(sql, params or [])
    finally:
        con.unregister("incoming")


def quoted(name: str, allowed: Sequence[str], what: str) -> str:
    """``name`` double-quoted for SQL text, once it is a plain identifier found in ``allowed``."""
    require(
        bool(IDENT.match(name)) and name in allowed,
        what,
        f"{name!r} is not one of {list(allowed)[:12]}",
        f"name an existing {what}",
    )
    return '"' + name + '"'


def table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables in the catalogue: the whitelist a user-typed table name is checked against."""
    return [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]


def column_names(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    sql = "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
    return [r[0] for r in con.execute(sql, [table]).fetchall()]
