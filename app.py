"""Distill Decide dashboard: `streamlit run app.py` (opens on the seed scenario, no training needed).

This process never imports torch: training and latency measurement run as their own
`python -m engine …` processes.
"""
import streamlit as st

st.set_page_config(page_title="Distill Decide", page_icon="⚖️", layout="wide")

from pages import common  # noqa: E402  (after set_page_config)

common.sidebar()
nav = st.navigation([
    st.Page("pages/overview.py", title="Overview", icon="⚖️", default=True),
])
nav.run()
