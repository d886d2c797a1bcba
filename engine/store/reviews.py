"""Stored weekly reviews: one dated decision per (date, evidence cube, scenario version), never duplicated.

A review keeps what re-pricing it needs (the cube hash — the cube itself is in ``cubes`` — and the assumptions
JSON) and what it said (the decision JSON). The store takes and returns dicts; building a review from a
decision is ``engine.reviews``'s job.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.errors import DistillDecideError, require
from engine.store.db import connect, transaction

_COLUMNS = (
    "review_id, review_date, evidence, cube_hash, scenario, scenario_key, assumptions_json, decision_json, "
    "author, note, recorded_at"
)


def _as_dict(row) -> dict[str, Any]:
    keys = [c.strip() for c in _COLUMNS.split(",")]
    out = dict(zip(keys, row))
    out["review_date"] = str(out["review_date"])
    out["recorded_at"] = str(out["recorded_at"])
    out["assumptions"] = json.loads(out.pop("assumptions_json"))
    out["decision"] = json.loads(out.pop("decision_json"))
    return out


def save_review(review: dict[str, Any], path: str | Path | None = None) -> tuple[int, bool]:
    """Store one review; returns (review_id, created). The same (date, cube, scenario) again returns the
    stored one and writes nothing (recording a cycle twice never duplicates it)."""
    need = ("review_date", "evidence", "cube_hash", "scenario", "scenario_key", "assumptions", "decision", "author")
    missing = [k for k in need if k not in review]
    require(not missing, "review", f"lacks {missing}", "build it with engine.reviews.record")
    try:
        a_json = json.dumps(review["assumptions"], sort_keys=True)
        d_json = json.dumps(review["decision"], sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise DistillDecideError("review", f"is not JSON-able ({exc})", "pass plain dicts") from None
    key = [review["review_date"], review["cube_hash"], review["scenario_key"]]
    with transaction(path) as con:
        row = con.execute(
            "SELECT review_id FROM reviews WHERE review_date = ? AND cube_hash = ? AND scenario_key = ?", key
        ).fetchone()
        if row is not None:
            return int(row[0]), False
        row = con.execute(
            "INSERT INTO reviews (review_date, evidence, cube_hash, scenario, scenario_key, assumptions_json, "
            "decision_json, author, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING review_id",
            [
                review["review_date"],
                review["evidence"],
                review["cube_hash"],
                review["scenario"],
                review["scenario_key"],
                a_json,
                d_json,
                review["author"],
                review.get("note", ""),
            ],
        ).fetchone()
    assert row is not None  # RETURNING always yields the inserted row
    return int(row[0]), True


def list_reviews(path: str | Path | None = None) -> list[dict[str, Any]]:
    """Every stored review, oldest date first (recording order within a date)."""
    with connect(path, read_only=True) as con:
        rows = con.execute(f"SELECT {_COLUMNS} FROM reviews ORDER BY review_date, review_id").fetchall()
    return [_as_dict(r) for r in rows]


def load_review(review_id: int | str, path: str | Path | None = None) -> dict[str, Any]:
    """One stored review by id, or ``latest`` / ``previous`` (the one before the latest)."""
    reviews = list_reviews(path)
    require(bool(reviews), "review", "none is stored yet", "record one: `python -m engine review record`")
    if str(review_id) in ("latest", "previous"):
        want = -1 if str(review_id) == "latest" else -2
        require(len(reviews) >= -want, "review", "only one is stored", "record another review first")
        return reviews[want]
    try:
        rid = int(review_id)
    except (TypeError, ValueError):
        raise DistillDecideError(
            "review", f"{review_id!r} is not a review id", "give a number, latest or previous"
        ) from None
    found = [r for r in reviews if r["review_id"] == rid]
    require(bool(found), "review", f"{rid} is not stored", "list them with `python -m engine review list`")
    return found[0]
