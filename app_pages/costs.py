"""Cost breakdown: waterfall, the confusions that cost the most, per segment, payback."""

import streamlit as st

from engine.decision import costs
from engine.errors import DistillDecideError
from engine.present import figures, tables
from engine.present.money import usd, usd_cell
from ui import candidates as candidates_ui
from ui import common

ev, a, _ = common.current()
st.title("Cost breakdown")
d = common.decide_current()
common.verdict_banner(d)
if d is not None:
    b = d.breakdown
    st.plotly_chart(figures.waterfall(b))
    try:
        cc = costs.confusion_costs(ev.cube, a)
        seg = costs.decompose_by_segment(ev.cube, a)
    except DistillDecideError as exc:
        common.show_error(exc)
        st.stop()
    n_top = st.slider("Confusions shown", 5, 40, 12, key="top_n")
    st.plotly_chart(figures.confusion_cost_bars(cc.head(n_top)))
    st.markdown("**Most expensive confusions** (error cost per month of each wrong routing)")
    top = tables.confusion_costs(cc.head(n_top))  # under its chart, full width: no column cut off at 1440 px
    st.dataframe(
        top.style.format(
            {"Error cost ($/month)": usd_cell, "Misroutes / month": "{:,.0f}", "Critical / month": "{:,.0f}"}
        ),
        hide_index=True,
        width="stretch",
    )
    if comp := candidates_ui.comparison(ev, a):  # several candidates: each one's components beside the teacher's
        st.markdown(f"**Cost by component, {len(comp.decisions)} candidates on the same requests** ($ per month)")
        by_c = candidates_ui.components(comp)
        by_c["component"] = by_c["component"].map(lambda c: figures.COMPONENT_LABELS.get(c, c.capitalize()))
        st.dataframe(
            by_c.rename(columns={"component": "Component"}).style.format(
                dict.fromkeys([c for c in by_c.columns if c != "component"], usd_cell)
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption(comp.sentence)
    st.plotly_chart(figures.segment_bars(seg))
    by_seg = tables.segment_costs(seg)  # the total right after the model; all-zero components left out
    st.markdown("**Cost by segment** ($ per month)")
    st.dataframe(
        by_seg.style.format(dict.fromkeys(tables.money_columns(by_seg), usd_cell)),  # −$3,080, not $-3,080
        hide_index=True,
        width="stretch",
    )
    st.markdown("**Traffic by segment**")
    st.dataframe(
        tables.segment_traffic(seg).style.format(
            {
                "Share of volume (%)": "{:.1f}%",
                "Requests / month": "{:,.0f}",
                "Teacher critical events / month": "{:,.0f}",
                "Student critical events / month": "{:,.0f}",
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "Fixed operations cost is allocated to segments by volume share, so segments add up to the totals. "
        "Components that are $0 in every segment are left out."
    )
    p = costs.payback(b, a)
    st.subheader("One-off costs and payback")
    if p.one_off_usd == 0:
        st.info(
            "No one-off costs are set. Add distillation compute, migration or canary labelling on "
            "**Assumptions and cost matrix** to see the payback period and the 12-month view."
        )
    else:
        c1, c2, c3 = st.columns(3)
        c1.metric("One-off costs", usd(p.one_off_usd))
        c2.metric("Payback", f"{p.payback_months:.1f} months" if p.payback_months is not None else "never")
        c3.metric("Net after 12 months", usd(p.cumulative_usd_by_month[-1]))
        st.plotly_chart(figures.payback_line(p))
