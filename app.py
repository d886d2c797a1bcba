"""Distill Decide dashboard: `streamlit run app.py` (opens on the seed scenario, no training needed).

This process never imports torch: training and latency measurement run as their own
`python -m engine …` processes.
"""

import streamlit as st

st.set_page_config(page_title="Distill Decide", page_icon=":material/balance:", layout="wide")

from ui import common  # noqa: E402  (after set_page_config)

PAGES = {
    "Decide": [
        ("overview", "Overview", ":material/balance:"),
        ("assumptions", "Assumptions and cost matrix", ":material/tune:"),
        ("costs", "Cost breakdown", ":material/receipt_long:"),
        ("sensitivity", "Sensitivity", ":material/trending_up:"),
        ("uncertainty", "Uncertainty", ":material/casino:"),
        ("scenarios", "Scenarios", ":material/save:"),
    ],
    "Evidence": [
        ("lab", "Distillation lab", ":material/science:"),
        ("quality", "Model quality", ":material/target:"),
        ("latency", "Latency and serving", ":material/timer:"),
    ],
    "Ship": [
        ("rollout", "Rollout", ":material/traffic:"),
        ("scale", "Scale and scorecards", ":material/public:"),
        ("review", "Weekly review", ":material/calendar_month:"),
    ],
}
common.sidebar()  # the verdict, the what-if controls and Reset, on every page
nav = st.navigation(
    {
        group: [st.Page(f"app_pages/{f}.py", title=t, icon=i, default=(f == "overview")) for f, t, i in items]
        for group, items in PAGES.items()
    },
    position="top",  # the sidebar is for the verdict and the what-if controls, in view on a 900 px screen
)
common.defaults_banner()  # above every page: a label set that is not MangaAssist's is priced with said defaults
nav.run()
