"""Capacity pricing from measured throughput (torch-free: the dashboard imports it).

replicas = max(min_replicas, ⌈peak_rps ÷ (throughput_rps × target_utilisation)⌉),
monthly cost = replicas × instance $/hour × 730 hours, and the price per request is
monthly cost ÷ monthly volume. Instance prices are labelled assumptions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.errors import require

HOURS_PER_MONTH = 730.0
INSTANCES = {  # assumed on-demand list prices; edit them to your contract
    "cpu (c7i.xlarge, 4 vCPU)": 0.1785,
    "gpu (g5.xlarge, A10G)": 1.006,
    "inferentia (inf2.xlarge)": 0.7582,
}


@dataclass(frozen=True)
class CapacityPrice:
    requests_per_month: float
    average_rps: float
    peak_rps: float
    throughput_rps: float
    replicas: int
    floor_binding: bool
    instance_usd_per_hour: float
    monthly_usd: float
    usd_per_request: float


def capacity_price(
    *,
    requests_per_month: float,
    throughput_rps: float,
    instance_usd_per_hour: float,
    peak_to_average: float = 3.0,
    target_utilisation: float = 0.6,
    min_replicas: int = 1,
    days_per_month: float = 30.4,
) -> CapacityPrice:
    """Replicas needed at peak and what they cost per month and per request."""
    require(requests_per_month > 0, "requests_per_month", f"{requests_per_month!r}", "give a volume > 0")
    require(throughput_rps > 0, "throughput", f"{throughput_rps!r} requests/s", "measure throughput first (> 0)")
    require(instance_usd_per_hour >= 0, "instance $/hour", f"{instance_usd_per_hour!r} is negative", "give a price ≥ 0")
    require(peak_to_average >= 1, "peak-to-average", f"{peak_to_average!r}", "use a factor ≥ 1")
    require(0 < target_utilisation <= 1, "target utilisation", f"{target_utilisation!r}", "use a share in (0, 1]")
    require(min_replicas >= 1, "min replicas", f"{min_replicas!r}", "use at least 1")
    avg = requests_per_month / (days_per_month * 86_400)
    peak = avg * peak_to_average
    needed = math.ceil(peak / (throughput_rps * target_utilisation))
    replicas = max(min_replicas, needed)
    monthly = replicas * instance_usd_per_hour * HOURS_PER_MONTH
    return CapacityPrice(
        requests_per_month,
        avg,
        peak,
        throughput_rps,
        replicas,
        needed < min_replicas,
        instance_usd_per_hour,
        monthly,
        monthly / requests_per_month,
    )


# the Latency page's volume axis: 0.5M to 20M requests per month
VOLUMES = (500_000, 1_000_000, 1_400_000, 2_000_000, 5_000_000, 10_000_000, 20_000_000)
PRICE_GAP_FACTOR = 10.0  # prices this many times apart are worth a note: one of them is probably not what you pay


def assumed_throughput_rps(p95_latency_ms: float) -> float:
    """A stand-in throughput when none was measured: one request at a time at the P95 latency, 1,000 ÷ P95 ms
    (12 ms → 83.3 requests/s). Conservative: batching and more threads serve more."""
    require(p95_latency_ms > 0, "P95 latency", f"{p95_latency_ms!r} ms", "give a latency above 0 ms")
    return 1_000.0 / p95_latency_ms


def capacity_curve(volumes, **kw) -> list[CapacityPrice]:
    """:func:`capacity_price` at each monthly volume in ``volumes`` (the other arguments as for it)."""
    return [capacity_price(requests_per_month=float(v), **kw) for v in volumes]


def price_gap(capacity_usd_per_request: float, scenario_usd_per_request: float) -> float:
    """How many times apart two prices per request are (≥ 1, whichever is larger; inf when one is 0)."""
    lo, hi = sorted((abs(capacity_usd_per_request), abs(scenario_usd_per_request)))
    if hi == 0:
        return 1.0
    return math.inf if lo == 0 else hi / lo
