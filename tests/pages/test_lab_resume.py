"""The Lab shows a run whose training process is gone as INTERRUPTED, with the resume command and a button."""

import json
import os
import socket
import subprocess
import sys
import time

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_lab_shows_an_interrupted_run_and_resumes_it(db, tmp_path, monkeypatch):
    from engine.runs import launcher, rundir

    monkeypatch.setenv("DISTILL_DECIDE_RUNS", str(tmp_path / "runs"))
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    run = tmp_path / "runs" / "r-killed"
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"run_id": "r-killed"}))
    record = {"state": "running", "phase": "teacher", "epoch": 2, "fraction": 0.4}
    beat = {"pid": gone.pid, "host": socket.gethostname(), "heartbeat": time.time()}
    rundir.write_json(run / "progress.json", {**record, **beat})
    resumed = []
    monkeypatch.setattr(launcher, "resume", lambda run_id: resumed.append(run_id) or os.getpid())
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page("app_pages/lab.py").run()
    assert not at.exception, at.exception
    warning = next(w.value for w in at.warning if "r-killed" in w.value)
    assert "INTERRUPTED" in warning and f"its process {gone.pid} is not running" in warning
    assert "python -m engine train --resume --run-id r-killed" in warning
    past = next(t.value for t in at.dataframe if "State" in t.value.columns)  # the past-runs table, in words
    assert past["State"].tolist() == ["interrupted"]
    at.button(key="lab_resume_past").click().run()
    assert not at.exception, at.exception
    assert resumed == ["r-killed"] and at.session_state["lab_run"] == ("r-killed", os.getpid())
