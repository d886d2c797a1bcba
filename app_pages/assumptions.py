"""Assumptions and cost matrix: every input is one widget bound to the one stored scenario.

Volume, $ per critical event, $ per ms and $ per harm unit are in the sidebar of every page; the rest is
here. Each edit is validated where it is typed; a bad value is shown beside its field and the last good
value stays in use.
"""

import pandas as pd
import streamlit as st

from engine.present import figures_harm
from ui import common, harm, harm_cells, inputs, uncertain_inputs
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
uncertain_inputs.entry(a, title="Unsure of a value? Give it a range")
st.caption(
    "A range here is the same setting as on the Uncertainty page (and the same link): there you see what it "
    "does to the interval and whether more evaluation or a better price estimate is worth paying for."
)
st.page_link("app_pages/uncertainty.py", label="Open the Uncertainty page")
inputs.critical_intents(a)
inputs.segment_multipliers(ev.cube.segments, a)

st.subheader("Harm matrix (harm units per misroute; row = true intent, column = predicted)")
harm.bulk_set(a)
if len(a.intents) <= harm.MATRIX_MAX_INTENTS:  # beyond that a grid is unreadable: the searchable list edits
    harm.editor(a)
st.markdown("**Where the money is, cell by cell** (edit harm units here too; grey cells move $0)")
harm_cells.cell_list(ev, a, show_errors=len(a.intents) > harm.MATRIX_MAX_INTENTS)
cells = harm_cells.cells_for(ev.cube.hash, ev, a)
st.plotly_chart(figures_harm.harm_money_heatmap(a.intents, cells, a.usd_per_critical_event))
log = st.session_state.get("change_log", [])
if log:
    st.markdown("**Changes this session**")
    st.dataframe(pd.DataFrame(log[::-1]), hide_index=True)
