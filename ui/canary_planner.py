"""The Rollout page's canary planner: the metric, share, alpha, power and sides chosen on the page (each kept
in the URL as ``p.rollout.<name>``, :mod:`ui.choices`); sizes and days from
:mod:`engine.rollout.canary_metric`."""

from __future__ import annotations

from typing import Any

import streamlit as st

from engine.decision.cube import Evidence
from engine.decision.scenario import Assumptions
from engine.errors import DistillDecideError
from engine.present import figures_quality as fq
from engine.present import rollout_words as rw
from engine.present.money import usd
from engine.rollout import canary, canary_metric
from ui import choices
from ui.url import Choice
from ui.verdict import show_error

METRICS = {
    "critical-rate": "Critical-misroute rate (the metric that decides)",
    "margin": "$ margin per request",
    "accuracy": "Accuracy",
}
SIDES = {1: "One-sided (the canary is worse)", 2: "Two-sided"}
PAGE = "rollout"
METRIC = Choice(PAGE, "metric", "critical-rate", "can_metric", options=tuple(METRICS))
# the same choice while the scenario names no critical intents: its default is a metric that can be sized
METRIC_NO_CRITICAL = Choice(PAGE, "metric", "margin", "can_metric_no_critical", options=tuple(METRICS))
ASSUMPTIONS_PAGE = "app_pages/assumptions.py"
SHARE = Choice(PAGE, "share", 5.0, "can_share", lo=1.0, hi=99.0)
ALPHA = Choice(PAGE, "alpha", 5.0, "can_alpha", lo=0.1, hi=20.0)
POWER = Choice(PAGE, "power", 80.0, "can_power", lo=50.0, hi=99.0)
SIDED = {m: Choice(PAGE, f"sided.{m}", 1 if m == "critical-rate" else 2, f"can_sided:{m}", options=tuple(SIDES))
         for m in METRICS}  # fmt: skip
LABEL = Choice(PAGE, "usd_per_label", 0.10, "can_label", lo=0.0, hi=100.0)
NI = Choice(PAGE, "non_inferiority", False, "can_ni")
MARGIN = Choice(PAGE, "ni_margin", 0.5, "can_margin", lo=0.1, hi=10.0)
CHOICES = (METRIC, METRIC_NO_CRITICAL, SHARE, ALPHA, POWER, *SIDED.values(), LABEL, NI, MARGIN)


def canary_tab(ev: Evidence, a: Assumptions, d: Any) -> None:
    """The planner: the seed plan's canary stated, then the chosen metric sized at the chosen alpha and power."""
    daily = a.requests_per_month / a.days_per_month
    seed_plan_box(ev, a, daily)
    which = METRIC if canary_metric.default_metric(a) == "critical-rate" else METRIC_NO_CRITICAL
    metric = str(st.radio("Size the canary on", list(METRICS), format_func=METRICS.__getitem__, horizontal=True,
                          **choices.bind(which)))  # fmt: skip
    c1, c2, c3, c4 = st.columns(4)
    share = c1.number_input("Canary traffic share (%)", 1.0, 99.0, 5.0, 1.0, format="%.0f", **choices.bind(SHARE))
    alpha = c2.number_input("Significance α (%)", 0.1, 20.0, 5.0, 0.5, format="%.1f", **choices.bind(ALPHA),
                            help="The false-alarm rate the test allows.")  # fmt: skip
    power = c3.number_input("Power (%)", 50.0, 99.0, 80.0, 5.0, format="%.0f", **choices.bind(POWER),
                            help="The chance of detecting the difference when it is real.")  # fmt: skip
    sided = int(c4.selectbox("Test", list(SIDES), format_func=SIDES.__getitem__, **choices.bind(SIDED[metric])))
    kw: dict[str, Any] = dict(share=share / 100, daily=daily, alpha=alpha / 100, power=power / 100, sided=sided)
    if metric == "accuracy":
        accuracy_canary(ev, a, d, kw)
        return
    if metric == "critical-rate" and not a.critical_intents:
        st.info(f"**The critical-misroute rate cannot be sized:** {canary_metric.NO_CRITICAL}.", icon=":material/info:")
        st.page_link(ASSUMPTIONS_PAGE, label="Name the critical intents", icon=":material/tune:")
        return
    try:
        if metric == "critical-rate":
            p0, p1 = canary_metric.critical_rates(ev.cube, a)
            p = canary_metric.critical_rate_plan(p0, p1, volume=a.requests_per_month, **kw)
        else:
            p = canary_metric.margin_plan(ev.cube, a, **kw)
    except DistillDecideError as exc:
        show_error(exc)
        return
    metric_results(ev, a, p)


def seed_plan_box(ev: Evidence, a: Assumptions, daily: float) -> None:
    """The rollout plan's canary (seed 000 §7: 5% → 25%) on the critical-misroute rate at one-sided 5%, 80%
    power, whatever the planner below is set to."""
    try:
        p0, p1 = canary_metric.critical_rates(ev.cube, a)
        c = canary_metric.critical_rate_plan(p0, p1, share=0.05, daily=daily, volume=a.requests_per_month)
    except DistillDecideError:
        return  # no critical intents, or no critical-rate gap to size on this evidence
    st.markdown(f"**The rollout plan's canary, on the metric that decides:** {c.sentence()}")


def metric_results(ev: Evidence, a: Assumptions, p: canary_metric.MetricPlan) -> None:
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Canary arm (requests)", f"{p.canary_arm:,}")
    m2.metric("Control arm (requests)", f"{p.control_arm:,}")
    m3.metric(f"Days to collect at {p.share:.0%}", f"{p.days_at_share:.1f}")
    m4.metric("Days on the 5% → 25% ramp", "over a year" if p.days_on_ramp is None else f"{p.days_on_ramp:.1f}",
              help="5% of traffic for the first week, then 25% (seed 000 §7).")  # fmt: skip
    what, how = rw.metric_plan_words(p, a)
    st.markdown(what)
    st.caption(f"{how} α = {p.alpha:.1%}, power {p.power:.0%}; daily traffic "
               f"{p.daily_requests:,.0f} = monthly volume ÷ {a.days_per_month:g} days."
               + shadow_note(ev, a, p))  # fmt: skip


def shadow_note(ev: Evidence, a: Assumptions, p: Any) -> str:
    """Shadow mode at the planner's share, alpha and power (one-sided: agreement falling)."""
    sh = canary_metric.shadow_plan(ev.cube, a, share=p.share, daily=p.daily_requests, alpha=p.alpha, power=p.power)
    days = f" ({sh.days_at_share:.2f} days at {p.share:.0%}, one-sided α = {p.alpha:.1%})." if sh.requests else "."
    return f" Shadow mode needs no labels: {sh.note}{days}"


def canary_defaults(d: Any) -> tuple[float, float]:
    """(baseline, accuracy to detect) from the evidence: the teacher's measured accuracy and the student's,
    or baseline − 0.5 points when the two measure the same."""
    t = d.breakdown.teacher.accuracy if d else 0.90
    s = d.breakdown.student.accuracy if d else t - 0.005
    t = min(max(t, 0.5), 0.999)
    s = s if abs(s - t) >= 0.001 and 0.5 <= s <= 0.999 else t - 0.005
    return round(t * 100, 1), round(s * 100, 1)


def accuracy_canary(ev: Evidence, a: Assumptions, d: Any, kw: dict) -> None:
    base0, target0 = canary_defaults(d)
    tag = ev.cube.hash[:8]  # new evidence, new defaults
    c1, c2, c3 = st.columns(3)
    base = c1.number_input("Baseline accuracy (%)", 50.0, 99.9, base0, 0.1, format="%.1f", key=f"can_base:{tag}",
                           help="Default: the teacher's measured accuracy on the current evidence.")  # fmt: skip
    target = c2.number_input("Accuracy to detect (%)", 50.0, 99.9, target0, 0.1, format="%.1f",
                             key=f"can_target:{tag}",
                             help="Default: the student's measured accuracy on the current evidence.")  # fmt: skip
    per_label = c3.number_input("$ per label", 0.0, 100.0, 0.10, 0.05, **choices.bind(LABEL))
    n1, n2 = st.columns([3, 1])
    ni = n1.checkbox("Non-inferiority (one-sided) with a margin instead", **choices.bind(NI))
    margin = n2.number_input("Non-inferiority margin (points)", 0.1, 10.0, 0.5, 0.1, format="%.1f",
                             disabled=not ni, **choices.bind(MARGIN))  # fmt: skip
    try:
        p, ramp = canary_metric.accuracy_plan(
            baseline=base / 100, target=target / 100, usd_per_label=per_label,
            non_inferiority_margin=margin / 100 if ni else None, **kw,
        )  # fmt: skip
    except DistillDecideError as exc:
        show_error(exc)
        return
    canary_results(ev, a, p, ramp)


def canary_results(ev: Evidence, a: Assumptions, p: canary.CanaryPlan, ramp: float | None) -> None:
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Canary arm (labelled)", f"{p.canary_arm:,}")
    m2.metric("Control arm (labelled)", f"{p.control_arm:,}")
    m3.metric(f"Days to collect at {p.share:.0%}", f"{p.days_to_collect:.1f}")
    m4.metric("Days on the 5% → 25% ramp", "—" if ramp is None else f"{ramp:.1f}",
              help="5% of traffic for the first week, then 25% (seed 000 §7); not for non-inferiority.")  # fmt: skip
    m5, m6, m7 = st.columns(3)
    m5.metric("Equal arms: per arm", f"{p.equal_n_per_arm:,}")
    m6.metric("Equal arms: days", f"{p.days_if_equal_samples:.1f}")
    m7.metric("Labelling, equal arms", usd(p.labelling_usd_equal))
    if p.power_curve:
        st.plotly_chart(fq.power_curve(p.power_curve, p.canary_arm))
    st.caption(
        f"{p.test.capitalize()}: baseline {p.baseline:.1%} vs {p.target:.1%}, α = {p.alpha:.1%}, power {p.power:.0%}; "
        f"daily traffic {p.daily_requests:,.0f} = monthly volume ÷ {a.days_per_month:g} days." + shadow_note(ev, a, p)
    )
