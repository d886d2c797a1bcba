"""Rollout: go/no-go (gates and the canary guardrail), canary planner, cascade economics, per-segment routing,
drift, checkpoint selection."""

from typing import Any, cast

import pandas as pd
import streamlit as st

from engine.decision import costs
from engine.errors import DistillDecideError
from engine.present import figures_rollout as fr
from engine.present import rollout_words as rw
from engine.present.money import usd
from engine.rollout import canary, cascade, checkpoints, drift, frontier, gates, routing, sequential
from ui import canary_planner, choices, common
from ui.url import Choice

AXES = {"critical": "Critical misroutes per month", "error": "Business-weighted error ($ per month)"}
AXIS = Choice("rollout", "axis", "critical", "front_axis", options=tuple(AXES))
ev, a, _ = common.current()
st.title("Rollout")
choices.check("rollout", (*canary_planner.CHOICES, AXIS))  # the page's own choices in the URL (p.rollout.*)
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
    unmeasured = fr.not_measured(d.gates)
    if unmeasured:
        st.warning(
            "**Not measured for these models** (neither pass nor block):\n"
            + "\n".join(f"- {line}" for line in unmeasured),
            icon=":material/timer:",
        )
    st.caption(
        "Gates are checked in priority order (safety, latency, cost, quality, operations); the first FAIL blocks. "
        "The guardrail, the rollout plan's limit on critical-error cost, watches what the canary observes."
    )


def has_confidences(what: str) -> bool:
    """Whether the evidence has the student's per-request probabilities ``what`` needs; if not, says which and how
    to give them."""
    missing = rw.confidences_missing(ev.rows, a.intents, what)
    if missing:
        st.info(missing, icon=":material/info:")
    return not missing


def cascade_tab() -> None:
    if not has_confidences("The cascade") or ev.rows is None:
        return
    try:
        rc = cascade.row_costs(ev.rows, a)
        sw = cascade.sweep(ev.rows, a, rc=rc, cube=ev.cube)
        rec = cascade.recommend(ev.rows, a, sw, rc=rc)
    except DistillDecideError as exc:
        common.show_error(exc)
        return
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
    if not has_confidences("The frontier (its cascade points)"):
        return
    why = "Business-weighted error: harm units × $ per unit + critical misroutes × $ per critical event, a month."
    axis = str(st.radio("Quality axis", list(AXES), format_func=AXES.__getitem__, horizontal=True, help=why,
                        **choices.bind(AXIS)))  # fmt: skip
    try:
        f = frontier.frontier(ev.rows, ev.cube, a, axis=axis)
    except DistillDecideError as exc:
        common.show_error(exc)
        return
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
    canary_planner.canary_tab(ev, a, d)
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
