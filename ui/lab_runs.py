"""The Lab's hold on running runs: the run it follows is named in the link (``p.lab.run=<id>``), so a reload or
a copied link picks it up again (else the newest running run the Lab launched); Past runs offers Cancel for any
running run the Lab launched; and Resume says what it does (continue after the last checkpointed epoch, or start
again from the beginning when no epoch finished)."""

from __future__ import annotations

import streamlit as st

from engine.errors import DistillDecideError
from engine.paths import runs_dir
from engine.runs import launcher, rundir
from ui import common, state

RUN = "p.lab.run"  # the run the Lab follows, in the link
ACTIVE = ("running", "starting")


def follow_run(run_id: str, pid: int, seen: str | None = None) -> None:
    """Follow ``run_id`` (process ``pid``) at the top of the Lab, and name it in the link."""
    st.session_state["lab_run"] = (run_id, pid)
    if seen is not None:
        st.session_state["lab_seen"] = seen
    state.page_choices()[RUN] = run_id


def stop_following() -> None:
    st.session_state.pop("lab_run", None)
    state.page_choices().pop(RUN, None)


def _newest_running() -> tuple[str, int] | None:
    for r in launcher.list_runs():  # newest first
        pid = launcher.launched_pid(r["run_id"]) if r["state"] in ACTIVE else None
        if pid is not None and launcher.alive(pid):
            return r["run_id"], pid
    return None


def pick_up() -> None:
    """After a reload (a new session): follow the run the link names, else the newest running run launched here;
    a link naming a run the Lab did not launch (or that is gone) says so once and follows nothing."""
    if "lab_run" in st.session_state:
        return
    named = state.page_choices().get(RUN)
    pid = launcher.launched_pid(named) if named else None
    if named and pid is None:
        state.page_choices().pop(RUN, None)
        st.warning(f"The link's run **{named}** was not started from this Lab (or is gone): nothing to follow.")
    elif named and pid is not None:
        follow_run(named, pid, launcher.state(named, pid))
    elif (newest := _newest_running()) is not None:
        follow_run(*newest, seen=launcher.state(*newest))
    else:
        return
    state.mirror_url()  # the link names the run followed now (or no longer names one that is gone)


def cancel_running(past: list[dict]) -> None:
    """Cancel for any run that is running: those the Lab launched (their own process group); a run started from
    the command line is stopped where it runs."""
    running = [r["run_id"] for r in past if r["state"] in ACTIVE]
    if not running:
        return
    pick = st.selectbox("Running runs", running, key="lab_cancel_pick") if len(running) > 1 else running[0]
    pid = launcher.launched_pid(pick)
    if pid is None:
        st.caption(f"**{pick}** is running but was not started from this Lab: stop it where it runs (Ctrl-C).")
        return
    if st.button(f"Cancel {pick}", key="lab_cancel_past"):
        launcher.cancel(pick, pid)
        st.rerun(scope="app")


def last_epoch(d) -> str | None:
    """The last checkpointed epoch in words ("the student's epoch 2"); None when no epoch finished."""
    logged = [r for r in rundir.read_jsonl(d / "epochs.jsonl") if isinstance(r.get("epoch"), int)]
    if not logged:
        return None
    return f"the {logged[-1].get('phase', 'model')}'s epoch {logged[-1]['epoch']}"


def resume_button(run_id: str, prog: dict, *, key: str) -> None:
    """A stopped run (its process is gone, or it was cancelled): why, the CLI command, and a button that resumes it
    here; a run stopped before training began has nothing to resume, one stopped before its first epoch ended
    starts again from the beginning."""
    d = runs_dir() / run_id
    now = rundir.run_state(d)
    if not (d / "config.json").is_file():
        st.info(f"**{run_id} is {now.upper()}** before training began: there is nothing to resume. Start a new run.")
        return
    why = prog.get("interrupted_because") or ("you cancelled it" if now == "cancelled" else now)
    last = last_epoch(d)
    does = (
        f"Resume continues after its last checkpointed epoch ({last})"
        if last
        else "It stopped before its first epoch ended, so it starts again from the beginning"
    )
    st.warning(f"**{run_id} is {now.upper()}** ({why}). {does} with the settings it started with: "
               f"`{rundir.resume_command(run_id)}`")  # fmt: skip
    if st.button(f"Resume {run_id}" if last else f"Start {run_id} again", key=key):
        try:
            follow_run(run_id, launcher.resume(run_id))
            st.rerun(scope="app")
        except DistillDecideError as exc:
            common.show_error(exc)
