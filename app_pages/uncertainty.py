"""Uncertainty: the bootstrap distribution of the margin and how it narrows with more evaluation."""

import numpy as np
import streamlit as st

from engine.decision import uncertainty
from engine.present import figures
from engine.present.money import usd
from ui import common

ev, a, _ = common.current()
st.title("Uncertainty")
d = common.decide_current()
common.verdict_banner(d)


@st.cache_resource(show_spinner="Resampling at other evaluation sizes…", max_entries=8)
def _draws_at(cube_hash: str, _cube, n: int):
    return uncertainty.draw(_cube, 2_000, 7, n=n)


if d is not None:
    bs, pr = d.bootstrap, d.projection
    c1, c2, c3 = st.columns(3)
    c1.metric("95% interval of the margin", f"[{usd(bs.margin_ci95_usd[0])}, {usd(bs.margin_ci95_usd[1])}]")
    c2.metric("P(student cheaper)", f"{bs.p_student_cheaper:.1%}")
    c3.metric(
        "Evaluation requests to exclude zero",
        f"{pr.requests_to_exclude_zero_total:,}" if pr.requests_to_exclude_zero_total else "none suffices",
        delta=f"{pr.additional_requests:,} more" if pr.additional_requests else None,
        delta_color="off",
    )
    st.plotly_chart(figures.margin_histogram(bs.margins_usd, bs.margin_ci95_usd, bs.margin_point_usd))
    st.caption(
        f"Paired multinomial bootstrap over the cube's {ev.cube.n_cells} occupied cells, B = {bs.B:,}, "
        f"seed {common.BOOTSTRAP_SEED}; the projection reads the SE off the interval's side that faces zero "
        f"({pr.reason})."
    )
    ns = np.unique(np.geomspace(max(500, ev.cube.n // 10), ev.cube.n * 20, 12).astype(int))
    bounds = [uncertainty.reprice(_draws_at(ev.cube.hash, ev.cube, int(n)), ev.cube, a).margin_ci95_usd for n in ns]
    st.plotly_chart(
        figures.narrowing(ns, [b[0] for b in bounds], [b[1] for b in bounds], bs.margin_point_usd, ev.cube.n)
    )
    lo, hi = bs.teacher_harm_units_per_request_ci95
    st.markdown(
        f"- Weighted error (harm units / request): teacher [{lo:.4f}, {hi:.4f}], student "
        f"[{bs.student_harm_units_per_request_ci95[0]:.4f}, {bs.student_harm_units_per_request_ci95[1]:.4f}]"
        f", paired difference [{bs.delta_harm_units_per_request_ci95[0]:.4f}, "
        f"{bs.delta_harm_units_per_request_ci95[1]:.4f}]"
    )
    st.markdown(
        f"- Critical-error rate: teacher [{bs.teacher_critical_rate_ci95[0]:.4f}, "
        f"{bs.teacher_critical_rate_ci95[1]:.4f}], student [{bs.student_critical_rate_ci95[0]:.4f}, "
        f"{bs.student_critical_rate_ci95[1]:.4f}]"
    )
    if a.usd_per_critical_event_range is None:
        st.info(
            "The $ per critical event is a point value. Give it a range in a scenario file "
            "(`usd_per_critical_event_range = [0.8, 2.4]`) to see the interval when the price itself is uncertain."
        )
