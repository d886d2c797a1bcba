"""Rollout: go/no-go (gates and the canary guardrail), canary planner, cascade economics, per-segment routing,
drift, checkpoint selection."""

from typing import Any, cast

import pandas as pd
import streamlit as st

from engine.decision import costs
from engine.errors import DistillDecideError
from engine.present import figures_quality as fq
from engine.present import figures_rollout as fr
from engine.present import rollout_words as rw
from engine.present.money import usd
from engine.rollout import canary, canary_metric, cascade, checkpoints, drift, frontier, gates, routing, sequential
from ui import common

ev, a, _ = common.current()
st.title("Rollout")
d = common.decide_current()
common.verdict_banner(d)


def gates_editor() -> None:
    current_gates = st.session_state.get("gates", gates.DEFAULT_GATES)
    with st.expander("Edit gates (metric, comparator, threshold, group, point or interval bound)"):
        edited = st.data_editor(
            pd.DataFrame([g.__dict__ for g in current_gates]),
            num_rows="dynamic",
            key="gates_editor",
            column_config={
                "name": st.column_config.TextColumn("Gate"),
                "metric": st.column_config.TextColumn("Metric (as the engine names it)"),
                "comparator": st.column_config.SelectboxColumn("Comparator", options=list(gates.COMPARATORS)),
                "threshold": st.column_config.NumberColumn("Threshold (a share: 0.95 = 95%; ms for latency)"),
                "group": st.column_config.SelectboxColumn("Priority group", options=list(gates.GROUPS)),
                "use": st.column_config.SelectboxColumn("Reads", options=list(gates.USES)),
                "note": st.column_config.TextColumn("Source"),
            },
        )
        if st.button("Apply gates", key="gates_apply"):
            try:
                st.session_state["gates"] = tuple(
                    # the editor's columns are the Gate fields, so the row keys are str
                    gates.Gate(**cast(dict[str, Any], {k: (v if k != "threshold" else float(v)) for k, v in r.items()}))
                    for r in edited.fillna("").to_dict(orient="records")
                )
                st.rerun()
            except (DistillDecideError, TypeError, ValueError) as exc:
                st.error(
                    f"Gates not applied: {exc}. **Fix:** every gate needs a metric, a comparator (>= or <=), "
                    "a numeric threshold, a group and a use."
                )


def go_no_go_box() -> None:
    """One outcome for the decision's own gates (d.gates) and the canary guardrail, then the table in words."""
    if d is None:
        return
    g = canary.guardrail_check(d.breakdown, ev.cube, a, common.draws_for(ev.cube.hash, ev.cube))
    go, sentence = fr.go_no_go(d.gates, g)
    (st.success if go else st.error)(sentence, icon=":material/check_circle:" if go else ":material/block:")
    lo, hi = g.estimate_ci95_usd
    if g.already_breached:
        st.markdown(
            f"**A guardrail the offline estimate does not breach:** block if critical-error cost grows beyond "
            f"**{usd(g.proposed_limit_usd_per_month)}/month** (the next $100 above the offline "
            f"{usd(g.offline_estimate_usd_per_month, signed=True)}). Its 95% interval over the verdict's resamples "
            f"is {usd(lo)} to {usd(hi)}/month, so a limit under {usd(hi)} can trip on evaluation noise alone."
        )
    else:
        st.caption(f"Critical-error cost growth offline: 95% interval {usd(lo)} to {usd(hi)}/month.")
    st.dataframe(
        fr.gate_table(d.gates),
        hide_index=True,
        width="stretch",
        column_config={"Gate": st.column_config.TextColumn(width="large")},
    )
    st.caption(
        "Gates are checked in priority order (safety, latency, cost, quality, operations); the first FAIL blocks. "
        "The guardrail, the rollout plan's limit on critical-error cost, watches what the canary observes."
    )


METRICS = {
    "critical-rate": "Critical-misroute rate (the metric that decides)",
    "margin": "$ margin per request",
    "accuracy": "Accuracy",
}


def canary_tab() -> None:
    """The canary planner: the metric, alpha, power and sides chosen here; sizes and days from canary_metric."""
    daily = a.requests_per_month / a.days_per_month
    seed_plan_box(daily)
    metric = str(st.radio("Size the canary on", list(METRICS), format_func=METRICS.__getitem__, horizontal=True,
                          key="can_metric"))  # fmt: skip
    c1, c2, c3, c4 = st.columns(4)
    share = c1.number_input("Canary traffic share (%)", 1.0, 99.0, 5.0, 1.0, format="%.0f", key="can_share")
    alpha = c2.number_input("Significance α (%)", 0.1, 20.0, 5.0, 0.5, format="%.1f", key="can_alpha",
                            help="The false-alarm rate the test allows.")  # fmt: skip
    power = c3.number_input("Power (%)", 50.0, 99.0, 80.0, 5.0, format="%.0f", key="can_power",
                            help="The chance of detecting the difference when it is real.")  # fmt: skip
    sides = {"One-sided (the canary is worse)": 1, "Two-sided": 2}
    side = c4.selectbox("Test", list(sides), index=0 if metric == "critical-rate" else 1, key=f"can_sided:{metric}")
    sided = sides[str(side)]
    kw: dict[str, Any] = dict(share=share / 100, daily=daily, alpha=alpha / 100, power=power / 100, sided=sided)
    if metric == "accuracy":
        accuracy_canary(kw)
        return
    try:
        if metric == "critical-rate":
            b = costs.decompose(ev.cube, a)
            p = canary_metric.critical_rate_plan(
                b.teacher.critical_rate, b.student.critical_rate, volume=a.requests_per_month, **kw
            )
        else:
            p = canary_metric.margin_plan(ev.cube, a, **kw)
    except DistillDecideError as exc:
        common.show_error(exc)
        return
    metric_results(p)


def seed_plan_box(daily: float) -> None:
    """The rollout plan's canary (seed 000 §7: 5% → 25%) on the critical-misroute rate at one-sided 5%, 80%
    power, whatever the planner below is set to."""
    b = costs.decompose(ev.cube, a)
    try:
        c = canary_metric.critical_rate_plan(
            b.teacher.critical_rate, b.student.critical_rate, share=0.05, daily=daily, volume=a.requests_per_month
        )
    except DistillDecideError:
        return  # no critical-rate gap to size on this evidence
    st.markdown(f"**The rollout plan's canary, on the metric that decides:** {c.sentence()}")


def metric_results(p: canary_metric.MetricPlan) -> None:
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
               + shadow_note(p))  # fmt: skip


def shadow_note(p) -> str:
    """Shadow mode at the planner's share, alpha and power (one-sided: agreement falling)."""
    sh = canary_metric.shadow_plan(ev.cube, a, share=p.share, daily=p.daily_requests, alpha=p.alpha, power=p.power)
    days = f" ({sh.days_at_share:.2f} days at {p.share:.0%}, one-sided α = {p.alpha:.1%})." if sh.requests else "."
    return f" Shadow mode needs no labels: {sh.note}{days}"


def canary_defaults() -> tuple[float, float]:
    """(baseline, accuracy to detect) from the evidence: the teacher's measured accuracy and the student's,
    or baseline − 0.5 points when the two measure the same."""
    t = d.breakdown.teacher.accuracy if d else 0.90
    s = d.breakdown.student.accuracy if d else t - 0.005
    t = min(max(t, 0.5), 0.999)
    s = s if abs(s - t) >= 0.001 and 0.5 <= s <= 0.999 else t - 0.005
    return round(t * 100, 1), round(s * 100, 1)


def accuracy_canary(kw: dict) -> None:
    base0, target0 = canary_defaults()
    tag = ev.cube.hash[:8]  # new evidence, new defaults
    c1, c2, c3 = st.columns(3)
    base = c1.number_input("Baseline accuracy (%)", 50.0, 99.9, base0, 0.1, format="%.1f", key=f"can_base:{tag}",
                           help="Default: the teacher's measured accuracy on the current evidence.")  # fmt: skip
    target = c2.number_input("Accuracy to detect (%)", 50.0, 99.9, target0, 0.1, format="%.1f",
                             key=f"can_target:{tag}",
                             help="Default: the student's measured accuracy on the current evidence.")  # fmt: skip
    per_label = c3.number_input("$ per label", 0.0, 100.0, 0.10, 0.05, key="can_label")
    n1, n2 = st.columns([3, 1])
    ni = n1.checkbox("Non-inferiority (one-sided) with a margin instead", key="can_ni")
    margin = n2.number_input(
        "Non-inferiority margin (points)", 0.1, 10.0, 0.5, 0.1, format="%.1f", key="can_margin", disabled=not ni
    )
    try:
        p, ramp = canary_metric.accuracy_plan(
            baseline=base / 100, target=target / 100, usd_per_label=per_label,
            non_inferiority_margin=margin / 100 if ni else None, **kw,
        )  # fmt: skip
    except DistillDecideError as exc:
        common.show_error(exc)
        return
    canary_results(p, ramp)


def canary_results(p: canary.CanaryPlan, ramp: float | None) -> None:
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
        f"daily traffic {p.daily_requests:,.0f} = monthly volume ÷ {a.days_per_month:g} days." + shadow_note(p)
    )


def cascade_tab() -> None:
    if ev.rows is None:
        st.info("A cascade needs per-request confidences: use the seed rows or a run.")
        return
    rc = cascade.row_costs(ev.rows, a)
    sw = cascade.sweep(ev.rows, a, rc=rc, cube=ev.cube)
    rec = cascade.recommend(ev.rows, a, sw, rc=rc)
    st.plotly_chart(fr.cascade_chart(sw, rec))
    st.markdown(rw.cascade_words(rec, a))
    be = sw.break_even_fallback_rate()
    st.caption(
        f"Savings are against the {rec.versus} alone (the cheaper single model), with 95% intervals from "
        f"{rec.B:,} paired resamples of the evaluation rows. A fallback pays both models' latency "
        f"({a.student.p95_latency_ms:g} + {a.teacher.p95_latency_ms:g} ms) and running the teacher at all adds "
        f"its {usd(a.teacher.ops_usd_per_month)}/month operations."
        + (f" Above {be:.1%} fallback the cascade costs more than the teacher alone." if be is not None else "")
    )


def drift_tab() -> None:
    up = common.upload_frame(
        "Evaluation cycles (CSV or parquet, one row per cycle: agreement, KL divergence at T = 3 (column kl_t3), …)",
        "cycles_upload",
    )
    cycles = up if up is not None else drift.example_cycles()
    if up is None:
        st.caption("Showing the generated 12-week **example**; upload your own cycles to replace it.")
    try:
        alerts = drift.check(cycles, break_even_usd_per_critical_event=d.break_even_critical.value if d else None)
    except DistillDecideError as exc:
        common.show_error(exc)
        return
    if not alerts:
        st.success("No drift rule fires.")
        return
    rows, actions = rw.alert_tables(alerts, drift.RULE_LABELS)
    text = st.column_config.TextColumn
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={"Cycle": text(width=150), "Rule": text(width=240), "What happened": text(width=560)},
    )
    st.markdown("**What to do**")
    st.dataframe(
        actions, hide_index=True, width="stretch", column_config={"Rule": text(width=240), "Action": text(width=710)}
    )


def monitor_tab() -> None:
    """The daily confidence sequences, from an uploaded daily CSV or a generated example (labelled so)."""
    up = common.upload_frame(
        "Daily canary readings (CSV: day, arm = control or canary, requests, critical_misroutes, misroutes; "
        "optional usd = the day's dollars of the arm's requests, usd_sq = their sum of squares)",
        "daily_upload",
    )
    g = canary.guardrail_check(costs.decompose(ev.cube, a), ev.cube, a, common.draws_for(ev.cube.hash, ev.cube))
    plan = sequential.plan_for(ev.cube, a, g.proposed_limit_usd_per_month)
    if up is None:
        st.info("Showing a generated **example** (the teacher's and the student's offline rates along the 5% → 25% "
                "plan); upload your daily readings to replace it.")  # fmt: skip
    try:
        days = sequential.monitor(sequential.example_daily(plan) if up is None else up, plan)
    except DistillDecideError as exc:
        common.show_error(exc)
        return
    st.plotly_chart(fr.sequence_chart(days, plan.guardrail_usd, example=up is None))
    st.markdown(rw.monitor_sentence(days, plan.guardrail_usd))
    last = days.iloc[-1]
    if g.already_breached:
        st.caption(
            f"The plan's {usd(g.limit_usd_per_month)}/month guardrail is already breached by the offline estimate "
            f"({usd(g.offline_estimate_usd_per_month, signed=True)}/month), so the sequence is judged against "
            f"{usd(plan.guardrail_usd)}/month, the next $100 above it."
        )
    widths = {k: st.column_config.Column(width=w) for k, w in rw.MONITOR_WIDTHS.items()}
    st.dataframe(rw.monitor_table(days), hide_index=True, column_config=widths, width="stretch")
    st.caption(
        "95% confidence sequences (normal mixture, Howard et al. 2021): valid on every day at once, so reading "
        "them every morning does not inflate false alarms the way a daily fixed-horizon test does. "
        f"The $ band on day {int(last['day'])} uses a per-request SD of {usd(last['control_usd_sd'], cents=True)} "
        f"(control) and {usd(last['canary_usd_sd'], cents=True)} (canary), from {last['usd_variance_from']}"
        + ("" if up is not None and "usd" in up.columns else "; upload a usd column to use your measured dollars")
        + "."
    )


def frontier_tab() -> None:
    if ev.rows is None:
        st.info("The frontier needs per-request confidences for its cascade points: use the seed rows or a run.")
        return
    axes = {"critical": "Critical misroutes per month", "error": "Business-weighted error ($ per month)"}
    why = "Business-weighted error: harm units × $ per unit + critical misroutes × $ per critical event, a month."
    axis = str(st.radio("Quality axis", list(axes), format_func=axes.__getitem__, horizontal=True, key="front_axis",
                        help=why))  # fmt: skip
    f = frontier.frontier(ev.rows, ev.cube, a, axis=axis)
    st.plotly_chart(fr.frontier_chart(f))
    st.markdown(rw.frontier_words(f))
    st.caption(f"Hollow points break the {f.budget_ms:g} ms P95 budget: shown, never recommended. The oracle "
               "router sends the teacher exactly what it answers more cheaply: a bound no router reaches.")  # fmt: skip


def routing_search() -> None:
    """Per-segment margins with their state, and the best policies found by search (cross-fitted savings)."""
    ms = routing.segment_margins(ev.cube, a, common.draws_for(ev.cube.hash, ev.cube))
    st.dataframe(rw.segment_table(ms), hide_index=True)
    for keyed, what in (("segment", "per segment"), ("intent", "per segment × the student's predicted intent")):
        r = routing.best_policy(ev.cube, a, keyed=keyed)
        teach = [k for k, m in r.policy.items() if m == "teacher"]
        lo, hi = r.saving_vs_student_ci95_usd
        st.markdown(
            f"**Best routing {what}:** "
            + (f"the teacher for {', '.join(teach)}" if teach else "the student everywhere")
            + f" — {usd(r.total_usd)}/month, P95 {r.p95_latency_ms:g} ms; saves {usd(r.saving_vs_student_usd)} vs the "
            f"student everywhere [{usd(lo)}, {usd(hi)}] and {usd(r.saving_vs_teacher_usd)} vs the teacher everywhere "
            "(chosen on one half of the evaluation requests, priced on the other)."
        )


EPOCH_COLUMNS = {"epoch": "Epoch", "score": "Weighted score", "eligible": "Passes the gates", "why_not": "Why not"}
tab_g, tab_c, tab_m, tab_k, tab_f, tab_r, tab_d, tab_e = st.tabs(
    ["Gates", "Canary", "Monitor", "Cascade", "Frontier", "Routing", "Drift", "Checkpoints"]
)
with tab_f:
    frontier_tab()
with tab_m:
    monitor_tab()
with tab_g:
    go_no_go_box()
    gates_editor()
with tab_c:
    canary_tab()
with tab_k:
    cascade_tab()
with tab_d:
    drift_tab()
with tab_r:
    policy = {
        s: st.selectbox(f"Route segment {s} to", ["student", "teacher"], key=f"route:{s}") for s in ev.cube.segments
    }
    try:
        rd, _, _ = routing.segment_routing(ev.cube, a, policy, draws=common.draws_for(ev.cube.hash, ev.cube))
        lo, hi = rd.bootstrap.margin_ci95_usd
        st.metric(
            "Saving vs teacher everywhere",
            f"{usd(rd.breakdown.margin_usd)}/month",
            delta=f"95% interval [{usd(lo)}, {usd(hi)}]",
            delta_color="off",
            delta_arrow="off",
        )
    except DistillDecideError as exc:
        common.show_error(exc)
    routing_search()
with tab_e:
    up = common.upload_frame("Epoch table (CSV: epoch, losses, teacher match, hallucination, …)", "epochs_upload")
    if up is None:
        st.info(
            "Upload an epoch table to choose a checkpoint: epochs that fail a gate are out, then the best "
            "weighted score over the columns present wins."
        )
    else:
        try:
            up = checkpoints.read_epochs(up, strict=True)  # as the CLI: a blank or NaN metric is refused
            s = checkpoints.select(up)
            st.dataframe(
                s.scores.rename(columns=EPOCH_COLUMNS),
                hide_index=True,
            )
            st.markdown(
                f"Chosen epoch **{s.chosen_epoch}**, runner-up {s.runner_up_epoch}, score gap "
                f"{s.score_gap if s.score_gap is None else round(s.score_gap, 4)}. {s.tie_break}"
            )
            if s.missing_columns:
                st.caption(f"Not in the table (weights renormalised without them): {', '.join(s.missing_columns)}")
            for e in checkpoints.early_stopping(up):
                st.markdown(
                    f"- Early stopping ({e.rule}): {'epoch ' + str(e.stop_epoch) if e.stop_epoch else 'no stop'}"
                    f" — {e.detail}"
                )
        except DistillDecideError as exc:
            common.show_error(exc)
