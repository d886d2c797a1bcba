import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def seed_cube():
    from engine.data import seed

    return seed.load_cube()


@pytest.fixture(scope="session")
def seed_a():
    from engine.data import seed

    return seed.load_assumptions()


@pytest.fixture(scope="session")
def seed_rows():
    from engine.data import seed

    return seed.load_rows()


@pytest.fixture(scope="session")
def seed_ev():
    """The seed evidence: its cube and its 10,000 per-request rows."""
    from engine import sources

    return sources.seed_evidence()


@pytest.fixture()
def env(tmp_path, monkeypatch):
    """A runs folder and a DuckDB file of this test's own (the engine reads both paths from the environment)."""
    monkeypatch.setenv("DISTILL_DECIDE_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("DISTILL_DECIDE_DB", str(tmp_path / "db.duckdb"))
    return tmp_path


@pytest.fixture()
def db(tmp_path, monkeypatch):
    """A fresh DuckDB file for this test (the store reads DISTILL_DECIDE_DB)."""
    path = tmp_path / "test.duckdb"
    monkeypatch.setenv("DISTILL_DECIDE_DB", str(path))
    return path


def run_cli(*args, env_db=None, cwd=ROOT):
    import subprocess

    env = dict(os.environ)
    if env_db is not None:
        env["DISTILL_DECIDE_DB"] = str(env_db)
    return subprocess.run(
        [sys.executable, "-m", "engine", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )
