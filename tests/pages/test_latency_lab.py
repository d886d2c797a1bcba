"""The Latency page on the seed and with a measured run; the Lab's progress, loss curve, time left, cancel, refused
start and "use this run" (AppTest, fabricated run folders in the test's own runs folder)."""

from __future__ import annotations

import base64
import json
import math
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from engine.runs import rundir
from tests.conftest import ROOT

HOURS = 730  # capacity.HOURS_PER_MONTH
CPU_USD_H = 0.1785  # the default instance, c7i.xlarge
SECONDS = 30.4 * 86_400  # the seed's days per month


def page(name: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page(f"app_pages/{name}.py").run()
    assert not at.exception, at.exception
    return at


def chart(at: AppTest, title: str) -> dict:
    """The plotly figure (as JSON) whose title starts with ``title``."""
    for c in at.get("plotly_chart"):
        spec = json.loads(c.proto.spec)
        if spec["layout"].get("title", {}).get("text", "").startswith(title):
            return spec
    raise AssertionError(f"no chart titled {title!r}")


def table(at: AppTest, column: str) -> pd.DataFrame:
    return next(t.value for t in at.dataframe if column in t.value.columns)


def values(v) -> list:
    """A plotly trace's data as a list (plotly 6 sends numpy arrays as base64 ``bdata``)."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)


def bars(spec: dict) -> dict[str, list]:
    return {t["name"]: t["y"] for t in spec["data"] if t["type"] == "bar"}


# -- Latency and serving --------------------------------------------------------------------------------------


def test_latency_page_on_the_seed_charts_each_p95_against_the_15_ms_budget(env):
    at = page("latency")
    p95 = chart(at, "P95 latency against the budget")
    assert bars(p95) == {"Teacher": [12.0], "Student": [5.0]}  # seed §3: 12 ms and 5 ms
    assert [s["y0"] for s in p95["layout"]["shapes"]] == [15.0]  # the budget line
    used = table(at, "P95 latency (ms)")
    assert used["P95 latency (ms)"].tolist() == [12.0, 5.0] and used["Under the 15 ms budget"].tolist() == ["yes"] * 2
    assert any("No measured latency yet" in i.value for i in at.info)
    assert "p95_ms" not in used.columns and not [c for c in table(at, "Teacher replicas").columns if "_" in c]


def test_capacity_table_replicas_and_cost_by_hand(env):
    at = page("latency")
    # no run: the assumed throughput is 1,000 ÷ P95 ms, labelled as an assumption
    assert (
        at.number_input(key="lat_tput_teacher").value == 83.3 and at.number_input(key="lat_tput_student").value == 200
    )
    assert any("**Assumption** (no measured run)" in c.value for c in at.caption)
    at.number_input(key="lat_tput_teacher").set_value(5.0).run()
    cap = table(at, "Teacher replicas").set_index("Monthly volume (requests)")
    # 20M/month: 20e6 / (30.4 × 86,400) = 7.614 req/s average, × 3 peak = 22.84 ÷ (5 req/s × 60%) → ⌈7.61⌉ = 8
    assert math.ceil(3 * 20e6 / SECONDS / (5 * 0.6)) == 8
    assert cap.loc[20e6, "Teacher replicas"] == 8 and cap.loc[20e6, "Student replicas"] == 1
    assert cap.loc[20e6, "Teacher serving cost ($/month)"] == pytest.approx(8 * CPU_USD_H * HOURS)  # $1,042.44
    assert cap.loc[1.4e6, "Teacher replicas"] == 1 and cap.loc[5e6, "Teacher replicas"] == 2  # 5.71 ÷ 3 → 2
    assert cap.index.tolist() == [5e5, 1e6, 1.4e6, 2e6, 5e6, 1e7, 2e7]
    fig = chart(at, "Replicas and monthly serving cost against volume")
    assert fig["layout"]["xaxis2"]["title"]["text"].startswith("Monthly volume (requests per month")
    assert fig["layout"]["yaxis2"]["tickformat"] == "$,.0f"


def test_seed_price_forty_one_times_the_capacity_price_is_pointed_out(env):
    at = page("latency")
    # one c7i.xlarge: $0.1785 × 730 = $130.31/month ÷ 1.4M = $0.93 per 10K vs the seed's $38 (teacher), $16 (student)
    note = next(w.value for w in at.warning if "differ by 10× or more" in w.value)
    assert "teacher: $0.93 from the capacity model vs $38.00 in the scenario" in note and "(41× apart)" in note
    assert "(17× apart)" in note and "The verdict uses the teacher's seed price, the student's seed price" in note
    assert "measure a run" in note  # no run yet: how to get the switch


def measured_run(runs, run_id="r-measured"):
    """A run folder with a latency.json (two models × ONNX fp32 and torch) and per-request samples."""
    d = runs / run_id
    d.mkdir(parents=True)
    entry = lambda p50, p95, p99, tput: dict(
        n=1000, p50_ms=p50, p95_ms=p95, p99_ms=p99, mean_ms=p50, over_budget_per_10k=0.0, throughput_rps=tput[0],
        throughput_rps_by_batch={"1": tput[0], "8": tput[1], "32": tput[2]},
    )  # fmt: skip
    lat = {
        "threads": 1,
        "teacher": {"torch": entry(21, 51, 128, (57, 94, 91)), "onnx_fp32": entry(7.9, 14.4, 21.2, (70, 108, 94))},
        "student": {
            "torch": entry(7.5, 23.5, 99.8, (131, 171, 122)),
            "onnx_fp32": entry(2.9, 10.2, 11.6, (129, 350, 379)),
        },
    }  # fmt: skip
    rundir.write_json(d / "latency.json", lat)
    pd.DataFrame(
        {"teacher_latency_ms": [7.0, 8.0, 14.0, 20.0], "student_latency_ms": [2.0, 3.0, 3.0, 11.0]}
    ).to_parquet(d / "latency.parquet")
    return d


def test_a_measured_run_adds_its_latency_and_switches_the_verdict_to_its_prices(env):
    measured_run(env / "runs")
    at = page("latency")
    p95 = bars(chart(at, "P95 latency against the budget"))
    assert p95 == {"Teacher": [12.0, 51.0, 14.4], "Student": [5.0, 23.5, 10.2]}  # scenario, torch, ONNX fp32
    hist = chart(at, "Latency of each measured request")
    assert [values(t["x"]) for t in hist["data"] if t["type"] == "histogram"] == [
        [7.0, 8.0, 14.0, 20.0],
        [2.0, 3.0, 3.0, 11.0],
    ]
    measured = table(at, "P99 (ms)")
    assert measured["Runtime"].tolist() == ["torch (eager)", "ONNX fp32"] * 2
    assert measured["Throughput at batch 1 / 8 / 32 (requests/s)"].tolist()[1] == "70 / 108 / 94"
    assert any("**measured** (ONNX fp32, the best of batch 1/8/32)" in c.value for c in at.caption)
    at.button(key="lat_use").click().run()
    a = at.session_state["assumptions"]
    assert a.teacher.usd_per_request == pytest.approx(CPU_USD_H * HOURS / 1.4e6)  # one replica either way
    assert (a.teacher.p95_latency_ms, a.student.p95_latency_ms) == (14.4, 10.2)
    assert (a.teacher.price_source, a.student.latency_source) == ("measured", "measured")
    assert not [w for w in at.warning if "differ by 10× or more" in w.value]  # the verdict now uses these prices


# -- Distillation lab -----------------------------------------------------------------------------------------


def running_run(runs, run_id: str, pid: int) -> None:
    d = runs / run_id
    d.mkdir(parents=True)
    rundir.write_json(d / "config.json", {"run_id": run_id, "epochs": 2})
    record = {"state": "running", "phase": "student", "epoch": 2, "step": 30, "done_steps": 189, "total_steps": 252}
    record |= {"fraction": 0.75, "samples_per_s": 120.0, "eta_s": 170.0, "total_loss": 0.4321}
    rundir.write_json(
        d / "progress.json", {**record, "pid": pid, "host": socket.gethostname(), "heartbeat": time.time()}
    )
    lines = [{"phase": p, "epoch": 1, "global_step": s, "total_loss": loss} for p, s, loss in STEPS]
    (d / "steps.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines) + '{"phase": "stu')  # mid-write


STEPS = [("teacher", 10, 2.1), ("teacher", 20, 1.4), ("student", 10, 1.9), ("student", 20, 0.9)]


def follow(at: AppTest, run_id: str, pid: int) -> AppTest:
    at.session_state["lab_run"] = (run_id, pid)
    at.session_state["lab_seen"] = "running"
    return at.run()


def test_lab_follows_a_run_progress_loss_and_time_left(env):
    running_run(env / "runs", "ui-follow", os.getpid())
    at = follow(page("lab"), "ui-follow", os.getpid())
    assert not at.exception, at.exception
    bar = at.get("progress")[0].proto
    assert bar.value == 75 and bar.text == "ui-follow: RUNNING — training the student, epoch 2 of 2 · 75%"
    details = "about 3 min left · 120 examples/s · step 189 of 252 · training loss 0.432"  # eta_s 170 → 3 min
    assert any(c.value == details for c in at.caption)
    loss = chart(at, "Training loss")
    assert [(t["name"], values(t["x"]), values(t["y"])) for t in loss["data"]] == [
        ("Teacher phase", [10, 20], [2.1, 1.4]),
        ("Student phase", [10, 20], [1.9, 0.9]),
    ]  # the half-written last line is skipped
    assert (
        loss["layout"]["xaxis"]["title"]["text"] and loss["layout"]["yaxis"]["title"]["text"] == "Training loss (nats)"
    )
    assert table(at, "State")["State"].tolist() == ["running"]
    assert at.button(key="lab_cancel").label == "Cancel this run"


def test_cancel_stops_the_process_and_offers_resume(env):
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True)
    try:
        running_run(env / "runs", "ui-cancel", proc.pid)
        rundir.append_jsonl(env / "runs" / "ui-cancel" / "epochs.jsonl", {"phase": "student", "epoch": 1})  # kept
        at = follow(page("lab"), "ui-cancel", proc.pid)
        at.button(key="lab_cancel").click().run()
        assert not at.exception, at.exception
        assert proc.wait(timeout=10) is not None  # terminated
        warning = next(w.value for w in at.warning if "ui-cancel" in w.value)
        assert "**ui-cancel is CANCELLED** (you cancelled it)" in warning
        assert "python -m engine train --resume --run-id ui-cancel" in warning
        assert "continues after its last checkpointed epoch (the student's epoch 1)" in warning
        assert at.button(key="lab_resume").label == "Resume ui-cancel"
        assert table(at, "State")["State"].tolist() == ["cancelled"]
    finally:
        proc.kill()


def test_a_finished_run_becomes_the_evidence(env, seed_rows):
    d = env / "runs" / "ui-done"
    d.mkdir(parents=True)
    seed_rows.head(2_000).to_parquet(d / "predictions.parquet")
    rundir.write_json(d / "summary.json", {"teacher": {"accuracy": 0.912}, "student": {"accuracy": 0.89}})
    rundir.write_json(d / "progress.json", {"state": "done", "fraction": 1.0, "seconds": 92.0})
    (d / "DONE").write_text("x\n")
    at = follow(page("lab"), "ui-done", os.getpid())
    assert at.get("progress")[0].proto.text == "ui-done: DONE in 2 min"  # 92 s, to the minute
    assert any(
        s.value.startswith("**ui-done is DONE**: teacher accuracy 91.2%, student accuracy 89.0%") for s in at.success
    )
    at.button(key="lab_use_run").click().run()
    assert not at.exception, at.exception
    assert at.session_state["evidence"].label == "run ui-done" and at.session_state["evidence"].cube.n == 2_000
    assert any("This run is the evidence behind every page now" in c.value for c in at.caption)
    past = table(at, "State")
    assert past["Teacher accuracy"].tolist() == [pytest.approx(91.2)] and past["State"].tolist() == ["done"]


def test_a_start_the_trainer_refuses_says_why_and_leaves_no_folder(env, monkeypatch):
    from engine.runs import launcher

    real, pids = launcher.start, []

    def refused_start(**kw):  # the form offers only valid profiles: this one the trainer refuses at once
        run_id, pid = real(**{**kw, "profile": "no-such-profile"})
        pids.append(pid)
        return run_id, pid

    monkeypatch.setattr(launcher, "start", refused_start)
    at = page("lab")
    next(b for b in at.button if b.label == "Start training in the background").click().run()
    deadline = time.monotonic() + 60
    while launcher.alive(pids[0]) and time.monotonic() < deadline:
        time.sleep(0.2)
    at.run()
    assert not at.exception, at.exception
    shown = next(e.value for e in at.error if "Training did not start" in e.value)
    assert "**Profile**: invalid choice: 'no-such-profile'" in shown and "nothing was kept" in shown
    assert "lab_run" not in at.session_state
    assert not (env / "runs").exists() or list((env / "runs").iterdir()) == []  # no folder left behind
    assert any("No runs yet" in i.value for i in at.info)


def test_a_missing_column_names_the_lab_box_not_the_cli_flag(env):
    at = page("lab")
    at.file_uploader(key="lab_data").set_value(
        ("mine.csv", b"my_text,my_label\nhi there,faq\nbye,chitchat\n", "text/csv")
    )
    next(b for b in at.button if b.label == "Start training in the background").click().run()
    shown = next(e.value for e in at.error if "column text" in e.value)
    assert "in the Text column box" in shown and "--text-col" not in shown
    assert r"my\_text" in shown  # escaped: Markdown shows the column name as written
    assert not (env / "runs").exists()
