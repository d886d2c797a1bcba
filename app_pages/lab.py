"""Distillation lab: start a training run in the background, follow it (progress, loss curve, time left), cancel
or resume it, and use a finished run as the evidence behind every page."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import streamlit as st

from engine import sources
from engine.errors import DistillDecideError
from engine.paths import runs_dir
from engine.present import figures_serving as figs
from engine.runs import launcher, rundir
from engine.runs.progress import duration_words, eta_words
from ui import common, lab_runs, run_view
from ui.run_view import plain

# the trainer's flags as the form names them, so a refusal points at the box to change
FORM_LABELS = {
    "--text-col": "Text column",
    "--label-col": "Label column",
    "--teacher-run": "Reuse the teacher of",
    "--teacher": "Teacher",
    "--student": "Student layers",
    "--epochs": "Epochs",
    "--threads": "CPU threads",
    "--profile": "Profile",
    "--mode": "Mode",
    "--temperature": "Temperature T",
    "--alpha": "α",
    "--loss": "Loss",
    "--no-baseline": "Also train the fine-tune-only baseline",
}
LOSSES = {
    "kd": "α·T²·KL + (1−α)·CE",
    "rare-hybrid": "0.45·CE + 0.35·T²·KL + 0.20·class-weighted CE",
    "cost-aware": "KD whose hard-label term is weighted by the scenario's harm and critical prices "
    "(a misroute that costs more weighs more)",
}
# measured (docs/distillation.md): `train --profile quick --threads 1 --mode finetune` took 478 s on the 2-core CPU
QUICK_TIME = (
    "quick ≈ 8 minutes on 1 CPU thread (measured: 478 s for a fine-tune run, teacher and student, on a 2-core CPU; "
    "kd-cached with the fine-tune-only baseline trains one more student)"
)
ACCURACY_COLUMNS = ("Teacher accuracy", "Student accuracy", "FT-only accuracy")
UPLOAD_TYPES = ["csv", "parquet", "json", "jsonl", "ndjson"]  # what engine.data.byo reads (JSON: a list of objects)
PAST_COLUMNS = {
    "run_id": "Run",
    "state": "State",
    "mode": "Mode",
    "teacher_accuracy": "Teacher accuracy",
    "student_accuracy": "Student accuracy",
    "finetune_accuracy": "FT-only accuracy",
    "student_epoch": "Student epoch kept",
    "gates_passed": "Passes the gates",
    "seconds": "Training time (s)",
}


def in_lab_words(exc: DistillDecideError) -> DistillDecideError:
    """The trainer's and the data check's message with its flags named as the form's boxes, escaped for Markdown."""
    field, fix = exc.field, exc.fix
    for flag, label in FORM_LABELS.items():
        field = re.sub(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", label, field)
        fix = re.sub(rf"with {re.escape(flag)}(?![\w-])", f"in the {label} box", fix)
        fix = re.sub(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", f"the {label} box", fix)
    return DistillDecideError(plain(field), plain(exc.problem), plain(fix))


def model_settings() -> dict:
    """The form's first two rows: profile, mode, threads, student size, teacher, epochs, the data's columns."""
    c1, c2, c3, c4 = st.columns(4)
    out = dict(
        profile=c1.selectbox(
            "Profile",
            ["quick", "medium", "full"],
            key="lab_profile",
            help=f"{QUICK_TIME}; full is the seed setting (GPU)",
        ),
        mode=c2.selectbox("Mode", ["kd-cached", "kd-online", "finetune"], key="lab_mode"),
        threads=int(
            c3.number_input("CPU threads", 1, 64, 1, key="lab_threads", help="1 keeps this dashboard responsive")
        ),
        student_layers=int(c4.number_input("Student layers (of 6)", 1, 6, 2, key="lab_layers")),
    )
    d1, d2, d3, d4 = st.columns(4)
    teacher = d1.text_input(
        "Teacher",
        "default",
        key="lab_teacher",
        help="'default' = offline MiniLM-L6; a local model folder, or a Hugging Face id (downloads)",
    )
    epochs = int(d2.number_input("Epochs (0 = profile default)", 0, 50, 0, key="lab_epochs"))
    text_col = d3.text_input("Text column", "text", key="lab_text_col", help="the column of your file with the text")
    label_col = d4.text_input("Label column", "label", key="lab_label_col", help="the column with the intent")
    return out | dict(
        teacher=teacher.strip() or "default", epochs=epochs or None, text_col=text_col, label_col=label_col
    )


def distillation_settings() -> dict:
    """The form's last rows: a reused teacher, temperature, α, the loss and the fine-tune-only baseline."""
    e1, e2, e3, e4 = st.columns(4)
    finished = [r["run_id"] for r in rundir.list_runs() if r["done"]]
    teacher_run = e1.selectbox(
        "Reuse the teacher of",
        ["(train a new teacher)"] + finished,
        key="lab_teacher_run",
        help="kd-cached then reads the cached teacher logits: re-training the student costs "
        "about as much as fine-tuning it",
    )
    loss = e4.selectbox("Loss", list(LOSSES), key="lab_loss", help="; ".join(f"{k}: {v}" for k, v in LOSSES.items()))
    st.caption(
        f"**cost-aware**: {LOSSES['cost-aware']}, under the scenario named above the form; for a label set it has "
        "no rows for, 1 harm unit per misroute and no critical intents make it plain KD."
    )
    baseline = st.checkbox(
        "Also train the fine-tune-only baseline",
        True,
        key="lab_baseline",
        help="a KD run trains a student of the same size without the teacher beside it, so the run shows whether "
        "distillation helped (paired differences with 95% intervals); off saves that student's training time",
    )
    return dict(
        teacher_run=None if teacher_run.startswith("(") else teacher_run,
        temperature=float(e2.number_input("Temperature T", 0.5, 20.0, 3.0, 0.5, key="lab_temperature")),
        alpha=float(e3.slider("α (soft-target weight)", 0.0, 1.0, 0.7, 0.05, key="lab_alpha")),
        loss=loss,
        baseline=baseline,
    )


def train_form() -> dict | None:
    """The training settings when the form was submitted (None otherwise)."""
    with st.form("train_form"):
        settings = model_settings() | distillation_settings()
        submitted = st.form_submit_button("Start training in the background")
    return settings if submitted else None


def stored_training_file(data_file, text_col: str, label_col: str) -> tuple[str, list[str]]:
    """The upload, stored under a generated name and checked (columns, labels, splits) before a process starts;
    with its labels."""
    from engine.data import byo

    dest = launcher.store_upload(data_file.name, data_file.getvalue(), max_bytes=int(common.MAX_UPLOAD_MB * 1_000_000))
    try:
        labels = sorted(map(str, byo.load(dest, text_col=text_col, label_col=label_col).intent.unique()))
    except DistillDecideError:
        dest.unlink(missing_ok=True)
        raise
    return str(dest), labels


def start_run(settings: dict, data_file, a) -> None:
    st.session_state.pop("lab_refused", None)
    try:
        data, labels = (
            stored_training_file(data_file, settings["text_col"], settings["label_col"])
            if data_file
            else (None, list(run_view.GENERATED_LABELS))
        )
        priced, words = run_view.training_scenario(a, labels)
        run_id, pid = launcher.start(**settings, data=data, scenario=priced)
    except DistillDecideError as exc:
        common.show_error(in_lab_words(exc))
        return
    lab_runs.follow_run(run_id, pid, "starting")  # named in the link: a reload follows it again
    st.session_state["lab_priced"] = (run_id, words)
    st.rerun()  # the run is followed at the top of the page


def progress_line(run_id: str, state: str, prog: dict, d: Path) -> str:
    """What the progress bar says: the state in capitals, the phase and epoch, and the share done."""
    if state == "done":
        took = prog.get("seconds")
        return f"{run_id}: DONE" + (f" in {duration_words(took)}" if isinstance(took, int | float) else "")
    if state == "starting" or prog.get("phase") in (None, "starting"):
        return f"{run_id}: {state.upper()} — loading the model and the data"
    epochs = rundir.planned_epochs(d)
    of = f" of {epochs}" if epochs else ""
    pct = 100 * min(1.0, float(prog.get("fraction", 0.0)))
    where = f"training the {prog.get('phase')}, epoch {prog.get('epoch', '–')}{of}"
    return f"{run_id}: {state.upper()} — {where} · {pct:.0f}%"


def progress_details(prog: dict) -> str:
    """Time left, speed, steps and the last loss, from the progress file (blank parts left out)."""
    parts = [eta_words(prog.get("eta_s"))]
    if isinstance(prog.get("samples_per_s"), int | float):
        parts.append(f"{prog['samples_per_s']:,.0f} examples/s")
    if isinstance(prog.get("done_steps"), int) and isinstance(prog.get("total_steps"), int):
        parts.append(f"step {prog['done_steps']:,} of {prog['total_steps']:,}")
    if isinstance(prog.get("total_loss"), int | float):
        parts.append(f"training loss {prog['total_loss']:.3f}")
    return " · ".join(p for p in parts if p)


def finished_run(ev, run_id: str, d: Path) -> None:
    """A finished run: what it measured, and the button that makes it the evidence behind every page."""
    try:
        s = rundir.read_run_json(d, "summary.json", "train the run again")
        t, u = s.get("teacher", {}).get("accuracy"), s.get("student", {}).get("accuracy")
        said = f": teacher accuracy {t:.1%}, student accuracy {u:.1%} on its test requests" if t is not None else ""
    except (DistillDecideError, AttributeError, TypeError, ValueError):
        said = ""
    st.success(f"**{run_id} is DONE**{said}.")
    if ev.label == f"run {run_id}":
        st.caption("This run is the evidence behind every page now.")
    elif st.button("Use this run as the evidence", key="lab_use_run", type="primary"):
        try:
            common.use_evidence(sources.run_evidence(run_id), run_id)
            st.rerun(scope="app")
        except DistillDecideError as exc:
            common.show_error(exc)


def refused(run_id: str, exc: DistillDecideError) -> None:
    e = in_lab_words(exc)
    st.error(
        f"**Training did not start** ({run_id}; nothing was kept). **{e.field}**: {e.problem}.  \n**Fix:** {e.fix}"
    )


def run_actions(ev, run_id: str, pid: int, state: str, prog: dict, d: Path) -> None:
    if state in ("running", "starting") and launcher.alive(pid):
        if st.button("Cancel this run", key="lab_cancel"):
            launcher.cancel(run_id, pid)
            st.rerun(scope="app")
    elif state in launcher.RESUMABLE:
        lab_runs.resume_button(run_id, prog, key="lab_resume")
    elif state == "done":
        finished_run(ev, run_id, d)
    else:
        why = prog.get("error") or "no reason recorded"
        fix = "read its last output below, then start again"
        st.error(f"**{run_id} {state.upper()}**: {plain(str(why))}.  \n**Fix:** {fix}.")
        st.code(launcher.log_tail(run_id))


@st.fragment(run_every=2)
def follow(ev) -> None:
    """The run started or resumed here: progress bar, time left, loss curve, and Cancel / Resume / Use."""
    if "lab_refused" in st.session_state:
        refused(*st.session_state["lab_refused"])
    if "lab_run" not in st.session_state:
        return
    run_id, pid = st.session_state["lab_run"]
    why = launcher.start_refusal(run_id, pid)
    d = rundir.run_path(run_id, "run")
    if why is not None or not d.exists():
        lab_runs.stop_following()
        if why is not None:
            st.session_state["lab_refused"] = (run_id, why)
        st.rerun(scope="app")
    state = launcher.state(run_id, pid)
    prog = rundir.read_progress(d)
    st.progress(min(1.0, max(0.0, float(prog.get("fraction", 0.0)))), text=progress_line(run_id, state, prog, d))
    priced = st.session_state.get("lab_priced")
    if priced and priced[0] == run_id:
        st.caption(f"Priced with the **{plain(priced[1])}**.")
    if state in ("running", "starting"):
        st.caption(progress_details(prog) or "Waiting for the first training step…")
    steps = rundir.read_steps(d)
    if not steps.empty:
        st.plotly_chart(figs.loss_curve(steps), key="lab_loss_chart")
    run_actions(ev, run_id, pid, state, prog, d)
    if st.session_state.get("lab_seen") != state:  # a change of state refreshes the runs table below
        st.session_state["lab_seen"] = state
        st.rerun(scope="app")


def past_table(past: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(past)[list(PAST_COLUMNS)].rename(columns=PAST_COLUMNS)
    for col in ACCURACY_COLUMNS:
        df[col] = pd.to_numeric(df[col], errors="coerce") * 100
    return df


def past_runs(ev) -> None:
    st.subheader("Past runs")
    past = launcher.list_runs()
    if not past:
        st.info(
            f"No runs yet: start one above ({QUICK_TIME}). Until a run is used as the evidence, every page uses "
            f"{'the seed rows' if ev.label == 'seed' else f'**{plain(ev.label)}** ({ev.cube.n:,} requests)'}."
        )
        return
    st.dataframe(
        past_table(past),
        hide_index=True,
        key="lab_past",
        column_config={
            "Teacher accuracy": st.column_config.NumberColumn(format="%.1f%%"),
            "Student accuracy": st.column_config.NumberColumn(format="%.1f%%"),
            "FT-only accuracy": st.column_config.NumberColumn(format="%.1f%%"),
            "Training time (s)": st.column_config.NumberColumn(format="%.0f"),
        },
    )
    lab_runs.cancel_running(past)
    followed = st.session_state.get("lab_run", (None,))[0]
    run_view.pick_and_show([r["run_id"] for r in past if r["done"]], followed)
    stopped = [r["run_id"] for r in past if r["state"] in launcher.RESUMABLE]
    if stopped:
        again = st.selectbox("Interrupted runs", stopped, key="lab_resume_pick")
        lab_runs.resume_button(again, rundir.read_progress(runs_dir() / again), key="lab_resume_past")
    with st.expander("Which epoch a run kept, and why"):
        st.caption(
            "Eligible epochs pass the promotion gates that can be measured on validation data (rare-class "
            "accuracy, agreement with the teacher, ECE); among them the best weighted score wins — not the "
            "lowest loss. Training stops early when validation loss fails to improve by 1% for 2 epochs, accuracy "
            "gains less than 0.5 points over 2 epochs, or the critical-error rate worsens twice in a row."
        )
        shown = st.selectbox("Run", [r["run_id"] for r in past], key="lab_epochs_run")
        st.dataframe(
            rundir.epoch_table(runs_dir() / shown),
            hide_index=True,
            column_config={"Error $ per request": st.column_config.NumberColumn(format="$%.4f")},
        )
    pick_evidence([r["run_id"] for r in past if r["done"]])


def pick_evidence(done: list[str]) -> None:
    pick = st.selectbox("Use as evidence", ["seed"] + done, key="lab_pick")
    if st.button("Use it", key="lab_use"):
        try:
            common.use_evidence(sources.seed_evidence() if pick == "seed" else sources.run_evidence(pick), pick)
            st.rerun()
        except DistillDecideError as exc:
            common.show_error(exc)


def own_rows(a) -> None:
    common.evidence_uploads(a)  # per-request rows, counts (with a mapping step) or a stored cube


ev, a, _ = common.current()
st.title("Distillation lab")
st.markdown(f"Evidence behind every page now: **{ev.label}** ({ev.cube.n:,} requests).")
lab_runs.pick_up()  # after a reload: the run the link names (p.lab.run), else the newest running one
follow(ev)
st.subheader("Start a training run")
data_file = st.file_uploader(
    "Training data (optional; CSV, parquet, JSON (a list of objects) or JSONL (one object per line) with a text "
    "column and a label column, named in the **Text column** and **Label column** boxes below). Without it the "
    "generated MangaAssist data is used.",
    type=UPLOAD_TYPES,
    key="lab_data",
)
run_view.scenario_note(a, data_file is not None)
settings = train_form()
if settings is not None:
    start_run(settings, data_file, a)
past_runs(ev)
own_rows(a)
