"""A view as a URL: the assumption fields that differ from the base scenario, the harm-matrix edits and the
chosen evidence. Pure (no Streamlit), so the encoding is tested on its own.

    ?evidence=run-42&usd_per_critical_event=2.5&teacher.p95_latency_ms=11&harm=6-4:0.5,3-1:1.2

Every changed field is ``name=<JSON value>`` (a number is just the number). The harm matrix is the one large
field: only its changed cells travel, as ``row-column:units`` pairs (intent positions in the evidence's label
order), so a link stays short for 150 intents.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from engine.decision import scenario
from engine.decision.scenario import Assumptions
from engine.errors import DistillDecideError

EVIDENCE = "evidence"  # a run id, a stored source (run:ID, upload:HASH) or cube:HASH; absent = the seed rows
SCENARIO = "scenario"  # a stored scenario version the changed fields are relative to
HARM = "harm"
DEFAULTS_OK = "defaults_ok"  # the cube hash whose label-set defaults the user confirmed (ui.defaults)
RESERVED = (EVIDENCE, SCENARIO, HARM, DEFAULTS_OK)
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
        if key in RESERVED:
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
