"""A run's serving path: export both models to ONNX (parity-checked, each with its fitted temperature in the
graph), INT8, latency and throughput, price.

Runs as its own process (`python -m engine export|bench-latency|price`); results are
written into the run directory (export.json, latency.json, latency.parquet) and the
per-request latencies are ingested by the store.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from engine.decision import capacity
from engine.distill import models, trainer
from engine.errors import require
from engine.runs import rundir
from engine.serving import latency, onnx_export


def load_run_models(run_dir: Path, model_factory=None):
    """(teacher, student, tokenizer, labels, config) of a finished run, at their chosen epochs."""
    require(rundir.is_done(run_dir), "run", f"{run_dir.name} is not finished (no DONE)", "pick a completed run")
    fix = "re-train the run with this version, or copy the whole run directory again"
    cfg = rundir.read_run_json(run_dir, "config.json", fix, keys=("labels", "teacher", "student_layers", "max_len"))
    summary = rundir.read_run_json(run_dir, "summary.json", fix, keys=("chosen_student_epoch",))
    labels = cfg["labels"]
    make = model_factory or (lambda kind, k: models.load_classifier(cfg["teacher"], k))
    tok = models.load_tokenizer(cfg["teacher"]) if model_factory is None else model_factory("tokenizer", 0)
    teacher, _ = trainer.load_run_teacher(run_dir, make)
    student = models.make_student(make("student", len(labels)), cfg["student_layers"], cfg.get("student_width", 0))
    trainer.load_epoch(student, run_dir, "student", summary["chosen_student_epoch"])
    return teacher.eval(), student.eval(), tok, labels, cfg


def _requests(run_dir: Path, tok, max_len: int, n: int | None = None):
    preds = pd.read_parquet(run_dir / "predictions.parquet")
    require("text" in preds.columns, "run", "predictions have no text column", "re-run training with this version")
    texts = preds.text.tolist()
    if n:
        texts = (texts * (n // max(len(texts), 1) + 1))[:n]
    ids = tok(texts, truncation=True, max_length=max_len)["input_ids"]
    return preds, ids


def _batch(ids, rows):
    return trainer.collate(ids, np.asarray(rows), 0)


def run_temperatures(run_dir: Path) -> dict[str, dict]:
    """Each model's temperature from summary.json's ``calibration`` (fitted on validation), and where it came
    from; a run trained before temperatures were fitted exports T = 1 (its probabilities as they were)."""
    summary = rundir.read_run_json(run_dir, "summary.json", "re-train the run with this version")
    cal = summary.get("calibration")
    out = {}
    for name in ("teacher", "student"):
        fit = cal.get(name) if isinstance(cal, dict) else None
        if isinstance(fit, dict) and "temperature" in fit:
            t = onnx_export.check_temperature(fit["temperature"], f"{run_dir.name}/summary.json calibration.{name}")
            n = fit.get("n_fit")
            rows = f" ({n:,} rows)" if isinstance(n, int) else ""
            out[name] = {"temperature": t, "source": f"fitted on {fit.get('fitted_on', 'validation')}{rows}"}
        else:
            out[name] = {"temperature": 1.0, "source": "none recorded in summary.json: 1 (uncalibrated)"}
    return out


def export_run(run_dir: Path, *, int8: bool = False, model_factory=None) -> dict:
    """Both models to ONNX with their fitted temperature in the graph (softmax of the ``logits`` output is the
    calibrated probability), parity-checked against torch's logits / T; export.json records each T."""
    teacher, student, tok, labels, cfg = load_run_models(run_dir, model_factory)
    temps = run_temperatures(run_dir)
    preds, ids = _requests(run_dir, tok, cfg["max_len"])
    batches = [_batch(ids, range(i, min(i + 64, len(ids)))) for i in range(0, len(ids), 64)]
    out = {}
    y = preds["true"].map({v: i for i, v in enumerate(labels)}).to_numpy()
    for name, model in (("teacher", teacher), ("student", student)):
        t = temps[name]["temperature"]
        path = onnx_export.export(model, run_dir / "onnx" / f"{name}.onnx", temperature=t)
        sess = onnx_export.session(path)
        par = onnx_export.parity(model, sess, batches, temperature=t)
        onnx_export.check_parity(par)
        out[name] = {
            "onnx": str(path.relative_to(run_dir)),
            "parity": par,
            "temperature": t,
            "temperature_source": temps[name]["source"],
            "logits": onnx_export.LOGITS_NOTE,
        }
        if int8:
            q = onnx_export.quantize_int8(path, run_dir / "onnx" / f"{name}.int8.onnx")
            qs = onnx_export.session(q)
            fp = np.concatenate([onnx_export.run_session(sess, b) for b in batches]).argmax(1)
            i8 = np.concatenate([onnx_export.run_session(qs, b) for b in batches]).argmax(1)
            out[name]["int8"] = {
                "onnx": str(q.relative_to(run_dir)),
                "accuracy_fp32": float(np.mean(fp == y)),
                "accuracy_int8": float(np.mean(i8 == y)),
                "accuracy_delta_points": float(100 * (np.mean(i8 == y) - np.mean(fp == y))),
                "agreement_with_fp32": float(np.mean(fp == i8)),
            }
    rundir.write_json(run_dir / "export.json", out)
    return out


def bench_latency(run_dir: Path, *, threads: int = 1, requests: int = 1000, model_factory=None) -> dict:
    """Batch-1 latency over real requests (warm-up excluded) and throughput at batch 1/8/32, per model and runtime."""
    require(threads >= 1, "threads", f"{threads}", "use at least 1 thread")
    require(requests >= 10, "requests", f"{requests}", "measure at least 10 requests (1,000 by default)")
    teacher, student, tok, labels, cfg = load_run_models(run_dir, model_factory)
    exported = rundir.read_run_json(
        run_dir, "export.json", "run `python -m engine export --run RUN` first", keys=("teacher", "student")
    )
    _, ids = _requests(run_dir, tok, cfg["max_len"], requests)
    result, per_request = measure(
        {"teacher": teacher, "student": student},
        ids,
        threads=threads,
        onnx={
            m: {
                k: run_dir / v["onnx"]
                for k, v in (("onnx_fp32", exported[m]), ("onnx_int8", exported[m].get("int8")))
                if v
            }
            for m in ("teacher", "student")
        },
    )
    rundir.write_json(run_dir / "latency.json", result)
    pd.DataFrame(per_request).to_parquet(run_dir / "latency.parquet", index=False)
    try:
        from engine import store

        store.ingest_latency(run_dir)
    except ImportError:
        pass
    return result


def measure(models_by_name: dict, ids, *, threads: int, onnx: dict) -> tuple[dict, dict]:
    """Latency statistics and throughput for torch eager and every ONNX file given, per model."""
    torch.set_num_threads(threads)
    singles = [_batch(ids, [i]) for i in range(len(ids))]
    result: dict = {"threads": threads}
    per_request: dict = {}
    for name, model in models_by_name.items():
        runners = {"torch": lambda b, m=model: _torch_call(m, b)}
        for key, path in onnx.get(name, {}).items():
            sess = onnx_export.session(path, threads)
            runners[key] = lambda b, s=sess: onnx_export.run_session(s, b)
        result[name] = {}
        for key, fn in runners.items():
            ms = latency.time_calls(fn, singles)
            tput = {
                bs: latency.throughput(
                    fn, [_batch(ids, range(i, i + bs)) for i in range(0, min(len(ids), 20 * bs) - bs + 1, bs)]
                )
                for bs in (1, 8, 32)
            }
            result[name][key] = {**latency.stats(ms, throughput_rps=tput[1]).to_dict(), "throughput_rps_by_batch": tput}
            if key == "onnx_fp32":
                per_request[f"{name}_latency_ms"] = ms
    return result, per_request


def default_latency(out_dir: Path, *, threads: int = 1, requests: int = 1000, student_layers: int = 2) -> dict:
    """Without a run: export the offline default teacher and its layer-subset student and time them.

    Their classification heads are untrained, so this reports latency and throughput only, never accuracy.
    """
    from engine.data import generator

    teacher = models.load_classifier(models.DEFAULT_TEACHER, 10).eval()
    student = models.layer_subset(teacher, models.uniform_layer_map(6, student_layers)).eval()
    tok = models.load_tokenizer(models.DEFAULT_TEACHER)
    texts = generator.generate(max(requests, 100), seed=1, split=(max(requests, 100) - 2, 1, 1)).text.tolist()
    ids = tok(texts[:requests], truncation=True, max_length=64)["input_ids"]
    batches = [_batch(ids, range(i, min(i + 64, len(ids)))) for i in range(0, min(len(ids), 256), 64)]
    onnx = {}
    for name, model in (("teacher", teacher), ("student", student)):
        path = onnx_export.export(model, out_dir / f"{name}.onnx")
        onnx_export.check_parity(onnx_export.parity(model, onnx_export.session(path), batches))
        onnx[name] = {"onnx_fp32": path}
    result, _ = measure({"teacher": teacher, "student": student}, ids, threads=threads, onnx=onnx)
    result["note"] = "default weights with untrained heads: latency and throughput only, no accuracy"
    rundir.write_json(out_dir / "latency.json", result)
    return result


def _torch_call(model, batch):
    with torch.no_grad():
        return model(**batch).logits


def price_run(
    run_dir: Path, *, requests_per_month: float, instance_usd_per_hour: float, runtime: str = "onnx_fp32", **kw
) -> dict:
    """Capacity price per model from its measured throughput (``runtime``, the best of batch 1/8/32)."""
    lat = rundir.read_run_json(
        run_dir, "latency.json", "run `python -m engine bench-latency --run RUN`", keys=("teacher", "student")
    )
    out = {}
    for name in ("teacher", "student"):
        by_batch = lat[name][runtime]["throughput_rps_by_batch"]
        batch, tput = max(by_batch.items(), key=lambda kv: kv[1])
        cp = capacity.capacity_price(
            requests_per_month=requests_per_month,
            throughput_rps=tput,
            instance_usd_per_hour=instance_usd_per_hour,
            **kw,
        )
        out[name] = {**cp.__dict__, "p95_ms": lat[name][runtime]["p95_ms"], "runtime": runtime, "batch": int(batch)}
    return out
