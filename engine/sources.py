"""Where a verdict's evidence comes from: the seed rows, a run, an upload, a counts file, a stored cube.

Returns the cube, the per-request rows where there are any (calibration and
cascade views need them), and a label saying where the numbers come from. Stored
data comes back from ``engine.store`` as frames and dicts; this module turns it
into domain objects (a cube, an ``Assumptions``) and back.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from engine.data import seed
from engine.decision import cube as cube_mod
from engine.decision import scenario
from engine.decision.cube import Evidence  # re-exported: sources.Evidence
from engine.errors import DistillDecideError, require


def seed_evidence() -> Evidence:
    rows = seed.load_rows()
    return Evidence(cube_mod.from_rows(rows, intents=seed.INTENTS, source="seed"), rows, "seed")


def run_evidence(run: str, *, with_rows: bool = True) -> Evidence:
    """A run directory (a path, or an id under the runs folder: :func:`engine.runs.rundir.resolve_run`) or a
    stored rows source (``run:ID``, ``upload:…``)."""
    from engine.runs import rundir

    try:
        p = rundir.resolve_run(run, "run")
    except DistillDecideError:
        return stored_source_evidence(run, with_rows=with_rows)
    if p.is_dir():
        require(
            (p / "DONE").exists(),
            "run",
            f"{p.name} has no DONE marker (unfinished or failed)",
            "wait for the run to finish, or pick a completed run",
        )
        preds = p / "predictions.parquet"
        require(preds.exists(), "run", f"{p.name} has no predictions.parquet", "re-run evaluation for this run")
        rows = pd.read_parquet(preds)
        labels = None
        if (p / "config.json").exists():
            labels = rundir.read_run_json(p, "config.json", "copy the whole run directory again").get("labels")
        return Evidence(cube_mod.from_rows(rows, intents=labels, source=f"run:{p.name}"), rows, f"run {p.name}")
    return stored_source_evidence(run, with_rows=with_rows)


def stored_source_evidence(source: str, *, with_rows: bool = True) -> Evidence:
    """A stored rows source (an ingested run ``run:ID`` or an upload); without rows, the cube comes from
    the store's GROUP BY and no row leaves the database."""
    from engine import store

    require(
        source in set(store.list_sources()["source"]),
        "run",
        f"{source!r} is neither a run directory nor a stored source",
        "list runs with `python -m engine runs list`, or pass a run directory",
    )
    labels = store.run_labels(source.split(":", 1)[1]) if source.startswith("run:") else None
    if not with_rows:
        counts = store.cube_counts_from_rows(source)
        return Evidence(cube_mod.from_counts(counts, intents=labels, source=source), None, f"stored {source}")
    rows = store.load_rows(source)
    return Evidence(cube_mod.from_rows(rows, intents=labels, source=source), rows, f"stored {source}")


def stored_cube_evidence(cube_hash: str) -> Evidence:
    """A cube stored by `cube import` / `cube build` (counts only, no rows), checked against its hash."""
    from engine import store

    meta, counts = store.load_cube(cube_hash)
    c = cube_mod.from_counts(counts, intents=meta["intents"], source=meta["source"] or f"cube:{cube_hash}")
    require(
        c.hash == cube_hash,
        "cube",
        f"stored cube {cube_hash!r} no longer matches its hash (it is {c.hash})",
        "import or build the cube again",
    )
    return Evidence(c, None, f"stored cube {cube_hash}")


def store_cube(c: cube_mod.ConfusionCube) -> str:
    """Store a cube's counts under its hash (idempotent); returns the hash."""
    from engine import store

    return store.save_cube(
        c.to_frame(), cube_hash=c.hash, source=c.source, intents=list(c.intents), segments=list(c.segments)
    )


def stored_scenario(name_or_version: str | int) -> scenario.Assumptions:
    """The latest version of a stored named scenario, or one version by id, checked as any scenario is."""
    from engine import store

    return scenario.Assumptions.from_dict(store.load_scenario(name_or_version))


def rows_evidence(path: str, intents=None) -> Evidence:
    rows = cube_mod.read_table(path)
    return Evidence(
        cube_mod.from_rows(rows, intents=intents, source=f"rows:{Path(path).name}"), rows, f"rows {Path(path).name}"
    )


def counts_evidence(path: str, intents=None) -> Evidence:
    return Evidence(cube_mod.read_counts(path, intents=intents), None, f"counts {Path(path).name}")


def scenario_for(cube: cube_mod.ConfusionCube, name: str | None) -> tuple[scenario.Assumptions, str]:
    """The named scenario (seed, a file, or a stored name); for a foreign label set, seed prices with 1 harm unit
    per misroute and no critical intents (said in the returned note)."""
    return scenario_for_labels(cube.intents, name)


def scenario_for_labels(intents, name: str | None) -> tuple[scenario.Assumptions, str]:
    """:func:`scenario_for` from a label list (a training run's labels, before any cube exists)."""
    if name in (None, "seed"):
        base = seed.load_assumptions()
        if set(intents) <= set(base.intents):
            return base, "seed scenario"
        data = base.to_dict()
        data.update(intents=list(intents), name="default")
        data.pop("harm_matrix")
        data.pop("critical_intents")
        data.pop("production_intent_mix", None)
        return (
            scenario.Assumptions.from_dict(data),
            "seed prices; 1 harm unit per misroute and no critical intents (this label set has no harm matrix)",
        )
    if Path(name).suffix.lower() in (".json", ".toml"):
        return scenario.load(name), f"scenario file {Path(name).name}"
    return stored_scenario(name), f"stored scenario {name}"
