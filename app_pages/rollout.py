"""Rollout: gates, canary planner, cascade economics, per-segment routing, drift, checkpoint selection."""

from typing import Any, cast

import pandas as pd
import streamlit as st

from engine.errors import DistillDecideError
from engine.present import figures_quality as fq
from engine.present.money import usd
from engine.rollout import canary, cascade, checkpoints, drift, gates
from ui import common

ev, a, _ = common.current()
st.title("Rollout")
d = common.decide_current()
common.verdict_banner(d)
tab_g, tab_c, tab_k, tab_r, tab_d, tab_e = st.tabs(["Gates", "Canary", "Cascade", "Routing", "Drift", "Checkpoints"])
with tab_g:
    current_gates = st.session_state.get("gates", gates.DEFAULT_GATES)
    with st.expander("Edit gates (metric, comparator, threshold, group, point or interval bound)"):
        edited = st.data_editor(
            pd.DataFrame([g.__dict__ for g in current_gates]),
            num_rows="dynamic",
            key="gates_editor",
            column_config={
                "comparator": st.column_config.SelectboxColumn(options=list(gates.COMPARATORS)),
                "group": st.column_config.SelectboxColumn(options=list(gates.GROUPS)),
                "use": st.column_config.SelectboxColumn(options=list(gates.USES)),
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
    rep = common.gate_report(a)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "group": r.gate.group,
                    "gate": r.gate.name,
                    "uses": r.gate.use,
                    "result": {True: "pass", False: "FAIL", None: "not evaluated"}[r.passed],
                    "evidence": r.evidence,
                }
                for r in rep.results
            ]
        ),
        hide_index=True,
    )
    fb = rep.first_blocking
    (st.error if fb else st.success)(f"Blocked by: {fb.gate.name}" if fb else "No gate blocks promoting the student.")
    g = gates.critical_cost_guardrail(d.breakdown) if d else None
    if g:
        st.warning(
            f"Canary guardrail (seed 000 §7): block full rollout if critical-error cost grows beyond "
            f"{usd(g.limit_usd_per_month)}/month — the offline estimate is already "
            f"{usd(g.offline_estimate_usd_per_month, signed=True)}/month, so the guardrail is breached before "
            "the canary starts."
            if g.already_breached
            else "Guardrail not breached offline."
        )
with tab_c:
    c1, c2, c3, c4 = st.columns(4)
    base = c1.number_input("Baseline accuracy", 0.5, 0.999, 0.90, 0.005, format="%.3f", key="can_base")
    target = c2.number_input("Accuracy to detect", 0.5, 0.999, 0.895, 0.005, format="%.3f", key="can_target")
    share = c3.number_input("Canary traffic share", 0.01, 0.99, 0.05, 0.01, key="can_share")
    per_label = c4.number_input("$ per label", 0.0, 100.0, 0.10, 0.05, key="can_label")
    ni = st.checkbox("Non-inferiority (one-sided) with a margin instead", key="can_ni")
    margin = st.number_input("Non-inferiority margin", 0.001, 0.1, 0.005, 0.001, format="%.3f", key="can_margin")
    try:
        p = canary.plan(
            baseline=base,
            target=None if ni else target,
            share=share,
            daily_requests=a.requests_per_month / a.days_per_month,
            usd_per_label=per_label,
            non_inferiority_margin=margin if ni else None,
        )
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("Equal arms (per arm)", f"{p.equal_n_per_arm:,}")
        m2.metric("Canary arm / control arm", f"{p.canary_arm:,} / {p.control_arm:,}")
        m3.metric("Days to collect", f"{p.days_to_collect:.1f}")
        m4.metric("Labelling (equal samples)", usd(p.labelling_usd_equal))
        if p.power_curve:
            st.plotly_chart(fq.power_curve(p.power_curve, p.canary_arm))
        st.caption(
            f"{p.test}; daily traffic {a.requests_per_month / a.days_per_month:,.0f} = volume ÷ "
            f"{a.days_per_month} days. Shadow mode needs no labels: "
            f"{canary.shadow_sample_size(expected_agreement=0.974):,} requests show agreement > 0.95 at 0.974."
        )
    except DistillDecideError as exc:
        common.show_error(exc)
with tab_k:
    if ev.rows is None:
        st.info("A cascade needs per-request confidences: use the seed rows or a run.")
    else:
        sw = cascade.sweep(ev.rows, a)
        st.plotly_chart(fq.cascade_chart(sw))
        best = sw.table().iloc[sw.best_index]
        be = sw.break_even_fallback_rate()
        st.markdown(
            f"Cost-optimal threshold **{best.threshold:.3f}**: fallback {best.fallback_rate:.1%}, "
            f"{usd(best.total_usd_per_month)}/month, P95 {best.p95_latency_ms:.0f} ms, "
            f"{best.share_over_budget:.1%} of requests over the 15 ms budget — the cascade "
            f"{'beats' if sw.beats_both else 'does not beat'} both single models. "
            + (f"Above {be:.1%} fallback it costs more than the teacher alone." if be is not None else "")
        )
with tab_r:
    policy = {
        s: st.selectbox(f"Route segment {s} to", ["student", "teacher"], key=f"route:{s}") for s in ev.cube.segments
    }
    try:
        rd, _, _ = cascade.segment_routing(ev.cube, a, policy, draws=common.draws_for(ev.cube.hash, ev.cube))
        lo, hi = rd.bootstrap.margin_ci95_usd
        st.metric(
            "Saving vs teacher everywhere",
            f"{usd(rd.breakdown.margin_usd)}/month",
            delta=f"95% CI [{usd(lo)}, {usd(hi)}]",
            delta_color="off",
            delta_arrow="off",
        )
    except DistillDecideError as exc:
        common.show_error(exc)
with tab_d:
    up = common.upload_frame("Evaluation cycles (CSV/parquet: cycle, agreement, kl_t3, …)", "cycles_upload")
    cycles = up if up is not None else drift.example_cycles()
    if up is None:
        st.caption("Showing the generated 12-week **example**; upload your own cycles to replace it.")
    try:
        alerts = drift.check(cycles, break_even_usd_per_critical_event=d.break_even_critical.value if d else None)
        st.dataframe(pd.DataFrame([x.__dict__ for x in alerts]) if alerts else pd.DataFrame(), hide_index=True)
        if not alerts:
            st.success("No drift rule fires.")
    except DistillDecideError as exc:
        common.show_error(exc)
with tab_e:
    up = common.upload_frame("Epoch table (CSV: epoch, losses, teacher match, hallucination, …)", "epochs_upload")
    if up is None:
        st.info(
            "Upload an epoch table to choose a checkpoint (seed 003 §4.8 rule: gates, then the best weighted "
            "score over the columns present)."
        )
    else:
        try:
            s = checkpoints.select(up)
            st.dataframe(s.scores, hide_index=True)
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
