"""Training faults: a killed run reads interrupted and resumes to the same weights; a refused start leaves nothing.

The state rule is checked by hand on made-up progress files (a dead pid, a stale heartbeat); the whole
story (about 45 s) runs on the tiny model through the real CLI: a training process stalled mid-epoch and SIGKILLed,
`runs list --json` saying interrupted with the resume command, the Lab's resume (launcher.resume, which
runs that command) to DONE, and every final checkpoint byte-equal to an uninterrupted run of the same seed.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from engine.errors import DistillDecideError
from engine.runs import launcher, progress, rundir
from tests.conftest import ROOT


@pytest.fixture()
def env(env):
    (env / "runs").mkdir()
    return env


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def fake_run(root, run_id: str, **record) -> object:
    d = root / "runs" / run_id
    d.mkdir(parents=True)
    (d / "config.json").write_text(json.dumps({"run_id": run_id}))
    rundir.write_json(d / "progress.json", {"state": "running", "phase": "teacher", "epoch": 1, **record})
    return d


# -- the state rule, by hand -----------------------------------------------------------------------------------


def test_a_running_run_whose_pid_is_dead_reads_interrupted(env, capsys):
    from engine.cli import main

    pid, host = dead_pid(), socket.gethostname()
    d = fake_run(env, "killed-run", pid=pid, host=host, heartbeat=time.time())
    p = rundir.read_progress(d)
    assert p["state"] == "interrupted" and p["interrupted_because"] == f"its process {pid} is not running"
    assert p["resume"] == "python -m engine train --resume --run-id killed-run"
    assert rundir.run_state(d) == "interrupted"
    assert launcher.state("killed-run") == "interrupted" and not (d / "FAILED").exists()  # not failed: resumable
    assert main.main(["runs", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["run_id"], r["state"], r["resume"]) for r in rows] == [("killed-run", "interrupted", p["resume"])]
    assert main.main(["runs", "list"]) == 0
    assert "interrupted" in (line := capsys.readouterr().out) and "resume: python -m engine train --resume" in line


def test_the_heartbeat_timeout_is_the_rule_for_another_host_or_a_live_pid():
    now, host, me = 1_000_000.0, "this-box", os.getpid()
    running = {"state": "running", "pid": me, "host": host}
    limit = progress.STALE_AFTER_S
    assert progress.gone_reason({**running, "heartbeat": now - limit + 1}, now=now, host=host) is None
    why = progress.gone_reason({**running, "heartbeat": now - limit - 1}, now=now, host=host)
    assert why == f"no heartbeat for {limit + 1:,.0f} s (the timeout is {limit:.0f} s)"  # a hung or reused pid
    elsewhere = {"state": "running", "pid": dead_pid(), "host": "gpu-box"}  # its pid means nothing here
    assert progress.gone_reason({**elsewhere, "heartbeat": now - 5}, now=now, host=host) is None
    assert progress.gone_reason({**elsewhere, "heartbeat": now - limit - 1}, now=now, host=host) is not None
    for state in ("done", "failed", "cancelled", "starting"):
        assert progress.gone_reason({**elsewhere, "state": state, "heartbeat": 0.0}, now=now, host=host) is None


def test_a_heartbeat_less_record_is_judged_by_the_files_age(env):
    d = fake_run(env, "old-format")  # no pid, no heartbeat: a run written before the heartbeat existed
    assert rundir.run_state(d) == "running"
    old = time.time() - progress.STALE_AFTER_S - 10
    os.utime(d / "progress.json", (old, old))
    assert rundir.run_state(d) == "interrupted"


def test_the_heartbeat_beats_until_finish(env):
    d = env / "runs" / "beating"
    d.mkdir()
    prog = progress.Progress(d, total_steps=10)
    prog.start_heartbeat(every_s=0.05)
    first = progress.read_raw(d)
    assert first["state"] == "running" and first["pid"] == os.getpid() and first["host"] == socket.gethostname()
    time.sleep(0.3)
    assert progress.read_raw(d)["heartbeat"] > first["heartbeat"]
    prog.finish("done")
    after = progress.read_raw(d)
    time.sleep(0.2)
    assert after == progress.read_raw(d) == {"state": "done", "fraction": 1.0}  # nothing beats after the end
    assert not list(d.glob("*.tmp"))


def test_launcher_resume_only_resumes_a_stopped_run(env, monkeypatch):
    seen, gone = {}, dead_pid()

    class FakeProc:
        pid = os.getpid()  # alive for as long as the test runs

    def fake_popen(cmd, **kw):
        seen["cmd"] = cmd
        return FakeProc()

    monkeypatch.setattr(launcher.subprocess, "Popen", fake_popen)
    fake_run(env, "alive", pid=os.getpid(), host=socket.gethostname(), heartbeat=time.time())
    with pytest.raises(DistillDecideError, match="run: alive is running, not interrupted"):
        launcher.resume("alive")
    (env / "runs" / "finished").mkdir()
    (env / "runs" / "finished" / "DONE").write_text("x\n")
    with pytest.raises(DistillDecideError, match="run: finished is done, not interrupted"):
        launcher.resume("finished")
    d = fake_run(env, "gone", pid=gone, host=socket.gethostname(), heartbeat=time.time())
    (d / "process.log").write_text("first attempt\n")
    assert launcher.resume("gone") == os.getpid()
    assert seen["cmd"][1:] == ["-m", "engine", "train", "--resume", "--run-id", "gone", "--json"]
    assert launcher.state("gone") == "starting" and (d / "process.log").read_text() == "first attempt\n"


# -- a refused start leaves nothing ------------------------------------------------------------------------------


def _tree(root) -> dict:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--data", "{tmp}/missing.csv"], "missing.csv' not found"),
        (["--data", "{tmp}/bad.csv"], "label"),
        (["--seed", "-1"], "--seed: -1"),
        (["--epochs", "0"], "--epochs: 0"),
        (["--student", "0"], "--student: 0"),
        (["--teacher-run", "no-such-run"], "--teacher-run: run 'no-such-run' not found"),
        (["--scenario", "{tmp}/missing.json"], "scenario"),
        (["--gates", "{tmp}/bad-gates.json"], "gates"),
        (["--run-id", "stopped"], "--run-id: run stopped already exists"),
        (["--resume", "--run-id", "never-made"], "--run-id: run never-made not found"),
        (["--resume", "--run-id", "stopped", "--epochs", "9"], "--resume: continues with the run's own settings"),
        (["--resume"], "--resume: needs the run"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_a_refused_start_leaves_nothing_behind(argv, match, env, capsys):
    from engine.cli import main

    pytest.importorskip("torch")
    (env / "bad.csv").write_text("text,intent\nhello,faq\n")
    (env / "bad-gates.json").write_text("{not json")
    fake_run(env, "stopped", pid=dead_pid(), host=socket.gethostname(), heartbeat=time.time())
    before = _tree(env / "runs")
    args = [a.replace("{tmp}", str(env)) for a in argv]
    if "--resume" not in args:
        args += ["--device", "cpu", "--threads", "1"]
    assert main.main(["train", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and match in err and "Fix:" in err, err
    assert _tree(env / "runs") == before  # no run folder, no FAILED marker, the stopped run untouched
    assert not (env / "db.duckdb").exists()


def test_bad_flags_refused_by_the_parser_leave_nothing(env, capsys):
    from engine.cli import main

    assert main.main(["train", "--profile", "huge", "--run-id", "x"]) == 2  # usage errors: one line, exit 2
    err = capsys.readouterr().err.strip()
    assert "invalid choice" in err and len(err.splitlines()) == 1 and err.startswith("error: --profile")
    assert list((env / "runs").iterdir()) == []


def test_resume_reads_the_settings_the_run_started_with(env):
    pytest.importorskip("torch")
    from dataclasses import asdict

    from engine.distill import trainer

    started = trainer.TrainConfig(run_id="on-gpu", epochs=4, seed=11, mode="finetune", threads=2).resolved()
    d = fake_run(env, "on-gpu", pid=dead_pid(), host=socket.gethostname(), heartbeat=time.time())
    rundir.write_json(d / "config.json", {**asdict(started), "device": "cuda:1", "labels": ["a", "b"]})
    again = trainer.resume_config("on-gpu")
    assert again == trainer.TrainConfig(**{**asdict(started), "device": "cuda"})  # cuda:1 resumes on "cuda"
    rundir.write_json(d / "config.json", {**asdict(started), "seed": "eleven"})
    with pytest.raises(DistillDecideError, match="on-gpu/config.json: holds a setting of the wrong type"):
        trainer.resume_config("on-gpu")
    rundir.write_json(d / "config.json", {"run_id": "on-gpu", "labels": ["a", "b"]})
    with pytest.raises(DistillDecideError, match="on-gpu/config.json: has no profile, mode"):
        trainer.resume_config("on-gpu")


def test_resuming_with_other_settings_is_refused_and_writes_nothing(env):
    pytest.importorskip("torch")
    from dataclasses import asdict

    from engine.distill import trainer

    started = trainer.TrainConfig(run_id="half", epochs=2, seed=1, device="cpu", threads=1).resolved()
    d = fake_run(env, "half", pid=dead_pid(), host=socket.gethostname(), heartbeat=time.time())
    rundir.write_json(d / "config.json", {**asdict(started), "labels": ["a", "b"]})
    before = _tree(env / "runs")
    with pytest.raises(DistillDecideError, match=r"--resume: run half was started with other settings \(seed 1 → 2"):
        trainer.run(trainer.TrainConfig(**{**asdict(started), "seed": 2}), resume=True)
    assert _tree(env / "runs") == before


# -- SIGKILL mid-run, interrupted, resume: the same weights as an uninterrupted run -------------------------------


def _tiny_inputs(root):
    """A tiny local teacher (saved with the real tokenizer) and a 380-row training file of distinct texts."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from engine.data import generator
    from engine.distill import models
    from tests.engine.distill.tiny import tiny_bert

    tok = models.load_tokenizer("default")
    teacher = root / "tiny-teacher"
    tiny_bert(10, tok.vocab_size, layers=2, hidden=32, seed=1).save_pretrained(teacher)
    tok.save_pretrained(teacher)
    data = root / "tiny.csv"
    rows = generator.generate(600, seed=0).drop_duplicates("text").drop(columns="split").head(380)
    rows.to_csv(data, index=False)  # the tool splits it (seeded by the data file's own seed)
    return teacher, data


def _train_args(teacher, data, run_id, cache):
    return [
        "train", "--data", str(data), "--label-col", "intent", "--teacher", str(teacher), "--student", "1",
        "--mode", "kd-cached", "--epochs", "3", "--no-early-stopping", "--seed", "7", "--threads", "1",
        "--device", "cpu", "--logits-cache", str(cache), "--run-id", run_id, "--json",
    ]  # fmt: skip


def _wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.mark.slow  # two real training processes (~45-90 s on 2 cores): run with -m slow
def test_sigkill_mid_run_reads_interrupted_and_resumes_to_the_same_weights(env, capsys):
    from safetensors.torch import load_file

    from engine.cli import main

    teacher, data = _tiny_inputs(env)
    run_env = {**os.environ, "OMP_NUM_THREADS": "1"}
    ref = subprocess.run(
        [sys.executable, "-m", "engine", *_train_args(teacher, data, "uninterrupted", env / "cache-a")],
        capture_output=True, text=True, cwd=ROOT, env=run_env, timeout=600,
    )  # fmt: skip
    assert ref.returncode == 0, ref.stderr[-2000:]
    marker = env / "stalled"
    stall = ["teacher", "2", "3"]  # teacher epoch 1 checkpointed, epoch 2 half-way through
    helper = [sys.executable, str(ROOT / "tests" / "engine" / "distill" / "stall_tiny.py"), str(marker), *stall]
    proc = subprocess.Popen(
        [*helper, "--", *_train_args(teacher, data, "killed", env / "cache-b")], cwd=ROOT, env=run_env
    )
    try:
        _wait_for(marker.exists, 300, "the training process to reach teacher epoch 2")
        d = rundir.run_path("killed")
        beat = progress.read_raw(d)["heartbeat"]
        _wait_for(lambda: progress.read_raw(d)["heartbeat"] > beat, 30, "a heartbeat while stalled")
        assert rundir.run_state(d) == "running" and progress.read_raw(d)["pid"] == proc.pid
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert main.main(["runs", "list", "--json"]) == 0
    listed = {r["run_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert listed["killed"]["state"] == "interrupted" and not (d / "DONE").exists() and not (d / "FAILED").exists()
    assert listed["killed"]["resume"] == "python -m engine train --resume --run-id killed"
    assert listed["uninterrupted"]["state"] == "done"
    epoch1 = d / "checkpoints" / "teacher-epoch1" / "model.safetensors"
    kept = epoch1.stat().st_mtime_ns
    assert not (d / "checkpoints" / "teacher-epoch2").exists()
    pid = launcher.resume("killed")  # the Lab's Resume button: the command above, in its own process
    _wait_for(lambda: not launcher.alive(pid), 600, "the resumed run to finish")
    assert launcher.state("killed", pid) == "done", launcher.log_tail("killed")
    assert epoch1.stat().st_mtime_ns == kept  # continued after epoch 1, not trained again from the start
    a, b = rundir.run_path("uninterrupted") / "checkpoints", d / "checkpoints"
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())
    for ckpt in sorted(a.iterdir()):
        wa, wb = load_file(ckpt / "model.safetensors"), load_file(b / ckpt.name / "model.safetensors")
        assert wa.keys() == wb.keys() and all((wa[k] == wb[k]).all() for k in wa), ckpt.name  # bit-equal
    _same_predictions(rundir.run_path("uninterrupted"), d)
    from engine import store

    n_test = json.loads((d / "config.json").read_text())["n"]["test"]
    assert len(store.load_rows("run:killed")) == n_test > 0  # ingested once, after DONE
    steps = store.load_run_log("killed", "steps")
    assert not steps.duplicated(["phase", "global_step"]).any()  # the half epoch re-run replaced, not doubled


def _same_predictions(a, b) -> None:
    import pandas as pd

    pa, pb = pd.read_parquet(a / "predictions.parquet"), pd.read_parquet(b / "predictions.parquet")
    suffix = lambda ids: ids.str.rsplit("-", n=1).str[-1]  # request ids carry the run id; the row is the same
    assert suffix(pa.request_id).tolist() == suffix(pb.request_id).tolist()
    pd.testing.assert_frame_equal(pa.drop(columns="request_id"), pb.drop(columns="request_id"), check_exact=True)
