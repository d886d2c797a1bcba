"""Rollout on the metric that decides: ``canary --metric critical-rate|margin`` and ``monitor --daily FILE``."""

from __future__ import annotations

import dataclasses
import json
from numbers import Real

from engine import validate as v
from engine.decision import costs, uncertainty
from engine.decision.cube import read_table
from engine.errors import require
from engine.present.money import usd
from engine.rollout import canary, canary_metric, frontier, routing, sequential

GUARDRAIL_USD = v.Interval(Real, 0, 1e9, closed="right", unit="$ per month of critical-error cost growth")


def scenario_guardrail(ev, a) -> tuple[float, dict]:
    """The scenario's own guardrail: the seed plan's $1,800/month unless the offline estimate already breaches
    it, then the next $100 above that estimate (:func:`canary.guardrail_check`)."""
    g = canary.guardrail_check(costs.decompose(ev.cube, a), ev.cube, a, uncertainty.draw(ev.cube, 2_000, 0))
    return g.proposed_limit_usd_per_month, {
        "seed_plan_limit_usd_per_month": g.limit_usd_per_month,
        "offline_growth_usd_per_month": g.offline_estimate_usd_per_month,
        "offline_growth_ci95_usd": list(g.estimate_ci95_usd),
        "seed_plan_limit_already_breached": g.already_breached,
        "used_limit_usd_per_month": g.proposed_limit_usd_per_month,
    }


def cmd_canary_metric(args, ev, a, daily: float) -> int:
    """``canary --metric critical-rate|margin``: sizes on the decision's own metric."""
    sided = args.sided or (1 if args.metric == "critical-rate" else 2)
    if args.metric == "critical-rate":
        b = costs.decompose(ev.cube, a)
        p0 = args.baseline if args.baseline is not None else b.teacher.critical_rate
        p1 = args.target if args.target is not None else b.student.critical_rate
        p = canary_metric.critical_rate_plan(
            p0, p1, share=args.share, daily=daily, volume=a.requests_per_month, alpha=args.alpha, power=args.power,
            sided=sided,
        )  # fmt: skip
    else:
        p = canary_metric.margin_plan(
            ev.cube, a, share=args.share, daily=daily, alpha=args.alpha, power=args.power, sided=sided
        )
    if args.json:
        print(json.dumps(p.to_dict(), indent=2))
        return 0
    print_metric_plan(p, ev.label)
    return 0


def print_metric_plan(p: canary_metric.MetricPlan, label: str) -> None:
    c = p.checks
    side = "one-sided" if p.sided == 1 else "two-sided"
    ramp = f"{p.days_on_ramp:.1f} days" if p.days_on_ramp is not None else "more than a year"
    if p.metric == "critical-rate":
        print(
            f"critical-misroute rate ({label}): control (teacher) {p.control_value:.2%} vs canary (student) "
            f"{p.canary_value:.2%} per request = {p.difference_per_month:+,.0f} {p.unit}"
        )
        print(
            f"{side} α = {p.alpha:g}, power {p.power:.0%}, {p.method}: canary arm {p.canary_arm:,} requests "
            f"(≈{c['critical_misroutes_in_canary_arm']:,.0f} critical misroutes), control arm {p.control_arm:,}"
        )
        print(
            f"checks: normal (Fleiss) {c['normal_canary_arm']:,} (exact power there "
            f"{c['exact_power_at_normal_size']:.1%}), arcsine {c['arcsine_canary_arm']:,}; exact power at the plan "
            f"{c['exact_power_at_plan']:.1%}"
        )
    else:
        print(
            f"margin ({label}): teacher {usd(p.control_value * 1000, cents=True)} vs student "
            f"{usd(p.canary_value * 1000, cents=True)} per 1,000 requests = {usd(p.difference_per_month)}/month at the "
            "scenario's volume "
            f"(per-request dollars; fixed operations are not observed per request)"
        )
        print(
            f"{side} α = {p.alpha:g}, power {p.power:.0%}: canary arm {p.canary_arm:,}, control arm {p.control_arm:,} "
            f"(per-request SD teacher {usd(c['teacher_var'] ** 0.5, cents=True)}, student "
            f"{usd(c['student_var'] ** 0.5, cents=True)}); a paired offline replay (both models on the same labelled "
            f"requests) needs {c['paired_replay_requests']:,}"
        )
    print(
        f"a {p.share:.0%} canary of {p.daily_requests:,.0f} requests/day: {p.days_at_share:.1f} days; along the "
        f"seed plan's ramp (5% for a week, then 25%): {ramp}"
    )


def cmd_monitor(args) -> int:
    from engine.cli.rollout import _evidence

    ev, a, _ = _evidence(args)
    used, guard = scenario_guardrail(ev, a)
    if args.guardrail_usd is not None:
        used = guard["used_limit_usd_per_month"] = args.guardrail_usd
    plan = sequential.plan_for(ev.cube, a, used, alpha=args.alpha)
    frame = sequential.example_daily(plan) if args.daily == "example" else read_table(args.daily)
    out = sequential.monitor(frame, plan)
    if args.json:
        print(json.dumps(monitor_json(out, guard, args), indent=2))
        return 0
    print_monitor(out, guard, args.daily == "example")
    return 0


def _band(row, name: str) -> dict:
    return {"estimate": float(row[name]), "lo": float(row[name + "_lo"]), "hi": float(row[name + "_hi"])}


def monitor_json(out, guard: dict, args) -> dict:
    names = ("critical_rate_difference", "critical_cost_growth_usd_per_month", "usd_per_request_difference")
    days = [
        {
            "day": int(r["day"]),
            "canary_share": float(r["daily_share"]),
            "recommendation": r["recommendation"],
            "rule": r["rule"],
            **{n: _band(r, n) for n in names},
            "usd_per_request_sd": {"control": float(r["control_usd_sd"]), "canary": float(r["canary_usd_sd"])},
            "usd_variance_from": r["usd_variance_from"],
        }
        for _, r in out.iterrows()
    ]
    return {
        "example": args.daily == "example",
        "method": "normal-mixture confidence sequence (Howard et al. 2021), asymptotic (Waudby-Smith et al. 2021)",
        "alpha": args.alpha,
        "guardrail": guard,
        "days": days,
        "final": {"day": days[-1]["day"], "recommendation": days[-1]["recommendation"], "rule": days[-1]["rule"]},
    }


def print_monitor(out, guard: dict, example: bool) -> None:
    if guard["seed_plan_limit_already_breached"]:
        print(
            f"guardrail: the seed plan's {usd(guard['seed_plan_limit_usd_per_month'])}/month is already breached by "
            f"the offline estimate ({usd(guard['offline_growth_usd_per_month'], signed=True)}/month); using "
            f"{usd(guard['used_limit_usd_per_month'])}/month"
        )
    else:
        print(f"guardrail: critical-error cost growth ≤ {usd(guard['used_limit_usd_per_month'])}/month")
    print(
        ("EXAMPLE (generated) " if example else "") + "day  share  critical-rate Δ [95% CS]   growth $/month [95% CS]"
    )
    for r in out.itertuples():
        g = "critical_cost_growth_usd_per_month"
        print(
            f"{int(r.day):>3}  {r.daily_share:>5.0%}  {r.critical_rate_difference:+.3%} "
            f"[{r.critical_rate_difference_lo:+.3%}, {r.critical_rate_difference_hi:+.3%}]  "
            f"[{usd(getattr(r, g + '_lo'))}, {usd(getattr(r, g + '_hi'))}]  {r.recommendation}"
        )
    last = out.iloc[-1]
    print(f"day {int(last.day)}: {last.recommendation} — {last.rule}")
    print(
        f"$ sequence on day {int(last.day)}: canary − control {usd(last.usd_per_month_difference, signed=True)}/month "
        f"[{usd(last.usd_per_month_difference_lo)}, {usd(last.usd_per_month_difference_hi)}]; per-request SD "
        f"control {usd(last.control_usd_sd, cents=True)}, canary {usd(last.canary_usd_sd, cents=True)}, from "
        f"{last.usd_variance_from}"
    )


def cmd_frontier(args) -> int:
    from engine.cli.rollout import _evidence

    ev, a, _ = _evidence(args)
    require(ev.rows is not None, "evidence", "has no per-request rows", "use the seed scenario or a run")
    f = frontier.frontier(ev.rows, ev.cube, a, budget_ms=args.budget_ms, axis=args.axis)
    if args.json:
        print(json.dumps(f.to_dict(), indent=2))
        return 0
    r, (lo, hi) = f.recommended, f.saving_ci95_usd
    print(f"recommended within the {f.budget_ms:g} ms budget: {r.label}, {usd(r.total_usd)}/month, "
          f"{r.critical_per_month:,.0f} critical misroutes/month, business-weighted error "
          f"{usd(r.error_usd_per_month)}/month, P95 {r.p95_latency_ms:g} ms; saves "
          f"{usd(f.saving_usd)} vs the {f.versus} alone, 95% [{usd(lo)}, {usd(hi)}]")  # fmt: skip
    print(f"Pareto frontier (within budget), quality axis: {frontier.AXES[f.axis][1]}:")
    for p in sorted((p for p in f.points if p.pareto), key=lambda p: p.total_usd):
        print(f"  {p.label:<44} {usd(p.total_usd):>9}/month  {p.critical_per_month:>7,.0f} critical/month  "
              f"error {usd(p.error_usd_per_month):>7}/month")  # fmt: skip
    over = [p for p in f.points if p.deployable and not p.within_budget]
    if over:
        c = min(over, key=lambda p: p.total_usd)
        print(
            f"cheapest over the budget (never recommended): {c.label}, {usd(c.total_usd)}/month, "
            f"P95 {c.p95_latency_ms:g} ms"
        )
    return 0


def cmd_segments(args) -> int:
    from engine.cli.rollout import _evidence

    ev, a, _ = _evidence(args)
    ms = routing.segment_margins(ev.cube, a, uncertainty.draw(ev.cube, 2_000, 0))
    best = {k: routing.best_policy(ev.cube, a, keyed=k) for k in ("segment", "intent")}
    if args.json:
        out = {"segments": ms, "best_policy": {k: dataclasses.asdict(r) for k, r in best.items()}}
        print(json.dumps(out, indent=2))
        return 0
    for m in ms:
        lo, hi = m["ci95_usd"]
        print(f"{m['segment']:<12} {m['volume_share']:>4.0%}  margin {usd(m['margin_usd']):>8}/month "
              f"[{usd(lo)}, {usd(hi)}]  {m['state']}")  # fmt: skip
    for k, r in best.items():
        teach = [g for g, m in r.policy.items() if m == "teacher"]
        lo, hi = r.saving_vs_student_ci95_usd
        print(f"best per {'segment' if k == 'segment' else 'segment × predicted intent'}: "
              + (f"the teacher for {', '.join(teach)}" if teach else "the student everywhere")
              + f", {usd(r.total_usd)}/month; cross-fitted saving vs the student everywhere "
              f"{usd(r.saving_vs_student_usd)} "
              f"[{usd(lo)}, {usd(hi)}], vs the teacher everywhere {usd(r.saving_vs_teacher_usd)}")  # fmt: skip
    return 0


def cmd_shadow(args) -> int:
    from engine.cli.rollout import _evidence

    ev, a, _ = _evidence(args)
    daily = a.requests_per_month / a.days_per_month
    p = canary_metric.shadow_plan(ev.cube, a, share=args.share, daily=daily, gate=args.gate)
    if args.json:
        print(json.dumps(p.to_dict(), indent=2))
        return 0
    lo, hi = p.agreement_ci95
    print(f"shadow mode ({p.share:.0%} of {daily:,.0f} requests/day, no labels): agreement {p.agreement:.1%} "
          f"[{lo:.1%}, {hi:.1%}] — {p.note}"
          + (f", {p.days_at_share:.2f} days" if p.days_at_share else ""))  # fmt: skip
    return 0


def add_commands(sub, evid) -> None:
    p = sub.add_parser("frontier", help="cost vs critical misroutes (or business-weighted error) for every way to "
                       "serve, within the latency budget")  # fmt: skip
    evid(p)
    p.add_argument("--budget-ms", type=v.as_flag(v.Interval(Real, 0, 1e5, closed="right", unit="ms")), default=15.0)
    p.add_argument("--axis", choices=tuple(frontier.AXES), default="critical",
                   help="quality axis: critical (critical misroutes a month) or error (business-weighted error, "
                   "harm and critical dollars a month)")  # fmt: skip
    p.set_defaults(func=cmd_frontier)
    p = sub.add_parser("segments", help="per-segment margins and the best routing policy found by search")
    evid(p)
    p.set_defaults(func=cmd_segments)
    p = sub.add_parser("shadow", help="shadow-mode planner: the agreement to watch, requests and days")
    evid(p)
    p.add_argument("--share", type=v.as_flag(v.PROPORTION), default=0.05)
    p.add_argument("--gate", type=v.as_flag(v.PROPORTION), default=0.95, help="agreement gate")
    p.set_defaults(func=cmd_shadow)
    p = sub.add_parser("monitor", help="daily canary readings with anytime-valid confidence sequences")
    evid(p)
    p.add_argument("--daily", required=True, help="CSV: day, arm (control|canary), requests, critical_misroutes, "
                   "misroutes[, usd]; or 'example' for a generated one")  # fmt: skip
    p.add_argument("--alpha", type=v.as_flag(v.Interval(Real, 0, 0.5, closed="neither")), default=0.05)
    p.add_argument("--guardrail-usd", type=v.as_flag(GUARDRAIL_USD), help="critical-error cost growth limit")
    p.set_defaults(func=cmd_monitor)
