"""Distillation lab: start a training run in the background, follow it, pick a run as the sources."""

import pandas as pd
import streamlit as st

from engine import sources
from engine.errors import DistillDecideError
from engine.paths import runs_dir
from engine.runs import launcher, rundir
from ui import common

ev, a, _ = common.current()
st.title("Distillation lab")
st.markdown(f"Evidence behind every page now: **{ev.label}** ({ev.cube.n:,} requests).")
data_file = st.file_uploader(
    "Training data (optional; CSV/parquet with a text and a label column). Without it the "
    "generated MangaAssist data is used.",
    type=["csv", "parquet"],
    key="lab_data",
)
with st.form("train_form"):
    c1, c2, c3, c4 = st.columns(4)
    profile = c1.selectbox(
        "Profile",
        ["quick", "medium", "full"],
        key="lab_profile",
        help="quick ≈ 1.5 min on 2 CPU cores; full is the seed setting (GPU)",
    )
    mode = c2.selectbox("Mode", ["kd-cached", "kd-online", "finetune"], key="lab_mode")
    threads = c3.number_input("CPU threads", 1, 64, 1, key="lab_threads", help="1 keeps this dashboard responsive")
    layers = c4.number_input("Student layers (of 6)", 1, 6, 2, key="lab_layers")
    d1, d2, d3, d4 = st.columns(4)
    teacher = d1.text_input(
        "Teacher",
        "default",
        key="lab_teacher",
        help="'default' = offline MiniLM-L6; a local path or a Hugging Face id (downloads)",
    )
    epochs = d2.number_input("Epochs (0 = profile default)", 0, 50, 0, key="lab_epochs")
    text_col = d3.text_input("Text column", "text", key="lab_text_col")
    label_col = d4.text_input("Label column", "label", key="lab_label_col")
    e1, e2, e3, e4 = st.columns(4)
    finished = [r["run_id"] for r in rundir.list_runs() if r["done"]]
    teacher_run = e1.selectbox(
        "Reuse the teacher of",
        ["(train a new teacher)"] + finished,
        key="lab_teacher_run",
        help="kd-cached then reads the cached teacher logits: re-training the student costs "
        "about as much as fine-tuning it",
    )
    temperature = e2.number_input("Temperature T", 0.5, 20.0, 3.0, 0.5, key="lab_temperature")
    alpha = e3.slider("α (soft-target weight)", 0.0, 1.0, 0.7, 0.05, key="lab_alpha")
    loss = e4.selectbox(
        "Loss",
        ["kd", "rare-hybrid"],
        key="lab_loss",
        help="kd: α·T²·KL + (1−α)·CE; rare-hybrid: 0.45·CE + 0.35·T²·KL + 0.20·class-weighted CE",
    )
    submitted = st.form_submit_button("Start training in the background")
if submitted:
    try:
        data_path = None
        if data_file is not None:
            from engine.data import byo

            # stored under a generated name: the client's file name never becomes a path
            dest = launcher.store_upload(
                data_file.name, data_file.getvalue(), max_bytes=common.MAX_UPLOAD_MB * 1_000_000
            )
            try:
                byo.load(dest, text_col=text_col, label_col=label_col)  # validate before starting a process
            except DistillDecideError:
                dest.unlink(missing_ok=True)
                raise
            data_path = str(dest)
        run_id, pid = launcher.start(
            profile=profile,
            mode=mode,
            threads=int(threads),
            student_layers=int(layers),
            teacher=teacher,
            epochs=int(epochs) or None,
            data=data_path,
            text_col=text_col,
            label_col=label_col,
            temperature=float(temperature),
            alpha=float(alpha),
            loss=loss,
            teacher_run=None if teacher_run.startswith("(") else teacher_run,
        )
        st.session_state["lab_run"] = (run_id, pid)
    except DistillDecideError as exc:
        common.show_error(exc)


def resume_button(run_id: str, prog: dict, *, key: str) -> None:
    """An interrupted run (its process is gone): why, the CLI command, and a button that resumes it here."""
    why = prog.get("interrupted_because", prog.get("state", ""))
    st.warning(
        f"**{run_id} is {rundir.run_state(runs_dir() / run_id).upper()}** ({why}). It continues after its last "
        f"checkpointed epoch with the settings it started with: `{rundir.resume_command(run_id)}`"
    )
    if st.button(f"Resume {run_id}", key=key):
        try:
            st.session_state["lab_run"] = (run_id, launcher.resume(run_id))
            st.rerun()
        except DistillDecideError as exc:
            common.show_error(exc)


@st.fragment(run_every=2)
def follow():
    if "lab_run" not in st.session_state:
        return
    run_id, pid = st.session_state["lab_run"]
    state = launcher.state(run_id, pid)  # a process that exited without finishing reads "failed"
    prog = rundir.read_progress(runs_dir() / run_id)
    st.progress(
        min(1.0, float(prog.get("fraction", 0.0))),
        text=f"{run_id}: {state} — {prog.get('phase', '')} epoch {prog.get('epoch', '–')}, "
        f"{prog.get('samples_per_s', 0):,.0f} samples/s, ETA {prog.get('eta_s', 0):,.0f} s",
    )
    steps = rundir.read_jsonl(runs_dir() / run_id / "steps.jsonl")
    if steps:
        df = pd.DataFrame(steps)
        st.line_chart(df, x="global_step", y="total_loss", color="phase", x_label="Step", y_label="Loss (nats)")
    if state in ("running", "starting") and launcher.alive(pid):
        if st.button("Cancel", key="lab_cancel"):
            launcher.cancel(run_id, pid)
    elif state in launcher.RESUMABLE:
        resume_button(run_id, prog, key="lab_resume")
    elif state not in ("done",):
        st.error(f"The run ended without finishing ({state}). Last output:")
        st.code(launcher.log_tail(run_id))


follow()
st.subheader("Past runs")
past = launcher.list_runs()
if not past:
    st.info(
        "No runs yet: start one above (quick takes about 1.5 minutes on 2 CPU cores). Until then every page "
        "uses the seed rows."
    )
else:
    st.dataframe(pd.DataFrame(past), hide_index=True)
    stopped = [r["run_id"] for r in past if r["state"] in launcher.RESUMABLE]
    if stopped:
        again = st.selectbox("Interrupted runs", stopped, key="lab_resume_pick")
        resume_button(again, rundir.read_progress(runs_dir() / again), key="lab_resume_past")
    done = [r["run_id"] for r in past if r["done"]]
    with st.expander("Which epoch a run kept, and why"):
        st.caption(
            "Eligible epochs pass the promotion gates that can be measured on validation data (rare-class "
            "accuracy, agreement with the teacher, ECE); among them the best weighted score wins — not the "
            "lowest loss. Training stops early on seed 002 §13's rules."
        )
        shown = st.selectbox("Run", [r["run_id"] for r in past], key="lab_epochs_run")
        st.dataframe(
            rundir.epoch_table(runs_dir() / shown),
            hide_index=True,
            column_config={"Error $ per request": st.column_config.NumberColumn(format="$%.4f")},
        )
    pick = st.selectbox("Use as evidence", ["seed"] + done, key="lab_pick")
    if st.button("Use it", key="lab_use"):
        try:
            common.use_evidence(sources.seed_evidence() if pick == "seed" else sources.run_evidence(pick), pick)
            st.rerun()
        except DistillDecideError as exc:
            common.show_error(exc)
st.subheader("Bring your own per-request results")
up = common.upload_frame(
    "Per-request results (CSV/parquet: segment, true, teacher_pred, student_pred, optional p_teacher_*/p_student_*)",
    "rows_upload",
)
if up is not None:
    from engine.decision import cube

    try:
        c = cube.from_rows(
            up, intents=a.intents if set(up.get("true", [])) <= set(a.intents) else None, source="upload"
        )
        st.success(f"Valid: {c.n:,} requests in {c.n_cells} cells over {len(c.intents)} intents.")
        if st.button(f"Use these {c.n:,} requests as evidence", key="use_rows"):
            common.use_uploaded_rows(sources.Evidence(c, up, "upload"))
            st.rerun()
    except DistillDecideError as exc:
        common.show_error(exc)
