"""Writers at once on one DuckDB file (issue 13): bench/concurrency.py's harness at a tiny size, and the lock retry.

The harness runs browser sessions against a real `streamlit run app.py` (skipped without chromium: then the CLI
and ingest writers still run), CLI writes in their own processes and a training ingest, all on one store file,
and counts what each was told was stored against what is there afterwards. No timing is asserted.
"""

from __future__ import annotations

import duckdb
import pytest

from bench import concurrency
from engine.store import db
from tests.pages.browser import chromium_path


def test_every_acknowledged_write_is_found_and_none_fails(tmp_path):
    sessions = 2 if chromium_path() else 0
    kinds = concurrency.run(tmp_path, sessions=sessions, saves=1, cli_saves=3, cube_imports=2, ingests=2, rows=300)
    print("\n" + concurrency.report(kinds))
    expected = {"dashboard": sessions, "cli": 3, "cube": 2, "ingest": 2}
    for key, kind in kinds.items():
        assert kind.failures == [], (key, kind.failures)
        assert kind.ops == expected[key], (key, kind.ops)
        assert kind.lost == 0 and kind.found == kind.rows, (key, kind.rows, kind.found)
    # rows by hand: 1 per scenario save, 8 cells per counts file (2 × 2 × 2 intents), 300 predictions per run
    assert [kinds[k].rows for k in ("dashboard", "cli", "cube", "ingest")] == [sessions, 3, 16, 600]


def test_a_file_handle_conflict_inside_the_process_is_waited_out(tmp_path, monkeypatch):
    """The dashboard's sessions share one process: a thread's connection that is still attaching or closing the
    file makes DuckDB raise ResourceInUseException ("Unique file handle conflict"); the bench found it as the
    Scenarios page's redacted error box on Save. It is a held lock like any other: retried, then opened."""
    path = tmp_path / "store.duckdb"
    db.migrate(path)
    real, calls = duckdb.connect, []

    def conflicted(*args, **kwargs):
        calls.append(args)
        if len(calls) <= 2:
            raise duckdb.ResourceInUseException(
                f'Resource In Use Error: Unique file handle conflict: Cannot attach "store" - the database file '
                f'"{path}" is already attached by database "store"'
            )
        return real(*args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", conflicted)
    before = db.lock_retries()
    with db.connect(path, read_only=True) as con:
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == (db.MIGRATIONS[-1][0],)
    assert len(calls) == 3 and db.lock_retries() == before + 2


def test_each_wait_is_logged_for_the_bench(tmp_path, monkeypatch):
    log = tmp_path / "waits.log"
    monkeypatch.setenv(db.LOCK_LOG_ENV, str(log))
    path = tmp_path / "store.duckdb"
    db.migrate(path)
    real, calls = duckdb.connect, []

    def locked_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise duckdb.IOException(f'IO Error: Could not set lock on file "{path}": Conflicting lock is held')
        return real(*args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", locked_once)
    with db.connect(path):
        pass
    import os

    assert log.read_text().split() == [str(os.getpid())]


def test_a_damaged_file_is_still_not_retried(tmp_path):
    bad = tmp_path / "store.duckdb"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(Exception, match="damaged or is not a DuckDB file"), db.connect(bad, read_only=True):
        pass
