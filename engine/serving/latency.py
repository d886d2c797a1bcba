"""Latency statistics (numpy only) and the measurement loops (torch / onnxruntime imported lazily)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np

from engine.errors import require

LATENCY_BUDGET_MS = 15.0


@dataclass(frozen=True)
class LatencyStats:
    n: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    over_budget_per_10k: float
    throughput_rps: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def stats(samples_ms, *, budget_ms: float = LATENCY_BUDGET_MS, throughput_rps: float | None = None) -> LatencyStats:
    """P50/P95/P99 (numpy linear interpolation), mean, and requests slower than the budget per 10K."""
    x = np.asarray(samples_ms, dtype=float)
    require(
        bool(x.size > 0 and np.all(np.isfinite(x)) and np.all(x >= 0)),
        "latency samples",
        "empty, negative or not finite",
        "measure at least one request",
    )
    p50, p95, p99 = np.percentile(x, [50, 95, 99])
    return LatencyStats(
        int(x.size),
        float(p50),
        float(p95),
        float(p99),
        float(x.mean()),
        float(np.mean(x > budget_ms) * 10_000),
        throughput_rps,
    )


def time_calls(fn, inputs: list, *, warmup: int = 50) -> np.ndarray:
    """Wall-clock milliseconds of fn(x) for each input, after ``warmup`` untimed calls."""
    for x in inputs[:warmup]:
        fn(x)
    out = np.empty(len(inputs))
    for i, x in enumerate(inputs):
        t0 = time.perf_counter()
        fn(x)
        out[i] = (time.perf_counter() - t0) * 1e3
    return out


def throughput(fn, batches: list, *, warmup: int = 3) -> float:
    """Requests per second over ``batches`` (each a batch input with a len)."""
    for b in batches[:warmup]:
        fn(b)
    t0 = time.perf_counter()
    n = 0
    for b in batches:
        fn(b)
        n += len(b["input_ids"])
    return n / (time.perf_counter() - t0)
