"""Per-request rows, stored by source (an ingested run, an upload), and plain per-request tables.

A source's extra prediction columns (``<name>_pred`` beside ``teacher_pred`` and ``student_pred``: more
candidates on one plane) are stored in ``request_candidates``, one row per request and column with the column's
position, and come back as the same columns in the same order; a database made before that table (schema 6)
reads as rows without extra columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from engine.errors import require
from engine.store.db import IDENT, connect, insert_frame, quoted, table_names, transaction

DEFAULT_SEGMENT = "all"  # the segment of a request whose rows carry none (the counts-file convention)
REQUIRED = ("request_id", "true", "teacher_pred", "student_pred")
PRED_SUFFIX = "_pred"
TWO_MODEL = ("teacher_pred", "student_pred")
CANDIDATES_TABLE = "request_candidates"


def candidate_columns(rows: pd.DataFrame) -> list[str]:
    """The extra prediction columns (``<name>_pred`` but the teacher's and the student's), in the table's order."""
    return [c for c in map(str, rows.columns) if c.endswith(PRED_SUFFIX) and c not in TWO_MODEL and c != PRED_SUFFIX]


def rows_frame(source: str, rows: pd.DataFrame, *, intents: Sequence[str]) -> pd.DataFrame:
    """``rows`` in the stored layout (checked: the required columns, unique request ids); nothing is written."""
    missing = [c for c in REQUIRED if c not in rows.columns]
    require(not missing, f"per-request column(s) {missing}", "missing", "rename or map the columns, then retry")
    frame = pd.DataFrame(
        {
            "source": source,
            "request_id": rows["request_id"].astype(str),
            "segment": rows["segment"].astype(str) if "segment" in rows else DEFAULT_SEGMENT,
            "true_intent": rows["true"].astype(str),
            "teacher_pred": rows["teacher_pred"].astype(str),
            "student_pred": rows["student_pred"].astype(str),
        }
    )
    for model in ("teacher", "student"):
        cols = [f"p_{model}_{i}" for i in intents]
        frame[f"{model}_probs"] = rows[cols].to_numpy().tolist() if all(c in rows for c in cols) else [None] * len(rows)
    for col in candidate_columns(rows):  # kept as text (a missing prediction stays missing)
        values = rows[col]
        frame[col] = values.astype(str).where(values.notna(), None).to_numpy(dtype=object)
    require(frame["request_id"].is_unique, "request_id", "has duplicates", "give every request a unique id")
    return frame


def _candidates_long(source: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A :func:`rows_frame`'s extra prediction columns, one row per (request, column) that holds a prediction."""
    parts = [
        pd.DataFrame(
            {"source": source, "request_id": frame["request_id"], "position": pos, "column_name": col,
             "pred": frame[col]}
        ).dropna(subset=["pred"])
        for pos, col in enumerate(candidate_columns(frame))
    ]  # fmt: skip
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def write_rows(con: duckdb.DuckDBPyConnection, source: str, frame: pd.DataFrame) -> None:
    """Replace ``source``'s rows with a :func:`rows_frame`, inside the caller's transaction."""
    con.execute("DELETE FROM request_rows WHERE source = ?", [source])
    con.execute("DELETE FROM request_candidates WHERE source = ?", [source])
    insert_frame(
        con,
        frame,
        "INSERT INTO request_rows SELECT source, request_id, segment, true_intent, "
        "teacher_pred, student_pred, teacher_probs, student_probs FROM incoming",
    )
    long = _candidates_long(source, frame)
    if len(long):
        insert_frame(
            con,
            long,
            "INSERT INTO request_candidates SELECT source, request_id, position, column_name, pred FROM incoming",
        )


def save_rows(source: str, rows: pd.DataFrame, *, intents: Sequence[str], path: str | Path | None = None) -> int:
    """Replace the stored per-request rows of ``source`` (all or nothing)."""
    frame = rows_frame(source, rows, intents=intents)
    with transaction(path) as con:
        write_rows(con, source, frame)
    return len(frame)


def load_rows(source: str, path: str | Path | None = None) -> pd.DataFrame:
    """A source's rows with its extra prediction columns after ``student_pred``, in the order they were saved."""
    with connect(path, read_only=True) as con:
        rows = con.execute(
            'SELECT request_id, segment, true_intent AS "true", teacher_pred, student_pred, '
            "teacher_probs, student_probs FROM request_rows WHERE source = ? ORDER BY request_id",
            [source],
        ).df()
        if CANDIDATES_TABLE not in table_names(con):  # a database from before schema 7: no extra columns
            return rows
        long = con.execute(
            "SELECT position, column_name, request_id, pred FROM request_candidates WHERE source = ? "
            "ORDER BY position, request_id",
            [source],
        ).df()
    if long.empty:
        return rows
    at = list(rows.columns).index("student_pred") + 1
    extra = {
        str(col): rows["request_id"].map(part.set_index("request_id")["pred"])
        for (_, col), part in long.groupby(["position", "column_name"], sort=True)
    }
    return pd.concat([rows.iloc[:, :at], pd.DataFrame(extra, index=rows.index), rows.iloc[:, at:]], axis=1)


def source_labels(source: str, path: str | Path | None = None) -> set[str]:
    """Every label a stored source's rows use (true, teacher or student)."""
    with connect(path, read_only=True) as con:
        found = con.execute(
            "SELECT DISTINCT x FROM (SELECT true_intent AS x FROM request_rows WHERE source = ? UNION ALL "
            "SELECT teacher_pred FROM request_rows WHERE source = ? UNION ALL "
            "SELECT student_pred FROM request_rows WHERE source = ?)",
            [source, source, source],
        ).fetchall()
    return {str(r[0]) for r in found}


def list_sources(path: str | Path | None = None) -> pd.DataFrame:
    with connect(path, read_only=True) as con:
        return con.execute("SELECT source, count(*) AS requests FROM request_rows GROUP BY source ORDER BY source").df()


def write_rows_table(table: str, rows: pd.DataFrame, *, repeat: int = 1, path: str | Path | None = None) -> int:
    """Create (or replace) a per-request table from ``rows`` repeated ``repeat`` times (benchmarks, demos)."""
    # a new table cannot be checked against the catalogue: the name must be a plain identifier, then quoted
    require(bool(IDENT.match(table)), "table", f"{table!r} is not a plain table name", "use letters, digits and _")
    require(repeat >= 1, "repeat", f"{repeat}", "repeat at least once")
    keep = [c for c in ("segment", "true", "teacher_pred", "student_pred") if c in rows.columns]
    with transaction(path) as con:
        insert_frame(
            con, rows[keep], f'CREATE OR REPLACE TABLE "{table}" AS SELECT r.* FROM incoming r, range(?)', [repeat]
        )
        row = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()
    return int(row[0]) if row else 0


def read_table_frame(table: str, path: str | Path | None = None) -> pd.DataFrame:
    """A whole stored table as a DataFrame (for comparisons against pandas)."""
    with connect(path, read_only=True) as con:
        return con.execute(f"SELECT * FROM {quoted(table, table_names(con), 'table')}").df()
