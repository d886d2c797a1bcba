"""Cost breakdown: waterfall, the confusions that cost the most, per segment, payback."""

import streamlit as st

from engine.decision import costs
from engine.errors import DistillDecideError
from engine.present import figures
from engine.present.money import usd, usd_cell
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
    left, right = st.columns(2)
    n_top = left.slider("Confusions shown", 5, 40, 12, key="top_n")
    left.plotly_chart(figures.confusion_cost_bars(cc.head(n_top)))
    right.markdown("**Most expensive confusions ($/month, requests/month)**")
    right.dataframe(
        cc.head(n_top).style.format(
            {"usd_per_month": usd_cell, "misroutes_per_month": "{:,.0f}", "critical_per_month": "{:,.0f}"}
        ),
        hide_index=True,
    )
    st.plotly_chart(figures.segment_bars(seg))
    st.dataframe(
        seg.style.format(
            {
                **{c: usd_cell for c in seg.columns if c.endswith("_usd")},  # −$3,080, not $-3,080
                "volume_share": "{:.1%}",
                "requests_per_month": "{:,.0f}",
                "critical_events_per_month": "{:,.0f}",
            }
        ),
        hide_index=True,
    )
    st.caption("Fixed operations cost is allocated to segments by volume share, so segments add up to the totals.")
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
