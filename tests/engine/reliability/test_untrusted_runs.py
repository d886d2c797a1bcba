"""A run directory or cache copied from elsewhere is data, never code.

Each crafted file below is a live pickle whose ``__reduce__`` creates a marker file when
unpickled (a control test proves it does); loading it the way export, resume and the
teacher-logit cache do must refuse it (or treat it as a cache miss), and the marker must not appear.
"""

import json
import os
import sys

import pytest

from engine.errors import DistillDecideError

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")


class _Payload:
    """Unpickling this creates ``marker`` (stands in for any code an attacker would run)."""

    def __init__(self, marker) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def craft(path, marker) -> None:
    """A torch checkpoint whose unpickling creates ``marker``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": _Payload(marker), "optimizer": {}, "scheduler": {}, "epoch": 1}, path)


def test_the_crafted_file_is_live(tmp_path):
    """Control: the payload does run when unpickled, so its absence below means it was never unpickled."""
    craft(tmp_path / "state.pt", tmp_path / "control-marker")
    torch.load(tmp_path / "state.pt", weights_only=False)
    assert (tmp_path / "control-marker").exists()


def _handmade_run(root, marker, *, legacy: bool):
    """A finished-looking run whose only checkpoint is crafted (as ``state.pt`` or as ``model.safetensors``)."""
    run = root / "runs" / "copied-run"
    run.mkdir(parents=True)
    labels = ["order_tracking", "faq"]
    config = {"labels": labels, "teacher": "default", "student_layers": 1, "max_len": 16}
    (run / "config.json").write_text(json.dumps(config))
    (run / "summary.json").write_text(json.dumps({"chosen_teacher_epoch": 1, "chosen_student_epoch": 1}))
    (run / "DONE").write_text("x\n")
    ckpt = run / "checkpoints" / "teacher-epoch1"
    craft(ckpt / ("state.pt" if legacy else "model.safetensors"), marker)
    return run


@pytest.mark.parametrize("legacy", [True, False], ids=["old-state-pt", "pickle-named-safetensors"])
def test_export_refuses_a_crafted_checkpoint(tmp_path, legacy):
    from tests.conftest import ROOT

    marker = tmp_path / "pwned"
    run = _handmade_run(tmp_path, marker, legacy=legacy)
    env = {**os.environ, "DISTILL_DECIDE_RUNS": str(tmp_path / "runs"), "DISTILL_DECIDE_DB": str(tmp_path / "db")}
    import subprocess

    r = subprocess.run(
        [sys.executable, "-m", "engine", "export", "--run", str(run)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert r.returncode == 2, r.stderr[-2000:]
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]  # transformers logs the rest
    assert "Traceback" not in r.stderr and len(errors) == 1
    assert "teacher-epoch1" in errors[0] and "Fix:" in errors[0]
    assert ("old pickle format" in errors[0]) == legacy
    assert not marker.exists()


def test_loading_weights_and_resume_state_never_unpickles(tmp_path):
    from engine.distill import checkpointing
    from tests.engine.distill.tiny import tiny_bert

    marker = tmp_path / "pwned"
    ckpt = tmp_path / "checkpoints" / "student-epoch1"
    model = tiny_bert(2, 100, layers=1, hidden=16)
    craft(ckpt / "model.safetensors", marker)
    craft(ckpt / "train_state.pt", marker)
    with pytest.raises(DistillDecideError, match="model.safetensors"):
        checkpointing.load_epoch(model, tmp_path, "student", 1)
    with pytest.raises(DistillDecideError, match="train_state.pt.*refused because unpickling"):
        checkpointing.load_train_state(ckpt)
    assert not marker.exists()
    # a real checkpoint round-trips
    opt = torch.optim.AdamW(model.parameters())
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0)
    checkpointing.save(ckpt, model, opt, sched, 1)
    other = tiny_bert(2, 100, layers=1, hidden=16, seed=5)
    checkpointing.load_epoch(other, tmp_path, "student", 1)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), other.state_dict().values()))
    assert checkpointing.load_train_state(ckpt)["epoch"] == 1
    with pytest.raises(DistillDecideError, match="model.safetensors"):  # a model of another shape
        checkpointing.load_epoch(tiny_bert(3, 100, layers=1, hidden=16), tmp_path, "student", 1)


KEY = {"teacher": "abc", "data": "def", "max_len": 24, "rows": 6}


def test_a_crafted_logit_cache_entry_is_a_miss(tmp_path):
    from engine.distill import logits

    marker = tmp_path / "pwned"
    craft(logits.entry_path(tmp_path, KEY), marker)
    assert logits.load(tmp_path, KEY, 6) is None
    (tmp_path / f"{logits.cache_key(KEY)}.pt").write_bytes(logits.entry_path(tmp_path, KEY).read_bytes())
    assert logits.load(tmp_path, KEY, 6) is None  # an old-format .pt entry is never read either
    assert not marker.exists()
    logits.save(tmp_path, KEY, torch.arange(12, dtype=torch.float32).reshape(6, 2))
    assert logits.load(tmp_path, KEY, 6).tolist()[5] == [10.0, 11.0]
    assert logits.load(tmp_path, {**KEY, "teacher": "other"}, 6) is None


def test_a_crafted_shard_is_refused_by_the_merge(tmp_path):
    from safetensors.torch import save_file

    from engine.distill import logits

    marker = tmp_path / "pwned"
    craft(logits.shard_path(tmp_path, KEY, 1, 2), marker)
    first = {"positions": torch.arange(3), "logits": torch.zeros(3, 2)}
    save_file(first, str(logits.shard_path(tmp_path, KEY, 0, 2)), metadata={"key_parts": json.dumps(KEY)})
    with pytest.raises(DistillDecideError, match=r"shard 1.*0001-of-0002.safetensors is not a teacher-logit shard"):
        logits.merge(tmp_path, KEY, 6, 2)
    assert not marker.exists() and logits.load(tmp_path, KEY, 6) is None
    # a well-formed shard with the wrong number of rows is named, not a traceback
    second = {"positions": torch.arange(3, 6), "logits": torch.zeros(2, 2)}
    save_file(second, str(logits.shard_path(tmp_path, KEY, 1, 2)), metadata={"key_parts": json.dumps(KEY)})
    with pytest.raises(DistillDecideError, match=r"shape \(2, 2\) for 3 rows"):
        logits.merge(tmp_path, KEY, 6, 2)


# -- path traversal: run ids and uploaded file names never leave their folders ---------------------------------

BAD_IDS = ["../../../escape_run", "..", "a/b", "", ".hidden", "a..b", "x" * 101, "/tmp/abs", "a\\b", "run id", "-x"]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bad_run_ids_are_refused(bad, tmp_path, monkeypatch):
    from engine.runs import rundir

    monkeypatch.setenv("DISTILL_DECIDE_RUNS", str(tmp_path / "runs"))
    with pytest.raises(DistillDecideError, match="--run-id.*not a valid run id.*Fix: use 1–100 letters"):
        rundir.run_path(bad)


def test_good_run_ids_and_a_symlink_out_of_the_runs_folder(tmp_path, monkeypatch):
    from engine.runs import rundir

    monkeypatch.setenv("DISTILL_DECIDE_RUNS", str(tmp_path / "runs"))
    for good in ("ui-20250101-120000-0042", "tiny-a", "a.b_c-1", "x" * 100):
        assert rundir.run_path(good) == tmp_path / "runs" / good
    (tmp_path / "runs").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "runs" / "link").symlink_to(tmp_path / "outside")
    with pytest.raises(DistillDecideError, match="resolves outside the runs folder"):
        rundir.run_path("link")
    with pytest.raises(DistillDecideError, match="--run: 'link' resolves outside"):
        rundir.resolve_run("link")
    # a bare word is an id inside the runs folder, never a folder of the working directory
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DistillDecideError, match="'outside' is not a run directory"):
        rundir.resolve_run("outside")
    assert rundir.resolve_run("./outside").resolve() == tmp_path / "outside"  # a path the user typed stays a path


def test_train_with_an_escaping_run_id_creates_nothing(tmp_path):
    import subprocess

    from tests.conftest import ROOT

    runs = tmp_path / "a" / "b" / "runs"
    env = {**os.environ, "DISTILL_DECIDE_RUNS": str(runs), "DISTILL_DECIDE_DB": str(tmp_path / "db")}
    r = subprocess.run(
        [sys.executable, "-m", "engine", "train", "--run-id", "../../../escape_run", "--device", "cpu"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr[-2000:]
    assert r.stderr.startswith("error: --run-id: '../../../escape_run' is not a valid run id. Fix:")
    assert not (runs / "../../../escape_run").resolve().exists() and not runs.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["logits", "--run", "a..b", "--shard", "0"],
        ["export", "--run", "bad id"],
        ["bench-latency", "--run", "a..b"],
        ["runs", "import", "a..b"],
        ["runs", "show", "bad id"],
        ["train", "--run-id", "bad id", "--resume"],
        ["train", "--teacher-run", "a..b"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_every_command_checks_run_ids(argv, tmp_path, monkeypatch, capsys):
    from engine.cli import main

    monkeypatch.setenv("DISTILL_DECIDE_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("DISTILL_DECIDE_DB", str(tmp_path / "db"))
    assert main.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "is not a valid run id" in err and "--" in err.split(":")[1]
    assert not (tmp_path / "runs").exists()


def test_launcher_checks_run_ids(tmp_path, monkeypatch):
    from engine.runs import launcher

    monkeypatch.setenv("DISTILL_DECIDE_RUNS", str(tmp_path / "runs"))
    with pytest.raises(DistillDecideError, match="teacher run: '../x' is not a valid run id"):
        launcher.start(teacher_run="../x")
    with pytest.raises(DistillDecideError, match="not a valid run id"):  # checked before any signal is sent
        launcher.cancel("../../x", 2**22 + 12345)
    with pytest.raises(DistillDecideError, match="pid"):
        launcher.cancel("some-run", 0)  # never killpg(0): that is the caller's own process group
    with pytest.raises(DistillDecideError, match="not a valid run id"):
        launcher.log_tail("../process")


def test_a_copied_run_cannot_point_its_teacher_outside_the_runs_folder(tmp_path, monkeypatch):
    from engine.distill import trainer

    monkeypatch.setenv("DISTILL_DECIDE_RUNS", str(tmp_path / "runs"))
    run = tmp_path / "runs" / "copied"
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"labels": ["a", "b"], "teacher_run": "../../elsewhere"}))
    with pytest.raises(DistillDecideError, match="teacher_run in copied/config.json: '../../elsewhere' is not a valid"):
        trainer.load_run_teacher(run, lambda kind, k: None)


def test_uploads_are_stored_under_a_generated_name(tmp_path):
    from engine.runs import launcher

    root = tmp_path / "data" / "uploads"
    data = b"text,label\nwhere is my order,order_tracking\n"
    dest = launcher.store_upload("../../../evil.csv", data, root=root)
    assert dest.parent == root and dest.read_bytes() == data
    assert len(dest.stem) == 32 and int(dest.stem, 16) >= 0 and dest.suffix == ".csv"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [dest.name]  # nothing else written
    assert launcher.store_upload("Intents.PARQUET", b"PAR1...", root=root).suffix == ".parquet"
    assert launcher.store_upload("a.csv", data, root=root) != dest  # a fresh name every time
    for name, payload, problem in [
        ("../app.py", data, "not a CSV or parquet"),
        ("x.csv/..", data, "not a CSV or parquet"),
        ("empty.csv", b"  \n", "is empty"),
        ("big.csv", b"x" * 101, "over the 0 MB limit"),
    ]:
        with pytest.raises(DistillDecideError, match=problem):
            launcher.store_upload(name, payload, root=root, max_bytes=100)
    assert len(list(root.iterdir())) == 3


@pytest.mark.parametrize(
    "files, match",
    [
        ({"config.json": "{not json"}, "config.json: is not valid JSON"),
        ({"config.json": "[1, 2]"}, "config.json: is not a JSON object"),
        ({"config.json": '{"labels": ["a", "b"]}'}, "config.json: has no teacher, student_layers, max_len"),
        ({"summary.json": "{}"}, "summary.json: has no chosen_student_epoch"),
    ],
)
def test_a_copied_runs_malformed_files_are_named_not_a_traceback(tmp_path, files, match):
    pytest.importorskip("onnxruntime")
    from engine.serving import pipeline

    run = tmp_path / "copied"
    run.mkdir()
    config = {"labels": ["a", "b"], "teacher": "default", "student_layers": 1, "max_len": 8}
    (run / "config.json").write_text(json.dumps(config))
    (run / "summary.json").write_text(json.dumps({"chosen_student_epoch": 1, "chosen_teacher_epoch": 1}))
    (run / "DONE").write_text("x\n")
    for name, text in files.items():
        (run / name).write_text(text)
    with pytest.raises(DistillDecideError, match=match):
        pipeline.export_run(run)
    (run / "latency.json").write_text('{"teacher": {}}')
    with pytest.raises(DistillDecideError, match="latency.json: has no student"):
        pipeline.price_run(run, requests_per_month=1e6, instance_usd_per_hour=0.1)
