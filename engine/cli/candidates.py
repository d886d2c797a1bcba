"""``decide --rows FILE --candidates 2layer=s2_pred,4layer=s4_pred,int8=int8_pred``: N students on one plane."""

from __future__ import annotations

import json
from pathlib import Path

from engine.decision import cube as cube_mod
from engine.errors import require
from engine.present.money import usd
from engine.rollout import candidates, gates


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
    return 0
