"""`frontier`, `segments` and `shadow` (issue 16): JSON shapes and the seed's numbers by hand."""

import json
import math

import pytest
from scipy.stats import norm

from tests.conftest import run_cli


def test_frontier_json():
    d = json.loads(run_cli("frontier", "--json").stdout)
    assert d["recommended"]["label"] == "Student alone" and d["recommended"]["p95_latency_ms"] <= d["budget_ms"] == 15
    kinds = {p["kind"] for p in d["points"]}
    assert kinds == {"single", "cascade", "segment policy", "oracle"}
    assert all(p["within_budget"] for p in d["points"] if p["pareto"])
    d20 = json.loads(run_cli("frontier", "--budget-ms", "20", "--json").stdout)
    assert d20["recommended"]["kind"] == "cascade" and d20["recommended"]["p95_latency_ms"] == 17


def test_segments_json():
    d = json.loads(run_cli("segments", "--json").stdout)
    assert [s["segment"] for s in d["segments"]] == ["new", "returning", "vip"]
    assert d["segments"][2]["margin_usd"] == pytest.approx(-210.10, abs=0.01)
    assert set(d["best_policy"]) == {"segment", "intent"}
    assert d["best_policy"]["segment"]["policy"] == {"new": "student", "returning": "student", "vip": "student"}


def test_shadow_json_is_the_one_sample_formula():
    d = json.loads(run_cli("shadow", "--json").stdout)
    p0, p1 = 0.974, 0.95  # the seed's top-1 agreement (9,740 of 10,000) and the gate
    hand = ((norm.ppf(0.95) * math.sqrt(p0 * (1 - p0)) + norm.ppf(0.8) * math.sqrt(p1 * (1 - p1))) / (p0 - p1)) ** 2
    assert d["agreement"] == pytest.approx(p0) and d["requests"] == math.ceil(hand) == 345
    assert d["days_at_share"] == pytest.approx(345 / (0.05 * 1_400_000 / 30.4))
    lo, hi = d["agreement_ci95"]
    assert lo < p0 < hi
    below = json.loads(run_cli("shadow", "--gate", "0.98", "--json").stdout)
    assert below["requests"] is None and "already at or below" in below["note"]
