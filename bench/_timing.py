"""Shared timing helper for the benchmarks."""

from __future__ import annotations

import statistics
import time


def timed(fn, repeat: int = 1):
    """(median seconds over ``repeat`` calls, last result)."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out
