"""Overview: the verdict in one sentence, the totals, and where every number comes from."""

from typing import cast

import streamlit as st

from engine.decision import sweeps
from engine.present import figures, glossary
from engine.present import figures_rollout as fr
from engine.present.money import usd, usd_cell
from engine.rollout import canary
from ui import candidates as candidates_ui
from ui import common, widgets
from ui import verdict as verdict_ui

ev, a, note = common.current()
st.title("Ship the teacher or the student?")
d = common.decide_current()


def rollout_line() -> None:
    """The Rollout page's go/no-go, word for word (the gates and the canary guardrail, one engine function), so the
    Overview never reads 'lean student' while the Rollout page and the weekly review say no-go without saying so."""
    assert d is not None
    g = canary.guardrail_check(d.breakdown, ev.cube, a, common.draws_for(ev.cube.hash, ev.cube))
    go, sentence = fr.go_no_go(d.gates, g)
    (st.success if go else st.warning)(
        f"**Rollout:** {sentence}", icon=":material/check_circle:" if go else ":material/block:"
    )
    st.page_link("app_pages/rollout.py", label="Rollout: gates, canary plan and guardrail")


if d is not None:
    common.banner(d, big=True)
    if d.verdict.state == "lean":  # the banner's sentence already prices more evaluation (voi.quick): one figure
        st.page_link(
            "app_pages/uncertainty.py", label="Uncertainty: what every sample size and each assumption is worth"
        )
    st.markdown(f"**{widgets.modified_note() or f'Unmodified {note}.'}**")
    rollout_line()  # the cost verdict is one question; whether to promote now is the Rollout page's, said here too
    candidates_ui.section(ev, a)  # several student prediction columns: each against the teacher, the best named
    b, bs = d.breakdown, d.bootstrap
    lo, hi = bs.margin_ci95_usd
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Teacher total / month", usd(b.teacher.total_usd))
    c2.metric(
        "Student total / month",
        usd(b.student.total_usd),
        delta=f"{usd(-b.margin_usd, signed=True)} vs teacher",  # −$1,122: a true minus, so colour and arrow are set
        delta_color="green" if b.margin_usd > 0 else "red",
        delta_arrow="down" if b.margin_usd > 0 else "up",
    )
    c3.metric(
        "Margin (teacher − student)",
        usd(b.margin_usd),
        delta=f"95% interval [{usd(lo)}, {usd(hi)}]",
        delta_color="off",
        delta_arrow="off",
    )
    c4.metric(
        "Chance the student is cheaper",
        f"{bs.p_student_cheaper:.1%}",
        delta=f"{bs.B:,} paired resamples",
        delta_color="off",
        delta_arrow="off",
    )
    c1, c2, c3, c4 = st.columns(4)
    more_crit = b.student.critical_events_per_month - b.teacher.critical_events_per_month
    c1.metric("Teacher critical misroutes / mo", f"{b.teacher.critical_events_per_month:,.0f}")
    c2.metric(
        "Student critical misroutes / mo",
        f"{b.student.critical_events_per_month:,.0f}",
        delta=f"{more_crit:+,.0f}".replace("-", "−"),
        delta_color="red" if more_crit > 0 else "green",
        delta_arrow="up" if more_crit > 0 else "down",
    )
    be_c, be_v = d.break_even_critical, d.break_even_volume
    c3.metric("Break-even $ / critical event", f"${be_c.value:,.2f}" if be_c.value is not None else "none")
    c4.metric("Break-even volume (req/mo)", f"{be_v.value:,.0f}" if be_v.value is not None else "none")

    st.markdown("**Your assumptions against their break-evens** (where the cheaper model changes)")
    st.dataframe(verdict_ui.break_even_table(d, a), hide_index=True, width="stretch")
    left, right = st.columns([3, 2])
    left.plotly_chart(figures.cost_bars(b))
    with right:
        st.markdown("**Cost by component ($/month)**")
        table = b.table().rename(
            columns={
                "component": "Component",
                "teacher_usd": "Teacher",
                "student_usd": "Student",
                "student_minus_teacher_usd": "Student − teacher",
            }
        )
        table["Component"] = table["Component"].map(lambda c: figures.COMPONENT_LABELS.get(c, c.capitalize()))
        st.dataframe(
            table.style.format(dict.fromkeys(("Teacher", "Student", "Student − teacher"), usd_cell)),
            hide_index=True,
        )
        top = sweeps.tornado(ev.cube, a).head(3)
        st.markdown("**Most sensitive assumptions (±50%)**")
        for row in top.itertuples():
            st.markdown(
                # the tornado's margin columns are floats; itertuples rows are untyped
                f"- {row.label}: margin {usd(cast(float, row.margin_at_low_usd))} … "
                f"{usd(cast(float, row.margin_at_high_usd))}" + (" — **flips the verdict**" if row.flips else "")
            )
    st.caption(
        f"Sources — evidence: {ev.label} ({ev.cube.n:,} requests, cube hash {ev.cube.hash}); "
        f"prices: teacher {a.teacher.price_source}, student {a.student.price_source} (per request "
        f"${a.teacher.usd_per_request:.4f} / ${a.student.usd_per_request:.4f}); latency: "
        f"{a.teacher.latency_source} (P95 {a.teacher.p95_latency_ms:g} / {a.student.p95_latency_ms:g} ms); "
        f"harm matrix, $ per harm unit ${a.usd_per_harm_unit:g} and $ per critical event "
        f"${a.usd_per_critical_event:.2f}: assumed ({note}); bootstrap seed {common.BOOTSTRAP_SEED}."
    )
with st.expander("Glossary: what these words mean"):
    st.markdown(glossary.markdown())
