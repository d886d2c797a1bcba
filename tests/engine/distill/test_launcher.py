"""The Lab's launcher and the trainer agree on who creates a run's folder; a dead process reads failed."""

import json
import time

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from engine.distill import models, trainer  # noqa: E402
from engine.errors import DistillDecideError  # noqa: E402
from engine.runs import launcher, rundir  # noqa: E402
from tests.engine.distill.test_trainer import cfg, tiny_factory  # noqa: E402
from tests.engine.distill.tiny import tiny_bert  # noqa: E402


@pytest.fixture()
def runs(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTILL_DECIDE_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("DISTILL_DECIDE_DB", str(tmp_path / "db.duckdb"))
    return tmp_path / "runs"


def _launcher_folder(runs, run_id):
    d = runs / run_id
    d.mkdir(parents=True)
    for name in ("launch.json", "progress.json"):
        rundir.write_json(d / name, {"state": "starting"} if name == "progress.json" else {"pid": None})
    (d / "process.log").write_text("starting\n")
    return d


def test_which_folders_a_new_run_may_take_over(runs):
    assert rundir.fresh_for_training(runs / "nothing-yet")
    d = _launcher_folder(runs, "launched")
    assert rundir.fresh_for_training(d)
    (d / "config.json").write_text("{}")  # a training artifact: the folder is a run now
    assert not rundir.fresh_for_training(d)
    other = runs / "made-by-hand"
    other.mkdir()
    (other / "progress.json").write_text("{}")
    assert not rundir.fresh_for_training(other)  # no launch.json: not the launcher's folder


def test_trainer_takes_over_the_launchers_folder_and_refuses_a_used_one(runs):
    d = _launcher_folder(runs, "ui-launched")
    done = trainer.run(cfg("ui-launched", epochs=1, mode="finetune"), model_factory=tiny_factory(), ingest=False)
    assert done == d and (d / "DONE").exists() and (d / "process.log").read_text() == "starting\n"
    assert rundir.run_state(d) == "done" and rundir.read_progress(d)["state"] == "done"
    with pytest.raises(DistillDecideError, match="--run-id: run ui-launched already exists"):
        trainer.run(cfg("ui-launched", epochs=1, mode="finetune"), model_factory=tiny_factory(), ingest=False)


def _wait(pid, seconds):
    deadline = time.monotonic() + seconds
    while launcher.alive(pid) and time.monotonic() < deadline:
        time.sleep(0.3)


def test_a_start_the_trainer_refuses_leaves_no_folder_and_says_why(runs):
    run_id, pid = launcher.start(profile="no-such-profile")  # argparse refuses it: the process exits at once
    _wait(pid, 120)
    assert not launcher.alive(pid)
    why = launcher.start_refusal(run_id, pid)
    assert why is not None and why.field == "--profile"
    assert why.problem == "invalid choice: 'no-such-profile' (choose from 'quick', 'medium', 'full')"
    assert why.fix == "see `python -m engine train --help`"
    assert not rundir.run_path(run_id).exists() and launcher.list_runs() == []  # nothing left behind


def test_a_refused_start_seen_first_by_the_runs_list_is_removed_too(runs):
    run_id, pid = launcher.start(profile="no-such-profile")
    _wait(pid, 120)
    assert launcher.state(run_id, pid) == launcher.REFUSED
    assert not rundir.run_path(run_id).exists() and launcher.list_runs() == []


def test_a_process_that_dies_without_a_refusal_reads_failed_and_keeps_its_log(runs):
    import subprocess
    import sys

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    d = _launcher_folder(runs, "ui-crashed")
    rundir.write_json(d / "launch.json", {"pid": gone.pid})
    (d / "process.log").write_text("Traceback (most recent call last):\nImportError: no module named torch\n")
    assert launcher.start_refusal("ui-crashed") is None  # not the trainer's one-line refusal: kept to be read
    assert launcher.state("ui-crashed") == "failed"
    assert (d / "FAILED").exists() and rundir.read_progress(d)["error"] == "ImportError: no module named torch"
    assert [r["state"] for r in launcher.list_runs()] == ["failed"]  # every later reader sees it


def test_a_start_that_cannot_spawn_leaves_no_folder(runs, monkeypatch):
    def no_python(*a, **kw):
        raise OSError("no such file: python")

    monkeypatch.setattr(launcher.subprocess, "Popen", no_python)
    with pytest.raises(DistillDecideError, match="training process: could not be started"):
        launcher.start()
    assert not runs.exists() or list(runs.iterdir()) == []


def test_the_lab_launcher_runs_a_real_training_process(runs, tmp_path):
    """launcher.start → `python -m engine train` in its own process, on a tiny local model: DONE, not 'exists'."""
    tok = models.load_tokenizer("default")
    teacher_dir = tmp_path / "tiny-teacher"
    tiny_bert(10, tok.vocab_size, layers=2, hidden=32, seed=1).save_pretrained(teacher_dir)
    tok.save_pretrained(teacher_dir)
    run_id, pid = launcher.start(
        profile="quick", mode="finetune", threads=1, epochs=1, teacher=str(teacher_dir), student_layers=1
    )
    assert launcher.state(run_id, pid) in ("starting", "running")
    _wait(pid, 300)
    assert launcher.state(run_id, pid) == "done", launcher.log_tail(run_id)
    d = rundir.run_path(run_id)
    assert json.loads((d / "config.json").read_text())["run_id"] == run_id
    assert json.loads((d / "launch.json").read_text())["pid"] == pid
    assert "already exists" not in launcher.log_tail(run_id)
    assert [(r["run_id"], r["state"]) for r in launcher.list_runs()] == [(run_id, "done")]
