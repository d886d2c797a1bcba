"""Uncertainty: the bootstrap distribution of the margin and how it narrows with more evaluation."""

import numpy as np
import streamlit as st

from engine.decision import uncertainty
from engine.errors import DistillDecideError
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


def critical_price_range(a) -> None:
    """Set (or clear) a low and high $ per critical event for the resamples, on the page; the CLI flag second."""
    st.subheader("When the $ per critical event is itself uncertain")
    rng = a.usd_per_critical_event_range
    if rng is None:
        st.info(
            f"The $ per critical event is a single value ({usd(a.usd_per_critical_event, cents=True)}). If you are "
            "unsure of it, give a low and a high below and press **Use this price range**: each resample then draws "
            "its own price between them (most often near the current value), and the interval above widens to "
            "match. From a terminal the same is `python -m engine decide --critical-cost-range 0.8 2.4`."
        )
    else:
        st.info(
            f"Each resample draws its $ per critical event between {usd(rng[0], cents=True)} and "
            f"{usd(rng[1], cents=True)} (most often near {usd(a.usd_per_critical_event, cents=True)}): the interval "
            "above includes that uncertainty."
        )
    c1, c2, c3 = st.columns([1, 1, 2], vertical_alignment="bottom")
    lo = c1.number_input("Low ($ per critical event)", 0.0, 1e6, rng[0] if rng else 0.8, 0.1, key="crit_lo")
    hi = c2.number_input("High ($ per critical event)", 0.0, 1e6, rng[1] if rng else 2.4, 0.1, key="crit_hi")
    if c3.button("Use this price range", key="crit_range_use", disabled=lo > hi):
        try:
            ranged = a.replace(usd_per_critical_event_range=(float(lo), float(hi)))
        except DistillDecideError as exc:
            common.show_error(exc)
            return
        common.set_assumptions(
            ranged, f"$ per critical event drawn between {usd(lo, cents=True)} and {usd(hi, cents=True)}"
        )
        st.rerun()
    if rng is not None and c3.button("Use the single price again", key="crit_range_clear"):
        common.set_assumptions(a.replace(usd_per_critical_event_range=None), "single critical-event price")
        st.rerun()


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
    critical_price_range(a)
