"""A train/test-only CSV trains to DONE on a tiny model, with the val split carved and the defaults said."""

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from engine.data import byo
from engine.distill import trainer
from tests.engine.distill.test_byo_training import train_test_only
from tests.engine.distill.test_trainer import logits_cache, tiny_factory


def test_train_test_only_csv_trains_to_done(env):
    p = env / "tt.csv"
    train_test_only(240, 80).to_csv(p, index=False)
    cfg = trainer.TrainConfig(
        data=str(p), device="cpu", threads=1, mode="finetune", epochs=2, run_id="byo-tt", logits_cache=logits_cache()
    )  # max length and learning rates left to the data and the model
    run_dir = trainer.run(cfg, model_factory=tiny_factory(), ingest=False)
    assert (run_dir / "DONE").exists()
    config = json.loads((run_dir / "config.json").read_text())
    loaded = byo.load(p)
    n_val = int((loaded.split == "val").sum())
    assert config["n"] == {"train": 240 - n_val, "val": n_val, "test": 80} and n_val >= 10
    chosen = config["chosen"]
    assert chosen["max_len"].startswith(f"max_len {config['max_len']} = p99 of token lengths")
    assert chosen["lr"].startswith("0.001 for") and chosen["student_lr"].startswith("0.001 for")  # tiny: clipped
    assert any("val split carved from train" in n for n in chosen["data"])
    summary = json.loads((run_dir / "summary.json").read_text())
    assert isinstance(summary["warnings"], list) and summary["student"]["accuracy"] >= 0


def test_a_teacher_that_cannot_learn_is_reported_below_its_student(env):
    # teacher lr ~0 (it stays at its random start), student lr 2e-3: the fine-tune-only student beats it
    from tests.engine.distill.test_trainer import cfg

    c = cfg("weak-teacher", mode="finetune", epochs=2, lr=1e-12, early_stopping=False)
    run_dir = trainer.run(c, model_factory=tiny_factory(), ingest=False)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["teacher"]["accuracy"] < summary["student"]["accuracy"]
    (warning,) = summary["warnings"]
    assert "ends below its own fine-tune-only student" in warning and "Likely cause:" in warning
