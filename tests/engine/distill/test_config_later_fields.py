"""A run written before a setting existed resumes with the value it had then (no FT-only baseline)."""

import json
from dataclasses import asdict

import pytest

pytest.importorskip("torch")

from engine.distill import config
from engine.runs import rundir


def test_a_run_from_before_the_baseline_resumes_without_one(env):
    old = asdict(config.TrainConfig(run_id="old-run"))
    del old["baseline"]
    d = rundir.run_path("old-run")
    d.mkdir(parents=True)
    (d / "config.json").write_text(json.dumps(old))
    cfg = config.resume_config("old-run")
    assert cfg.baseline is False and not cfg.trains_baseline
    assert config.TrainConfig().trains_baseline  # a new KD run trains its fine-tune-only control
    assert not config.TrainConfig(mode="finetune").trains_baseline  # a finetune run's student is that control
