"""Uncertainty: the bootstrap distribution of the margin and how it narrows with more evaluation."""

import numpy as np
import streamlit as st

from engine.decision import uncertainty
from engine.present import figures
from engine.present.glossary import define
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
    c1.metric(
        "95% interval of the margin",
        f"[{usd(bs.margin_ci95_usd[0])}, {usd(bs.margin_ci95_usd[1])}]",
        help=define("95% interval"),
    )
    c2.metric(
        "Chance the student is cheaper",
        f"{bs.p_student_cheaper:.1%}",
        help="Share of the paired resamples in which the student costs less per month.",
    )
    c3.metric(
        "Evaluation requests to exclude zero",
        f"{pr.requests_to_exclude_zero_total:,}" if pr.requests_to_exclude_zero_total else "none suffices",
        delta=f"{pr.additional_requests:,} more" if pr.additional_requests else None,
        delta_color="off",
    )
    st.plotly_chart(figures.margin_histogram(bs.margins_usd, bs.margin_ci95_usd, bs.margin_point_usd))
    st.caption(
        f"{bs.B:,} paired resamples of the evaluated requests (over the cube's {ev.cube.n_cells} occupied cells, "
        f"random seed {common.BOOTSTRAP_SEED}); the projection reads the standard error off the interval's side "
        f"that faces zero ({pr.reason})."
    )
    ns = np.unique(np.geomspace(max(500, ev.cube.n // 10), ev.cube.n * 20, 12).astype(int))
    bounds = [uncertainty.reprice(_draws_at(ev.cube.hash, ev.cube, int(n)), ev.cube, a).margin_ci95_usd for n in ns]
    st.plotly_chart(
        figures.narrowing(ns, [b[0] for b in bounds], [b[1] for b in bounds], bs.margin_point_usd, ev.cube.n)
    )
    harm = lambda ci: f"{ci[0]:.4f} to {ci[1]:.4f}"
    pct = lambda ci: f"{ci[0]:.2%} to {ci[1]:.2%}"
    st.markdown(
        "**95% intervals of the error rates**\n\n"
        f"- Weighted error (harm units per request): teacher {harm(bs.teacher_harm_units_per_request_ci95)}, "
        f"student {harm(bs.student_harm_units_per_request_ci95)}, paired difference "
        f"{harm(bs.delta_harm_units_per_request_ci95)}\n"
        f"- Critical-error rate (% of requests): teacher {pct(bs.teacher_critical_rate_ci95)}, student "
        f"{pct(bs.student_critical_rate_ci95)}",
        help=define("Harm unit") + " " + define("Critical event"),
    )
    if a.usd_per_critical_event_range is None:
        st.info(
            "The $ per critical event is a single value. To see the interval when that price itself is uncertain, "
            "give it a range: `--critical-cost-range 0.8 2.4` on the command line, or the same low and high in a "
            "scenario file (its critical-event price range)."
        )
