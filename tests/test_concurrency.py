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


@pytest.mark.parametrize(
    "sessions",
    [0, pytest.param(2, marks=pytest.mark.slow, id="browser-sessions")],  # the browser half: a server + chromium
)
def test_every_acknowledged_write_is_found_and_none_fails(tmp_path, sessions):
    if sessions and not chromium_path():
        pytest.skip("no chromium on PATH for the dashboard sessions")
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


INSERT = "INSERT INTO scenario_versions (name, assumptions_json) VALUES (?, '{}')"
WRITER = """
import sys
sys.path.insert(0, {root!r})
from engine.store import db
done = 0
for i in range({n}):
    with db.transaction({path!r}) as con:
        con.execute("INSERT INTO scenario_versions (name, assumptions_json) VALUES (?, '{{}}')", [f"{tag}-{{i}}"])
    done += 1
print(done)
"""


def test_threads_of_one_process_and_other_processes_lose_no_row(tmp_path):
    """Two writer and two reader threads (the dashboard's sessions) beside two writer processes (the CLI).

    Before one connection per process at a time, closing a thread's second handle on the file dropped the
    process's POSIX lock while another connection still wrote: in three runs of this at 60 writes a writer, one
    and two rows of ~240 were lost, and other writers read the file mid-write as "damaged"."""
    import subprocess
    import sys
    import threading

    from tests.conftest import ROOT

    path, n = tmp_path / "store.duckdb", 25
    db.migrate(path)
    acked, problems = [], []

    def write(t: int) -> None:
        for i in range(n):
            try:
                with db.transaction(path) as con:
                    con.execute(INSERT, [f"t{t}-{i}"])
                acked.append(1)
            except Exception as exc:
                problems.append(repr(exc))

    def read() -> None:
        for _ in range(4 * n):
            try:
                with db.connect(path, read_only=True) as con:
                    con.execute("SELECT count(*) FROM scenario_versions").fetchone()
            except Exception as exc:
                problems.append(repr(exc))

    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER.format(root=str(ROOT), n=n, path=str(path), tag=f"p{k}")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(2)
    ]
    threads = [threading.Thread(target=write, args=(t,)) for t in range(2)] + [
        threading.Thread(target=read) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outs = [p.communicate(timeout=300) for p in procs]
    assert problems == [] and [p.returncode for p in procs] == [0, 0], (problems, [e for _, e in outs])
    with db.connect(path, read_only=True) as con:
        names = {r[0] for r in con.execute("SELECT name FROM scenario_versions").fetchall()}
    assert len(acked) == 2 * n and sum(int(o) for o, _ in outs) == 2 * n
    assert names == {f"{w}-{i}" for w in ("t0", "t1", "p0", "p1") for i in range(n)}  # 100 rows, none lost


def test_a_damaged_file_is_still_not_retried(tmp_path):
    bad = tmp_path / "store.duckdb"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(Exception, match="damaged or is not a DuckDB file"), db.connect(bad, read_only=True):
        pass
