"""Students of several training runs that share one teacher, on one plane (``decide --runs A,B[,C…]``).

Runs trained with ``train --teacher-run A`` reuse run A's teacher, and runs of the same data and split hold
the same test requests. Each run's predictions.parquet is read as ``decide --run`` reads it; a request is
known by the data row it came from (its id without the run's ``<run>-`` prefix, as ``runs compare`` joins
them). The teacher is the first run's; each run's student is a candidate named by its run id (``RUN:finetune``
picks its fine-tune-only baseline, ``RUN:teacher`` its teacher). Refused, naming the run: runs that do not
share the teacher (their ``teacher_run``, or themselves when they trained their own), other data or labels,
other test requests (how many ids are unmatched), and teacher predictions that differ on the same request.

Each candidate keeps its run's own rows (its probabilities for the quality report), so its verdict and
paired interval are what ``decide --run`` gives on that run alone. Nothing here imports torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from engine.errors import require
from engine.rollout.candidates import MAX_CANDIDATES
from engine.runs import compare, rundir

FIX = "copy the whole run directory again (or re-run it)"
SAME_SPLIT = "compare runs trained on the same data and split (the same --data and --seed)"


@dataclass(frozen=True)
class Loaded:
    """One named run: its folder, the candidate's name, its config and its test rows (``key``: the data row)."""

    path: Path
    name: str
    column: str  # the candidate's prediction column in the run's rows
    config: dict
    rows: pd.DataFrame


@dataclass(frozen=True, eq=False)
class Plane:
    """The joined test requests: ``joint`` (request_id = the data row, segment, true, teacher_pred and one
    ``<i>_pred`` column per candidate), ``columns`` {candidate: column}, each candidate's own two-model rows
    (``rows``), the runs' labels, and the run whose teacher it is."""

    joint: pd.DataFrame
    columns: dict[str, str]
    rows: dict[str, pd.DataFrame]
    labels: list[str]
    teacher: str
    runs: dict[str, Path]

    def describe(self, name: str) -> str:
        """A candidate in words: its run's mode and student size where config.json says them."""
        config = rundir.read_run_json(self.runs[name], "config.json", FIX)
        return describe(config, baseline=name.endswith(":finetune"))


def describe(config: dict, *, baseline: bool = False) -> str:
    """``'kd-cached, 4-layer student'`` (``'fine-tune-only baseline, 4-layer student'`` for a run's baseline)."""
    parts = ["fine-tune-only baseline"] if baseline else [str(config["mode"])] if config.get("mode") else []
    if isinstance(config.get("student_layers"), int):
        parts.append(f"{config['student_layers']}-layer student")
    return ", ".join(parts)


def parse(spec: str) -> list[str]:
    """``'A,B,C'`` → the run specs, two to 20, none twice."""
    runs = [p.strip() for p in str(spec).split(",") if p.strip()]
    fix = "give two or more run ids (or directories), e.g. --runs run-a,run-b"
    require(len(runs) >= 2, "--runs", f"names {len(runs)} run", fix)
    require(len(runs) <= MAX_CANDIDATES, "--runs", f"names {len(runs)} runs", f"compare at most {MAX_CANDIDATES}")
    twice = sorted({r for r in runs if runs.count(r) > 1})
    require(not twice, "--runs", f"names {', '.join(twice)} twice", "name each run once")
    return runs


def _load(spec: str) -> Loaded:
    run, model = compare.split_model(spec)
    require(
        model != "teacher",
        "--runs",
        f"{spec!r} names a teacher, which is the plane's baseline (the first run's), not a candidate",
        "name runs (their students) or RUN:finetune (a run's fine-tune-only baseline)",
    )
    d = rundir.resolve_run(run, "--runs")
    require(rundir.is_done(d), "--runs", f"run {d.name} is not finished (no DONE)", "compare finished runs")
    config = rundir.read_run_json(d, "config.json", FIX, keys=("labels",))
    require((d / "predictions.parquet").is_file(), "--runs", f"run {d.name} has no predictions.parquet", FIX)
    rows = pd.read_parquet(d / "predictions.parquet")
    col = compare.MODEL_COLUMNS[model]
    missing = [c for c in ("request_id", "true", "teacher_pred", col) if c not in rows.columns]
    require(not missing, "--runs", f"run {d.name}'s predictions have no column(s) {missing}", FIX)
    key = rows["request_id"].astype(str).str.removeprefix(f"{d.name}-")
    require(key.is_unique, "--runs", f"run {d.name} holds a test request twice", FIX)
    name = d.name if model == "student" else f"{d.name}:{model}"
    return Loaded(d, name, col, config, rows.assign(key=key.to_numpy()))


def teacher_of(run: Loaded) -> str:
    """The run whose teacher this run used: its ``teacher_run``, or itself when it trained its own."""
    return str(run.config.get("teacher_run") or run.path.name)


def _check_pair(first: Loaded, other: Loaded) -> pd.DataFrame:
    """``other``'s rows in ``first``'s request order, once it shares the teacher, data and test requests."""
    a, b = first.path.name, other.path.name
    ta, tb = teacher_of(first), teacher_of(other)
    require(
        ta == tb,
        "--runs",
        f"run {b} does not share the teacher of run {a} ({b} uses run {tb}'s teacher, {a} uses run {ta}'s)",
        f"train it with --teacher-run {ta}, or compare runs that share one teacher",
    )
    same_data = other.config.get("data_hash") == first.config.get("data_hash")
    require(same_data and other.config["labels"] == first.config["labels"], "--runs",
            f"run {b} was trained on other data than run {a} (data hash or labels differ)", SAME_SPLIT)  # fmt: skip
    ka, kb = set(first.rows["key"]), set(other.rows["key"])
    only_a, only_b = len(ka - kb), len(kb - ka)
    require(
        not (only_a or only_b),
        "--runs",
        f"run {b}'s test requests are not run {a}'s: {only_a + only_b:,} request id(s) unmatched "
        f"({only_a:,} only in {a}, {only_b:,} only in {b})",
        SAME_SPLIT,
    )
    aligned = other.rows.set_index("key").loc[first.rows["key"]].reset_index(drop=True)
    for col, what in (("true", "true labels"), ("segment", "segments"), ("teacher_pred", "teacher predictions")):
        if col not in first.rows.columns and col not in aligned.columns:
            continue
        differ = len(first.rows)  # a column only one run holds differs everywhere
        if col in first.rows.columns and col in aligned.columns:
            differ = int((first.rows[col].astype(str).to_numpy() != aligned[col].astype(str).to_numpy()).sum())
        require(
            differ == 0,
            "--runs",
            f"run {b}'s {what} differ from run {a}'s on {differ:,} of {len(first.rows):,} requests",
            f"train it with --teacher-run {ta} on the same data" if col == "teacher_pred" else SAME_SPLIT,
        )
    return aligned


def _own_rows(run: Loaded) -> pd.DataFrame:
    """A candidate's two-model rows: its run's rows with its predictions as ``student_pred``; a baseline's or a
    teacher's keep no student probabilities (the run's are its KD student's)."""
    rows = run.rows.drop(columns=["key"])
    if run.column == "student_pred":
        return rows
    probs = [c for c in rows.columns if str(c).startswith("p_student_") or c == "student_probs"]
    return rows.drop(columns=probs).assign(student_pred=rows[run.column])


def load(specs: Sequence[str]) -> Plane:
    """The runs named (:func:`parse`), checked and joined on request id (module docstring)."""
    loaded = [_load(s) for s in specs]
    names = [r.name for r in loaded]
    require(len(set(names)) == len(names), "--runs", "names one run twice", "name each run once")
    first = loaded[0]
    keep = ["key", *(["segment"] if "segment" in first.rows.columns else []), "true", "teacher_pred"]
    joint = first.rows[keep].rename(columns={"key": "request_id"}).reset_index(drop=True)
    columns = {}
    for i, run in enumerate(loaded):
        aligned = first.rows.reset_index(drop=True) if i == 0 else _check_pair(first, run)
        columns[run.name] = f"c{i}_pred"
        joint[columns[run.name]] = aligned[run.column].astype(str).to_numpy()
    return Plane(
        joint,
        columns,
        {r.name: _own_rows(r) for r in loaded},
        [str(x) for x in first.config["labels"]],
        teacher_of(first),
        {r.name: r.path for r in loaded},
    )
