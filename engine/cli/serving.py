"""Serving commands: export, bench-latency, price. torch/onnxruntime are imported only inside them."""

from __future__ import annotations

import json
from numbers import Integral, Real

from engine import validate as v
from engine.errors import require

THREADS = v.Interval(Integral, 1, 256, unit="CPU threads")
REQUESTS = v.Interval(Integral, 10, 100_000, unit="requests to time")
REPLICAS = v.Interval(Integral, 1, 10_000, unit="replicas")
PEAK = v.Interval(Real, 1, 100, unit="peak ÷ average traffic")
UTILISATION = v.Interval(Real, 0, 1, closed="right", unit="target utilisation")
INSTANCE_USD = v.Interval(Real, 0, 1e4, closed="neither", unit="$ per instance-hour")


def _run_dir(args):
    from engine.runs import rundir

    return rundir.resolve_run(args.run)


def cmd_export(args) -> int:
    from engine.serving import pipeline

    out = pipeline.export_run(_run_dir(args), int8=args.int8)
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    for name, r in out.items():
        p = r["parity"]
        line = (
            f"{name}: {r['onnx']} — parity max |Δlogit| {p['max_abs_logit_diff']:.1e}, top-1 agreement "
            f"{p['top1_agreement']:.1%} on {p['requests']:,} requests; logits ÷ temperature "
            f"{r.get('temperature', 1.0):.3f} in the graph ({r.get('temperature_source', 'none recorded')})"
        )
        if "int8" in r:
            q = r["int8"]
            line += (
                f"; INT8 accuracy {q['accuracy_int8']:.4f} vs {q['accuracy_fp32']:.4f} "
                f"({q['accuracy_delta_points']:+.2f} points), agreement {q['agreement_with_fp32']:.2%}"
            )
        print(line)
    return 0


def cmd_bench_latency(args) -> int:
    from engine.serving import pipeline

    if args.run == "default":
        from engine.paths import DATA_DIR

        out = pipeline.default_latency(DATA_DIR / "serving" / "default", threads=args.threads, requests=args.requests)
    else:
        out = pipeline.bench_latency(_run_dir(args), threads=args.threads, requests=args.requests)
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    if "note" in out:
        print(out["note"])
    for name in ("teacher", "student"):
        for rt, r in out[name].items():
            print(
                f"{name:<8} {rt:<10} P50 {r['p50_ms']:.2f} ms  P95 {r['p95_ms']:.2f} ms  P99 {r['p99_ms']:.2f} ms  "
                f"{r['over_budget_per_10k']:.0f}/10K over 15 ms  throughput b1/b8/b32 "
                + "/".join(f"{v:,.0f}" for v in r["throughput_rps_by_batch"].values())
                + " req/s"
            )
    return 0


def cmd_price(args) -> int:
    from engine.data import seed
    from engine.serving import pipeline

    require(
        args.instance_usd_per_hour >= 0,
        "--instance-usd-per-hour",
        f"{args.instance_usd_per_hour} is negative",
        "give a price ≥ 0",
    )
    volume = args.volume or seed.load_assumptions().requests_per_month
    out = pipeline.price_run(
        _run_dir(args),
        requests_per_month=volume,
        instance_usd_per_hour=args.instance_usd_per_hour,
        min_replicas=args.min_replicas,
        peak_to_average=args.peak_to_average,
        target_utilisation=args.utilisation,
    )
    from engine.runs import rundir

    rundir.write_json(_run_dir(args) / "price.json", {**out, "requests_per_month": volume})  # decide --run reads it
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    for name, r in out.items():
        print(
            f"{name}: {r['replicas']} replica(s){' (the floor)' if r['floor_binding'] else ''} × "
            f"${r['instance_usd_per_hour']:.4f}/h × 730 h = ${r['monthly_usd']:,.0f}/month → "
            f"${r['usd_per_request']:.6f} per request at {volume:,.0f} requests/month "
            f"(measured {r['throughput_rps']:,.0f} req/s, P95 {r['p95_ms']:.2f} ms)"
        )
    print("seed prices for comparison: teacher $0.003800, student $0.001600 per request")
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("export", help="export a run's teacher and student to ONNX with a parity check")
    p.add_argument("--run", required=True)
    p.add_argument("--int8", action="store_true", help="also quantise to INT8 and report the accuracy delta")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("bench-latency", help="batch-1 P50/P95/P99 and throughput (own process)")
    p.add_argument("--run", required=True, help="a run, or 'default' to time the offline default weights (no run)")
    p.add_argument("--threads", type=v.as_flag(THREADS), default=1)
    p.add_argument("--requests", type=v.as_flag(REQUESTS), default=1000)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_bench_latency)
    p = sub.add_parser("price", help="capacity-model price per request from measured throughput")
    p.add_argument("--run", required=True)
    p.add_argument("--instance-usd-per-hour", type=v.as_flag(INSTANCE_USD), default=0.1785)
    p.add_argument("--volume", type=v.as_flag(v.LIMITS["requests_per_month"], "requests_per_month"))
    p.add_argument("--min-replicas", type=v.as_flag(REPLICAS), default=1)
    p.add_argument("--peak-to-average", type=v.as_flag(PEAK), default=3.0)
    p.add_argument("--utilisation", type=v.as_flag(UTILISATION), default=0.6)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_price)
