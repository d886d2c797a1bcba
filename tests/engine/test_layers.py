"""Layering: the real import graph against the layout in docs/design.md ("Layers").

Every ``import`` and ``from ... import`` in engine/, ui/, app_pages/ and app.py is an
arrow, including imports inside functions (a lazy import is still a dependency).
``from engine.x import y`` points at module ``engine.x.y`` when that is a module, else at
``engine.x``. Each rule is one test id, and a failure prints each offending arrow as
``file:line  importer -> imported``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCANNED = ("engine", "ui", "app_pages")
OURS = ("engine", "ui", "app_pages", "app")


@dataclass(frozen=True)
class Arrow:
    path: str
    line: int
    importer: str
    imported: str
    in_function: bool

    def __str__(self) -> str:
        where = "  (inside a function)" if self.in_function else ""
        return f"{self.path}:{self.line}  {self.importer} -> {self.imported}{where}"


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _under_any(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(_is_under(name, p) for p in prefixes)


def arrows_of(source: str, *, path: str, module: str, is_package: bool, modules: set[str]) -> list[Arrow]:
    """All import arrows of one file; ``modules`` is the set of our module names."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[Arrow] = []

    class Visitor(ast.NodeVisitor):
        depth = 0

        def _function(self, node: ast.AST) -> None:
            self.depth += 1
            self.generic_visit(node)
            self.depth -= 1

        visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

        def _add(self, node: ast.stmt, imported: str) -> None:
            found.append(Arrow(path, node.lineno, module, imported, self.depth > 0))

        def visit_Import(self, node: ast.Import) -> None:
            for alias in node.names:
                self._add(node, alias.name)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                self._add(node, target if target in modules else base)

    Visitor().visit(ast.parse(source, filename=path))
    return found


@cache
def import_graph() -> tuple[Arrow, ...]:
    files = [p for d in SCANNED for p in sorted((ROOT / d).rglob("*.py"))] + [ROOT / "app.py"]
    modules = {_module_name(p, ROOT) for p in files}
    arrows: list[Arrow] = []
    for p in files:
        arrows += arrows_of(
            p.read_text(),
            path=str(p.relative_to(ROOT)),
            module=_module_name(p, ROOT),
            is_package=p.name == "__init__.py",
            modules=modules,
        )
    return tuple(arrows)


# --- the rules --------------------------------------------------------------------------

HEAVY = ("torch", "transformers")
DECISION_FORBIDDEN = (
    *HEAVY,
    "streamlit",
    "engine.store",
    "engine.distill",
    "engine.serving",
    "engine.runs",
    "engine.cli",
    "ui",
    "app_pages",
)
DECISION_OURS_ALLOWED = ("engine.errors", "engine.paths", "engine.validate", "engine.data.seed", "engine.decision")
VERDICT_OURS_ALLOWED = (*DECISION_OURS_ALLOWED, "engine.quality", "engine.rollout.gates", "engine.present.money")
STORE_OURS_ALLOWED = ("engine.errors", "engine.paths", "engine.runs", "engine.store")


def _ours(name: str) -> bool:
    return _under_any(name, OURS)


@dataclass(frozen=True)
class Rule:
    id: str
    importer: Callable[[str], bool]
    offends: Callable[[str, str], bool]  # (importer, imported) -> the arrow is not allowed
    xfail: str = ""


def _forbid(*prefixes: str) -> Callable[[str, str], bool]:
    return lambda _importer, imported: _under_any(imported, prefixes)


def _only_ours(*allowed: str) -> Callable[[str, str], bool]:
    return lambda _importer, imported: _ours(imported) and not _under_any(imported, allowed)


def _decision_ours(importer: str, imported: str) -> bool:
    allowed = VERDICT_OURS_ALLOWED if importer == "engine.decision.verdict" else DECISION_OURS_ALLOWED
    return _ours(imported) and not _under_any(imported, allowed)


RULES = [
    Rule(
        "errors-and-paths-import-nothing-of-ours",
        lambda m: m in ("engine.errors", "engine.paths"),
        lambda _i, imported: _ours(imported),
    ),
    Rule(
        "decision-never-imports-torch-streamlit-store-distill-serving-runs-cli-ui",
        lambda m: _is_under(m, "engine.decision"),
        _forbid(*DECISION_FORBIDDEN),
    ),
    Rule(
        "decision-imports-only-errors-paths-seed-decision-verdict-also-quality-gates-money",
        lambda m: _is_under(m, "engine.decision"),
        _decision_ours,
    ),
    Rule(
        "store-imports-no-domain-module",
        lambda m: _is_under(m, "engine.store"),
        _only_ours(*STORE_OURS_ALLOWED),
    ),
    Rule(
        "rollout-never-imports-distill-serving-store-torch-streamlit",
        lambda m: _is_under(m, "engine.rollout"),
        _forbid("engine.distill", "engine.serving", "engine.store", *HEAVY, "streamlit"),
    ),
    Rule(
        "quality-never-imports-torch-streamlit-store-distill-serving-rollout",
        lambda m: _is_under(m, "engine.quality"),
        _forbid(*HEAVY, "streamlit", "engine.store", "engine.distill", "engine.serving", "engine.rollout"),
    ),
    Rule(
        "app-pages-and-ui-never-import-distill-serving-torch",
        lambda m: _under_any(m, ("app_pages", "ui", "app")),
        _forbid("engine.distill", "engine.serving", *HEAVY),
    ),
    Rule(
        "engine-never-imports-streamlit-ui-app-pages",
        lambda m: _is_under(m, "engine"),
        _forbid("streamlit", "ui", "app_pages", "app"),
    ),
    Rule(
        "present-never-imports-torch-streamlit-store-distill-serving",
        lambda m: _is_under(m, "engine.present"),
        _forbid(*HEAVY, "streamlit", "engine.store", "engine.distill", "engine.serving"),
    ),
]


def _case(rule: Rule):
    marks = [pytest.mark.xfail(strict=True, reason=rule.xfail)] if rule.xfail else []
    return pytest.param(rule, id=rule.id, marks=marks)


@pytest.mark.parametrize("rule", [_case(r) for r in RULES])
def test_layer_rule(rule: Rule):
    offending = [a for a in import_graph() if rule.importer(a.importer) and rule.offends(a.importer, a.imported)]
    if offending:
        pytest.fail(
            f"{rule.id}: {len(offending)} arrow(s) not allowed\n" + "\n".join(map(str, offending)), pytrace=False
        )


# --- the graph itself: the rules above only mean something if it is read right ----------


def test_every_rule_has_an_importer_in_the_tree():
    importers = {a.importer for a in import_graph()}
    empty = [r.id for r in RULES if not any(r.importer(m) for m in importers)]
    assert empty == []


def test_graph_sees_known_arrows():
    pairs = {(a.importer, a.imported) for a in import_graph()}
    assert ("engine.decision.costs", "engine.decision.cube") in pairs
    assert ("app", "ui.common") in pairs
    assert ("engine.distill.batching", "torch") in pairs


def test_from_import_resolves_to_the_submodule_when_it_is_one():
    source = (
        "from engine.decision import cube\n"
        "from engine.errors import DecideError\n"
        "from . import gates\n"
        "from ..quality.metrics import ece\n"
        "def f():\n"
        "    import engine.store as s\n"
    )
    modules = {"engine.decision.cube", "engine.rollout.gates", "engine.quality.metrics", "engine.errors"}
    arrows = arrows_of(source, path="engine/rollout/x.py", module="engine.rollout.x", is_package=False, modules=modules)
    assert [(a.imported, a.line, a.in_function) for a in arrows] == [
        ("engine.decision.cube", 1, False),
        ("engine.errors", 2, False),
        ("engine.rollout.gates", 3, False),
        ("engine.quality.metrics", 4, False),
        ("engine.store", 6, True),
    ]


PLANTED = {  # one arrow each rule must reject, so that no rule passes by matching nothing
    "errors-and-paths-import-nothing-of-ours": ("engine.paths", "engine.errors"),
    "decision-never-imports-torch-streamlit-store-distill-serving-runs-cli-ui": ("engine.decision.cube", "torch.nn"),
    "decision-imports-only-errors-paths-seed-decision-verdict-also-quality-gates-money": (
        "engine.decision.costs",
        "engine.quality.metrics",
    ),
    "store-imports-no-domain-module": ("engine.store.runs", "engine.decision.cube"),
    "rollout-never-imports-distill-serving-store-torch-streamlit": ("engine.rollout.drift", "engine.store"),
    "quality-never-imports-torch-streamlit-store-distill-serving-rollout": ("engine.quality.report", "engine.rollout"),
    "app-pages-and-ui-never-import-distill-serving-torch": ("ui.common", "engine.distill.trainer"),
    "engine-never-imports-streamlit-ui-app-pages": ("engine.present.report", "streamlit.runtime"),
    "present-never-imports-torch-streamlit-store-distill-serving": ("engine.present.figures", "engine.serving"),
}


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_rejects_a_planted_arrow(rule: Rule):
    importer, imported = PLANTED[rule.id]
    assert rule.importer(importer) and rule.offends(importer, imported)


def test_verdict_may_import_quality_gates_and_money_other_decision_modules_may_not():
    (rule,) = [r for r in RULES if r.id.startswith("decision-imports-only")]
    for imported in ("engine.quality.metrics", "engine.rollout.gates", "engine.present.money"):
        assert not rule.offends("engine.decision.verdict", imported)
        assert rule.offends("engine.decision.sweeps", imported)
    assert rule.offends("engine.decision.verdict", "engine.rollout.canary")
