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
from engine.decision import mapping, scenario
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
    if labels is None:  # an upload: the label order its default scenario prices in, as when it was uploaded
        labels = _scenario_order(store.source_labels(source))
    if not with_rows:
        counts = store.cube_counts_from_rows(source)
        return Evidence(cube_mod.from_counts(counts, intents=labels, source=source), None, f"stored {source}")
    rows = store.load_rows(source)
    return Evidence(cube_mod.from_rows(rows, intents=labels, source=source), rows, f"stored {source}")


def _scenario_order(found: set[str]) -> list[str] | None:
    """The seed scenario's intents in its order when ``found`` fits in them (the Lab's upload does the same), else
    None (the cube sorts them): the same requests give the same cube layout, so the same resamples."""
    base = seed.load_assumptions()
    return list(base.intents) if found and found <= set(base.intents) else None


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


def rows_evidence(path: str, intents=None, columns: dict[str, str] | None = None) -> Evidence:
    """A per-request results file; ``columns`` maps targets to the file's columns (:mod:`engine.decision.mapping`)."""
    rows = mapping.apply(cube_mod.read_table(path), columns or {}, Path(path).name)
    return Evidence(
        cube_mod.from_rows(rows, intents=intents, source=f"rows:{Path(path).name}"), rows, f"rows {Path(path).name}"
    )


def counts_cube(path: str, intents=None, columns: dict[str, str] | None = None) -> cube_mod.ConfusionCube:
    """A counts file's cube, its columns mapped (``columns``) or named as the counts format names them."""
    counts = mapping.apply(cube_mod.read_table(path), columns or {}, Path(path).name)
    return cube_mod.from_counts(counts, intents=intents, source=f"counts:{Path(path).name}")


def counts_evidence(path: str, intents=None, columns: dict[str, str] | None = None) -> Evidence:
    return Evidence(counts_cube(path, intents, columns), None, f"counts {Path(path).name}")


def joined_evidence(
    teacher_path: str, student_path: str, *, id_col: str = "request_id", columns: dict[str, str] | None = None
) -> tuple[Evidence, mapping.JoinReport]:
    """Teacher and student predictions from two files (request id, true label, prediction) joined on ``id_col``;
    ids in only one file are left out of the evidence and counted in the report."""
    names = (Path(teacher_path).name, Path(student_path).name)
    rows, report = mapping.join_predictions(
        cube_mod.read_table(teacher_path), cube_mod.read_table(student_path), id_col=id_col, mapping=columns,
        names=names,
    )  # fmt: skip
    label = f"joined {names[0]} + {names[1]} on {id_col} ({report.note()})"
    return Evidence(cube_mod.from_rows(rows, source=f"joined:{names[0]}+{names[1]}"), rows, label), report


def scenario_for(cube: cube_mod.ConfusionCube, name: str | None) -> tuple[scenario.Assumptions, str]:
    """The named scenario (seed, a file, or a stored name); for a foreign label set, seed prices with 1 harm unit
    per misroute and no critical intents (said in the returned note)."""
    return scenario_for_labels(cube.intents, name)


def foreign_label_note(intents) -> str:
    """The defaults a label set that is not MangaAssist's is priced with, said (issue 17)."""
    from engine.quality import report

    return (
        f"defaults for a label set that is not MangaAssist's ({len(intents)} intents): 1 harm unit per misroute; "
        "critical set unset (no critical intents: critical misroutes cost $0, name them in a scenario file); "
        f"{report.rare_rule(intents)}; the seed's prices, volume and P95s, not measured for these models"
    )


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
        return scenario.Assumptions.from_dict(data), foreign_label_note(intents)
    if Path(name).suffix.lower() in (".json", ".toml"):
        return scenario.load(name), f"scenario file {Path(name).name}"
    return stored_scenario(name), f"stored scenario {name}"


MEASURED_RUNTIME = "onnx_fp32"  # the runtime whose P95 the Latency page and `price` read


def _measured_values(p: Path, name: str, key: str, fix: str) -> dict[str, float]:
    """Each model's ``key`` from run file ``name`` (latency.json: model → runtime → stats; price.json: model →
    capacity price), checked: a damaged file is one line naming it, never a traceback."""
    from engine.runs import rundir

    data = rundir.read_run_json(p, name, fix, keys=scenario.MODELS)
    out = {}
    for m in scenario.MODELS:
        try:
            entry = data[m]
            if name == "latency.json":
                entry = entry[MEASURED_RUNTIME] if MEASURED_RUNTIME in entry else next(iter(entry.values()))
            out[m] = float(entry[key])
        except (KeyError, TypeError, ValueError, StopIteration, AttributeError):
            raise DistillDecideError(f"{p.name}/{name}", f"has no {key} for the {m}", fix) from None
    return out


def measured_assumptions(
    a: scenario.Assumptions, run: str, *, required: bool = True
) -> tuple[scenario.Assumptions, str | None]:
    """``a`` with a run's measurements: P95s from latency.json (`bench-latency`) and capacity prices per request
    from price.json (`price`), each marked "measured". Not ``required`` (``decide --run``): a run without them,
    or a stored source that is no run directory, leaves ``a`` as it is (note None)."""
    from engine.runs import rundir

    try:
        p = rundir.resolve_run(run if required else str(run).removeprefix("run:"), "--measured")
    except DistillDecideError:
        if required:
            raise
        return a, None
    found = [f for f in ("latency.json", "price.json") if (p / f).is_file()]
    if not found:
        require(
            not required,
            "--measured",
            f"{p.name} has no latency.json or price.json",
            f"measure it: python -m engine bench-latency --run {p.name}, then price --run {p.name}",
        )
        return a, None
    changes: dict[str, object] = {}
    said = []
    if "latency.json" in found:
        p95 = _measured_values(p, "latency.json", "p95_ms", f"measure it again: bench-latency --run {p.name}")
        changes |= {f"{m}.p95_latency_ms": p95[m] for m in p95} | {f"{m}.latency_source": "measured" for m in p95}
        said.append(f"P95 teacher {p95['teacher']:.2f} ms, student {p95['student']:.2f} ms")
    if "price.json" in found:
        price = _measured_values(p, "price.json", "usd_per_request", f"price it again: price --run {p.name}")
        changes |= {f"{m}.usd_per_request": price[m] for m in price} | {f"{m}.price_source": "measured" for m in price}
        at = rundir.read_run_json(p, "price.json", "price it again").get("requests_per_month")
        volume = f" (capacity model at {at:,.0f} requests/month)" if isinstance(at, (int, float)) else ""
        said.append(
            f"capacity prices teacher ${price['teacher']:.6f}, student ${price['student']:.6f} per request{volume}"
        )
    return a.replace(**changes), f"measured in run {p.name}: " + "; ".join(said)
