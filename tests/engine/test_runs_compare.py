"""Two students on the same requests: paired differences with intervals, and `runs compare A B` (hand-checked)."""

import json

import pandas as pd
import pytest

from engine.decision import scenario
from engine.runs import compare

# a → b 2 harm units, a → c 4; b → anything 1; c is critical ($10 a misroute); $0.5 a harm unit; 1,000 requests
A = scenario.Assumptions.from_dict(
    {
        "intents": ["a", "b", "c"],
        "teacher": {"usd_per_request": 0.004},
        "student": {"usd_per_request": 0.001},
        "harm_matrix": {"a": {"b": 2, "c": 4}, "b": {"a": 1, "c": 1}, "c": {"a": 3, "b": 3}},
        "critical_intents": ["c"],
        "usd_per_harm_unit": 0.5,
        "usd_per_critical_event": 10.0,
        "requests_per_month": 1000,
    }
)
TRUE = ["a", "a", "a", "a", "b", "b", "b", "c", "c", "c"]
B_PRED = ["a", "a", "a", "c", "b", "b", "b", "a", "c", "c"]  # one a → c (4 harm units), one c → a (critical)


def test_paired_difference_by_hand():
    rows = pd.DataFrame({"true": TRUE, "x": TRUE, "y": B_PRED})
    out = compare.paired(rows, "x", "y", A, B=1_000)
    assert out["n"] == {"requests": 10, "B": 1_000}
    # x is always right; y is wrong twice in 10
    assert out["accuracy"]["a"] == 1.0 and out["accuracy"]["b"] == pytest.approx(0.8)
    assert out["accuracy"]["diff"] == pytest.approx(0.2)
    # y: (4 × $0.5 + 1 × $10) / 10 requests = $1.20 a request → $1,200 a month; x: $0
    assert out["error_usd_per_month"]["b"] == pytest.approx(1_200.0)
    assert out["error_usd_per_month"]["diff"] == pytest.approx(-1_200.0)
    # one critical misroute in 10 requests → 100 a month
    assert out["critical_per_month"]["diff"] == pytest.approx(-100.0)
    for m in compare.METRICS:
        lo, hi = out[m]["ci95"]
        assert lo <= out[m]["diff"] <= hi
    lo, hi = out["accuracy"]["ci95"]
    assert lo >= 0 and hi <= 0.6  # A never loses a request; B can lose at most what was resampled
    text = "\n".join(compare.lines(out, "x", "y"))
    assert "difference +20.00 points" in text and "−$1,200" in text


def test_the_same_student_differs_by_zero():
    rows = pd.DataFrame({"true": TRUE, "x": B_PRED, "y": B_PRED})
    out = compare.paired(rows, "x", "y", A, B=200)
    assert all(out[m]["diff"] == 0 and out[m]["ci95"] == [0.0, 0.0] for m in compare.METRICS)


def _fake_run(root, run_id, preds, *, data_hash="h", finetune=None):
    d = root / run_id
    d.mkdir(parents=True)
    (d / "DONE").write_text("x\n")
    (d / "config.json").write_text(json.dumps({"labels": ["a", "b", "c"], "data_hash": data_hash}))
    rows = pd.DataFrame(
        {
            "request_id": [f"{run_id}-{i}" for i in range(len(TRUE))],
            "segment": "all",
            "true": TRUE,
            "teacher_pred": TRUE,
            "student_pred": preds,
        }
    )
    if finetune is not None:
        rows["finetune_pred"] = finetune
    rows.to_parquet(d / "predictions.parquet", index=False)


def test_runs_joined_on_the_data_row(env, tmp_path):
    root = tmp_path / "runs"
    _fake_run(root, "ra", TRUE, finetune=B_PRED)
    _fake_run(root, "rb", B_PRED)
    out = compare.runs("ra", "rb", A, B=500)
    assert out["runs"] == {"a": "ra", "b": "rb", "unmatched": 0}
    assert out["error_usd_per_month"]["diff"] == pytest.approx(-1_200.0)
    # RUN:finetune picks a run's fine-tune-only baseline: ra's baseline predicts exactly what rb's student does
    same = compare.runs("ra:finetune", "rb", A, B=200)
    assert same["runs"]["a"] == "ra:finetune" and same["accuracy"]["diff"] == 0
    _fake_run(root, "rc", TRUE, data_hash="other")
    with pytest.raises(Exception, match="other data"):
        compare.runs("ra", "rc", A)
    with pytest.raises(Exception, match="no finetune predictions"):
        compare.runs("rb:finetune", "ra", A)


def test_runs_compare_on_the_command_line(env, tmp_path, capsys):
    from engine.cli.main import main

    root = tmp_path / "runs"
    _fake_run(root, "ra", TRUE, finetune=B_PRED)
    _fake_run(root, "rb", B_PRED)
    assert main(["runs", "compare", "ra", "ra:finetune", "--bootstrap", "500"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ra − ra:finetune on 10 paired test requests")
    assert "accuracy: 100.00% vs 80.00%, difference +20.00 points" in out
    assert main(["runs", "compare", "ra", "rb", "--json", "--bootstrap", "200"]) == 0
    result = json.loads(capsys.readouterr().out)
    # priced under the seed scenario by default: the seed has no intents a, b, c, so they are the default label set
    assert result["accuracy"]["diff"] == pytest.approx(0.2) and result["runs"]["unmatched"] == 0
    assert main(["runs", "compare", "ra"]) == 2  # one run is not a comparison
