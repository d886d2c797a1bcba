"""The only module that writes SQL: one embedded DuckDB file, versioned schema.

DuckDB allows one read-write process or many read-only ones, so connections
are short-lived (open, work, close): reads open read-only, writes open
read-write inside one transaction, and both retry while another process holds
the lock. That lets the CLI write while the dashboard is open. Every value is
a bound parameter; the only identifiers ever placed in SQL text are table and
column names that were first checked against the catalogue and quoted.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import pandas as pd

from engine.decision import cube as cube_mod
from engine.decision import scenario
from engine.errors import DistillDecideError, require
from engine.paths import db_path
from engine.runs.rundir import read_jsonl

LOCK_WAIT_S = 15.0

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
)
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


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "different configuration" in text


@contextlib.contextmanager
def connect(
    path: str | Path | None = None, *, read_only: bool = False, wait_s: float = LOCK_WAIT_S
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection, retried while another process holds the file's lock."""
    p = Path(path) if path is not None else db_path()
    if read_only and not p.exists():
        migrate(p)
    if not read_only:
        p.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_s
    delay = 0.02
    while True:
        try:
            con = duckdb.connect(str(p), read_only=read_only)
            break
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            if not _is_lock_error(exc) or time.monotonic() > deadline:
                if _is_lock_error(exc):
                    raise DistillDecideError(
                        "database",
                        f"{p} is busy in another process for over {wait_s:.0f} s",
                        "wait for the running write (e.g. an ingest) to finish, then retry",
                    ) from None
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
    try:
        yield con
    finally:
        con.close()


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
    return int(row[0])


def _insert_frame(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, sql: str, params: list | None = None) -> None:
    """Run ``sql`` with ``frame`` visible as the view ``incoming`` (bulk insert from a DataFrame)."""
    con.register("incoming", frame)
    try:
        con.execute(sql, params or [])
    finally:
        con.unregister("incoming")


# -- scenarios -----------------------------------------------------------------------
def save_scenario(
    name: str, a: scenario.Assumptions, *, author: str = "", note: str = "", path: str | Path | None = None
) -> int:
    """Store a new version of a named scenario; earlier versions stay (the change log)."""
    require(bool(name and name.strip()), "scenario name", "is empty", "give the scenario a name")
    with transaction(path) as con:
        row = con.execute(
            "INSERT INTO scenario_versions (name, assumptions_json, author, note) VALUES (?, ?, ?, ?) "
            "RETURNING version_id",
            [name.strip(), scenario.dumps_json(a), author, note],
        ).fetchone()
    return int(row[0])


def list_scenarios(path: str | Path | None = None) -> pd.DataFrame:
    """Latest version of every named scenario."""
    with connect(path, read_only=True) as con:
        return con.execute(
            "SELECT name, max(version_id) AS version_id, count(*) AS versions, max(created_at) AS updated_at "
            "FROM scenario_versions GROUP BY name ORDER BY updated_at DESC"
        ).df()


def scenario_history(name: str, path: str | Path | None = None) -> pd.DataFrame:
    with connect(path, read_only=True) as con:
        return con.execute(
            "SELECT version_id, author, note, created_at, assumptions_json FROM scenario_versions "
            "WHERE name = ? ORDER BY version_id",
            [name],
        ).df()


def load_scenario(name_or_version: str | int, path: str | Path | None = None) -> scenario.Assumptions:
    """Latest version of a named scenario, or one version by id."""
    with connect(path, read_only=True) as con:
        if isinstance(name_or_version, int) or str(name_or_version).isdigit():
            row = con.execute(
                "SELECT assumptions_json FROM scenario_versions WHERE version_id = ?", [int(name_or_version)]
            ).fetchone()
        else:
            row = con.execute(
                "SELECT assumptions_json FROM scenario_versions WHERE name = ? ORDER BY version_id DESC LIMIT 1",
                [str(name_or_version)],
            ).fetchone()
    require(row is not None, "scenario", f"{name_or_version!r} is not stored", "save it first, or pick a stored one")
    return scenario.loads_json(row[0])


# -- per-request rows and cubes -----------------------------------------------------
def save_rows(source: str, rows: pd.DataFrame, *, intents: Sequence[str], path: str | Path | None = None) -> int:
    """Replace the stored per-request rows of ``source`` (all or nothing)."""
    missing = [c for c in ("request_id", "true", "teacher_pred", "student_pred") if c not in rows.columns]
    require(not missing, f"per-request column(s) {missing}", "missing", "rename or map the columns, then retry")
    frame = pd.DataFrame(
        {
            "source": source,
            "request_id": rows["request_id"].astype(str),
            "segment": rows["segment"].astype(str) if "segment" in rows else cube_mod.DEFAULT_SEGMENT,
            "true_intent": rows["true"].astype(str),
            "teacher_pred": rows["teacher_pred"].astype(str),
            "student_pred": rows["student_pred"].astype(str),
        }
    )
    for model in ("teacher", "student"):
        cols = [f"p_{model}_{i}" for i in intents]
        frame[f"{model}_probs"] = rows[cols].to_numpy().tolist() if all(c in rows for c in cols) else [None] * len(rows)
    require(frame["request_id"].is_unique, "request_id", "has duplicates", "give every request a unique id")
    with transaction(path) as con:
        con.execute("DELETE FROM request_rows WHERE source = ?", [source])
        _insert_frame(
            con,
            frame,
            "INSERT INTO request_rows SELECT source, request_id, segment, true_intent, "
            "teacher_pred, student_pred, teacher_probs, student_probs FROM incoming",
        )
    return len(frame)


def load_rows(source: str, path: str | Path | None = None) -> pd.DataFrame:
    with connect(path, read_only=True) as con:
        return con.execute(
            'SELECT request_id, segment, true_intent AS "true", teacher_pred, student_pred, '
            "teacher_probs, student_probs FROM request_rows WHERE source = ? ORDER BY request_id",
            [source],
        ).df()


def list_sources(path: str | Path | None = None) -> pd.DataFrame:
    with connect(path, read_only=True) as con:
        return con.execute("SELECT source, count(*) AS requests FROM request_rows GROUP BY source ORDER BY source").df()


_GROUP_BY = (
    'SELECT {seg} AS segment, {true} AS "true", {tch} AS teacher_pred, {stu} AS student_pred, '
    "count(*) AS n FROM {src} GROUP BY ALL"
)


def cube_counts_from_rows(source: str, path: str | Path | None = None) -> pd.DataFrame:
    """The one GROUP BY over stored per-request rows."""
    with connect(path, read_only=True) as con:
        return con.execute(
            'SELECT segment, true_intent AS "true", teacher_pred, student_pred, count(*) AS n '
            "FROM request_rows WHERE source = ? GROUP BY ALL",
            [source],
        ).df()


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


def _quoted(name: str, allowed: Sequence[str], what: str) -> str:
    require(
        bool(_IDENT.match(name)) and name in allowed,
        what,
        f"{name!r} is not one of {list(allowed)[:12]}",
        f"name an existing {what}",
    )
    return '"' + name + '"'


def _column_sql(columns: dict[str, str], available: Sequence[str]) -> dict[str, str]:
    names = {"seg": "segment", "true": "true", "tch": "teacher_pred", "stu": "student_pred"}
    out = {}
    for key, default in names.items():
        col = columns.get(default, default)
        if key == "seg" and col not in available:
            out[key] = "'all'"
            continue
        out[key] = _quoted(col, available, f"column (for {default})")
    return out


def write_rows_table(table: str, rows: pd.DataFrame, *, repeat: int = 1, path: str | Path | None = None) -> int:
    """Create (or replace) a per-request table from ``rows`` repeated ``repeat`` times (benchmarks, demos)."""
    require(bool(_IDENT.match(table)), "table", f"{table!r} is not a plain table name", "use letters, digits and _")
    require(repeat >= 1, "repeat", f"{repeat}", "repeat at least once")
    keep = [c for c in ("segment", "true", "teacher_pred", "student_pred") if c in rows.columns]
    with transaction(path) as con:
        _insert_frame(
            con, rows[keep], f'CREATE OR REPLACE TABLE "{table}" AS SELECT r.* FROM incoming r, range(?)', [repeat]
        )
        return int(con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])


def read_table_frame(table: str, path: str | Path | None = None) -> pd.DataFrame:
    """A whole stored table as a DataFrame (for comparisons against pandas)."""
    with connect(path, read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        return con.execute(f"SELECT * FROM {_quoted(table, tables, 'table')}").df()


def cube_counts_from_table(
    table: str, *, columns: dict[str, str] | None = None, path: str | Path | None = None
) -> pd.DataFrame:
    """One GROUP BY over a per-request table in the store's database."""
    with connect(path, read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        src = _quoted(table, tables, "table")
        cols = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
            ).fetchall()
        ]
        return con.execute(_GROUP_BY.format(src=src, **_column_sql(columns or {}, cols))).df()


def cube_counts_from_parquet(pattern: str, *, columns: dict[str, str] | None = None) -> pd.DataFrame:
    """One GROUP BY over a (hive-partitioned) parquet dataset of per-request logs, read in place."""
    con = duckdb.connect()
    try:
        try:
            cols = [
                r[0]
                for r in con.execute(
                    "DESCRIBE SELECT * FROM read_parquet(?, hive_partitioning = true)", [pattern]
                ).fetchall()
            ]
        except duckdb.Error as exc:
            raise DistillDecideError(
                "parquet",
                f"{pattern!r} could not be read ({str(exc).splitlines()[0]})",
                "give a parquet file or a glob such as logs/**/*.parquet",
            ) from None
        sql = _GROUP_BY.format(src="read_parquet(?, hive_partitioning = true)", **_column_sql(columns or {}, cols))
        return con.execute(sql, [pattern]).df()
    finally:
        con.close()


def save_cube(c: cube_mod.ConfusionCube, path: str | Path | None = None) -> str:
    """Store a cube's counts under its hash (idempotent)."""
    frame = c.to_frame().rename(columns={"true": "true_intent"})
    frame.insert(0, "cube_hash", c.hash)
    with transaction(path) as con:
        con.execute("DELETE FROM cube_cells WHERE cube_hash = ?", [c.hash])
        con.execute("DELETE FROM cubes WHERE cube_hash = ?", [c.hash])
        con.execute(
            "INSERT INTO cubes (cube_hash, source, intents_json, segments_json, n) VALUES (?, ?, ?, ?, ?)",
            [c.hash, c.source, json.dumps(list(c.intents)), json.dumps(list(c.segments)), c.n],
        )
        _insert_frame(
            con,
            frame,
            "INSERT INTO cube_cells SELECT cube_hash, segment, true_intent, teacher_pred, "
            "student_pred, n FROM incoming",
        )
    return c.hash


def load_cube(cube_hash: str, path: str | Path | None = None) -> cube_mod.ConfusionCube:
    with connect(path, read_only=True) as con:
        meta = con.execute("SELECT source, intents_json FROM cubes WHERE cube_hash = ?", [cube_hash]).fetchone()
        require(meta is not None, "cube", f"{cube_hash!r} is not stored", "list stored cubes with `cube list`")
        cells = con.execute(
            'SELECT segment, true_intent AS "true", teacher_pred, student_pred, n FROM cube_cells WHERE cube_hash = ?',
            [cube_hash],
        ).df()
    return cube_mod.from_counts(cells, intents=json.loads(meta[1]), source=meta[0])


def list_cubes(path: str | Path | None = None) -> pd.DataFrame:
    with connect(path, read_only=True) as con:
        return con.execute("SELECT cube_hash, source, n, created_at FROM cubes ORDER BY created_at DESC").df()


# -- evaluation cycles (drift and weekly review) --------------------------------------
def save_cycles(series: str, cycles: pd.DataFrame, path: str | Path | None = None) -> int:
    """Replace a named series of evaluation cycles (one row per cycle; all or nothing)."""
    require(bool(series and series.strip()), "series", "is empty", "name the series of cycles")
    require("cycle" in cycles.columns, "cycles column cycle", "missing", "give one row per cycle with a cycle column")
    rows = [
        [
            series,
            i,
            str(r["cycle"]),
            json.dumps({k: (None if pd.isna(v) else v) for k, v in r.items() if k != "cycle"}, default=float),
        ]
        for i, r in enumerate(cycles.to_dict(orient="records"))
    ]
    with transaction(path) as con:
        con.execute("DELETE FROM evaluation_cycles WHERE series = ?", [series])
        con.executemany(
            "INSERT INTO evaluation_cycles (series, position, cycle, metrics_json) VALUES (?, ?, ?, ?)", rows
        )
    return len(rows)


def load_cycles(series: str, path: str | Path | None = None) -> pd.DataFrame:
    with connect(path, read_only=True) as con:
        rows = con.execute(
            "SELECT cycle, metrics_json FROM evaluation_cycles WHERE series = ? ORDER BY position", [series]
        ).fetchall()
    require(bool(rows), "series", f"{series!r} has no stored cycles", "save cycles first (`drift --save NAME`)")
    return pd.DataFrame([{"cycle": c, **json.loads(m)} for c, m in rows])


def list_cycle_series(path: str | Path | None = None) -> list[str]:
    with connect(path, read_only=True) as con:
        return [r[0] for r in con.execute("SELECT DISTINCT series FROM evaluation_cycles ORDER BY series").fetchall()]


# -- training runs --------------------------------------------------------------------------
def ingest_run(run_dir: str | Path, path: str | Path | None = None) -> str:
    """Ingest a finished run directory (idempotent): its predictions as rows, its config, summary and epochs.

    A run without DONE is never ingested as complete.
    """
    d = Path(run_dir)
    require(
        (d / "DONE").exists(),
        "run",
        f"{d.name} has no DONE marker (unfinished or failed)",
        "wait for the run to finish, or re-run it",
    )
    for f in ("config.json", "summary.json", "predictions.parquet"):
        require((d / f).exists(), "run", f"{d.name} has no {f}", "copy the whole run directory")
    config = json.loads((d / "config.json").read_text(encoding="utf-8"))
    summary = (d / "summary.json").read_text(encoding="utf-8")
    epochs = read_jsonl(d / "epochs.jsonl")
    preds = pd.read_parquet(d / "predictions.parquet")
    run_id = config.get("run_id", d.name)
    steps = _log_frame(read_jsonl(d / "steps.jsonl"), STEP_COLUMNS, run_id)
    kept = json.loads(summary).get("selection", {})
    epoch_frame = _log_frame(
        [
            {
                **x,
                "kept": kept.get(x["phase"], {}).get("epoch") == x["epoch"],
                "early_stop": (x.get("early_stop") or {}).get("rule"),
            }
            for x in epochs
        ],
        EPOCH_COLUMNS + ("kept", "early_stop"),
        run_id,
    )
    save_rows(f"run:{run_id}", preds, intents=config["labels"], path=path)
    with transaction(path) as con:
        for table in ("runs", "run_steps", "run_epochs"):
            con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])  # fixed table names, never user input
        con.execute(
            "INSERT INTO runs (run_id, path, config_json, summary_json, epochs_json) VALUES (?, ?, ?, ?, ?)",
            [run_id, str(d.resolve()), json.dumps(config), summary, json.dumps(epochs)],
        )
        if len(steps):
            _insert_frame(con, steps, f"INSERT INTO run_steps SELECT run_id, {', '.join(STEP_COLUMNS)} FROM incoming")
        if len(epoch_frame):
            _insert_frame(
                con,
                epoch_frame,
                f"INSERT INTO run_epochs SELECT run_id, {', '.join(EPOCH_COLUMNS)}, kept, early_stop FROM incoming",
            )
    return run_id


def _log_frame(rows: list[dict], columns: tuple[str, ...], run_id: str) -> pd.DataFrame:
    """Log records as a frame with exactly ``columns`` (absent fields are NULL), the last of any repeat, plus run_id."""
    frame = pd.DataFrame(rows).reindex(columns=list(columns))
    if "checkpoint_promotable" in frame:
        frame["checkpoint_promotable"] = frame["checkpoint_promotable"].astype("boolean")
    frame = frame.drop_duplicates(
        ["phase", "global_step"] if "global_step" in frame else ["phase", "epoch"], keep="last"
    )
    return frame.assign(run_id=run_id)


def load_run_log(run_id: str, which: str = "epochs", path: str | Path | None = None) -> pd.DataFrame:
    """A run's ingested step log (``which="steps"``) or epoch summaries, in order."""
    require(which in ("steps", "epochs"), "which", repr(which), "use steps or epochs")
    order = "phase, global_step" if which == "steps" else "phase, epoch"
    with connect(path, read_only=True) as con:
        return con.execute(f"SELECT * FROM run_{which} WHERE run_id = ? ORDER BY {order}", [run_id]).df()


def list_ingested_runs(path: str | Path | None = None) -> pd.DataFrame:
    with connect(path, read_only=True) as con:
        return con.execute("SELECT run_id, path, summary_json, ingested_at FROM runs ORDER BY ingested_at DESC").df()


def run_labels(run_id: str, path: str | Path | None = None) -> list[str] | None:
    with connect(path, read_only=True) as con:
        row = con.execute("SELECT config_json FROM runs WHERE run_id = ?", [run_id]).fetchone()
    return json.loads(row[0])["labels"] if row else None


def ingest_latency(run_dir: str | Path, path: str | Path | None = None) -> int:
    """Store a run's per-request latencies (ONNX fp32, batch 1), replacing earlier ones."""
    d = Path(run_dir)
    require((d / "latency.parquet").exists(), "run", f"{d.name} has no latency.parquet", "run bench-latency first")
    frame = pd.read_parquet(d / "latency.parquet").reset_index(names="position")
    for col in ("teacher_latency_ms", "student_latency_ms"):
        if col not in frame:
            frame[col] = None
    frame.insert(0, "run_id", d.name)
    with transaction(path) as con:
        con.execute("DELETE FROM request_latency WHERE run_id = ?", [d.name])
        _insert_frame(
            con,
            frame[["run_id", "position", "teacher_latency_ms", "student_latency_ms"]],
            "INSERT INTO request_latency SELECT * FROM incoming",
        )
    return len(frame)
