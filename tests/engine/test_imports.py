"""Layering: the engine never imports streamlit; the decision modules and the dashboard never import torch."""

import re
import subprocess
import sys

from tests.conftest import ROOT

DECISION_MODULES = [
    "engine.decision.scenario",
    "engine.decision.cube",
    "engine.decision.costs",
    "engine.decision.sweeps",
    "engine.decision.uncertainty",
    "engine.decision.verdict",
    "engine.sources",
    "engine.store",
    "engine.cli.main",
    "engine.present.figures",
    "engine.quality.metrics",
    "engine.data.seed",
]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


def test_decision_modules_import_without_torch_or_streamlit():
    mods = _modules_after("\n".join(f"import {m}" for m in DECISION_MODULES))
    assert "torch" not in mods and "streamlit" not in mods and "transformers" not in mods


def test_dashboard_process_never_imports_torch():
    code = (
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(ROOT / 'app.py')!r}, default_timeout=60).run()\n"
        "assert not at.exception"
    )
    mods = _modules_after(code)
    assert "streamlit" in mods and "torch" not in mods


def test_no_streamlit_import_in_engine_source():
    pattern = re.compile(r"^\s*(import|from)\s+streamlit", re.M)
    offenders = [p for p in (ROOT / "engine").rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []


def test_sql_only_in_store():
    pattern = re.compile(r"\.execute\(|duckdb\.connect", re.M)
    offenders = [
        p.name for p in (ROOT / "engine").rglob("*.py") if pattern.search(p.read_text()) and p.name != "store.py"
    ]
    assert offenders == []
