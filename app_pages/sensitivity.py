"""Sensitivity: volume bands, critical-cost and latency sweeps, tornado, winner map."""

import numpy as np
import streamlit as st

from engine.decision import sweeps
from engine.errors import DistillDecideError
from engine.present import figures
from engine.present.money import usd_cell
from ui import common

ev, a, _ = common.current()
st.title("Sensitivity")
common.verdict_banner(common.decide_current())
try:
    st.subheader("Volume bands")
    custom = st.number_input(
        "Add a custom volume (requests / month)", min_value=0.0, value=0.0, step=100_000.0, key="custom_volume"
    )
    bands = sorted(set(sweeps.VOLUME_BANDS) | ({custom} if custom > 0 else set()))
    table = sweeps.volume_bands(ev.cube, a, bands).rename(
        columns={
            "requests_per_month": "Requests / month",
            "teacher_total_usd": "Teacher $/month",
            "student_total_usd": "Student $/month",
            "margin_usd": "Margin (teacher − student)",
            "cheaper": "Cheaper",
        }
    )
    st.dataframe(
        table.style.format(
            {
                "Requests / month": "{:,.0f}",
                "Teacher $/month": "${:,.0f}",
                "Student $/month": "${:,.0f}",
                "Margin (teacher − student)": usd_cell,  # −$3,080, not $-3,080
            }
        ),
        hide_index=True,
    )
    be_v = sweeps.break_even(ev.cube, a, "requests_per_month")
    st.caption(f"Break-even volume: {be_v.note}.")
    vol = sweeps.sweep(ev.cube, a, "requests_per_month", np.linspace(0, 20e6, 81))
    st.plotly_chart(figures.sweep_lines(vol, x_title="Requests per month"))
    left, right = st.columns(2)
    lo, hi = left.slider("$ per critical event range", 0.0, 20.0, (0.4, 5.0), 0.1, key="crit_range")
    crit = sweeps.sweep(ev.cube, a, "usd_per_critical_event", np.linspace(lo, hi, 60))
    left.plotly_chart(figures.sweep_lines(crit, x_title="USD per critical event"))
    left.caption(crit.note)
    lat = sweeps.sweep(ev.cube, a, "usd_per_ms_month", np.linspace(0, 200, 41))
    right.plotly_chart(figures.sweep_lines(lat, x_title="USD per ms-month (at the reference volume)"))
    right.caption(lat.note)
    st.subheader("Tornado")
    rel = st.slider("Range around each assumption (±)", 0.1, 0.9, 0.5, 0.1, key="tornado_rel")
    st.plotly_chart(figures.tornado_chart(sweeps.tornado(ev.cube, a, rel=rel)))
    st.subheader("Who wins: volume × $ per critical event")
    wm = sweeps.winner_map(ev.cube, a, np.linspace(0.5e6, 20e6, 40), np.linspace(0.2, 5.0, 49))
    st.plotly_chart(figures.winner_heatmap(wm))
except DistillDecideError as exc:
    common.show_error(exc)
