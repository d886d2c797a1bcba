"""Distillation lab: runs as evidence. Training itself arrives with the distillation engine."""
import streamlit as st

from engine import evidence
from engine.errors import DistillDecideError
from engine.paths import runs_dir
from pages import common

ev, a, _ = common.current()
st.title("Distillation lab")
runs = sorted(p.name for p in runs_dir().glob("*") if (p / "DONE").exists()) if runs_dir().exists() else []
st.markdown(f"Evidence behind every page now: **{ev.label}** ({ev.cube.n:,} requests).")
if not runs:
    st.info("No finished runs yet. Training runs as its own process (`python -m engine train --profile quick`, "
            "coming with the distillation engine); a finished run directory under "
            f"`{runs_dir()}` appears here. Until then every page uses the seed rows.")
else:
    pick = st.selectbox("Use a run as evidence", ["seed"] + runs, key="lab_pick")
    if st.button("Use it", key="lab_use"):
        try:
            st.session_state["evidence"] = evidence.seed_evidence() if pick == "seed" else evidence.run_evidence(pick)
            for k in ("assumptions", "scenario_note"):
                st.session_state.pop(k, None)
            st.rerun()
        except DistillDecideError as exc:
            common.show_error(exc)
st.subheader("Bring your own per-request results")
up = common.upload_frame("Per-request results (CSV/parquet: segment, true, teacher_pred, student_pred, "
                         "optional p_teacher_*/p_student_*)", "rows_upload")
if up is not None:
    from engine import cube

    try:
        c = cube.from_rows(up, intents=a.intents if set(up.get("true", [])) <= set(a.intents) else None,
                           source="upload")
        if st.button(f"Use these {c.n:,} requests as evidence", key="use_rows"):
            st.session_state["evidence"] = evidence.Evidence(c, up, "upload")
            for k in ("assumptions", "scenario_note"):
                st.session_state.pop(k, None)
            st.rerun()
        st.success(f"Valid: {c.n:,} requests in {c.n_cells} cells over {len(c.intents)} intents.")
    except DistillDecideError as exc:
        common.show_error(exc)
