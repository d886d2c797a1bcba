"""Named scenarios, versioned: every save is a new row, so the table is the change log.

The store keeps a scenario as the JSON of its fields; turning that into an
``Assumptions`` (and checking it) is the caller's job (``sources.stored_scenario``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from engine.errors import DistillDecideError, require
from engine.store.db import connect, transaction


def _dumps(fields: Mapping[str, Any]) -> str:
    require(isinstance(fields, Mapping), "scenario", "is not a mapping of fields", "pass Assumptions.to_dict()")
    try:
        return json.dumps(dict(fields), indent=2, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise DistillDecideError("scenario", f"is not JSON-able ({exc})", "pass Assumptions.to_dict()") from None


def save_scenario(
    name: str, fields: Mapping[str, Any], *, author: str = "", note: str = "", path: str | Path | None = None
) -> int:
    """Store a new version of a named scenario (its fields as plain data); earlier versions stay."""
    require(bool(name and name.strip()), "scenario name", "is empty", "give the scenario a name")
    text = _dumps(fields)
    with transaction(path) as con:
        row = con.execute(
            "INSERT INTO scenario_versions (name, assumptions_json, author, note) VALUES (?, ?, ?, ?) "
            "RETURNING version_id",
            [name.strip(), text, author, note],
        ).fetchone()
    assert row is not None  # RETURNING always yields the inserted row
    return int(row[0])


def list_scenarios(path: str | Path | None = None) -> pd.DataFrame:
    """Latest version of every named scenario."""
    with connect(path, read_only=True) as con:
        return con.execute(
            "SELECT name, max(version_id) AS version_id, count(*) AS versions, max(created_at) AS updated_at "
            "FROM scenario_versions GROUP BY name ORDER BY updated_at DESC"
        ).df()


def scenario_history(name: str, path: str | Path | None = None) -> pd.DataFrame:
    """Every version of one named scenario, oldest first (who changed what, when)."""
    with connect(path, read_only=True) as con:
        return con.execute(
            "SELECT version_id, author, note, created_at, assumptions_json FROM scenario_versions "
            "WHERE name = ? ORDER BY version_id",
            [name],
        ).df()


def load_scenario(name_or_version: str | int, path: str | Path | None = None) -> dict[str, Any]:
    """The fields of the latest version of a named scenario, or of one version by id."""
    with connect(path, read_only=True) as con:
        if isinstance(name_or_version, int) or str(name_or_version).isdigit():
            row = con.execute(
                "SELECT assumptions_json FROM scenario_versions WHERE version_id = ?", [int(name_or_version)]
            ).fetchone()
        else:
            row = con.execute(
                "SELECT assumptions_json FROM scenario_versions WHERE name = ? ORDER BY version_id DESC LIMIT 1",
                [str(name_or_version)],
            ).fetchone()
    require(row is not None, "scenario", f"{name_or_version!r} is not stored", "save it first, or pick a stored one")
    assert row is not None
    return json.loads(row[0])
