"""Evaluation cycles (drift and the weekly review): named series, one row per cycle."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from engine.errors import require
from engine.store.db import connect, transaction


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
