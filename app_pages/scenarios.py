"""Scenarios: save and load named scenarios (DuckDB), change log, share by URL, compare, upload."""

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from engine import sources, store
from engine.decision import costs, scenario
from engine.errors import DistillDecideError
from engine.present import tables
from engine.present.money import usd_cell
from ui import common, uploads
from ui.fields import BY_PATH

ev, a, _ = common.current()
st.title("Scenarios")
common.verdict_banner(common.decide_current())
try:
    c1, c2 = st.columns(2)
    with c1:
        st.subheader("Save the current assumptions")
        name = st.text_input("Scenario name", value=a.name if a.name != "seed" else "", key="save_name")
        note = st.text_input("What changed and why", key="save_note")
        if st.button("Save", key="save_btn", disabled=not name.strip()):
            vid = store.save_scenario(name, a.replace(name=name.strip()).to_dict(), author=common.author(), note=note)
            st.session_state["saved_version"] = vid
            st.success(f"Saved **{name}** as version {vid}.")
        query = urlencode(common.share_query())
        st.markdown(
            "**Share**: the address bar always carries this view (the evidence, a loaded version and every "
            "changed field, harm-matrix cells included); copy it, or append this to the dashboard's address:"
        )
        if query:
            st.code("?" + query)
        else:
            st.markdown("Nothing has changed from the seed scenario yet, so the plain address already shares it.")
    with c2:
        st.subheader("Load a saved scenario")
        saved = store.list_scenarios()
        if saved.empty:
            st.info("No saved scenarios yet: save one on the left.")
        else:
            pick: str = st.selectbox("Scenario", saved.name, key="load_pick")
            if st.button("Load", key="load_btn"):
                common.load_scenario(int(saved.loc[saved.name == pick, "version_id"].iloc[0]), pick)
                st.rerun()
            hist = store.scenario_history(pick)
            st.markdown("**Change log** (who changed what, when)")
            st.dataframe(
                hist[["version_id", "author", "note", "created_at"]].rename(
                    columns={
                        "version_id": "Version",
                        "author": "Author",
                        "note": "What changed and why",
                        "created_at": "Saved at",
                    }
                ),
                hide_index=True,
                width="stretch",
                column_config={
                    "Version": st.column_config.NumberColumn(width="small", format="%d"),
                    "Saved at": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm"),
                },
            )
    st.subheader("Upload assumptions (JSON)")
    up = st.file_uploader("Scenario JSON", type=["json"], key="scenario_upload")
    if up is not None:
        try:  # size-limited, UTF-8 or refused (a Latin-1 file must not load as 'caf\ufffd')
            loaded = scenario.loads_json(uploads.read_text(up.name, up.getvalue()))
            if st.button(f"Use {up.name}", key="use_upload"):
                common.set_assumptions(loaded, f"uploaded {up.name}")
                st.rerun()
        except DistillDecideError as exc:
            common.show_error(exc)
    if not saved.empty and len(saved) >= 1:
        st.subheader("Compare two scenarios")
        options: list[str] = ["(current)"] + list(saved.name)
        l_pick = st.selectbox("Left", options, key="cmp_left")
        r_pick = st.selectbox("Right", options, index=min(1, len(options) - 1), key="cmp_right")
        left = a if l_pick == "(current)" else sources.stored_scenario(l_pick)
        right = a if r_pick == "(current)" else sources.stored_scenario(r_pick)
        bl, br = costs.decompose(ev.cube, left), costs.decompose(ev.cube, right)
        diff = {k: v for k, v in scenario.changed_fields(left, right).items() if k != "harm_matrix"}
        if left.harm_matrix != right.harm_matrix:
            diff["harm_matrix"] = ("…", "differs")
        if l_pick == r_pick:
            st.info("Pick two different scenarios to compare.")
        elif diff:
            st.dataframe(tables.changes(diff, BY_PATH, before=l_pick, now=r_pick), hide_index=True, width="stretch")
        else:
            st.markdown("The two scenarios have the same assumptions.")
        if l_pick != r_pick:
            totals = pd.DataFrame(
                {
                    "Per month": [
                        "Teacher total ($/month)",
                        "Student total ($/month)",
                        "Margin, teacher − student ($/month)",
                    ],
                    l_pick: [bl.teacher.total_usd, bl.student.total_usd, bl.margin_usd],
                    r_pick: [br.teacher.total_usd, br.student.total_usd, br.margin_usd],
                }
            )
            st.dataframe(totals.style.format(usd_cell, subset=[l_pick, r_pick]), hide_index=True, width="stretch")
except DistillDecideError as exc:
    common.show_error(exc)
