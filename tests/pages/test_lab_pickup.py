"""A running run survives a reload of the Lab: the run it follows is in the link (``p.lab.run``), a fresh session
on that link shows its progress and Cancel again, a fresh session without it follows the newest running run the
Lab launched, Past runs offers Cancel for any running run, and Resume says what it does for a run cancelled
before its first epoch ended (AppTest; the launcher's files written by hand, liveness and cancel replaced:
nothing trains)."""

from __future__ import annotations

import os
import socket
import time

import pytest
from streamlit.testing.v1 import AppTest

from engine.runs import launcher, rundir
from tests.conftest import ROOT

FAKE_PID = 987_654  # the launched process, as launch.json names it (alive only by the monkeypatch)


def app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(query or {})
    at.run()
    at.switch_page("app_pages/lab.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def launched(runs, run_id: str, state: str = "running", epochs: list[dict] | None = None) -> None:
    """A run as the launcher and the trainer leave it: launch.json (the launched pid), config.json, progress.json
    (a fresh heartbeat from this process, so it reads running), and the epochs it logged."""
    d = runs / run_id
    d.mkdir(parents=True)
    rundir.write_json(d / rundir.LAUNCH_FILE, {"pid": FAKE_PID, "host": socket.gethostname(), "cmd": ["train"]})
    rundir.write_json(d / "config.json", {"run_id": run_id, "epochs": 2})
    record = {"state": state, "phase": "teacher", "epoch": 1, "fraction": 0.25, "done_steps": 10, "total_steps": 40}
    beat = {"pid": os.getpid(), "host": socket.gethostname(), "heartbeat": time.time()}
    rundir.write_json(d / "progress.json", record | beat)
    for e in epochs or []:
        rundir.append_jsonl(d / "epochs.jsonl", e)


@pytest.fixture()
def cancels(env, monkeypatch) -> list[tuple[str, int]]:
    """launcher.alive true for FAKE_PID; launcher.cancel recorded (and the run marked cancelled, as it does)."""
    calls: list[tuple[str, int]] = []
    real_alive = launcher.alive
    monkeypatch.setattr(launcher, "alive", lambda pid: pid == FAKE_PID or real_alive(pid))

    def cancel(run_id: str, pid: int) -> None:
        calls.append((run_id, pid))
        d = rundir.run_path(run_id)
        rundir.write_json(d / "progress.json", {**rundir.read_progress(d), "state": "cancelled"})

    monkeypatch.setattr(launcher, "cancel", cancel)
    return calls


def bar(at: AppTest) -> str:
    return at.get("progress")[0].proto.text


def test_a_run_started_here_is_in_the_link_and_a_fresh_session_can_cancel_it(cancels, monkeypatch, env):
    def start(**kw):
        launched(env / "runs", "ui-started")
        return "ui-started", FAKE_PID

    monkeypatch.setattr(launcher, "start", start)
    at = app()
    next(b for b in at.button if b.label == "Start training in the background").click().run()
    assert not at.exception, at.exception
    link = dict(at.query_params)
    assert link == {"p.lab.run": "ui-started"}
    fresh = app(link)  # the reload
    assert bar(fresh) == "ui-started: RUNNING — training the teacher, epoch 1 of 2 · 25%"
    assert fresh.button(key="lab_cancel").label == "Cancel this run"
    fresh.button(key="lab_cancel").click().run()
    assert cancels == [("ui-started", FAKE_PID)]


def test_without_the_link_the_lab_follows_the_newest_running_run_it_launched(cancels, env):
    launched(env / "runs", "ui-20260101-000000-older")
    launched(env / "runs", "ui-20260101-000001-newer")
    at = app()
    assert bar(at).startswith("ui-20260101-000001-newer: RUNNING")
    assert dict(at.query_params) == {"p.lab.run": "ui-20260101-000001-newer"}


def test_past_runs_offers_cancel_for_any_running_run(cancels, env):
    launched(env / "runs", "ui-a")
    launched(env / "runs", "ui-b")
    at = app({"p.lab.run": "ui-a"})
    assert at.selectbox(key="lab_cancel_pick").options == ["ui-b", "ui-a"]  # newest first
    assert at.button(key="lab_cancel_past").label == "Cancel ui-b"
    at.button(key="lab_cancel_past").click().run()
    assert cancels == [("ui-b", FAKE_PID)]


def test_a_link_to_a_run_the_lab_did_not_launch_says_so_once(cancels, env):
    at = app({"p.lab.run": "ui-nowhere"})
    assert any("**ui-nowhere** was not started from this Lab" in w.value for w in at.warning)
    assert not at.get("progress") and not dict(at.query_params)
    at.run()
    assert not [w for w in at.warning if "ui-nowhere" in w.value]


def test_resume_says_a_run_cancelled_before_its_first_epoch_starts_again(cancels, env):
    launched(env / "runs", "ui-early", state="cancelled")
    at = app({"p.lab.run": "ui-early"})
    said = next(w.value for w in at.warning if "ui-early is CANCELLED" in w.value)
    assert "starts again from the beginning" in said and "continues after" not in said
    assert at.button(key="lab_resume").label == "Start ui-early again"


def test_resume_names_the_last_checkpointed_epoch(cancels, env):
    launched(env / "runs", "ui-later", state="cancelled", epochs=[{"phase": "teacher", "epoch": 1}])
    at = app({"p.lab.run": "ui-later"})
    said = next(w.value for w in at.warning if "ui-later is CANCELLED" in w.value)
    assert "Resume continues after its last checkpointed epoch (the teacher's epoch 1)" in said
    assert at.button(key="lab_resume").label == "Resume ui-later"
