"""Distill Decide dashboard: `streamlit run app.py` (opens on the seed scenario, no training needed).

This process never imports torch: training and latency measurement run as their own
`python -m engine …` processes.
"""
import streamlit as st

st.set_page_config(page_title="Distill Decide", page_icon="⚖️", layout="wide")

from pages import common  # noqa: E402  (after set_page_config)

PAGES = {
    "Decide": [("overview", "Overview", "⚖️"), ("assumptions", "Assumptions and cost matrix", "🎛️"),
               ("costs", "Cost breakdown", "🧾"), ("sensitivity", "Sensitivity", "📈"),
               ("uncertainty", "Uncertainty", "🎲"), ("scenarios", "Scenarios", "💾")],
    "Evidence": [("lab", "Distillation lab", "🧪"), ("quality", "Model quality", "🎯"),
                 ("latency", "Latency and serving", "⏱️")],
    "Ship": [("rollout", "Rollout", "🚦"), ("review", "Weekly review", "🗓️")],
}
common.sidebar()
nav = st.navigation({group: [st.Page(f"pages/{f}.py", title=t, icon=i, default=(f == "overview"))
                             for f, t, i in items] for group, items in PAGES.items()})
nav.run()
