"""What `train` prints beside a KD run, and `train --seeds N`'s mean ± std (hand-made summaries)."""

import pytest

from engine.cli import train_report


def _summary(run_id, kd_acc, ft_acc, diff_usd):
    model = lambda acc: {"accuracy": acc, "macro_f1": acc, "error_usd_per_request": 1 - acc, "critical_rate": 0.1}
    return {
        "run_id": run_id,
        "teacher": model(0.9),
        "student": model(kd_acc),
        "baseline": model(ft_acc),
        "kd_vs_finetune": {
            "n": {"requests": 100, "B": 200},
            "accuracy": {"a": kd_acc, "b": ft_acc, "diff": kd_acc - ft_acc, "ci95": [-0.01, 0.03]},
            "error_usd_per_month": {"a": 10.0, "b": 10.0 - diff_usd, "diff": diff_usd, "ci95": [-5.0, 1.0]},
            "critical_per_month": {"a": 1.0, "b": 1.0, "diff": 0.0, "ci95": [0.0, 0.0]},
        },
        "calibration": {"teacher": {"temperature": 2.0, "n_fit": 300, "ece_before": 0.2, "ece_after": 0.05}},
    }


def test_mean_and_std_over_seeds():
    table = train_report.over_seeds([_summary("r-s0", 0.80, 0.78, -4.0), _summary("r-s1", 0.84, 0.80, -2.0)])
    assert table["runs"] == ["r-s0", "r-s1"]
    acc = table["models"]["student"]["accuracy"]
    assert acc["mean"] == pytest.approx(0.82) and acc["std"] == pytest.approx(0.04 / 2**0.5)  # ddof 1
    assert table["kd_vs_finetune"]["accuracy"]["mean"] == pytest.approx(0.03)
    assert table["kd_vs_finetune"]["error_usd_per_month"] == pytest.approx({"mean": -3.0, "std": 2**0.5})
    assert "student (KD): accuracy 0.820 ± 0.028" in "\n".join(train_report.seed_lines(table))


def test_summary_lines_name_the_baseline_the_difference_and_each_temperature():
    text = "\n".join(train_report.summary_lines(_summary("r", 0.80, 0.78, -4.0)))
    assert "FT-only baseline (same initial weights, CE only): accuracy 0.780" in text
    assert "KD student − FT-only on 100 paired test requests" in text
    assert "difference +2.00 points [−1.00 points, +3.00 points]" in text
    assert "teacher: temperature 2.000 fitted on 300 validation rows; test ECE 0.2000 → 0.0500" in text


def test_train_flags_reach_the_config():
    pytest.importorskip("torch")
    from engine.cli import distill
    from engine.cli.main import build_parser

    args = build_parser().parse_args(["train", "--loss", "cost-aware", "--no-baseline", "--run-id", "x1"])
    cfg = distill._train_config(args)
    assert cfg.loss == "cost-aware" and cfg.baseline is False and cfg.run_id == "x1"
    default = distill._train_config(build_parser().parse_args(["train"]))
    assert default.loss == "kd" and default.trains_baseline
