"""Layering: the engine never imports streamlit; the decision modules and the dashboard never import torch."""

import re
import subprocess
import sys

from tests.conftest import ROOT

# Every module the dashboard process may load: none of them may pull in torch or streamlit.
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
    "engine.present.figures_quality",
    "engine.present.report",
    "engine.quality.metrics",
    "engine.quality.report",
    "engine.rollout.canary",
    "engine.rollout.cascade",
    "engine.rollout.checkpoints",
    "engine.rollout.drift",
    "engine.rollout.gates",
    "engine.rollout.scale",
    "engine.runs.rundir",
    "engine.runs.launcher",
    "engine.data.seed",
    "engine.data.generator",
    "engine.data.byo",
]
# Every module of these packages is torch-free too, including one added after this list was written.
TORCH_FREE_PACKAGES = ["decision", "quality", "present", "rollout", "runs"]


def _torch_free_modules() -> list[str]:
    on_disk = sorted(
        "engine." + ".".join(p.relative_to(ROOT / "engine").with_suffix("").parts)
        for pkg in TORCH_FREE_PACKAGES
        for p in (ROOT / "engine" / pkg).rglob("*.py")
        if p.name != "__init__.py"
    )
    return DECISION_MODULES + [m for m in on_disk if m not in DECISION_MODULES]


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
    mods = _modules_after("\n".join(f"import {m}" for m in _torch_free_modules()))
    assert "torch" not in mods and "streamlit" not in mods and "transformers" not in mods


def test_dashboard_process_never_imports_torch():
    code = (
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(ROOT / 'app.py')!r}, default_timeout=60).run()\n"
        "assert not at.exception"
    )
    mods = _modules_after(code)
    assert "streamlit" in mods and "torch" not in mods


def test_torch_free_list_covers_the_packages_on_disk():
    mods = _torch_free_modules()
    assert {"engine.decision.verdict", "engine.quality.metrics", "engine.rollout.gates"} <= set(mods)
    assert len(mods) == len(set(mods))


def test_no_streamlit_import_in_engine_source():
    pattern = re.compile(r"^\s*(import|from)\s+streamlit", re.M)
    offenders = [p for p in (ROOT / "engine").rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []


def test_sql_only_in_store():
    pattern = re.compile(r"\.execute\(|duckdb\.connect", re.M)
    # engine/store.py today; engine/store/ once it is a package
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "engine").rglob("*.py")
        if pattern.search(p.read_text()) and p.relative_to(ROOT / "engine").parts[0] not in ("store.py", "store")
    ]
    assert offenders == []
