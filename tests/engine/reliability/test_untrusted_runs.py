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
    (run / "config.json").write_text(json.dumps({"labels": labels, "teacher": "default", "student_layers": 1}))
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
    from engine.distill import checkpointing, models

    marker = tmp_path / "pwned"
    ckpt = tmp_path / "checkpoints" / "student-epoch1"
    model = models.tiny_bert(2, 100, layers=1, hidden=16)
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
    other = models.tiny_bert(2, 100, layers=1, hidden=16, seed=5)
    checkpointing.load_epoch(other, tmp_path, "student", 1)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), other.state_dict().values()))
    assert checkpointing.load_train_state(ckpt)["epoch"] == 1
    with pytest.raises(DistillDecideError, match="model.safetensors"):  # a model of another shape
        checkpointing.load_epoch(models.tiny_bert(3, 100, layers=1, hidden=16), tmp_path, "student", 1)


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
