"""Where the project keeps its files (all relative to the clone, overridable)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"
SEED_DIR = DATA_DIR / "seed"


def db_path() -> Path:
    """The DuckDB file: ``$DISTILL_DECIDE_DB`` or ``data/distill_decide.duckdb``."""
    return Path(os.environ.get("DISTILL_DECIDE_DB", DATA_DIR / "distill_decide.duckdb"))


def runs_dir() -> Path:
    """Where training runs are written: ``$DISTILL_DECIDE_RUNS`` or ``data/runs``."""
    return Path(os.environ.get("DISTILL_DECIDE_RUNS", DATA_DIR / "runs"))
