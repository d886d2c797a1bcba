"""Assumptions and cost matrix: every input is one widget bound to the one stored scenario.

Volume, $ per critical event, $ per ms and $ per harm unit are in the sidebar of every page; the rest is
here. Each edit is validated where it is typed; a bad value is shown beside its field and the last good
value stays in use.
"""

import pandas as pd
import streamlit as st

from engine.present import figures
from ui import common, harm, inputs
from ui.fields import PAGE

ev, a, _ = common.current()
st.title("Assumptions and cost matrix")
common.verdict_banner(common.decide_current())
st.caption(
    "Monthly volume, $ per critical event, $ per ms of latency and $ per harm unit are in the sidebar, on "
    "every page. Every change here is in the address bar: copy it to share this view."
)
inputs.critical_slider()
cols = st.columns(3)
for i, f in enumerate(PAGE):
    inputs.number_field(f, cols[i % 3])
inputs.critical_intents(a)
inputs.segment_multipliers(ev.cube.segments, a)

st.subheader("Harm matrix (harm units per misroute; row = true intent, column = predicted)")
harm.bulk_set(a)
harm.editor(a)
st.plotly_chart(figures.harm_heatmap(a.intents, harm.heatmap_matrix(a)))  # critical rows blank
log = st.session_state.get("change_log", [])
if log:
    st.markdown("**Changes this session**")
    st.dataframe(pd.DataFrame(log[::-1]), hide_index=True)
