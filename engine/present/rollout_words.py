"""The Rollout page's results in words (pure: strings and frames, no Streamlit), so they are tested alone.

Money through :func:`engine.present.money.usd`; the canary on the metric that decides
(:class:`engine.rollout.canary_metric.MetricPlan`), the cascade recommendation
(:class:`engine.rollout.cascade.Recommendation`) and the daily monitor's table
(:func:`engine.rollout.sequential.monitor`).
"""

from __future__ import annotations

import pandas as pd

from engine.decision.scenario import Assumptions
from engine.present.money import usd
from engine.rollout.sequential import RULES, VARIANCE_FROM

RULE_SHORT = {  # the monitor table's rule column, short enough to read in a 1440 px row
    RULES["roll back guardrail"]: "guardrail breached",
    RULES["roll back cost"]: "canary dearer",
    RULES["ship"]: "cheaper, guardrail kept",
    RULES["ramp"]: "first week: raise to 25%",
    RULES["continue"]: "none fires",
}
MONITOR_WIDTHS = {"Day": 40, "Share": 50, "Recommendation": 120, "Rule that fired": 170}  # px; the rest share the row
VARIANCE_SHORT = {
    VARIANCE_FROM["counts"]: "counts",
    VARIANCE_FROM["usd between days"]: "usd, between days",
    VARIANCE_FROM["usd_sq"]: "usd and usd_sq",
}


def metric_plan_words(p, a: Assumptions) -> tuple[str, str]:
    """(what the canary must detect, how it was sized and checked) for a critical-rate or margin plan."""
    c, side = p.checks, "One-sided" if p.sided == 1 else "Two-sided"
    if p.metric == "critical-rate":
        what = (
            f"Control (teacher) {p.control_value:.2%} vs canary (student) {p.canary_value:.2%} critical misroutes "
            f"per request: {p.difference_per_month:+,.0f} critical misroutes a month at {a.requests_per_month:,.0f} "
            "requests."
        )
        how = (
            f"Sized by the {p.method} (≈{c['critical_misroutes_in_canary_arm']:,.0f} critical misroutes in the "
            f"canary arm; exact power {c['exact_power_at_plan']:.1%}). Checks: the normal approximation's "
            f"{c['normal_canary_arm']:,} has only {c['exact_power_at_normal_size']:.1%} exact power; the arcsine "
            f"size is {c['arcsine_canary_arm']:,}."
        )
    else:
        what = (
            f"Teacher {usd(p.control_value * 1000, cents=True)} vs student {usd(p.canary_value * 1000, cents=True)}"
            f" per 1,000 requests: {usd(p.difference_per_month)}/month at {a.requests_per_month:,.0f} requests "
            "(per-request dollars; the fixed operations a canary cannot observe per request are left out)."
        )
        how = (
            f"Two-sample normal on each model's per-request $ SD (teacher {usd(c['teacher_var'] ** 0.5, cents=True)}"
            f", student {usd(c['student_var'] ** 0.5, cents=True)}). A paired offline replay (both models on the "
            f"same labelled requests) needs {c['paired_replay_requests']:,}."
        )
    return what, f"{how} {side}"


def frontier_words(f) -> str:
    """The frontier's recommendation (an :class:`engine.rollout.frontier.Frontier`) in words: the cheapest point
    within the latency budget, its saving's interval against the better single model, the next cheapest, and
    the cheapest point over the budget (shown, never recommended)."""
    r, (lo, hi), nxt, b = f.recommended, f.saving_ci95_usd, f.next_best, f"{f.budget_ms:g} ms"
    if r.kind == "single":
        first = (f"**Recommended: the {r.label.lower()}** ({usd(r.total_usd)}/month, P95 {r.p95_latency_ms:g} ms): "
                 f"no cascade or segment policy within the {b} P95 budget costs less.")  # fmt: skip
    else:
        first = (f"**Recommended: {r.label}** ({usd(r.total_usd)}/month, P95 {r.p95_latency_ms:g} ms) saves "
                 f"**{usd(f.saving_usd)}/month** against the {f.versus} alone, 95% interval "
                 f"[{usd(lo)}, {usd(hi)}].")  # fmt: skip
    then = f" Next cheapest within the budget: {nxt.label}, {usd(nxt.total_usd)}/month." if nxt else ""
    over = [p for p in f.points if p.deployable and not p.within_budget and p.total_usd < r.total_usd]
    if over:
        c = min(over, key=lambda p: p.total_usd)
        then += (f" Cheaper but over the budget, so not recommended: {c.label}, {usd(c.total_usd)}/month, "
                 f"P95 {c.p95_latency_ms:g} ms.")  # fmt: skip
    return first + then


def cascade_choice(c, versus: str) -> str:
    """One cascade threshold (:class:`engine.rollout.cascade.Choice`) in words, with its saving's interval."""
    lo, hi = c.saving_ci95_usd
    what = "no fallback: the student alone" if c.fallback_rate == 0 else f"fallback {c.fallback_rate:.1%}"
    return (
        f"threshold **{c.threshold:.3f}** ({what}), {usd(c.total_usd)}/month, P95 {c.p95_latency_ms:.0f} ms; "
        f"saves **{usd(c.saving_usd)}/month** vs the {versus} alone, 95% interval [{usd(lo)}, {usd(hi)}]"
    )


def cascade_words(rec, a: Assumptions) -> str:
    """The cascade recommendation within the latency budget, then the cheapest ignoring it."""
    b, w = f"{rec.budget_ms:g} ms", rec.within_budget
    upto = rec.max_fallback_within_budget
    if rec.alone == "teacher":  # the teacher alone is cheaper than every cascade within the budget
        first = (
            f"**Recommended within the {b} P95 budget: no cascade, serve the teacher alone** "
            f"({usd(rec.alone_total_usd or 0.0)}/month, P95 {a.teacher.p95_latency_ms:g} ms): it is the cheaper single "
            "model, and every cascade threshold whose P95 stays within the budget costs more."
        )
    elif w is None:
        first = f"**No threshold meets the {b} P95 budget**, not even the student alone."
    elif w.fallback_rate == 0:
        first = (
            f"**Recommended within the {b} P95 budget: no cascade, serve the student alone** (threshold "
            f"{w.threshold:.3f}, {usd(w.total_usd)}/month, P95 {w.p95_latency_ms:.0f} ms). Every fallback share that "
            f"keeps P95 within budget (up to {upto:.1%} of requests) costs more: running the teacher at all adds its "
            f"{usd(a.teacher.ops_usd_per_month)}/month operations."
        )
    else:
        first = f"**Recommended within the {b} P95 budget:** {cascade_choice(w, rec.versus)}."
    u = rec.unconstrained
    over = f", over the {b} budget" if u.p95_latency_ms > rec.budget_ms else ""
    return f"{first}  \nCheapest ignoring the budget: {cascade_choice(u, rec.versus)}{over}."


def monitor_sentence(days: pd.DataFrame, guardrail_usd: float) -> str:
    """The latest day's recommendation, the day a stop first fired, the rule; and, when the canary is confidently
    cheaper at the final share but not shipped, which band still holds it back."""
    last = days.iloc[-1]
    stops = days.loc[days["recommendation"].isin(["roll back", "ship"]), "day"]
    stop = int(stops.iloc[0]) if len(stops) else None
    since = f" (first on day {stop})" if stop is not None and stop != int(last["day"]) else ""
    out = f"**Day {int(last['day'])}: {last['recommendation']}**{since}. {last['rule'].capitalize()}."
    g_hi = float(last["critical_cost_growth_usd_per_month_hi"])
    if last["recommendation"] == "continue" and last["usd_per_month_difference_hi"] < 0 and g_hi > guardrail_usd:
        out += (
            f" The canary is cheaper with 95% confidence (it saves at least {usd(-last['usd_per_month_difference_hi'])}"
            "/month), "
            f"but critical-error growth may still reach {usd(g_hi)}/month, above the {usd(guardrail_usd)} guardrail: "
            "not yet a ship."
        )
    return out


def monitor_table(days: pd.DataFrame) -> pd.DataFrame:
    """The daily monitor in words: each day's share, both $ bands to the dollar, the recommendation, the rule
    and where the $ band's variance came from."""

    def band(k: str) -> list[str]:
        rows = days[[k, k + "_lo", k + "_hi"]].to_numpy()
        return [f"{usd(e, signed=True)} [{usd(lo)}, {usd(hi)}]" for e, lo, hi in rows]

    return pd.DataFrame(
        {
            "Day": days["day"],
            "Share": [f"{x:.0%}" for x in days["daily_share"]],
            "Critical-error growth $/month [95%]": band("critical_cost_growth_usd_per_month"),
            "All costs, canary − control $/month [95%]": band("usd_per_month_difference"),
            "Recommendation": days["recommendation"],
            "Rule that fired": [RULE_SHORT.get(r, r) for r in days["rule"]],
            "$ variance from": [VARIANCE_SHORT.get(v, v) for v in days["usd_variance_from"]],
        }
    )


def alert_tables(alerts, labels: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drift alerts in words, as two tables that fit a 1440 px screen: (cycle, rule, what the numbers were) and
    (rule, action) once per rule that fired (a rule's action is the same at every cycle)."""
    rows = pd.DataFrame(
        [{"Cycle": x.cycle, "Rule": labels.get(x.rule, x.rule), "What happened": x.detail} for x in alerts],
        columns=["Cycle", "Rule", "What happened"],
    )
    actions = pd.DataFrame(
        [{"Rule": labels.get(x.rule, x.rule), "Action": x.action} for x in alerts], columns=["Rule", "Action"]
    ).drop_duplicates(ignore_index=True)
    return rows, actions


def segment_table(margins: list[dict]) -> pd.DataFrame:
    """:func:`engine.rollout.routing.segment_margins` in words: share, margin, its 95% interval, the verdict."""
    return pd.DataFrame(
        {
            "Segment": [m["segment"] for m in margins],
            "Share of requests": [f"{m['volume_share']:.0%}" for m in margins],
            "Margin (teacher − student) $/month": [usd(m["margin_usd"]) for m in margins],
            "95% interval": [f"[{usd(m['ci95_usd'][0])}, {usd(m['ci95_usd'][1])}]" for m in margins],
            "Verdict": [m["state"].capitalize() for m in margins],
        }
    )


def confidences_missing(rows: pd.DataFrame | None, intents, what: str) -> str | None:
    """What per-request rows lack for ``what`` (a cascade needs the student's probability per request, as
    :func:`engine.rollout.cascade.row_costs` reads it), with where to get it; None when nothing is missing."""
    how = (
        "Upload per-request rows with the student's probabilities (a p_student_<intent> column for each intent, "
        f"e.g. p_student_{intents[0]}, or one student_confidence column) in the Distillation lab, or choose a run "
        "(runs record them)."
    )
    if rows is None:
        return f"{what} needs per-request rows with the student's probabilities; this evidence is counts only. {how}"
    cols = [f"p_student_{i}" for i in intents]  # a stored upload has the columns, blank: they count as absent
    if all(_filled(rows, c) for c in cols) or _filled(rows, "student_probs") or _filled(rows, "student_confidence"):
        return None
    have = sum(_filled(rows, c) for c in cols)
    lack = f"have p_student_ columns for only {have} of the {len(cols)} intents" if have else "have none"
    return f"{what} needs the student's probability for each request, and these rows {lack}. {how}"


def _filled(rows: pd.DataFrame, col: str) -> bool:
    return col in rows.columns and bool(rows[col].notna().all())
