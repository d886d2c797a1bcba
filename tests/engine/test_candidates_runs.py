"""``decide --runs A,B,C``: the students of three runs that share run A's teacher, on one plane. Each
candidate's margin, paired interval and verdict are what ``decide --run`` gives on that run alone; runs that
do not share the teacher, the test requests or the teacher's predictions are refused, naming the run.

The run directories are written by hand (predictions.parquet, config.json, summary.json, DONE; no training):
run A's student is the seed student, runs B and C trained with ``--teacher-run A`` hold the teacher's routes
with 30% / 60% of requests taken from the seed student (tests/engine/test_candidates.py's blends), so their
margins are the seed's $1,122, $2,363 and $1,990 and B leads C by $373."""

import json

import numpy as np
import pandas as pd
import pytest

from engine.cli import main as cli
from engine.data import seed

PROBS = [f"p_student_{i}" for i in seed.INTENTS]
LATENCY_PRICE = ("--latency-cost-per-ms", "10")  # $10 per ms-month: a measured P95 moves the margin


def _write_run(root, name, rows, *, teacher_run, mode="kd-cached", layers=2, latency=None):
    d = root / name
    d.mkdir(parents=True)
    rows = rows.assign(request_id=[f"{name}-{k}" for k in rows["request_id"]])
    rows.to_parquet(d / "predictions.parquet", index=False)
    config = {"run_id": name, "mode": mode, "labels": list(seed.INTENTS), "teacher_run": teacher_run,
              "data_hash": "same-data", "student_layers": layers, "seed": 0}  # fmt: skip
    (d / "config.json").write_text(json.dumps(config))
    (d / "summary.json").write_text(json.dumps({"run_id": name, "mode": mode, "teacher": {}, "student": {}}))
    if latency:
        (d / "latency.json").write_text(json.dumps(latency))
    (d / "DONE").write_text("done")
    return d


def _blend(share: float, rng) -> pd.DataFrame:
    """The seed rows whose student takes the seed student's route (and probabilities) on ``share`` of requests,
    the teacher's elsewhere."""
    r = seed.load_rows().copy()
    r["request_id"] = np.arange(len(r)).astype(str)  # the data row
    take = rng.random(len(r)) < share
    r["student_pred"] = np.where(take, r["student_pred"], r["teacher_pred"])
    teacher_p = r[[c.replace("p_student_", "p_teacher_") for c in PROBS]].to_numpy()
    r[PROBS] = np.where(take[:, None], r[PROBS].to_numpy(), teacher_p)
    return r


@pytest.fixture()
def runs(env):
    root = env / "runs"
    base = seed.load_rows().assign(request_id=lambda f: np.arange(len(f)).astype(str))
    rng = np.random.default_rng(1)
    b, c = _blend(0.3, rng), _blend(0.6, rng)
    _write_run(root, "run-a", base, teacher_run=None, mode="kd-online", layers=2)
    _write_run(root, "run-b", b.assign(finetune_pred=base["student_pred"]), teacher_run="run-a", layers=4)
    latency = {m: {"onnx_fp32": {"p95_ms": p}} for m, p in (("teacher", 12.0), ("student", 6.5))}
    _write_run(root, "run-c", c, teacher_run="run-a", layers=4, latency=latency)  # INT8, measured
    return root, base, b


def _json(capsys, *args):
    rc = cli.main(["decide", *map(str, args), "--json", "--bootstrap", "4000", "--seed", "0", *LATENCY_PRICE])
    out, err = capsys.readouterr()
    assert rc == 0, err
    return json.loads(out)


def _err(capsys, *args) -> str:
    rc = cli.main(list(map(str, args)))
    err = capsys.readouterr().err
    assert rc == 2, err
    return err.strip()


def test_three_runs_give_each_run_alone_s_margin_interval_and_verdict(runs, capsys):
    plane = _json(capsys, "--runs", "run-a,run-b,run-c")
    assert list(plane["candidates"]) == ["run-a", "run-b", "run-c"] and plane["teacher_run"] == "run-a"
    assert plane["runs"]["run-b"]["student"] == "kd-cached, 4-layer student"
    for name, got in plane["candidates"].items():
        alone = _json(capsys, "--run", name)
        assert got["cube_hash"] == alone["cube_hash"], name  # the same two-model cube
        assert got["margin_usd"] == pytest.approx(alone["margin_usd"], abs=0.005), name  # to the cent
        assert got["margin_ci95"] == pytest.approx(alone["bootstrap"]["margin_ci95"], abs=0.005), name
        assert got["student_total_usd"] == pytest.approx(alone["student"]["total_usd"], abs=0.005), name
        if name != "run-c":  # latency $ are counted from the faster model's P95: run C's 6.5 ms moves its teacher's
            assert plane["teacher_total_usd"] == pytest.approx(alone["teacher"]["total_usd"], abs=0.005), name
        assert (got["verdict"], got["blocking_gate"]) == (alone["verdict"]["state"], alone["verdict"]["blocking_gate"])
    # by hand: at $10 per ms-month a P95 faster than the teacher's 12 ms by d ms saves $10·d beside the seed's
    # margins ($1,122, $2,363, $1,990 at $0): run A and B's 5 ms students +$70, run C's measured 6.5 ms +$55
    m = {k: round(v["margin_usd"]) for k, v in plane["candidates"].items()}
    assert m == {"run-a": 1122 + 70, "run-b": 2363 + 70, "run-c": 1990 + 55}
    assert "run-c: measured in run run-c: P95 teacher 12.00 ms, student 6.50 ms" in plane["scenario"]
    assert plane["best"] == "run-b" and plane["sentence"].startswith("Best candidate: run-b, which saves $2,433/month")
    # --evidence runs:A,B is the same plane
    assert _json(capsys, "--evidence", "runs:run-a,run-b,run-c")["candidates"] == plane["candidates"]


def test_runs_that_do_not_share_the_teacher_or_the_requests_are_refused_naming_the_run(runs, capsys):
    root, base, b = runs
    _write_run(root, "own-teacher", b, teacher_run=None)
    _write_run(root, "three-short", b.iloc[3:], teacher_run="run-a")
    flipped = b.copy()
    flipped.loc[flipped.index[:5], "teacher_pred"] = np.where(
        flipped["teacher_pred"].iloc[:5] == "faq", "chitchat", "faq"
    )
    _write_run(root, "other-teacher-preds", flipped, teacher_run="run-a")
    assert _err(capsys, "decide", "--runs", "run-a,own-teacher") == (
        "error: --runs: run own-teacher does not share the teacher of run run-a (own-teacher uses run "
        "own-teacher's teacher, run-a uses run run-a's). Fix: train it with --teacher-run run-a, or compare runs "
        "that share one teacher"
    )
    err = _err(capsys, "decide", "--runs", "run-a,run-b,three-short")
    assert "run three-short's test requests are not run run-a's: 3 request id(s) unmatched (3 only in run-a" in err
    err = _err(capsys, "decide", "--runs", "run-a,other-teacher-preds")
    assert "run other-teacher-preds's teacher predictions differ from run run-a's on 5 of 10,000 requests" in err
    assert "names 1 run" in _err(capsys, "decide", "--runs", "run-a")
    assert "comes alone" in _err(capsys, "decide", "--runs", "run-a,run-b", "--run", "run-a")
    assert "only decide does" in _err(capsys, "sweep", "volume", "--evidence", "runs:run-a,run-b")
    assert "'nope' is not a run directory" in _err(capsys, "decide", "--runs", "run-a,nope")
    assert "names a teacher, which is the plane's baseline" in _err(capsys, "decide", "--runs", "run-b,run-a:teacher")


def test_a_run_s_fine_tune_only_baseline_is_one_more_candidate(runs, capsys):
    plane = _json(capsys, "--runs", "run-b,run-b:finetune")
    assert plane["runs"]["run-b:finetune"]["student"] == "fine-tune-only baseline, 4-layer student"
    # its column holds the seed student's routes: the seed margin, +$70 for its 7 ms below the teacher's P95
    assert round(plane["candidates"]["run-b:finetune"]["margin_usd"]) == 1122 + 70
    assert plane["best"] == "run-b" and round(plane["lead_usd"]) == 2363 - 1122
