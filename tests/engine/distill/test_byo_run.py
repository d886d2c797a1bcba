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


def test_a_scenario_lacking_some_of_the_datas_labels_is_refused_before_training(env):
    """The help-desk sample's scenario prices 20 Reelio intents, none of MangaAssist's: training generated MangaAssist
    rows with it would price every error as NaN, so the start is refused naming --scenario and the labels."""
    from engine.errors import DistillDecideError
    from tests.conftest import ROOT

    p = env / "tt.csv"
    train_test_only(120, 40).to_csv(p, index=False)
    scenario = ROOT / "data" / "samples" / "support_scenario.json"
    cfg = trainer.TrainConfig(
        data=str(p), device="cpu", threads=1, mode="finetune", epochs=1, run_id="byo-bad-scenario",
        scenario=str(scenario), logits_cache=logits_cache(),
    )  # fmt: skip
    with pytest.raises(DistillDecideError) as caught:
        trainer.run(cfg, model_factory=tiny_factory(), ingest=False)
    assert caught.value.field == "--scenario"
    assert "lacks 10 label(s) of the training data: 'account_security', 'checkout_help'" in str(caught.value)
    assert not (env / "runs" / "byo-bad-scenario").exists() and not any((env / "runs").glob("byo-bad-scenario*"))


def test_a_fine_tune_runs_student_is_not_called_kd_in_the_printout():
    from engine.cli import train_report

    cal = {"temperature": 0.5, "n_fit": 60, "ece_before": 0.3, "ece_after": 0.1}
    lines = train_report.summary_lines({"mode": "finetune", "calibration": {"student": cal}})
    assert lines == ["  student (fine-tuned): temperature 0.500 fitted on 60 validation rows; test ECE 0.3000 → 0.1000"]
    kd = train_report.summary_lines({"mode": "kd-cached", "calibration": {"student": cal}})
    assert kd[0].startswith("  student (KD): temperature 0.500")
