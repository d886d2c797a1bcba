"""Every command refuses bad input the same way (issue 13): exit 2, one line, the field named, nothing stored.

The cases (tests/engine/reliability/bad_input_cases.py) cover every command and file type: numbers that are
not numbers ('lots', nan, inf, 1e300, 1e308, 1e400), out of range or not whole, work limits (B, sweep steps,
a canary that could never collect), text that is not UTF-8, JSON nested 100,000 deep, a type where another
belongs, blank and duplicate epochs and cycles, names with path parts. Each runs in-process through
``engine.cli.main.main`` (a subprocess per case would take minutes); a handful also run as real processes.

For each: exit status 2, nothing on stdout, exactly one line on stderr starting with ``error:`` that names
the field and says ``Fix:``, no traceback, no overflow warning, the database file byte-for-byte unchanged,
and no file created or removed in the working folder or the runs folder.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from engine.cli.main import main
from tests.conftest import ROOT
from tests.engine.reliability.bad_input_cases import CASES, FILES


def fingerprint(path: Path) -> str | None:
    """sha256 of a file, or None when it does not exist."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def tree(folder: Path) -> dict[str, str | None]:
    """Every file under ``folder`` with its fingerprint."""
    return {str(p.relative_to(folder)): fingerprint(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def workplace(tmp_path_factory):
    """A folder with every bad file, a runs folder, and a database holding one stored scenario."""
    root = tmp_path_factory.mktemp("bad-inputs")
    for name, content in FILES.items():
        p = root / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    (root / "runs").mkdir()
    db = root / "store" / "store.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DISTILL_DECIDE_DB", str(db))
        from engine import store
        from engine.data import seed

        store.save_scenario("kept", seed.load_assumptions().to_dict(), author="test", note="must survive")
    return root, db


def test_there_are_at_least_150_cases_with_unique_names():
    names = [c[0] for c in CASES]
    assert len(names) >= 150 and len(set(names)) == len(names)


@pytest.mark.parametrize("argv, field", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_in_one_line(argv, field, workplace, monkeypatch, capsys):
    root, db = workplace
    monkeypatch.chdir(root)
    monkeypatch.setenv("DISTILL_DECIDE_DB", str(db))
    monkeypatch.setenv("DISTILL_DECIDE_RUNS", str(root / "runs"))
    before_db, before_tree = fingerprint(db), tree(root)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rc = main(list(argv))
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert rc == 2, (out[-500:], err)
    assert out == ""
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert field in lines[0], lines[0]
    assert "Fix:" in lines[0] and "Traceback" not in err
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]  # no overflow or invalid value
    assert fingerprint(db) == before_db
    assert tree(root) == before_tree  # nothing written, nothing left behind


SUBPROCESS_CASES = {  # the same refusal from a real `python -m engine` process
    "volume 1e300": (("decide", "--volume", "1e300"), "--volume"),
    "bootstrap 1e9": (("decide", "--bootstrap", "1000000000"), "--bootstrap"),
    "canary that never collects": (("canary", "--baseline", "0.9", "--target", "0.8999999"), "target"),
    "scenario nested 100,000 deep": (("scenario", "save", "x", "--file", "s_nested.json"), "nests"),
    "counts with inf": (("cube", "import", "c_inf.csv"), "n"),
    "argparse usage error": (("sweep", "bogus"), "what"),
}


@pytest.mark.parametrize("argv, field", SUBPROCESS_CASES.values(), ids=list(SUBPROCESS_CASES))
def test_bad_input_in_a_real_process(argv, field, workplace):
    root, db = workplace
    before_db, before_tree = fingerprint(db), tree(root)
    env = {**os.environ, "DISTILL_DECIDE_DB": str(db), "DISTILL_DECIDE_RUNS": str(root / "runs")}
    env["PYTHONPATH"] = str(ROOT)  # run from the case folder, import from the clone
    r = subprocess.run(
        [sys.executable, "-m", "engine", *argv], capture_output=True, text=True, cwd=root, env=env, timeout=300
    )
    lines = r.stderr.splitlines()
    assert r.returncode == 2 and r.stdout == ""
    assert len(lines) == 1 and lines[0].startswith("error: ") and field in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert fingerprint(db) == before_db and tree(root) == before_tree


def test_the_stored_scenario_survived_every_case(workplace, monkeypatch):
    """After all the refusals the store still holds exactly what it held."""
    _, db = workplace
    monkeypatch.setenv("DISTILL_DECIDE_DB", str(db))
    from engine import store

    saved = store.list_scenarios()
    assert list(saved.name) == ["kept"] and list(saved.versions) == [1]
