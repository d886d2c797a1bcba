"""Serving latency on this machine, each figure against a baseline measured in the same run.

    python bench/latency.py --run RUN [--threads 1] [--requests 1000]

Exports the run's teacher and student (fp32 + INT8), then prints: student ONNX P95 vs torch
eager P95 (target ≥ 2× faster), INT8 vs fp32 (target ≥ 1.5× faster, ≤ 0.5 point accuracy drop),
teacher vs student P95, and the student's ONNX P95 at batch 1 (target ≤ 3 ms, one thread).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.runs import rundir
from engine.serving import pipeline


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", help="a finished run (default: the newest one)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--requests", type=int, default=1000)
    args = ap.parse_args()
    run = args.run or next((r["run_id"] for r in rundir.list_runs() if r["done"]), None)
    if run is None:
        sys.exit("no finished run: python -m engine train --profile quick first")
    d = rundir.resolve_run(run)
    ex = pipeline.export_run(d, int8=True)
    lat = pipeline.bench_latency(d, threads=args.threads, requests=args.requests)
    s, t = lat["student"], lat["teacher"]
    print(f"run {d.name}; {args.requests:,} real requests at batch 1, {args.threads} thread(s), warm-up excluded")
    print(
        f"student P95: ONNX fp32 {s['onnx_fp32']['p95_ms']:.2f} ms vs torch eager {s['torch']['p95_ms']:.2f} ms: "
        f"{s['torch']['p95_ms'] / s['onnx_fp32']['p95_ms']:.1f}× faster (target ≥ 2×; target P95 ≤ 3 ms)"
    )
    q = ex["student"]["int8"]
    print(
        f"student P95: INT8 {s['onnx_int8']['p95_ms']:.2f} ms vs fp32 {s['onnx_fp32']['p95_ms']:.2f} ms: "
        f"{s['onnx_fp32']['p95_ms'] / s['onnx_int8']['p95_ms']:.2f}× faster (target ≥ 1.5×); accuracy "
        f"{q['accuracy_int8']:.4f} vs {q['accuracy_fp32']:.4f} ({q['accuracy_delta_points']:+.2f} points, "
        f"target ≥ −0.5)"
    )
    print(
        f"teacher vs student P95 (ONNX fp32): {t['onnx_fp32']['p95_ms']:.2f} vs {s['onnx_fp32']['p95_ms']:.2f} ms: "
        f"{t['onnx_fp32']['p95_ms'] / s['onnx_fp32']['p95_ms']:.1f}×"
    )
    print(
        "throughput (ONNX fp32, batch 1/8/32): student "
        + "/".join(f"{v:,.0f}" for v in s["onnx_fp32"]["throughput_rps_by_batch"].values())
        + ", teacher "
        + "/".join(f"{v:,.0f}" for v in t["onnx_fp32"]["throughput_rps_by_batch"].values())
        + " req/s"
    )


if __name__ == "__main__":
    main()
