"""Cube counts: the one GROUP BY (over stored rows, a table, or parquet in place) and stored cubes by hash.

Counts travel as frames with the counts-file columns (segment, true, teacher_pred,
student_pred, n); building a ``ConfusionCube`` from them is the caller's job
(``engine.sources``), so the store knows nothing of the cube's arithmetic.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from engine.errors import DistillDecideError, require
from engine.store.db import column_names, connect, insert_frame, quoted, table_names, transaction

COUNT_COLUMNS = ("segment", "true", "teacher_pred", "student_pred", "n")

_GROUP_BY = (
    'SELECT {seg} AS segment, {true} AS "true", {tch} AS teacher_pred, {stu} AS student_pred, '
    "count(*) AS n FROM {src} GROUP BY ALL"
)


def cube_counts_from_rows(source: str, path: str | Path | None = None) -> pd.DataFrame:
    """The one GROUP BY over a stored source's per-request rows: its cube counts, without loading the rows."""
    with connect(path, read_only=True) as con:
        return con.execute(
            'SELECT segment, true_intent AS "true", teacher_pred, student_pred, count(*) AS n '
            "FROM request_rows WHERE source = ? GROUP BY ALL",
            [source],
        ).df()


ALIASES = {"true": ("true_intent",)}  # the warehouse doc's column name, accepted unmapped (docs/warehouse.md)


def _column_sql(columns: dict[str, str], available: Sequence[str]) -> dict[str, str]:
    """Quoted source columns for the GROUP BY, each checked against the table's own columns.

    ``columns`` maps a target (segment, true, teacher_pred, student_pred) to a column; a mapped column that is
    not there is refused naming the mapping. Unmapped, ``true`` may be ``true_intent`` and a missing segment is
    ``'all'``."""
    names = {"seg": "segment", "true": "true", "tch": "teacher_pred", "stu": "student_pred"}
    out = {}
    for key, target in names.items():
        col = columns.get(target)
        if col is not None:
            require(
                col in available,
                f"--map {target}={col}",
                f"column {col!r} is not in the data",
                f"its columns are {list(available)[:12]}; map one of them",
            )
        elif target not in available:
            col = next((a for a in ALIASES.get(target, ()) if a in available), target)
        else:
            col = target
        if key == "seg" and col not in available:
            out[key] = "'all'"
            continue
        out[key] = quoted(col, available, f"column (for {target})")
    return out


def cube_counts_from_table(
    table: str, *, columns: dict[str, str] | None = None, path: str | Path | None = None
) -> pd.DataFrame:
    """One GROUP BY over a per-request table in the store's database."""
    with connect(path, read_only=True) as con:
        src = quoted(table, table_names(con), "table")
        return con.execute(_GROUP_BY.format(src=src, **_column_sql(columns or {}, column_names(con, table)))).df()


def cube_counts_from_parquet(pattern: str, *, columns: dict[str, str] | None = None) -> pd.DataFrame:
    """One GROUP BY over a (hive-partitioned) parquet dataset of per-request logs, read in place."""
    con = duckdb.connect()
    try:
        try:
            described = con.execute("DESCRIBE SELECT * FROM read_parquet(?, hive_partitioning = true)", [pattern])
            cols = [r[0] for r in described.fetchall()]
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


def save_cube(
    counts: pd.DataFrame,
    *,
    cube_hash: str,
    source: str,
    intents: Sequence[str],
    segments: Sequence[str],
    path: str | Path | None = None,
) -> str:
    """Store a cube's counts (the counts-file columns) under its hash, replacing any earlier copy (idempotent)."""
    missing = [c for c in COUNT_COLUMNS if c not in counts.columns]
    require(not missing, f"cube count column(s) {missing}", "missing", "pass cube.to_frame()")
    require(bool(cube_hash), "cube_hash", "is empty", "pass the cube's hash")
    frame = counts[list(COUNT_COLUMNS)].rename(columns={"true": "true_intent"})
    frame.insert(0, "cube_hash", cube_hash)
    n = int(frame["n"].sum())
    with transaction(path) as con:
        con.execute("DELETE FROM cube_cells WHERE cube_hash = ?", [cube_hash])
        con.execute("DELETE FROM cubes WHERE cube_hash = ?", [cube_hash])
        con.execute(
            "INSERT INTO cubes (cube_hash, source, intents_json, segments_json, n) VALUES (?, ?, ?, ?, ?)",
            [cube_hash, source, json.dumps(list(intents)), json.dumps(list(segments)), n],
        )
        insert_frame(
            con,
            frame,
            "INSERT INTO cube_cells SELECT cube_hash, segment, true_intent, teacher_pred, "
            "student_pred, n FROM incoming",
        )
    return cube_hash


def load_cube(cube_hash: str, path: str | Path | None = None) -> tuple[dict[str, Any], pd.DataFrame]:
    """A stored cube: ``({cube_hash, source, intents, segments, n}, counts frame)``."""
    with connect(path, read_only=True) as con:
        meta = con.execute(
            "SELECT source, intents_json, segments_json, n FROM cubes WHERE cube_hash = ?", [cube_hash]
        ).fetchone()
        require(meta is not None, "cube", f"{cube_hash!r} is not stored", "list stored cubes with `cube list`")
        cells = con.execute(
            'SELECT segment, true_intent AS "true", teacher_pred, student_pred, n FROM cube_cells WHERE cube_hash = ?',
            [cube_hash],
        ).df()
    assert meta is not None
    source, intents, segments, n = meta
    info = dict(cube_hash=cube_hash, source=source, intents=json.loads(intents), segments=json.loads(segments), n=n)
    return info, cells


def list_cubes(path: str | Path | None = None) -> pd.DataFrame:
    with connect(path, read_only=True) as con:
        return con.execute("SELECT cube_hash, source, n, created_at FROM cubes ORDER BY created_at DESC").df()
