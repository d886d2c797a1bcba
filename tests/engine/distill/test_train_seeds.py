"""`python -m engine train --seeds N` end to end on the tiny model: N runs, each DONE with its own seed, and the
mean ± std it prints equal to those computed by hand from the runs' summary.json."""

import json
import statistics

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from engine.cli.main import main
from engine.distill import trainer
from engine.runs import rundir
from tests.engine.distill.test_byo_training import train_test_only
from tests.engine.distill.test_trainer import logits_cache, tiny_factory

TINY = ["--device", "cpu", "--threads", "1", "--epochs", "1", "--max-len", "24", "--batch-size", "16"]
TINY += ["--lr", "2e-3", "--student-lr", "2e-3", "--student", "1"]


@pytest.fixture()
def tiny_cli(env, monkeypatch):
    """`train` in-process with the tiny model factory (the CLI's own path otherwise), on a small train/test CSV."""
    real, factory = trainer.run, tiny_factory()
    monkeypatch.setattr(trainer, "run", lambda cfg, **kw: real(cfg, **kw, model_factory=factory))
    data = env / "tt.csv"
    train_test_only(200, 60).to_csv(data, index=False)
    return ["train", *TINY, "--data", str(data), "--logits-cache", logits_cache()]


def _summaries(run_ids):
    return [json.loads((rundir.run_path(r) / "summary.json").read_text()) for r in run_ids]


def by_hand(values):
    return statistics.mean(values), statistics.stdev(values)  # the sample std (n − 1), as the CLI says


def test_two_seeds_give_two_done_runs_and_their_mean_and_std(tiny_cli, capsys):
    assert main([*tiny_cli, "--mode", "finetune", "--seed", "7", "--seeds", "2", "--run-id", "sd", "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert table["runs"] == ["sd-s7", "sd-s8"]
    for run_id, seed in zip(table["runs"], (7, 8), strict=True):
        d = rundir.run_path(run_id)
        assert rundir.run_state(d) == "done" and (d / "DONE").exists()
        assert json.loads((d / "config.json").read_text())["seed"] == seed
    summaries = _summaries(table["runs"])
    assert set(table["models"]) == {"teacher", "student"}  # a finetune run trains no separate baseline
    for model in ("teacher", "student"):
        for metric in ("accuracy", "error_usd_per_request", "macro_f1"):
            mean, std = by_hand([s[model][metric] for s in summaries])
            assert table["models"][model][metric] == {"mean": pytest.approx(mean), "std": pytest.approx(std)}
    assert table["kd_vs_finetune"] == {}
    spread = [v["std"] for m in table["models"].values() for v in m.values() if v["std"] is not None]
    assert any(x > 0 for x in spread)  # the runs differ, so the std checked above is not 0 = 0
    # the seed reached training: the two runs carved different validation rows and kept different weights
    preds = [(rundir.run_path(r) / "predictions.parquet").read_bytes() for r in table["runs"]]
    assert preds[0] != preds[1]


def test_three_kd_seeds_print_mean_and_std_with_the_finetune_baseline(tiny_cli, capsys):
    assert main([*tiny_cli, "--mode", "kd-cached", "--seeds", "3", "--run-id", "kd3"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    runs = ["kd3-s0", "kd3-s1", "kd3-s2"]
    assert out[0] == f"3 runs: {', '.join(runs)} (mean ± std over seeds)"
    summaries = _summaries(runs)
    assert [json.loads((rundir.run_path(r) / "config.json").read_text())["seed"] for r in runs] == [0, 1, 2]
    for model, name in (("teacher", "teacher"), ("student", "student (KD)"), ("baseline", "FT-only")):
        acc = by_hand([s[model]["accuracy"] for s in summaries])
        usd = by_hand([s[model]["error_usd_per_request"] for s in summaries])
        line = f"  {name}: accuracy {acc[0]:.3f} ± {acc[1]:.3f}, error $/request {usd[0]:.4f} ± {usd[1]:.4f}"
        assert line in out
    sign = lambda x: ("−" if x < 0 else "+") + f"{abs(x):,.2f}"
    acc = by_hand([s["kd_vs_finetune"]["accuracy"]["diff"] for s in summaries])
    assert f"  KD − FT-only accuracy: {sign(100 * acc[0])} ± {100 * acc[1]:.2f} points" in out
    usd = by_hand([s["kd_vs_finetune"]["error_usd_per_month"]["diff"] for s in summaries])
    assert f"  KD − FT-only error $/month: {sign(usd[0]).replace('−', '−$').replace('+', '+$')} ± ${usd[1]:,.2f}" in out
    assert not [line for line in out if "_" in line]  # words, not the JSON's field names


def test_seeds_past_the_last_seed_are_refused_before_any_run_trains(tiny_cli, capsys, env):
    from engine.distill.config import MAX_SEED

    assert main([*tiny_cli, "--seed", str(MAX_SEED - 1), "--seeds", "3", "--run-id", "late"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: --seeds: 3 from --seed {MAX_SEED - 1} reach {MAX_SEED + 1:,}. Fix: end at {MAX_SEED:,}"]
    assert not (env / "runs").exists() or not list((env / "runs").iterdir())


def test_a_metric_no_run_measured_reads_not_measured():
    from engine.cli import train_report

    runs = [{"run_id": f"r-s{i}", "student": {"accuracy": 0.5 + i / 10}, "teacher": {"accuracy": 0.9}} for i in (0, 1)]
    lines = train_report.seed_lines(train_report.over_seeds(runs))
    assert "  student (KD): accuracy 0.550 ± 0.071, error $/request not measured" in lines
