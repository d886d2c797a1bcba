"""Export + parity on a tiny random model, INT8 delta, latency statistics, capacity pricing, bad inputs."""

import json

import pytest

from engine.decision import capacity
from engine.errors import DistillDecideError
from engine.serving import latency


def test_latency_stats_from_known_samples():
    s = latency.stats(list(range(1, 101)))  # 1..100 ms
    assert (s.p50_ms, s.p95_ms, s.p99_ms) == (50.5, 95.05, 99.01)
    assert s.over_budget_per_10k == 8_500  # 85 of 100 requests above 15 ms
    with pytest.raises(DistillDecideError):
        latency.stats([])


def test_capacity_price_hand_checked():
    # 1.4M/month over 30.4 days = 0.533 req/s; ×3 peak = 1.60 req/s; one 100 req/s replica at 60% is plenty
    cp = capacity.capacity_price(requests_per_month=1.4e6, throughput_rps=100, instance_usd_per_hour=0.2)
    assert cp.average_rps == pytest.approx(1.4e6 / (30.4 * 86_400))
    assert cp.replicas == 1 and not cp.floor_binding  # one replica is needed anyway
    assert cp.monthly_usd == pytest.approx(0.2 * 730) and cp.usd_per_request == pytest.approx(146 / 1.4e6)
    floor = capacity.capacity_price(
        requests_per_month=1.4e6, throughput_rps=100, instance_usd_per_hour=0.2, min_replicas=2
    )
    assert floor.replicas == 2 and floor.floor_binding and floor.monthly_usd == pytest.approx(292)
    # 500M/month: 190.3 req/s average, ×3 = 570.9 peak ÷ (100 × 0.6) → ⌈9.51⌉ = 10 replicas
    big = capacity.capacity_price(requests_per_month=5e8, throughput_rps=100, instance_usd_per_hour=1.0)
    assert big.replicas == 10 and not big.floor_binding


@pytest.mark.parametrize(
    "kw, field",
    [
        (dict(throughput_rps=0), "throughput"),
        (dict(instance_usd_per_hour=-1), "instance $/hour"),
        (dict(target_utilisation=0), "target utilisation"),
        (dict(min_replicas=0), "min replicas"),
    ],
)
def test_capacity_bad_inputs(kw, field):
    base = dict(requests_per_month=1e6, throughput_rps=10, instance_usd_per_hour=0.1)
    with pytest.raises(DistillDecideError) as exc:
        capacity.capacity_price(**{**base, **kw})
    assert exc.value.field == field


torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):

    from engine.distill import trainer
    from tests.engine.distill.test_trainer import cfg, tiny_factory

    root = tmp_path_factory.mktemp("serving")
    with pytest.MonkeyPatch.context() as mp:  # restored after this module: later tests see no measured run
        mp.setenv("DISTILL_DECIDE_RUNS", str(root / "runs"))
        mp.setenv("DISTILL_DECIDE_DB", str(root / "db.duckdb"))
        factory = tiny_factory()
        yield trainer.run(cfg("tiny-serve", epochs=1), model_factory=factory, ingest=False), factory


def test_export_parity_int8_and_latency(tiny_run):
    from engine.serving import pipeline

    run_dir, factory = tiny_run
    out = pipeline.export_run(run_dir, int8=True, model_factory=factory)
    for name in ("teacher", "student"):
        assert out[name]["parity"]["max_abs_logit_diff"] <= 1e-4 and out[name]["parity"]["top1_agreement"] == 1.0
        q = out[name]["int8"]
        assert 0 <= q["agreement_with_fp32"] <= 1 and q["accuracy_delta_points"] == pytest.approx(
            100 * (q["accuracy_int8"] - q["accuracy_fp32"])
        )
    lat = pipeline.bench_latency(run_dir, threads=1, requests=60, model_factory=factory)
    for name in ("teacher", "student"):
        assert set(lat[name]) == {"torch", "onnx_fp32", "onnx_int8"}
        r = lat[name]["onnx_fp32"]
        assert r["n"] == 60 and 0 < r["p50_ms"] <= r["p95_ms"] <= r["p99_ms"]
        assert set(r["throughput_rps_by_batch"]) == {1, 8, 32}
    price = pipeline.price_run(run_dir, requests_per_month=1.4e6, instance_usd_per_hour=0.2)
    assert price["student"]["replicas"] >= 1 and price["student"]["usd_per_request"] > 0
    from engine import store

    assert store.ingest_latency(run_dir) == 60


def test_corrupt_onnx_and_zero_threads(tmp_path):
    from engine.serving import onnx_export

    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(DistillDecideError, match="could not be loaded"):
        onnx_export.session(bad)
    with pytest.raises(DistillDecideError, match="threads"):
        onnx_export.session(bad, threads=0)
    with pytest.raises(DistillDecideError, match="parity failed"):
        onnx_export.check_parity({"max_abs_logit_diff": 1e-2, "top1_agreement": 1.0, "requests": 5})


def test_cli_errors(tmp_path):
    from tests.conftest import run_cli

    r = run_cli("bench-latency", "--run", "no-such-run")
    assert r.returncode == 2 and "run" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run_cli("price", "--run", "no-such-run", "--instance-usd-per-hour", "-1")
    assert r.returncode == 2


@pytest.mark.slow  # exports and times the offline MiniLM-L6 (~20 s); bad `bench-latency` flags: test_cli_errors
def test_default_weights_latency_without_a_run(tmp_path):
    from engine.serving import pipeline

    out = pipeline.default_latency(tmp_path, threads=1, requests=20)
    assert "no accuracy" in out["note"] and (tmp_path / "student.onnx").exists()
    for name in ("teacher", "student"):
        assert set(out[name]) == {"torch", "onnx_fp32"} and out[name]["onnx_fp32"]["n"] == 20
        assert "accuracy" not in json.dumps(out[name])


@pytest.mark.parametrize(
    "argv, field",
    [
        (["bench-latency", "--run", "default", "--requests", "-5"], "--requests"),
        (["bench-latency", "--run", "default", "--threads", "0"], "--threads"),
        (["price", "--run", "x", "--utilisation", "0"], "--utilisation"),
        (["price", "--run", "x", "--instance-usd-per-hour", "nan"], "--instance-usd-per-hour"),
        (["price", "--run", "x", "--volume", "1e400"], "--volume"),
        (["price", "--run", "x", "--min-replicas", "2.5"], "--min-replicas"),
    ],
)
def test_serving_flags_are_checked_before_anything_runs(argv, field, capsys):
    from engine.cli.main import main

    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {field}") and "Fix:" in err[0]
