"""Exported ONNX models carry the run's fitted temperature: served probabilities are the calibrated ones.

The graph's ``logits`` output is the raw logits divided by T (argmax unchanged), T is in the file's metadata and
in export.json; a run with no temperature recorded exports T = 1. One dynamo export of the tiny model takes
5–15 s on 2 CPU cores, so the tests that export a whole run (two models) are marked slow.
"""

import json
import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")

from engine.errors import DistillDecideError  # noqa: E402
from engine.serving import onnx_export, pipeline  # noqa: E402
from tests.engine.distill.tiny import tiny_bert  # noqa: E402


def softmax(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _batch(rows=((101, 2023, 2003, 1037, 102), (101, 7592, 102, 0, 0))):
    ids = torch.tensor(rows)
    return {"input_ids": ids, "attention_mask": (ids != 0).long()}


def test_onnx_probabilities_are_softmax_of_torch_logits_over_t(tmp_path):
    model = tiny_bert(5, 30_522, layers=2, hidden=32, seed=3).eval()
    b = _batch()
    with torch.no_grad():
        raw = model(**b).logits.numpy()
    path = onnx_export.export(model, tmp_path / "m.onnx", temperature=2.5)
    sess = onnx_export.session(path)
    got = onnx_export.run_session(sess, b)
    assert onnx_export.temperature_of(sess) == 2.5
    assert np.abs(softmax(got) - softmax(raw / 2.5)).max() <= 1e-5
    assert not np.allclose(softmax(got), softmax(raw), atol=1e-3)  # T = 2.5 visibly softens them
    assert (got.argmax(1) == raw.argmax(1)).all()
    par = onnx_export.parity(model, sess, [b], temperature=2.5)
    assert par["max_abs_logit_diff"] <= 1e-4 and par["top1_agreement"] == 1.0
    q = onnx_export.quantize_int8(path, tmp_path / "m.int8.onnx")
    assert onnx_export.temperature_of(onnx_export.session(q)) == 2.5  # INT8 keeps T in its metadata too
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(DistillDecideError, match="temperature"):
            onnx_export.export(model, tmp_path / "bad.onnx", temperature=bad)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    from engine.distill import trainer
    from tests.engine.distill.test_trainer import cfg, tiny_factory

    root = tmp_path_factory.mktemp("onnx-t")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DISTILL_DECIDE_RUNS", str(root / "runs"))
        mp.setenv("DISTILL_DECIDE_DB", str(root / "db.duckdb"))
        factory = tiny_factory()
        yield trainer.run(cfg("tiny-onnx-t", epochs=1), model_factory=factory, ingest=False), factory


def _onnx_probs(run_dir, model_name, factory):
    """softmax of the exported model's output on the run's test requests, in predictions.parquet's order."""
    teacher, student, tok, labels, cfg = pipeline.load_run_models(run_dir, factory)
    preds, ids = pipeline._requests(run_dir, tok, cfg["max_len"])
    sess = onnx_export.session(run_dir / "onnx" / f"{model_name}.onnx")
    logits = np.concatenate(
        [onnx_export.run_session(sess, pipeline._batch(ids, [i])) for i in range(len(ids))]
    )  # one request at a time: no padding, as predictions.parquet was computed per bucket
    model = {"teacher": teacher, "student": student}[model_name]
    with torch.no_grad():
        raw = np.concatenate([model(**pipeline._batch(ids, [i])).logits.numpy() for i in range(len(ids))])
    return preds, labels, softmax(logits), raw


@pytest.mark.slow
def test_a_runs_export_serves_its_calibrated_probabilities(tiny_run):
    run_dir, factory = tiny_run
    summary = json.loads((run_dir / "summary.json").read_text())
    out = pipeline.export_run(run_dir, model_factory=factory)
    assert json.loads((run_dir / "export.json").read_text()) == out
    for name in ("teacher", "student"):
        t = summary["calibration"][name]["temperature"]
        assert out[name]["temperature"] == t and t != 1.0
        assert out[name]["temperature_source"] == f"fitted on validation ({summary['calibration'][name]['n_fit']} rows)"
        assert onnx_export.temperature_of(onnx_export.session(run_dir / out[name]["onnx"])) == t
        preds, labels, p_onnx, raw = _onnx_probs(run_dir, name, factory)
        assert np.abs(p_onnx - softmax(raw / t)).max() <= 1e-5
        # the probabilities the run stored (and every gate, ECE and cascade read) are the ones ONNX now serves
        stored = preds[[f"p_{name}_{c}" for c in labels]].to_numpy()
        assert np.abs(p_onnx - stored).max() <= 1e-4
        assert (p_onnx.argmax(1) == raw.argmax(1)).all()


@pytest.mark.slow
def test_a_run_without_calibration_exports_t_1(tiny_run, tmp_path):
    run_dir, factory = tiny_run
    old = run_dir.parent / "tiny-onnx-t-old"
    shutil.copytree(run_dir, old, ignore=shutil.ignore_patterns("onnx", "export.json"))
    s = json.loads((old / "summary.json").read_text())
    s.pop("calibration")  # a run trained before temperatures were fitted
    (old / "summary.json").write_text(json.dumps(s))
    out = pipeline.export_run(old, model_factory=factory)
    for name in ("teacher", "student"):
        assert out[name]["temperature"] == 1.0 and "none recorded" in out[name]["temperature_source"]
        assert onnx_export.temperature_of(onnx_export.session(old / out[name]["onnx"])) == 1.0
        _, _, p_onnx, raw = _onnx_probs(old, name, factory)
        assert np.abs(p_onnx - softmax(raw)).max() <= 1e-5


def _summary_only_run(root, name, calibration):
    d = root / name
    d.mkdir()
    summary = {"run_id": name} | ({"calibration": calibration} if calibration is not None else {})
    (d / "summary.json").write_text(json.dumps(summary))
    return d


def test_the_temperatures_a_run_exports_come_from_its_calibration(tmp_path):
    fitted = {"temperature": 1.7, "ece_before": 0.2, "ece_after": 0.05, "n_fit": 300, "fitted_on": "validation"}
    d = _summary_only_run(tmp_path, "r-cal", {"teacher": fitted, "student": {**fitted, "temperature": 0.8}})
    assert pipeline.run_temperatures(d) == {
        "teacher": {"temperature": 1.7, "source": "fitted on validation (300 rows)"},
        "student": {"temperature": 0.8, "source": "fitted on validation (300 rows)"},
    }
    old = pipeline.run_temperatures(_summary_only_run(tmp_path, "r-old", None))  # trained before T was fitted
    assert {m: v["temperature"] for m, v in old.items()} == {"teacher": 1.0, "student": 1.0}
    assert "none recorded" in old["student"]["source"]
    for bad in (-2, 0, "1.5", None, True):
        d = _summary_only_run(tmp_path, f"r-bad-{bad}", {"teacher": fitted, "student": {"temperature": bad}})
        with pytest.raises(DistillDecideError, match="summary.json calibration.student"):
            pipeline.run_temperatures(d)
