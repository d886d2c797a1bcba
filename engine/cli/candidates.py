"""N students on one plane: ``decide --rows FILE --candidates 2layer=s2_pred,4layer=s4_pred,int8=int8_pred``
(one prediction column per candidate) and ``decide --runs A,B[,C…]`` (the students of runs that share one
teacher, :mod:`engine.runs.shared_teacher`)."""

from __future__ import annotations

import json
from pathlib import Path

from engine import sources
from engine.decision import cube as cube_mod
from engine.errors import require
from engine.present.money import usd
from engine.rollout import candidates, gates
from engine.runs import shared_teacher


def cmd_candidates(args, assumptions) -> int:
    """``assumptions(args, intents)`` is the CLI's scenario for a label set: (base, with the flags, note)."""
    path = args.rows or args.counts
    require(
        bool(path) and not (args.map or args.what_if),
        "--candidates",
        "needs --rows or --counts (one prediction column per candidate), without --map or --what-if",
        "give e.g. --rows results.csv --candidates 2layer=s2_pred,int8=int8_pred",
    )
    columns = candidates.parse(args.candidates)
    joint = candidates.joint_cells(cube_mod.read_table(path), columns)
    labels = sorted(set(joint["true"]).union(*(set(joint[c]) for c in ("teacher_pred", *columns.values()))))
    _, a, note = assumptions(args, labels)
    gate_list = gates.gates_or_default(args.gates)
    own = candidates.parse_costs(args.candidate_costs, list(columns))
    comp = candidates.compare(joint, columns, a, gate_list, B=args.bootstrap, rng=args.seed, costs=own)
    if args.json:
        print(json.dumps({**comp.to_dict(), "scenario": note, "evidence": Path(path).name}, indent=2))
        return 0
    n = int(joint["n"].sum())
    print(f"Evidence: {Path(path).name} (n = {n:,}, {len(columns)} candidates vs one teacher); scenario: {note}")
    _print(comp, own, args)
    return 0


def cmd_runs(args, assumptions) -> int:
    """``decide --runs A,B[,C…]``: the teacher of run A, each run's student a candidate named by its run id."""
    others = [f for f in ("candidates", "rows", "counts", "cube", "run", "teacher_preds", "map", "what_if")
              if getattr(args, f, None)]  # fmt: skip
    require(
        not others,
        "--runs",
        f"comes alone: it is the evidence, so --{others[0].replace('_', '-') if others else ''} does not apply",
        "give only --runs A,B (and the scenario's flags)",
    )
    plane = shared_teacher.load(shared_teacher.parse(args.runs))
    _, a, note = assumptions(args, plane.labels)
    a, own, said = _measured(args, plane, a)
    own |= candidates.parse_costs(args.candidate_costs, list(plane.columns))
    gate_list = gates.gates_or_default(args.gates)
    joint = candidates.joint_cells(plane.joint, plane.columns)
    comp = candidates.compare(
        joint, plane.columns, a, gate_list, B=args.bootstrap, rng=args.seed, costs=own, intents=plane.labels,
        rows=plane.rows,
    )  # fmt: skip
    note += "".join(f"; {s}" for s in said)
    label = "runs " + ", ".join(plane.columns)
    if args.json:
        runs = {k: {"path": str(p), "student": plane.describe(k)} for k, p in plane.runs.items()}
        out = {**comp.to_dict(), "scenario": note, "evidence": label, "teacher_run": plane.teacher, "runs": runs}
        print(json.dumps(out, indent=2))
        return 0
    print(
        f"Evidence: {label} (n = {len(plane.joint):,} test requests joined on request id, the teacher of run "
        f"{plane.teacher}); scenario: {note}"
    )
    for k in plane.columns:
        print(f"  {k}: {plane.describe(k) or 'student'} ({plane.runs[k]})")
    _print(comp, own, args)
    return 0


def _measured(args, plane: shared_teacher.Plane, a):
    """The P95s and prices measured in the runs (``latency.json``, ``price.json``), as ``decide --run`` uses its
    run's: the first run's for the teacher and its student, each other run's for its own student. ``--measured``
    (one run's for all, or 'none') keeps the CLI's choice. Returns (assumptions, own costs, notes)."""
    if args.measured:
        return a, {}, []
    first, *rest = plane.columns
    measured, said = sources.measured_assumptions(a, str(plane.runs[first]), required=False)
    notes, own = ([said] if said else []), {}
    for k in rest:
        ak, said_k = sources.measured_assumptions(a, str(plane.runs[k]), required=False)
        if said_k:
            notes.append(f"{k}: {said_k}")
        if said or said_k:
            own[k] = {"usd_per_request": ak.student.usd_per_request, "p95_latency_ms": ak.student.p95_latency_ms}
    return measured, own, notes


def _print(comp: candidates.Comparison, own: dict, args) -> None:
    first = next(iter(comp.decisions.values()))
    print(f"teacher: {usd(first.breakdown.teacher.total_usd)}/month")
    for name, d in comp.decisions.items():
        lo, hi = d.bootstrap.margin_ci95_usd
        priced = ", ".join(f"{k} {v:g}" for k, v in own.get(name, {}).items())
        shown = f"{name} ({priced})" if priced else name
        print(
            f"{shown}: {usd(d.breakdown.student.total_usd)}/month, margin (teacher − {name}) "
            f"{usd(d.breakdown.margin_usd)} [{usd(lo)}, {usd(hi)}] — {d.verdict.state} {d.verdict.model}"
            + (f" (blocked: {d.verdict.blocking_gate})" if d.verdict.blocking_gate else "")
        )
    print(f"paired bootstrap: B = {args.bootstrap:,}, seed {args.seed}, the same resampled requests for every one")
    print(comp.sentence)
