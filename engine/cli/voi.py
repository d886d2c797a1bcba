"""``python -m engine voi``: decide now, or learn more first? EVPI, EVPPI, EVSI and the best n to label."""

from __future__ import annotations

import argparse
import json

from engine import validate as v
from engine.decision import uncertainty, voi, whatif
from engine.present import figures_uncertainty as fu
from engine.present.money import usd


def add_commands(sub: argparse._SubParsersAction) -> None:
    from engine.cli import main as cli_main

    p = sub.add_parser("voi", help="value of information: is more evaluation (or a firmer assumption) worth paying for")
    cli_main._evidence_args(p)
    p.add_argument(
        "--usd-per-label",
        type=v.as_flag(v.NONNEG_USD),
        default=voi.DEFAULT_USD_PER_LABEL,
        help="$ per labelled evaluation request (default 0.10)",
    )
    p.add_argument(
        "--horizon-months",
        type=v.as_flag(voi.HORIZON),
        default=voi.DEFAULT_HORIZON_MONTHS,
        help="months the decision stands (default 12)",
    )
    p.add_argument("--bootstrap", type=v.as_flag(v.BOOTSTRAP), default=10_000, help="joint draws B (default 10,000)")
    p.add_argument("--seed", type=v.as_flag(v.SEED), default=0, help="random seed")
    p.add_argument(
        "--break-even-at",
        type=v.as_flag(v.LIMITS["usd_per_critical_event"]),
        default=None,
        metavar="USD",
        help="also solve how far the student's critical misroutes must move before it wins at this $ per event",
    )
    p.set_defaults(func=cmd_voi)


def cmd_voi(args: argparse.Namespace) -> int:
    from engine.cli import main as cli_main

    ev, a, note = cli_main._load(args, with_rows=False)
    draws = uncertainty.draw(ev.cube, args.bootstrap, args.seed)
    res = voi.analyse(
        draws, ev.cube, a, usd_per_label=args.usd_per_label, horizon_months=args.horizon_months, rng=args.seed + 1
    )
    out = res.to_dict() | {"evidence": ev.label, "scenario": note, "cube_hash": ev.cube.hash, "seed": args.seed}
    out["sentence"] = fu.sentence(res)
    if args.break_even_at is not None:
        be = whatif.break_even(ev.cube, a.replace(usd_per_critical_event=args.break_even_at))
        out["quality_break_even"] = {"change": be.change, "note": be.note, "usd_per_critical_event": args.break_even_at}
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    j = res.joint
    print(f"Evidence: {ev.label} (n = {ev.cube.n:,}); scenario: {note}")
    print("Uncertain: " + ("; ".join(res.uncertain) or "only the evaluation sample"))
    lo, hi = j.ci95_usd
    print(
        f"margin (teacher − student): mean {usd(j.mean_usd)}/month, 95% interval [{usd(lo)}, {usd(hi)}] "
        f"(B = {draws.B:,} joint draws); P(student cheaper) = {j.p_student_cheaper:.3f}"
    )
    shares = ", ".join(f"{fu.words(k)} {s:.0%}" for k, s in j.variance_shares.items())
    print(f"variance explained (fixing each at its mean): {shares or 'none (no uncertainty)'}")
    print(f"EVPI: {usd(res.evpi_usd_per_month, cents=True)}/month (today's choice: the {res.choice})")
    for k, val in res.evppi_usd_per_month.items():
        print(f"EVPPI {fu.words(k)}: {usd(val, cents=True)}/month")
    print(f"EVSI and net value over {res.horizon_months:g} months at {usd(res.usd_per_label, cents=True)} per label:")
    rows = [
        [f"{int(n):,}", usd(e, cents=True), usd(nv, signed=True)]
        for n, e, nv in zip(res.n_grid, res.evsi_usd_per_month, res.net_value_usd)
    ]
    print(cli_main._fmt_table(["n more", "EVSI $/month", "net value $"], rows))
    print(f"best n: {res.best_n:,} (net value {usd(res.best_net_value_usd, signed=True)})")
    if args.break_even_at is not None:
        print(f"at {usd(args.break_even_at, cents=True)} per critical event: {out['quality_break_even']['note']}")
    print(out["sentence"])
    return 0
