"""A view as a URL: the assumption fields that differ from the base scenario, the harm-matrix edits and the
chosen evidence. Pure (no Streamlit), so the encoding is tested on its own.

    ?evidence=run-42&usd_per_critical_event=2.5&teacher.p95_latency_ms=11&harm=6-4:0.5,3-1:1.2

Every changed field is ``name=<JSON value>`` (a number is just the number). The harm matrix is the one large
field: only its changed cells travel, as ``row-column:units`` pairs (intent positions in the evidence's label
order), so a link stays short for 150 intents.

A page's own choices (a planner's alpha, a chart's axis) travel as ``p.<page>.<name>=<value>``
(:data:`PAGE_PREFIX`): each page declares them as :class:`Choice` objects, the value is checked when the page
opens (a bad one falls back to the default and is named once) and a default is never written, so the seed
link stays bare.

    ?p.rollout.metric=margin&p.rollout.alpha=1.0
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.decision import scenario
from engine.decision.scenario import Assumptions
from engine.errors import DistillDecideError

EVIDENCE = "evidence"  # a run id, a stored source (run:ID, upload:HASH) or cube:HASH; absent = the seed rows
SCENARIO = "scenario"  # a stored scenario version the changed fields are relative to
HARM = "harm"
DEFAULTS_OK = "defaults_ok"  # the cube hash whose label-set defaults the user confirmed (ui.defaults)
RESERVED = (EVIDENCE, SCENARIO, HARM, DEFAULTS_OK)
PAGE_PREFIX = "p."  # page-scoped choices: p.<page>.<name>
_MAPPINGS = ("critical_multiplier_by_segment", "production_intent_mix", "production_segment_mix")


def field_names() -> set[str]:
    """Every name a URL may carry: the scenario's fields, model fields as ``teacher.p95_latency_ms``."""
    top = {f.name for f in dataclasses.fields(Assumptions)} - set(scenario.MODELS)
    nested = {f"{m}.{f.name}" for m in scenario.MODELS for f in dataclasses.fields(scenario.ModelAssumptions)}
    return top | nested


def encode(base: Assumptions, a: Assumptions) -> dict[str, str]:
    """The query parameters that turn ``base`` into ``a`` (empty when nothing changed)."""
    changed = scenario.changed_fields(base, a)
    out = {k: _dumps(after) for k, (_, after) in changed.items() if k != "harm_matrix"}
    if "harm_matrix" in changed:
        if "intents" in changed:  # another label set: the whole matrix (rare: a foreign scenario)
            out["harm_matrix"] = _dumps(changed["harm_matrix"][1])
        else:
            cells = [
                f"{i}-{j}:{_dumps(v)}"
                for i, (row, old) in enumerate(zip(a.harm_matrix, base.harm_matrix))
                for j, (v, w) in enumerate(zip(row, old))
                if v != w
            ]
            out[HARM] = ",".join(cells)
    return out


def decode(base: Assumptions, params: Mapping[str, str]) -> tuple[Assumptions, list[str]]:
    """``base`` with the URL's changes applied, field by field: a bad field is skipped and named, the rest apply."""
    known = field_names()
    a, problems = base, []
    for key, raw in params.items():
        if key in RESERVED or is_page_param(key):
            continue
        if key not in known:
            problems.append(f"'{key}' is not an assumption (ignored)")
            continue
        try:
            a = a.replace(**{key: _field_value(key, json.loads(raw))})
        except (ValueError, TypeError) as exc:
            problems.append(f"'{key}={raw}' could not be read ({type(exc).__name__}; ignored)")
        except DistillDecideError as exc:
            problems.append(f"'{key}={raw}': {exc.problem} (ignored)")
    if HARM in params:
        try:
            a = a.replace(harm_matrix=harm_cells(a, params[HARM]))
        except (ValueError, IndexError):
            problems.append(f"the harm-matrix edits '{params[HARM]}' could not be read (ignored)")
        except DistillDecideError as exc:
            problems.append(f"a harm-matrix edit: {exc.problem} (ignored)")
    return a, problems


def harm_cells(a: Assumptions, text: str) -> tuple[tuple[float, ...], ...]:
    """``a``'s harm matrix with ``row-column:units`` cells (comma separated) set."""
    m = [list(r) for r in a.harm_matrix]
    for cell in filter(None, text.split(",")):
        where, units = cell.split(":")
        i, j = (int(x) for x in where.split("-"))
        if i < 0 or j < 0:
            raise IndexError(cell)
        m[i][j] = float(units)
    return tuple(map(tuple, m))


def _field_value(key: str, value: Any) -> Any:
    """JSON back to the scenario's own types (mappings and lists are tuples there)."""
    if key in _MAPPINGS and isinstance(value, Mapping):
        return tuple(value.items())
    if key == "harm_matrix":
        return tuple(tuple(r) for r in value)
    if isinstance(value, list):
        return tuple(value)
    return value


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def is_page_param(key: str) -> bool:
    return key.startswith(PAGE_PREFIX)


@dataclass(frozen=True)
class Choice:
    """One page widget mirrored to the URL as ``p.<page>.<name>``: one of ``options``, or a number within
    [``lo``, ``hi``], or a bool (the kind follows ``default``). ``widget`` is the widget's session-state key."""

    page: str
    name: str
    default: Any
    widget: str
    options: tuple[Any, ...] = ()
    lo: float | None = None
    hi: float | None = None

    @property
    def param(self) -> str:
        return f"{PAGE_PREFIX}{self.page}.{self.name}"

    def read(self, raw: str) -> Any:
        """The value a URL's text stands for; ValueError (its reason in words) when it is not one."""
        if self.options:
            by_text = {str(o): o for o in self.options}
            if raw not in by_text:
                raise ValueError(f"not one of {', '.join(by_text)}")
            return by_text[raw]
        try:
            v = json.loads(raw)
        except ValueError:
            raise ValueError("not a number" if not isinstance(self.default, bool) else "not true or false") from None
        if isinstance(self.default, bool):
            if not isinstance(v, bool):
                raise ValueError("not true or false")
            return v
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError("not a number")
        lo, hi = -math.inf if self.lo is None else self.lo, math.inf if self.hi is None else self.hi
        if not lo <= v <= hi:
            raise ValueError(f"outside {lo:g} to {hi:g}")
        return type(self.default)(v)

    def write(self, value: Any) -> str | None:
        """The URL's text for ``value``; None for the default (it is not written)."""
        if value == self.default:
            return None
        return str(value) if self.options else _dumps(value)


def page_problems(page: str, choices: Iterable[Choice], params: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """(``params`` less this page's unreadable or unknown choices, what was wrong with each in words)."""
    by_param = {c.param: c for c in choices}
    kept, problems = dict(params), []
    for key, raw in params.items():
        if not key.startswith(f"{PAGE_PREFIX}{page}."):
            continue
        c = by_param.get(key)
        if c is None:
            problems.append(f"'{key}' is not a choice on this page (ignored)")
            kept.pop(key)
            continue
        try:
            c.read(raw)
        except ValueError as exc:
            problems.append(f"'{key}={raw}': {exc} (showing the default, {c.default})")
            kept.pop(key)
    return kept, problems
