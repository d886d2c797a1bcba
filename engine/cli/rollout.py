"""Rollout commands: quality, gates, canary, cascade, drift, checkpoints."""

from __future__ import annotations

import dataclasses
import json
from numbers import Real

import numpy as np

from engine import sources
from engine import validate as v
from engine.cli import monitor as cli_monitor
from engine.decision import costs, sweeps, verdict
from engine.decision.cube import read_table
from engine.errors import require
from engine.present.money import usd
from engine.quality import report as quality_report
from engine.rollout import canary, cascade, checkpoints, drift, gates


def _evidence(args):
    if getattr(args, "run", None):
        ev = sources.run_evidence(args.run)
    else:
        ev = sources.seed_evidence()
    a, note = sources.scenario_for(ev.cube, getattr(args, "scenario", None))
    if getattr(args, "run", None):  # a run's own latency.json / price.json, "measured", as decide --run reads them
        a, said = sources.measured_assumptions(a, args.run, required=False)
        note += f"; {said}" if said else ""
    return ev, a, note


def cmd_quality(args) -> int:
    ev, a, note = _evidence(args)
    r = quality_report.report(ev.cube, ev.rows, critical_intents=a.critical_intents, rng=args.seed)
    if args.json:
        cal = r.calibration
        print(
            json.dumps(
                {
                    "evidence": ev.label,
                    "metrics": r.table().to_dict(orient="records"),
                    "rare_classes": list(r.rare_classes),
                    "B": r.B,
                    "B_rows": r.B_rows,
                    "mcnemar": {
                        "teacher_right_student_wrong": r.mcnemar_b,
                        "teacher_wrong_student_right": r.mcnemar_c,
                        "p_value": r.mcnemar_p,
                    },
                    "calibration": None
                    if cal is None
                    else {
                        "temperature": cal.temperature,
                        "ece_before": cal.ece_before,
                        "ece_after": cal.ece_after,
                        "ece_equal_mass_before": cal.ece_equal_mass_before,
                        "ece_equal_mass_after": cal.ece_equal_mass_after,
                    },
                    "per_segment": r.per_segment.to_dict(orient="records"),
                },
                indent=2,
            )
        )
        return 0
    print(
        f"Evidence: {ev.label}; paired bootstrap B = {r.B:,} (probability metrics: Poisson bootstrap, "
        f"B = {r.B_rows:,}); rare = {', '.join(r.rare_classes)}"
    )
    for m in r.metrics:
        ci = f"[{m.ci95[0]:.4f}, {m.ci95[1]:.4f}]" if m.ci95 else ""
        print(f"  {m.name:<20} {m.model:<8} {m.point:.4f} {ci}")
    print(f"McNemar exact: teacher-only right {r.mcnemar_b}, student-only right {r.mcnemar_c}, p = {r.mcnemar_p:.3g}")
    if r.calibration:
        c = r.calibration
        print(
            f"temperature scaling: T = {c.temperature:.3f}, ECE {c.ece_before:.4f} → {c.ece_after:.4f} "
            f"(fit on {c.n_fit:,}, judged on {c.n_eval:,})"
        )
    return 0


def cmd_gates(args) -> int:
    ev, a, _ = _evidence(args)
    gl = gates.gates_or_default(args.gates)
    rep = verdict.decide(ev, a, gl).gates
    guard = gates.critical_cost_guardrail(costs.decompose(ev.cube, a))
    if args.json:
        print(
            json.dumps(
                {
                    **rep.to_dict(),
                    "canary_guardrail": {
                        "limit_usd_per_month": guard.limit_usd_per_month,
                        "offline_critical_cost_growth_usd_per_month": guard.offline_estimate_usd_per_month,
                        "already_breached": guard.already_breached,
                    },
                },
                indent=2,
            )
        )
        return 0
    for r in rep.results:
        mark = {True: "PASS", False: "FAIL", None: "n/a "}[r.passed]
        print(f"{mark}  [{r.gate.group}] {r.gate.name}: {r.evidence}")
    fb = rep.first_blocking
    print(f"blocked by: {fb.gate.name}" if fb else "no gate blocks promoting the student")
    print(
        f"canary guardrail (seed 000 §7): critical-error cost growth ≤ ${guard.limit_usd_per_month:,.0f}/month; "
        f"the offline estimate is already +${guard.offline_estimate_usd_per_month:,.0f}"
        + (" — breached before the canary starts" if guard.already_breached else "")
    )
    return 0


def cmd_canary(args) -> int:
    ev, a, _ = _evidence(args)
    daily = args.daily if args.daily is not None else a.requests_per_month / a.days_per_month
    if args.metric != "accuracy":
        return cli_monitor.cmd_canary_metric(args, ev, a, daily)
    require(args.baseline is not None, "baseline", "missing", "give --baseline (the control's accuracy, e.g. 0.90)")
    one_sided = args.sided == 1 and args.non_inferiority_margin is None  # non-inferiority is one-sided already
    alpha = args.alpha
    if one_sided:  # a one-sided test at α is the two-sided formula at 2α
        args.alpha *= 2
    p = canary.plan(
        baseline=args.baseline,
        target=args.target,
        share=args.share,
        daily_requests=daily,
        alpha=args.alpha,
        power=args.power,
        non_inferiority_margin=args.non_inferiority_margin,
        expected=args.expected,
        usd_per_label=args.usd_per_label,
    )
    if one_sided:
        p = dataclasses.replace(p, alpha=alpha, test="superiority (one-sided)")
    out = p.to_dict()
    if args.non_inferiority_margin is None:
        out["days_along_ramp_5_to_25"] = canary.days_along_ramp(
            baseline=args.baseline, target=args.target, daily_requests=daily, alpha=args.alpha, power=args.power
        )
    b = costs.decompose(ev.cube, a)
    pt, ps = b.teacher.critical_rate, b.student.critical_rate
    out["critical_misroutes"] = {
        "teacher_rate": pt,
        "student_rate": ps,
        "n_per_arm_to_detect": canary.rare_event_n_per_arm(pt, ps, alpha=args.alpha, power=args.power)
        if 0 < pt < ps < 1
        else None,
        "upper95_rate_if_none_in_canary_arm": canary.rule_of_three_upper(p.canary_arm),
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    _print_canary(p, out, daily=daily, evidence_label=ev.label, alpha=alpha, power=args.power)
    return 0


def _print_canary(
    p: canary.CanaryPlan, out: dict, *, daily: float, evidence_label: str, alpha: float, power: float
) -> None:
    """The text form of ``canary``."""
    print(f"{p.test}: baseline {p.baseline:.4f} vs {p.target:.4f}, α = {p.alpha}, power = {p.power}")
    print(
        f"equal allocation: {p.equal_n_per_arm:,} per arm (arcsine cross-check {p.arcsine_n_per_arm:,})"
        + (f"; at one-sided α = 0.025: {p.alpha_0025_n_per_arm:,}" if p.alpha_0025_n_per_arm else "")
    )
    print(
        f"{p.share:.0%} canary of {daily:,.0f} requests/day: canary arm {p.canary_arm:,}, control arm "
        f"{p.control_arm:,}, {p.days_to_collect:.2f} days to collect"
    )
    print(
        f"labels: {p.labels_if_all_traffic_labelled:,} if all traffic in the window is labelled "
        f"(${p.labelling_usd_all:,.0f}); {p.labels_if_equal_samples_labelled:,} for equal samples "
        f"(${p.labelling_usd_equal:,.0f}, {p.days_if_equal_samples:.1f} days)"
    )
    if "days_along_ramp_5_to_25" in out:
        print(f"along a 5% → 25% ramp (25% after day 7): {out['days_along_ramp_5_to_25']} days")
    cm = out["critical_misroutes"]
    if cm["n_per_arm_to_detect"] is not None:
        print(
            f"critical misroutes ({evidence_label}): teacher {cm['teacher_rate']:.2%} vs student "
            f"{cm['student_rate']:.2%} per request needs "
            f"{cm['n_per_arm_to_detect']:,} labelled requests per arm to detect (α {alpha}, power {power})"
        )
    print(
        f"if the canary arm sees no critical misroute in {p.canary_arm:,} requests, the rate's 95% upper bound "
        f"is {cm['upper95_rate_if_none_in_canary_arm']:.4%} (rule of three)"
    )


def _recommendation_line(rec) -> str:
    """The recommendation within the latency budget, its saving against the better single model and its interval."""
    c = rec.within_budget
    if rec.alone == "teacher":
        return (
            f"recommendation within the {rec.budget_ms:g} ms budget: no cascade: the teacher alone "
            f"({usd(rec.alone_total_usd or 0.0)}/month; every cascade within the budget costs more)"
        )
    if c is None:
        return f"recommendation: no threshold keeps P95 within the {rec.budget_ms:g} ms budget; serve one model"
    lo, hi = c.saving_ci95_usd
    where = "no cascade: the student alone" if c.fallback_rate == 0 else f"threshold {c.threshold:.3f}"
    return (
        f"recommendation within the {rec.budget_ms:g} ms budget: {where} (fallback {c.fallback_rate:.1%}, P95 "
        f"{c.p95_latency_ms:.1f} ms, {usd(c.total_usd)}/month, saving {usd(c.saving_usd)} vs the {rec.versus} alone, "
        f"95% CI [{usd(lo)}, {usd(hi)}])"
    )


def cmd_cascade(args) -> int:
    ev, a, _ = _evidence(args)
    require(ev.rows is not None, "evidence", "has no per-request rows", "use the seed scenario or a run")
    sw = cascade.sweep(ev.rows, a, np.linspace(0, 1, args.steps), cube=ev.cube)
    best = sw.table().iloc[sw.best_index]
    rec = cascade.recommend(ev.rows, a, sw)  # the Rollout page's recommendation: within the latency budget
    out = {
        "recommendation": dataclasses.asdict(rec),
        "best": best.to_dict(),
        "teacher_total_usd": sw.teacher_total_usd,
        "student_total_usd": sw.student_total_usd,
        "beats_both": sw.beats_both,
        "break_even_fallback_rate": sw.break_even_fallback_rate(),
        "oracle": {
            "fallback_rate": sw.oracle_fallback_rate,
            "total_usd": sw.oracle_total_usd,
            "accuracy": sw.oracle_accuracy,
        },
    }
    if args.json:
        out["rows"] = sw.table().to_dict(orient="records")
        print(json.dumps(out, indent=2))
        return 0
    print(f"teacher alone ${sw.teacher_total_usd:,.0f}/month, student alone ${sw.student_total_usd:,.0f}/month")
    print(_recommendation_line(rec))
    print(
        f"cost-optimal threshold {best.threshold:.3f}: fallback {best.fallback_rate:.1%}, accuracy "
        f"{best.accuracy:.4f}, P95 {best.p95_latency_ms:.1f} ms, {best.share_over_budget:.1%} over the 15 ms "
        f"budget, ${best.total_usd_per_month:,.0f}/month — {'beats' if sw.beats_both else 'does not beat'} both; "
        f"saving {usd(rec.unconstrained.saving_usd)} vs the {rec.versus} alone, 95% CI "
        f"[{usd(rec.unconstrained.saving_ci95_usd[0])}, {usd(rec.unconstrained.saving_ci95_usd[1])}]"
    )
    be = sw.break_even_fallback_rate()
    print(
        f"above a {be:.1%} fallback rate the cascade costs more than the teacher alone"
        if be is not None
        else "the cascade never costs more than the teacher alone"
    )
    print(
        f"oracle router: fallback {sw.oracle_fallback_rate:.1%}, accuracy {sw.oracle_accuracy:.4f}, "
        f"${sw.oracle_total_usd:,.0f}/month"
    )
    return 0


def cmd_drift(args) -> int:
    if args.cycles == "example":
        frame = drift.example_cycles()
    elif args.cycles.startswith("stored:"):
        from engine import store

        frame = store.load_cycles(args.cycles.split(":", 1)[1])
    else:
        frame = read_table(args.cycles)
    frame = drift.validate_cycles(frame)
    if args.save:
        from engine import store

        store.save_cycles(args.save, frame)
    ev, a, _ = _evidence(args)
    be = sweeps.break_even(ev.cube, a, "usd_per_critical_event").value
    alerts = drift.check(frame, break_even_usd_per_critical_event=be)
    if args.json:
        print(json.dumps([a.__dict__ for a in alerts], indent=2))
        return 0
    for al in alerts:
        print(f"{al.cycle}: {al.rule} — {al.detail}. Action: {al.action}")
    if not alerts:
        print("no drift rule fires")
    return 0


def cmd_checkpoints(args) -> int:
    epochs = checkpoints.read_epochs(read_table(args.epochs), strict=True)
    s = checkpoints.select(epochs, tie_tolerance=args.tie_tolerance)
    stops = checkpoints.early_stopping(epochs)
    if args.json:
        print(
            json.dumps(
                {
                    "chosen_epoch": s.chosen_epoch,
                    "runner_up_epoch": s.runner_up_epoch,
                    "score_gap": s.score_gap,
                    "tie_within_noise": s.tie_within_noise,
                    "tie_break": s.tie_break,
                    "weights_used": s.weights_used,
                    "missing_columns": list(s.missing_columns),
                    "dominated_epochs": list(s.dominated_epochs),
                    "scores": s.scores.to_dict(orient="records"),
                    "early_stopping": [e.__dict__ for e in stops],
                },
                indent=2,
            )
        )
        return 0
    print(s.scores.to_string(index=False))
    print(
        f"chosen epoch {s.chosen_epoch}, runner-up {s.runner_up_epoch}, gap {s.score_gap}"
        + (f" — {s.tie_break}" if s.tie_within_noise else "")
    )
    if s.missing_columns:
        print(f"not in the table (weights renormalised without them): {', '.join(s.missing_columns)}")
    for e in stops:
        print(f"early stopping ({e.rule}): {'epoch ' + str(e.stop_epoch) if e.stop_epoch else 'no stop'} — {e.detail}")
    return 0


ALPHA = v.Interval(Real, 0, 0.5, closed="neither", unit="significance level, e.g. 0.05")
POWER = v.Interval(Real, 0, 1, closed="neither", unit="power, e.g. 0.8")
MARGIN = v.Interval(Real, 0, 1, closed="neither", unit="accuracy points, 0.005 for half a point")


def add_commands(sub) -> None:
    def evid(p):
        p.add_argument("--run")
        p.add_argument("--scenario")
        p.add_argument("--json", action="store_true")

    p = sub.add_parser("quality", help="quality metrics with paired intervals, McNemar, calibration")
    evid(p)
    p.add_argument("--seed", type=v.as_flag(v.SEED), default=0)
    p.set_defaults(func=cmd_quality)
    p = sub.add_parser("gates", help="promotion gates in priority order")
    evid(p)
    p.add_argument("--gates", help="JSON list of gates (default: the seeds' gates)")
    p.set_defaults(func=cmd_gates)
    p = sub.add_parser("canary", help="canary sample size, allocation and days on the metric that decides")
    evid(p)
    p.add_argument("--metric", choices=("accuracy", "critical-rate", "margin"), default="accuracy")
    p.add_argument("--sided", type=int, choices=(1, 2), help="1 or 2 (default: 1 for critical-rate, else 2)")
    p.add_argument("--baseline", type=v.as_flag(v.PROPORTION), help="control accuracy (critical-rate: its rate)")
    p.add_argument("--target", type=v.as_flag(v.PROPORTION), help="canary accuracy (critical-rate: its rate)")
    p.add_argument("--share", type=v.as_flag(v.PROPORTION), default=0.05)
    p.add_argument("--daily", type=v.as_flag(v.DAILY), help="requests per day (default: volume ÷ days per month)")
    p.add_argument("--alpha", type=v.as_flag(ALPHA), default=0.05)
    p.add_argument("--power", type=v.as_flag(POWER), default=0.8)
    p.add_argument("--non-inferiority-margin", type=v.as_flag(MARGIN))
    p.add_argument("--expected", type=v.as_flag(v.PROPORTION), help="student accuracy expected (default: baseline)")
    p.add_argument("--usd-per-label", type=v.as_flag(v.NONNEG_USD), default=0.0)
    p.set_defaults(func=cmd_canary)
    p = sub.add_parser("cascade", help="student-first cascade economics over confidence thresholds")
    evid(p)
    p.add_argument("--steps", type=v.as_flag(v.SWEEP_STEPS), default=1001)
    p.set_defaults(func=cmd_cascade)
    p = sub.add_parser("drift", help="re-distillation rules over evaluation cycles")
    evid(p)
    p.add_argument("--cycles", default="example", help="CSV/parquet of cycles, 'stored:NAME', or 'example'")
    p.add_argument("--save", type=v.as_flag(v.NAME), help="store these cycles in DuckDB under this series name")
    p.set_defaults(func=cmd_drift)
    p = sub.add_parser("checkpoints", help="checkpoint selection and early stopping from an epoch table")
    p.add_argument("--epochs", required=True)
    p.add_argument("--tie-tolerance", type=v.as_flag(checkpoints.TIE_TOLERANCE), default=1e-3)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_checkpoints)
    cli_monitor.add_commands(sub, evid)
