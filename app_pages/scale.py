"""Scale and scorecards: what percentages mean per day at any traffic, and weighing candidate fixes."""

import pandas as pd
import streamlit as st

from engine.errors import DistillDecideError
from engine.present import tables
from engine.present.money import usd
from engine.rollout import checkpoints, scale
from ui import common

ev, a, _ = common.current()
st.title("Scale and scorecards")
d = common.decide_current()
common.verdict_banner(d)
try:
    st.subheader("Absolute impact at a traffic level")
    c1, c2, c3, c4 = st.columns(4)
    daily = c1.number_input(
        "Requests per day",
        1.0,
        1e10,
        a.requests_per_month / a.days_per_month,
        10_000.0,
        format="%.0f",
        key="scale_daily",
    )
    t_usd = c2.number_input(
        "Teacher $ per request", 0.0, 1.0, a.teacher.usd_per_request, 0.0001, format="%.5f", key="scale_t"
    )
    s_usd = c3.number_input(
        "Student $ per request", 0.0, 1.0, a.student.usd_per_request, 0.0001, format="%.5f", key="scale_s"
    )
    gap = max(0.0, d.breakdown.student.misroute_rate - d.breakdown.teacher.misroute_rate) if d else 0.015
    rate = c4.number_input(
        "Extra misroutes (% of requests)", 0.0, 100.0, round(gap * 100, 2), 0.1, format="%.2f", key="scale_rate"
    )
    dc = scale.daily_cost(requests_per_day=daily, teacher_usd=t_usd, student_usd=s_usd, days_per_month=a.days_per_month)
    m0, m1, m2, m3 = st.columns(4)
    if d is not None:
        saver = "student" if d.breakdown.margin_usd >= 0 else "teacher"
        m0.metric(
            f"Total saving / month: the {saver} saves",
            usd(abs(d.breakdown.margin_usd)),
            help="The verdict's margin (teacher − student), every cost component included: what the cheaper "
            "model saves per month.",
        )
    m1.metric("Inference saving / day", usd(dc.savings_usd_per_day), help="price difference only, before error costs")
    m2.metric(
        "Inference saving / month", usd(dc.savings_usd_per_month), help="price difference only, before error costs"
    )
    m3.metric(
        "Extra bad outcomes per day",
        f"{scale.extra_bad_outcomes_per_day(requests_per_day=daily, rate_increase=rate / 100):,.0f}",
    )
    r1, r2, r3 = st.columns(3)
    share = r1.number_input("Rare class (% of traffic)", 0.0, 100.0, 0.4, 0.1, format="%.2f", key="scale_share")
    before = r2.number_input("Recall before (%)", 0.0, 100.0, 91.0, 1.0, format="%.1f", key="scale_rb")
    after = r3.number_input("Recall after (%)", 0.0, 100.0, 82.0, 1.0, format="%.1f", key="scale_ra")
    rd = scale.recall_drop(
        requests_per_day=daily, class_share=share / 100, recall_before=before / 100, recall_after=after / 100
    )
    before_1, after_1 = round(rd.misses_before, 1), round(rd.misses_after, 1)  # the change is of the shown figures
    st.markdown(
        f"- Missed rare-class events per day: {before_1:,.1f} → {after_1:,.1f} (**{after_1 - before_1:+,.1f}**)"
    )
    lv = scale.log_volume(events_per_day=daily, kb_per_event=6.0)
    st.markdown(
        f"- Logs at 6 KB per event: {lv.gb_per_day:,.1f} GB/day, {lv.tb_per_month:,.2f} TB/month; tiered "
        f"logging at 1.4 KB: {scale.log_volume(events_per_day=daily, kb_per_event=1.4).gb_per_day:,.1f} GB/day"
    )
    st.markdown(
        f"- A 25,000-row sample covers {scale.sample_coverage(sample_rows=25_000, requests_per_day=daily):.2%} "
        "of one day of traffic"
    )
    st.subheader("Teacher labels at scale")
    st.caption(
        "Every wrong teacher label becomes a wrong target the student learns from; labelling the prompts once and "
        "caching the labels lets each new student variant reuse them instead of paying the teacher again."
    )
    l1, l2, l3, l4 = st.columns(4)
    prompts = l1.number_input(
        "Prompts labelled by the teacher", 0.0, 1e11, 25e6, 1e6, format="%.0f", key="scale_prompts"
    )
    bad = l2.number_input("Teacher label errors (%)", 0.0, 100.0, 0.2, 0.1, format="%.2f", key="scale_bad")
    label_usd = l3.number_input("Teacher labelling run ($)", 0.0, 1e9, 18_000.0, 1_000.0, key="scale_label_usd")
    variants = l4.number_input("Student variants trained", 1, 1_000, 8, 1, key="scale_variants")
    cache = scale.label_cache_economics(teacher_labelling_usd=label_usd, student_run_usd=900.0, variants=int(variants))
    st.markdown(
        f"- Corrupted distillation targets: "
        f"**{scale.corrupted_targets(prompts=prompts, teacher_label_error_rate=bad / 100):,.0f}**\n"
        f"- Label once, train {int(variants)} students ($900 each): {usd(cache.with_cache_usd)} with a label cache "
        f"vs {usd(cache.without_cache_usd)} relabelling each time (saves **{usd(cache.savings_usd)}**)"
    )
    st.subheader("Candidate-fix scorecard")
    st.caption(
        "Each candidate is scored 0–10 per criterion (10 = best); its score is the mean weighted by your weights "
        "(as shares of their sum)."
    )
    w = {
        c: float(col.slider(f"Weight: {c.capitalize()} (%)", 0, 100, v, 1, key=f"w:{c}"))
        for col, c, v in zip(st.columns(len(checkpoints.CRITERIA)), checkpoints.CRITERIA, (35, 15, 25, 15, 10))
    }
    card = tables.scorecard(checkpoints.score_candidates(checkpoints.SCORECARD_003, w), checkpoints.CRITERIA)
    st.dataframe(
        card.style.format({c: "{:.2f}" for c in ("Your score (0–10)", "Seed's outcome (0–10)") if c in card}),
        hide_index=True,
        width="stretch",
        column_config={"Candidate fix": st.column_config.TextColumn(width="medium")},
    )
    fit = checkpoints.weights_consistent_with(checkpoints.SCORECARD_003)
    st.markdown(
        "The seed's *weighted outcome* column is reproduced only by weights in these ranges "
        f"(best fit in its own column): {fit.detail}."
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Criterion": [c.capitalize() for c in checkpoints.CRITERIA],
                "Lowest weight (%)": [fit.low[c] * 100 for c in checkpoints.CRITERIA],
                "Best-fit weight (%)": [fit.best_fit[c] * 100 for c in checkpoints.CRITERIA],
                "Highest weight (%)": [fit.high[c] * 100 for c in checkpoints.CRITERIA],
            }
        ).style.format("{:.1f}%", subset=["Lowest weight (%)", "Best-fit weight (%)", "Highest weight (%)"]),
        hide_index=True,
        width="stretch",
    )
except DistillDecideError as exc:
    common.show_error(exc)
