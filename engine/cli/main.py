"""``python -m engine <command>``: the same functions the dashboard calls.

Bad input exits with status 2 and one line naming the field and the fix;
nothing is written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from numbers import Real
from typing import Any, NoReturn

import numpy as np

from engine import sources
from engine import validate as v
from engine.cli import candidates as cli_candidates
from engine.cli import distill as cli_distill
from engine.cli import evidence_spec
from engine.cli import review as cli_review
from engine.cli import rollout as cli_rollout
from engine.cli import seed_errors as cli_seed_errors
from engine.cli import serving as cli_serving
from engine.cli import voi as cli_voi
from engine.decision import costs, distributions, sweeps, verdict, whatif
from engine.errors import DistillDecideError, require
from engine.present.money import usd
from engine.rollout import gates

SWEEP_DEFAULTS = {
    "volume": (500_000, 20_000_000, 9),
    "critical-cost": (0.4, 5.0, 24),
    "latency": (0.0, 200.0, 9),
    "harm-cost": (0.0, 0.1, 11),
}


SWEEP_VALUE = v.Interval(Real, 0, 1e12)  # each parameter's own range is checked in cmd_sweep


def _sets(field: str):
    """The argparse type of a flag that overrides scenario ``field``: the field's stated range."""
    return v.as_flag(v.LIMITS[field], field)


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one :class:`DistillDecideError` line like every other refusal."""

    def error(self, message: str) -> NoReturn:
        field, problem = "command line", message
        if m := re.match(r"argument ([^:]+): (.*)", message, flags=re.S):
            field, problem = m.groups()
        elif m := re.match(r"(the following arguments are required|unrecognized arguments): (.*)", message):
            field, problem = m.group(2), "is required" if m.group(1).startswith("the") else "is not an option here"
        problem, _, fix = problem.partition(". Fix: ")
        raise DistillDecideError(field, problem.rstrip("."), fix or f"see `{self.prog} --help`")


def _evidence_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", default=None, help="seed (default), a .json/.toml file, or a stored scenario name")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--run", help="a run directory or id, or a stored rows source")
    src.add_argument("--rows", help="per-request results file (CSV/parquet: segment, true, teacher_pred, student_pred)")
    src.add_argument("--counts", help="cube counts file (CSV/parquet: segment, true, teacher_pred, student_pred, n)")
    src.add_argument("--cube", metavar="HASH", help="a cube stored by `cube import` or `cube build` (see `cube list`)")
    src.add_argument("--teacher-preds", metavar="FILE", help="teacher predictions (request id, true, pred) to join")
    src.add_argument(
        "--evidence",
        metavar="SPEC",
        help="any source in one flag: seed, RUN (a run id or directory), cube:HASH, rows:FILE or counts:FILE",
    )
    p.add_argument("--student-preds", metavar="FILE", help="student predictions joined to --teacher-preds on the id")
    p.add_argument("--id-col", default="request_id", help="the request id column of both predictions files")
    p.add_argument("--map", metavar="TARGET=COLUMN,…", help="column mapping, e.g. true=true_intent,teacher_pred=t_pred")
    p.add_argument(
        "--measured",
        metavar="RUN",
        help="price with a run's measured P95s (latency.json) and capacity prices (price.json); "
        "'none' keeps the scenario's even for --run RUN",
    )
    p.add_argument("--volume", type=_sets("requests_per_month"), help="requests per month")
    p.add_argument("--critical-cost", type=_sets("usd_per_critical_event"), help="$ per critical event")
    p.add_argument(
        "--critical-cost-range",
        type=v.as_flag(v.LIMITS["usd_per_critical_event"]),
        nargs=2,
        metavar=("LOW", "HIGH"),
        help="uncertain $ per critical event (triangular, mode = the point value)",
    )
    p.add_argument(
        "--latency-cost-per-ms",
        type=_sets("usd_per_ms_month"),
        help="$ per ms-month at the reference volume",
    )
    p.add_argument(
        "--uncertain",
        action="append",
        metavar="NAME=SPEC",
        help="an uncertain assumption, e.g. "
        "usd_per_critical_event=lognormal:0.9,2.4 (point:X, uniform:LO,HI, triangular:LO,MODE,HI, lognormal:P10,P90)",
    )
    p.add_argument("--what-if", action="append", metavar="CHANGE", help="HYPOTHETICAL: student.critical_rate=-20%%")
    p.add_argument("--json", action="store_true", help="print JSON")


def _load(args: argparse.Namespace, *, with_rows: bool = True):
    ev = _evidence(args, with_rows=with_rows)
    base, a, note = _assumptions(args, ev.cube.intents)
    if args.what_if:
        ev = whatif.hypothetical_evidence(ev, base, args.what_if)
    return ev, a, note


def _assumptions(args: argparse.Namespace, intents):
    """The scenario the flags name for this label set: (before the flags' changes, after them, its note)."""
    a, note = sources.scenario_for_labels(intents, args.scenario)
    if args.measured != "none" and (args.measured or args.run):
        a, said = sources.measured_assumptions(a, args.measured or args.run, required=bool(args.measured))
        note += f"; {said}" if said else ""
    changes: dict[str, Any] = {}
    for flag, key in (
        ("volume", "requests_per_month"),
        ("critical_cost", "usd_per_critical_event"),
        ("latency_cost_per_ms", "usd_per_ms_month"),
    ):
        if getattr(args, flag) is not None:
            changes[key] = getattr(args, flag)
    if args.critical_cost_range is not None:
        changes["usd_per_critical_event_range"] = tuple(args.critical_cost_range)
    if args.uncertain:
        extra = [distributions.parse_assignment(t) for t in args.uncertain]
        changes["uncertain"] = distributions.merge(a.uncertain, extra)
    return a, (a.replace(**changes) if changes else a), note


def _evidence(args: argparse.Namespace, *, with_rows: bool = True) -> sources.Evidence:
    """The evidence the flags name (the seed's without any); --map renames a rows, counts or predictions file's
    columns (docs/warehouse.md)."""
    from engine.decision import mapping

    evidence_spec.expand(args)
    require(
        bool(args.teacher_preds) == bool(args.student_preds),
        "--student-preds" if args.teacher_preds else "--teacher-preds",
        "is missing (the two predictions files come together)",
        "give --teacher-preds A.csv --student-preds B.csv",
    )
    require(
        args.map is None or bool(args.rows or args.counts or args.teacher_preds),
        "--map",
        "applies to --rows, --counts or --teacher-preds/--student-preds files",
        "drop --map, or give one of those files",
    )
    cols = mapping.parse(args.map, mapping.PRED_TARGETS if args.teacher_preds else mapping.TARGETS)
    if args.run:
        return sources.run_evidence(args.run, with_rows=with_rows)
    if args.rows:
        return sources.rows_evidence(args.rows, columns=cols)
    if args.counts:
        return sources.counts_evidence(args.counts, columns=cols)
    if args.cube:
        return sources.stored_cube_evidence(args.cube)
    if args.teacher_preds:
        ev, report = sources.joined_evidence(args.teacher_preds, args.student_preds, id_col=args.id_col, columns=cols)
        print(f"note: {report.note()}", file=sys.stderr)
        return ev
    return sources.seed_evidence()


def _fmt_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def cmd_decide(args: argparse.Namespace) -> int:
    evidence_spec.expand(args)  # --evidence runs:A,B is --runs A,B
    if args.runs:
        return cli_candidates.cmd_runs(args, _assumptions)
    if args.candidates:
        return cli_candidates.cmd_candidates(args, _assumptions)
    ev, a, note = _load(args)
    gate_list = gates.gates_or_default(args.gates)
    d = verdict.decide(ev, a, gate_list, B=args.bootstrap, rng=args.seed)
    if args.json:
        out = d.to_dict()
        out["scenario"] = note
        out["evidence"] = ev.label
        out["cube_hash"] = ev.cube.hash
        out["bootstrap"]["seed"] = args.seed
        print(json.dumps(out, indent=2))
        return 0
    print(
        f"Evidence: {ev.label} (n = {ev.cube.n:,}, cube {ev.cube.hash}); scenario: {note}; "
        f"{a.requests_per_month:,.0f} requests/month"
    )
    _print_decision(d, seed=args.seed)
    return 0


def _print_decision(d: verdict.Decision, *, seed: int) -> None:
    """The text form of ``decide``: the cost table, the interval, break-evens, gates and the verdict."""
    b = d.breakdown
    rows = [
        [c, usd(b.teacher.component_usd(c)), usd(b.student.component_usd(c)), usd(b.delta_usd(c), signed=True)]
        for c in costs.COMPONENTS
    ]
    rows.append(["total", usd(b.teacher.total_usd), usd(b.student.total_usd), usd(-b.margin_usd, signed=True)])
    print(_fmt_table(["component ($/month)", "teacher", "student", "student − teacher"], rows))
    print(
        f"critical misroutes/month: teacher {b.teacher.critical_events_per_month:,.0f}, "
        f"student {b.student.critical_events_per_month:,.0f}"
    )
    lo, hi = d.bootstrap.margin_ci95_usd
    print(
        f"margin (teacher − student): {usd(b.margin_usd)}/month, 95% CI [{usd(lo)}, "
        f"{usd(hi)}] (paired bootstrap, B = {d.bootstrap.B:,}, seed {seed}); "
        f"P(student cheaper) = {d.bootstrap.p_student_cheaper:.3f}"
    )
    print(f"break-even: {d.break_even_critical.note.rstrip('.')}. {d.break_even_volume.note.rstrip('.')}.")
    failing = [r.gate.name for r in d.gates.results if r.passed is False]
    unmeasured = [r.gate.name for r in d.gates.results if r.source == gates.NOT_MEASURED]
    print(
        f"gates: {sum(r.passed is True for r in d.gates.results)} of {len(d.gates.results)} pass"
        + (f"; failing: {', '.join(failing)}" if failing else "")
        + (f"; not measured (neither pass nor block): {', '.join(unmeasured)}" if unmeasured else "")
    )
    print(d.verdict.sentence)


def cmd_sweep(args: argparse.Namespace) -> int:
    ev, a, note = _load(args, with_rows=False)  # a sweep prices the cube only
    lo, hi, steps = SWEEP_DEFAULTS[args.what]
    param = sweeps.CLI_NAMES[args.what]
    lo = v.limit(param).check(args.from_, "--from") if args.from_ is not None else lo
    hi = v.limit(param).check(args.to, "--to") if args.to is not None else hi
    steps = args.steps or steps
    require(hi > lo, "--to", f"{hi:g} is not above --from {lo:g}", "give --to greater than --from")
    res = sweeps.sweep(ev.cube, a, param, np.linspace(lo, hi, steps))
    if args.json:
        print(
            json.dumps(
                {
                    "param": param,
                    "evidence": ev.label,
                    "scenario": note,
                    "rows": res.table().to_dict(orient="records"),
                    "crossing": res.crossing,
                    "note": res.note,
                },
                indent=2,
            )
        )
        return 0
    rows = [
        [
            sweeps.format_value(param, v),
            usd(t),
            usd(s),
            usd(m),
            "student" if m > 0 else "teacher",
        ]
        for v, t, s, m in zip(res.values, res.teacher_total_usd, res.student_total_usd, res.margin_usd)
    ]
    print(_fmt_table([param, "teacher $/month", "student $/month", "margin", "cheaper"], rows))
    print(f"crossing: {res.crossing:,.6g}" if res.crossing is not None else "crossing: none in this range")
    print(res.note)
    return 0


def cmd_cube(args: argparse.Namespace) -> int:
    from engine import store
    from engine.decision import cube as cube_mod
    from engine.decision import mapping

    if args.action == "list":
        print(store.list_cubes().to_string(index=False))
        return 0
    cols = mapping.parse(args.map)
    if args.action == "import":
        require(bool(args.path), "path", "missing", "give the counts file: cube import PATH")
        c = sources.counts_cube(args.path, columns=cols)
    else:
        require(
            bool(args.table or args.parquet),
            "cube build",
            "needs --table or --parquet",
            "name a per-request table in the store, or a parquet glob",
        )
        require("n" not in cols, "--map", "maps n, but cube build counts the rows itself", "drop n= from --map")
        counts = (
            store.cube_counts_from_table(args.table, columns=cols)
            if args.table
            else store.cube_counts_from_parquet(args.parquet, columns=cols)
        )
        c = cube_mod.from_counts(counts, source=f"table:{args.table}" if args.table else f"parquet:{args.parquet}")
    sources.store_cube(c)
    result = {
        "cube_hash": c.hash,
        "n": c.n,
        "cells": c.n_cells,
        "intents": list(c.intents),
        "segments": list(c.segments),
    }
    print(
        json.dumps(result, indent=2)
        if args.json
        else f"stored cube {c.hash}: {c.n:,} requests in {c.n_cells} occupied cells, {len(c.intents)} intents"
    )
    return 0


def cmd_scenario(args: argparse.Namespace) -> int:
    from engine import store
    from engine.decision import scenario

    if args.action == "list":
        print(store.list_scenarios().to_string(index=False))
        return 0
    require(bool(args.name), "name", "missing", "give a scenario name")
    if args.action == "save":
        from engine.data import seed

        name = v.NAME.check(args.name, "name")
        a = scenario.load(args.file) if args.file else seed.load_assumptions()
        vid = store.save_scenario(name, a.to_dict(), author=args.author, note=args.note)
        print(f"saved scenario {args.name!r} as version {vid}")
    else:
        print(scenario.dumps_json(sources.stored_scenario(args.name)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m engine", description="Distill Decide: teacher or student?")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("decide", help="monthly cost of each model, the margin's interval and the verdict")
    _evidence_args(p)
    p.add_argument("--bootstrap", type=v.as_flag(v.BOOTSTRAP), default=10_000, help="resamples B (default 10,000)")
    p.add_argument("--seed", type=v.as_flag(v.SEED), default=0, help="bootstrap random seed")
    p.add_argument("--gates", help="JSON list of gates (default: the seeds' gates)")
    p.add_argument("--candidates", metavar="NAME=COLUMN,…", help="N students on one plane (--rows/--counts columns)")
    p.add_argument("--candidate-costs", metavar="NAME=USD[/P95_MS],…", help="a candidate's own $/request and P95")
    p.add_argument(
        "--runs",
        metavar="A,B[,C…]",
        help="the students of runs that share one teacher (train --teacher-run A), on one plane: the teacher of "
        "the first run, each run's student a candidate named by its run id (RUN:finetune for its baseline)",
    )
    p.set_defaults(func=cmd_decide)
    p = sub.add_parser("sweep", help="sweep one assumption and find where the winner flips")
    p.add_argument("what", choices=sorted(SWEEP_DEFAULTS))
    _evidence_args(p)
    p.add_argument("--from", dest="from_", type=v.as_flag(SWEEP_VALUE))
    p.add_argument("--to", type=v.as_flag(SWEEP_VALUE))
    p.add_argument("--steps", type=v.as_flag(v.SWEEP_STEPS))
    p.set_defaults(func=cmd_sweep)
    p = sub.add_parser("cube", help="import or build a confusion cube into the store")
    p.add_argument("action", choices=["import", "build", "list"])
    p.add_argument("path", nargs="?")
    p.add_argument("--table", help="per-request table in the store's DuckDB file")
    p.add_argument("--parquet", help="parquet file or glob of per-request logs (hive partitions ok)")
    p.add_argument("--map", metavar="TARGET=COLUMN,…", help="column mapping, e.g. true=true_intent,teacher_pred=t_pred")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_cube)
    p = sub.add_parser("scenario", help="save, show or list named scenarios in the store")
    p.add_argument("action", choices=["save", "show", "list"])
    p.add_argument("name", nargs="?", type=v.as_flag(v.Text(200)))
    p.add_argument("--file", help="a .json/.toml scenario (default: the seed scenario)")
    p.add_argument("--author", default="cli", type=v.as_flag(v.Text(100)))
    p.add_argument("--note", default="", type=v.as_flag(v.Text(2_000, blank_ok=True)))
    p.set_defaults(func=cmd_scenario)
    cli_rollout.add_commands(sub)
    cli_seed_errors.add_commands(sub)
    cli_distill.add_commands(sub)
    cli_serving.add_commands(sub)
    cli_voi.add_commands(sub)
    cli_review.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return args.func(args)
    except DistillDecideError as exc:
        print("error: " + " ".join(str(exc).split()), file=sys.stderr)  # one line, whatever the message held
        return 2
