"""A damaged database file and a read-only location (issue 13, faults): one line from every command, not a traceback.

Every command that opens the store is run against a file of random bytes, an empty file and a real store cut in
half: each exits 2 with one ``error: database: …`` line naming the path and both ways to recover (restore a
backup, or move the file aside and start fresh), and the file is left byte-for-byte as it was. A read-only folder
(``chmod``, or ``chattr +i`` where the tests run as root) is named as a read-only location. The dashboard shows
the same line at the top of the page instead of an error box.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from engine.cli.main import main
from tests.engine.reliability.test_bad_inputs import fingerprint, tree
from tests.pages.test_pages import PAGES

COUNTS = "segment,true,teacher_pred,student_pred,n\nall,faq,faq,faq,3\nall,chitchat,faq,chitchat,1\n"
CYCLES = "cycle,agreement\nw1,0.97\nw2,0.96\n"
STORE_COMMANDS = {
    "scenario list": ("scenario", "list"),
    "scenario save": ("scenario", "save", "x"),
    "scenario show": ("scenario", "show", "kept"),
    "cube list": ("cube", "list"),
    "cube import": ("cube", "import", "counts.csv"),
    "decide with a stored scenario": ("decide", "--scenario", "kept", "--bootstrap", "100"),
    "drift save": ("drift", "--cycles", "cycles.csv", "--save", "weekly"),
    "drift stored": ("drift", "--cycles", "stored:weekly"),
    "runs list ingested": ("runs", "list", "--ingested"),
}


# DuckDB reads blocks lazily: a store cut short still opens, and a command fails (in one line) when it reads a
# block past the end. These commands read the scenario and cube tables, which a cut at half loses.
CUT_SHORT_COMMANDS = {k: STORE_COMMANDS[k] for k in list(STORE_COMMANDS)[:6]}


def _real_store(path: Path) -> None:
    """A store with a saved scenario and a cube, as a user's would be."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DISTILL_DECIDE_DB", str(path))
        from engine import sources, store
        from engine.data import seed

        store.save_scenario("kept", seed.load_assumptions().to_dict(), author="test")
        sources.store_cube(seed.load_cube())


def _damage(kind: str, path: Path) -> None:
    if kind == "random bytes":
        path.write_bytes(os.urandom(64 * 1024))
    elif kind == "empty file":
        path.write_bytes(b"")
    else:  # a real store cut in half (a copy interrupted, a full disk)
        _real_store(path)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])


def _damaged_place(kind: str, tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("damaged")
    (root / "counts.csv").write_text(COUNTS)
    (root / "cycles.csv").write_text(CYCLES)
    (root / "runs").mkdir()
    db = root / "store.duckdb"
    _damage(kind, db)
    return root, db


@pytest.fixture(scope="module", params=["random bytes", "empty file"])
def damaged(request, tmp_path_factory):
    return _damaged_place(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def cut_short(tmp_path_factory):
    return _damaged_place("truncated store", tmp_path_factory)


def _run(argv, root: Path, db: Path, monkeypatch, capsys) -> tuple[int, list[str]]:
    monkeypatch.chdir(root)
    monkeypatch.setenv("DISTILL_DECIDE_DB", str(db))
    monkeypatch.setenv("DISTILL_DECIDE_RUNS", str(root / "runs"))
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, err.splitlines()


def _assert_damaged_line(argv, place, monkeypatch, capsys) -> None:
    root, db = place
    before_db, before_tree = fingerprint(db), tree(root)
    rc, lines = _run(argv, root, db, monkeypatch, capsys)
    assert rc == 2 and len(lines) == 1, lines
    line = lines[0]
    assert line.startswith(f"error: database: {db} is damaged or is not a DuckDB file")
    assert "restore it from a backup" in line and f"move it aside (mv {db} {db}.broken)" in line
    assert fingerprint(db) == before_db and tree(root) == before_tree  # nothing repaired, nothing written beside it


@pytest.mark.parametrize("argv", STORE_COMMANDS.values(), ids=list(STORE_COMMANDS))
def test_a_damaged_store_is_one_line_and_left_as_it_was(argv, damaged, monkeypatch, capsys):
    _assert_damaged_line(argv, damaged, monkeypatch, capsys)


@pytest.mark.parametrize("argv", CUT_SHORT_COMMANDS.values(), ids=list(CUT_SHORT_COMMANDS))
def test_a_store_cut_short_is_one_line_and_left_as_it_was(argv, cut_short, monkeypatch, capsys):
    _assert_damaged_line(argv, cut_short, monkeypatch, capsys)


def test_the_recovery_the_message_gives_works(damaged, monkeypatch, capsys):
    """Moving the file aside, as the line says, gives a fresh empty store; the damaged file is kept."""
    root, db = damaged
    work = root / "recovery"
    work.mkdir(exist_ok=True)
    copy = work / db.name
    shutil.copy(db, copy)
    copy.rename(work / (db.name + ".broken"))
    rc, _ = _run(("scenario", "save", "fresh"), root, copy, monkeypatch, capsys)
    assert rc == 0 and copy.exists() and (work / (db.name + ".broken")).exists()


def test_a_damaged_store_in_a_real_process(damaged):
    from tests.conftest import run_cli

    root, db = damaged
    before = fingerprint(db)
    r = run_cli("scenario", "list", env_db=db)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert len(r.stderr.splitlines()) == 1 and "is damaged" in r.stderr and str(db) in r.stderr
    assert fingerprint(db) == before


@contextlib.contextmanager
def read_only(folder: Path):
    """``folder`` made read-only for this process (chmod; chattr +i when running as root), or skip."""
    folder.chmod(0o555)
    probe = folder / ".probe"
    immutable = False
    try:
        try:
            probe.write_text("x")
        except OSError:
            pass
        else:  # root ignores permission bits: make the folder immutable instead
            probe.unlink()
            if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)]).returncode != 0:
                pytest.skip("cannot make a read-only folder here (root without chattr +i)")
            immutable = True
        yield folder
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=False)
        folder.chmod(0o755)


@pytest.fixture()
def ro_place(tmp_path):
    """A read-only folder holding an existing store, and the path of a store that would be new there."""
    folder = tmp_path / "ro"
    folder.mkdir()
    (tmp_path / "runs").mkdir()
    (tmp_path / "cycles.csv").write_text(CYCLES)
    existing = folder / "store.duckdb"
    _real_store(existing)
    with read_only(folder):
        yield tmp_path, existing, folder / "new.duckdb"


@pytest.mark.parametrize("argv", [("scenario", "list"), ("scenario", "save", "x"), ("cube", "list")])
def test_a_new_store_in_a_read_only_folder_is_named(argv, ro_place, monkeypatch, capsys):
    root, _, new = ro_place
    rc, lines = _run(argv, root, new, monkeypatch, capsys)
    assert rc == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"error: database: {new.parent} is a read-only location: {new} cannot be created")
    assert "Fix: make" in lines[0] and "DISTILL_DECIDE_DB" in lines[0]
    assert not new.exists()


@pytest.mark.parametrize(
    "argv", [("scenario", "save", "x"), ("drift", "--cycles", "cycles.csv", "--save", "weekly")], ids=str
)
def test_writing_an_existing_store_in_a_read_only_folder_is_named(argv, ro_place, monkeypatch, capsys):
    root, existing, _ = ro_place
    before = fingerprint(existing)
    rc, lines = _run(argv, root, existing, monkeypatch, capsys)
    assert rc == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"error: database: {existing.parent} is a read-only location")
    assert fingerprint(existing) == before


def test_reading_an_existing_store_in_a_read_only_folder_still_works(ro_place, monkeypatch, capsys):
    root, existing, _ = ro_place
    monkeypatch.chdir(root)
    monkeypatch.setenv("DISTILL_DECIDE_DB", str(existing))
    assert main(["scenario", "list"]) == 0
    assert "kept" in capsys.readouterr().out


def test_check_names_the_fault_without_creating_anything(ro_place, tmp_path):
    from engine.errors import DistillDecideError
    from engine.store import db

    _, existing, new = ro_place
    for p in (existing, new):
        with pytest.raises(DistillDecideError, match="read-only location"):
            db.check(p)
    assert not new.exists()
    db.check(tmp_path / "elsewhere" / "fresh.duckdb")  # a store not made yet in a writable place is fine
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize("page", PAGES)
def test_the_dashboard_shows_a_damaged_store_as_one_plain_message(page, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    db = tmp_path / "store.duckdb"
    _damage("random bytes", db)
    before = fingerprint(db)
    monkeypatch.setenv("DISTILL_DECIDE_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    shown = [e.value for e in at.error if "is damaged or is not a DuckDB file" in e.value]
    assert shown and str(db) in shown[0] and "move it aside" in shown[0]
    assert fingerprint(db) == before
