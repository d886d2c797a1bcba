"""launcher.start(scenario=…) writes the scenario into the run's folder and passes `--scenario FILE` to the trainer,
which takes the folder over and prices the run with it (tiny model)."""

import dataclasses
import json

import pytest

from engine.data import seed
from engine.decision import scenario
from engine.errors import DistillDecideError
from engine.runs import launcher, rundir


class FakeProc:
    pid = 4242


@pytest.fixture()
def launched(env, monkeypatch):
    """launcher.start with Popen replaced: the command line it would run."""
    seen: dict = {}

    def fake_popen(cmd, **kw):
        seen["cmd"] = cmd
        return FakeProc()

    monkeypatch.setattr(launcher.subprocess, "Popen", fake_popen)
    return seen


def _flag(cmd, flag):
    return cmd[cmd.index(flag) + 1]


def test_the_launched_command_carries_the_edited_scenario(launched):
    edited = dataclasses.replace(seed.load_assumptions(), usd_per_critical_event=2.5)
    run_id, _ = launcher.start(loss="cost-aware", scenario=edited)
    cmd = launched["cmd"]
    path = rundir.run_path(run_id) / "scenario.json"
    assert _flag(cmd, "--scenario") == str(path) and cmd[cmd.index("train") - 1] == "engine"
    assert json.loads(path.read_text())["usd_per_critical_event"] == 2.5
    assert scenario.load(path) == edited  # the file is the whole scenario, read back as the trainer reads it
    assert rundir.fresh_for_training(rundir.run_path(run_id))  # the trainer may still take the folder over
    launcher.start()  # no scenario: the trainer's default, and no file
    assert "--scenario" not in launched["cmd"]
    other = rundir.run_path(_flag(launched["cmd"], "--run-id"))
    assert not (other / "scenario.json").exists()


def test_a_scenario_that_is_not_one_is_refused_and_leaves_no_folder(launched, env):
    with pytest.raises(DistillDecideError, match="scenario: is a dict"):
        launcher.start(scenario={"usd_per_critical_event": 2.5})
    assert "cmd" not in launched and list((env / "runs").iterdir()) == []


def test_the_trainer_takes_over_a_folder_with_the_scenario_and_prices_with_it(launched, env):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from engine.distill import trainer
    from engine.runs import schema
    from tests.engine.distill.test_trainer import cfg, tiny_factory

    base = seed.load_assumptions()
    pricey = dataclasses.replace(base, usd_per_critical_event=40 * base.usd_per_critical_event)
    run_id, _ = launcher.start(mode="finetune", scenario=pricey)
    given = _flag(launched["cmd"], "--scenario")
    d = trainer.run(cfg(run_id, mode="finetune", epochs=1, scenario=given), model_factory=tiny_factory(), ingest=False)
    assert d == rundir.run_path(run_id) and (d / "DONE").exists()
    assert json.loads((d / "config.json").read_text())["scenario"] == given  # a resume prices with the same file
    schema.check_run_dir(d)  # a run folder holding scenario.json is a valid run
    # the test split's error $ is the scenario's: recomputed from the run's own predictions under it, not the seed's
    import pandas as pd

    from engine.distill import selection

    labels = json.loads((d / "config.json").read_text())["labels"]
    rows = pd.read_parquet(d / "predictions.parquet")
    y, pred = (rows[c].map(labels.index).to_numpy() for c in ("true", "student_pred"))
    seg = rows.segment.to_numpy()
    usd = json.loads((d / "summary.json").read_text())["student"]["error_usd_per_request"]
    assert usd == pytest.approx(selection.error_usd_per_request(y, pred, labels, pricey, seg), rel=1e-12)
    critical = rows.true.isin(base.critical_intents) & (rows.true != rows.student_pred)
    assert critical.any()  # a tiny 1-epoch student misroutes some critical requests, so the two prices differ
    assert usd > selection.error_usd_per_request(y, pred, labels, base, seg)
