"""Sensitivity: the architect's view (volume bands with intervals and verdicts, break-even volume), critical-cost
and latency sweeps, tornado, winner map."""

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from engine.decision import sweeps
from engine.errors import DistillDecideError
from engine.present import figures_rollout as fr
from engine.present import figures_sweeps
from engine.present.money import usd, usd_cell
from ui import common

BAND_COLUMNS: dict[str, Any] = {
    "Requests / month": "{:,.0f}",
    "Teacher $/month": usd_cell,
    "Student $/month": usd_cell,
    "Margin (teacher − student)": usd_cell,  # −$3,080, not $-3,080
    "P(student cheaper)": "{:.1%}",
}


def band_table(bands: pd.DataFrame) -> pd.DataFrame:
    """The engine's band rows in words: money, the interval as one cell, the verdict, 'current' marked."""
    return pd.DataFrame(
        {
            "Volume": np.where(bands.current, "current", "band"),
            "Requests / month": bands.requests_per_month,
            "Teacher $/month": bands.teacher_total_usd,
            "Student $/month": bands.student_total_usd,
            "Margin (teacher − student)": bands.margin_usd,
            "95% interval": [
                f"[{usd(lo)}, {usd(hi)}]" for lo, hi in zip(bands.margin_ci95_low_usd, bands.margin_ci95_high_usd)
            ],
            "P(student cheaper)": bands.p_student_cheaper,
            "Verdict": bands.verdict,
        }
    )


def architect_view(d) -> None:
    """Volume bands as the verdict sees them (the same resamples, gates and quality as the banner) and the
    break-even chart."""
    st.subheader("Architect's view: volume bands")
    draws = common.draws_for(ev.cube.hash, ev.cube)
    gates = tuple(r.gate for r in d.gates.results)  # the decision's own gates
    bands = sweeps.volume_band_decisions(ev, a, gates, draws=draws, quality=d.quality)
    shown = band_table(bands)
    highlight = lambda row: (
        ["background-color: #fff3e0; font-weight: bold" if row["Volume"] == "current" else ""] * len(row)
    )
    with st.container(key="bands"):  # the browser test finds the table by this key
        st.dataframe(shown.style.format(BAND_COLUMNS).apply(highlight, axis=1), hide_index=True, width="stretch")
    st.caption(
        "Each row re-prices the verdict's own 10,000 paired resamples at that volume, so the current row is the "
        "banner's interval; the verdict column uses the banner's rule. Fixed operations ($/month) stay fixed."
    )
    be = sweeps.break_even(ev.cube, a, "requests_per_month")
    band = sweeps.margin_band(ev.cube, a, draws, fr.volume_axis(be.value, a.requests_per_month))
    st.plotly_chart(fr.volume_margin_chart(band, a.requests_per_month))
    _, top = fr.view_volumes(band, a.requests_per_month)
    st.caption(
        f"{be.note}. The dollar axis is fitted to volumes up to {top:,.0f} requests/month "
        "(3× the larger of the current volume and the break-even), so the region around both stays readable; "
        "at higher volumes the margin runs off the top of the chart (the table above has it at 20M)."
    )


ev, a, _ = common.current()
st.title("Sensitivity")
d = common.decide_current()
common.verdict_banner(d)
try:
    if d is not None:
        architect_view(d)
    left, right = st.columns(2)
    lo, hi = left.slider("$ per critical event range", 0.0, 20.0, (0.4, 5.0), 0.1, key="crit_range")
    crit = sweeps.sweep(ev.cube, a, "usd_per_critical_event", np.linspace(lo, hi, 60))
    left.plotly_chart(figures_sweeps.sweep_lines(crit, x_title="$ per critical event"))
    left.caption(crit.note + ".")
    lat = sweeps.sweep(ev.cube, a, "usd_per_ms_month", np.linspace(0, 200, 41))
    right.plotly_chart(
        figures_sweeps.sweep_lines(lat, x_title="$ per ms of P95 latency per month (at the latency reference volume)")
    )
    right.caption(lat.note + ".")
    st.subheader("Tornado")
    pct = st.slider("Range around each assumption (±%)", 10, 90, 50, 10, format="±%d%%", key="tornado_rel")
    st.plotly_chart(figures_sweeps.tornado_chart(sweeps.tornado(ev.cube, a, rel=pct / 100)))
    st.caption(
        f"Each bar moves one assumption {pct}% down (light grey) and {pct}% up (dark grey) from its current value, "
        "all else fixed; a bar crossing the red $0 line means that change alone flips the winner."
    )
    st.subheader("Who wins: volume × $ per critical event")
    wm = sweeps.winner_map(ev.cube, a, np.linspace(0.5e6, 20e6, 40), np.linspace(0.2, 5.0, 49))
    st.plotly_chart(figures_sweeps.winner_heatmap(wm))
except DistillDecideError as exc:
    common.show_error(exc)
