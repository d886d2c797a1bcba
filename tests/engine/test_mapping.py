"""Evidence from where it lives: --map on rows, counts and cube build; two prediction files joined on a request
id; a run's measured P95s and capacity prices in its own verdict."""

import json

import pandas as pd
import pytest

from engine import sources
from engine.cli import main as cli
from engine.decision import cube as cube_mod
from engine.decision import mapping
from engine.errors import DistillDecideError

# 100 requests in 3 cells: the teacher is always right; the student sends 10 escalations to faq
COUNTS = pd.DataFrame(
    {
        "segment": ["all", "all", "all"],
        "true": ["order_tracking", "faq", "escalation"],
        "teacher_pred": ["order_tracking", "faq", "escalation"],
        "student_pred": ["order_tracking", "faq", "faq"],
        "n": [60, 30, 10],
    }
)
ROWS = COUNTS.loc[COUNTS.index.repeat(COUNTS.n)].drop(columns=["n"]).reset_index(drop=True)


def run(capsys, *args):
    rc = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def decide(capsys, *args):
    rc, out, err = run(capsys, "decide", *args, "--json", "--bootstrap", "200")
    assert rc == 0, err
    return json.loads(out), err


def test_parse_reads_pairs_and_refuses_what_it_cannot_read():
    got = mapping.parse(" true = true_intent, teacher_pred=t_pred")
    assert got == {"true": "true_intent", "teacher_pred": "t_pred"}
    assert mapping.parse(None) == {}
    for spec, words in [
        ("truth=label", "unknown target 'truth'"),
        ("true", "is not TARGET=COLUMN"),
        ("true=a,true=b", "mapped twice"),
        ("teacher_pred=p,student_pred=p", "mapped to two targets"),
        ("", "is empty"),
    ]:
        with pytest.raises(DistillDecideError, match=words) as e:
            mapping.parse(spec)
        assert e.value.field == "--map"


@pytest.mark.parametrize(
    "spec, field, words",
    [
        ("bogus=x", "--map", "unknown target 'bogus'"),
        ("teacher_pred=t_pred", "--map teacher_pred=t_pred", "column 't_pred' is not in counts.csv"),
        ("student_pred", "--map", "is not TARGET=COLUMN"),
    ],
)
def test_bad_map_specs_exit_2_naming_the_field(tmp_path, db, capsys, spec, field, words):
    path = tmp_path / "counts.csv"
    COUNTS.to_csv(path, index=False)
    for cmd in (("decide", "--counts", path), ("cube", "import", path)):
        rc, out, err = run(capsys, *cmd, "--map", spec)
        assert rc == 2 and out == ""
        line = err.strip()
        assert len(line.splitlines()) == 1 and line.startswith(f"error: {field}: ") and words in line
    assert not db.exists()  # a refused import writes nothing


def test_a_mapped_true_intent_column_builds_the_same_cube(tmp_path, db, capsys):
    want = cube_mod.from_counts(COUNTS).hash
    renamed = COUNTS.rename(columns={"true": "label", "teacher_pred": "t_pred"})
    renamed.to_csv(tmp_path / "counts.csv", index=False)
    COUNTS.rename(columns={"true": "true_intent"}).to_csv(tmp_path / "warehouse.csv", index=False)
    ROWS.rename(columns={"true": "true_intent"}).to_parquet(tmp_path / "logs.parquet")  # the warehouse doc's names
    ROWS.rename(columns={"true": "label", "segment": "tier"}).to_parquet(tmp_path / "mapped.parquet")
    hashes = {}
    for name, args in {
        "import --map": ("cube", "import", tmp_path / "counts.csv", "--map", "true=label,teacher_pred=t_pred"),
        "import true_intent": ("cube", "import", tmp_path / "warehouse.csv"),
        "build true_intent": ("cube", "build", "--parquet", tmp_path / "logs.parquet"),
        "build --map": ("cube", "build", "--parquet", tmp_path / "mapped.parquet", "--map", "true=label,segment=tier"),
    }.items():
        rc, out, err = run(capsys, *args, "--json")
        assert rc == 0, (name, err)
        hashes[name] = json.loads(out)["cube_hash"]
    assert set(hashes.values()) == {want}, hashes
    by_map, _ = decide(capsys, "--counts", tmp_path / "counts.csv", "--map", "true=label,teacher_pred=t_pred")
    rows_csv = tmp_path / "rows.csv"
    ROWS.rename(columns={"student_pred": "s_pred"}).to_csv(rows_csv, index=False)
    by_rows, _ = decide(capsys, "--rows", rows_csv, "--map", "student_pred=s_pred")
    by_hash, _ = decide(capsys, "--cube", want)
    assert by_map["cube_hash"] == by_rows["cube_hash"] == want
    assert by_map["margin_usd"] == by_rows["margin_usd"] == pytest.approx(by_hash["margin_usd"], abs=0.005)
    # a mapped column the parquet lacks is named, even the optional segment
    rc, _, err = run(capsys, "cube", "build", "--parquet", tmp_path / "logs.parquet", "--map", "segment=tier")
    assert rc == 2 and err.startswith("error: --map segment=tier: column 'tier' is not in the data")


def _preds(ids, pred, true=None):
    true = true if true is not None else ["faq"] * len(ids)
    return pd.DataFrame({"request_id": ids, "true": true, "pred": pred})


def test_a_join_with_3_unmatched_ids_reports_3_and_prices_the_matched(tmp_path, db, capsys):
    ids = [f"r{i}" for i in range(100)]
    true = ROWS["true"].tolist()
    teacher = _preds(ids + ["t-only-1", "t-only-2"], ROWS["teacher_pred"].tolist() + ["faq", "faq"], true + ["faq"] * 2)
    student = _preds(ids + ["s-only-1"], ROWS["student_pred"].tolist() + ["faq"], true + ["faq"])
    student = student.sample(frac=1, random_state=0).rename(columns={"pred": "yhat", "request_id": "rid"})
    teacher = teacher.rename(columns={"request_id": "rid"})
    teacher.to_csv(tmp_path / "teacher.csv", index=False)
    student.to_csv(tmp_path / "student.csv", index=False)
    ev, report = sources.joined_evidence(
        str(tmp_path / "teacher.csv"), str(tmp_path / "student.csv"), id_col="rid", columns={"pred": "yhat"}
    )
    assert (report.matched, report.unmatched, report.only_teacher, report.only_student) == (100, 3, 2, 1)
    assert ev.cube.hash == cube_mod.from_counts(COUNTS).hash  # the 100 matched requests, as the counts say
    assert "3 unmatched request id(s)" in ev.label and "priced on the 100 matched" in ev.label
    d, err = decide(
        capsys, "--teacher-preds", tmp_path / "teacher.csv", "--student-preds", tmp_path / "student.csv",
        "--id-col", "rid", "--map", "pred=yhat",
    )  # fmt: skip
    assert "note: 3 unmatched request id(s) (2 only in the teacher file, 1 only in the student file)" in err
    assert d["cube_hash"] == ev.cube.hash and "3 unmatched" in d["evidence"]
    by_counts, _ = decide(capsys, "--counts", _write(tmp_path, COUNTS))
    assert d["margin_usd"] == pytest.approx(by_counts["margin_usd"], abs=0.005)


def _write(tmp_path, frame, name="counts.csv"):
    frame.to_csv(tmp_path / name, index=False)
    return tmp_path / name


def test_a_join_refuses_what_it_cannot_pair(tmp_path, capsys):
    t = _preds(["a", "b"], ["faq", "faq"])
    with pytest.raises(DistillDecideError, match="no request id is in both files"):
        mapping.join_predictions(t, _preds(["c"], ["faq"]))
    with pytest.raises(DistillDecideError, match="1 matched request id"):
        mapping.join_predictions(t, _preds(["a", "b"], ["faq", "faq"], true=["faq", "chitchat"]))
    with pytest.raises(DistillDecideError, match="1 repeated request id"):
        mapping.join_predictions(t, _preds(["a", "a"], ["faq", "faq"]))
    with pytest.raises(DistillDecideError, match=r"column\(s\) \['pred'\]"):
        mapping.join_predictions(t, _preds(["a"], ["faq"]).drop(columns=["pred"]))
    rc, _, err = run(capsys, "decide", "--teacher-preds", _write(tmp_path, t, "t.csv"))
    assert rc == 2 and err.startswith("error: --student-preds: is missing")


def _run_dir(root, *, latency=True, price=False):
    d = root / "runs" / "measured-1"
    d.mkdir(parents=True)
    (d / "DONE").write_text("x\n")
    ROWS.to_parquet(d / "predictions.parquet")
    (d / "config.json").write_text(json.dumps({"labels": sorted(set(ROWS["true"]))}))
    stats = {"p50_ms": 1.0, "p99_ms": 99.0}
    if latency:
        lat = {
            "teacher": {"torch": {**stats, "p95_ms": 80.0}, "onnx_fp32": {**stats, "p95_ms": 40.0}},
            "student": {"onnx_fp32": {**stats, "p95_ms": 5.0}},
        }
        (d / "latency.json").write_text(json.dumps(lat))
    if price:
        prices = {"teacher": {"usd_per_request": 5e-4}, "student": {"usd_per_request": 1e-4}}
        (d / "price.json").write_text(json.dumps({**prices, "requests_per_month": 2e6}))
    return d


def test_a_run_with_latency_json_prices_with_its_measured_p95s(env, capsys):
    d = _run_dir(env, price=True)
    measured, err = decide(capsys, "--run", d)
    assumed, _ = decide(capsys, "--run", d, "--measured", "none")
    assert "measured in run measured-1: P95 teacher 40.00 ms, student 5.00 ms" in measured["scenario"]
    assert (
        "capacity prices teacher $0.000500, student $0.000100 per request (capacity model at 2,000,000"
        in (measured["scenario"])
    )
    a, _ = sources.scenario_for(sources.run_evidence(str(d)).cube, None)
    v, ref = a.requests_per_month, a.latency_reference_requests_per_month
    for model, p95, price in (("teacher", 40.0, 0.0005), ("student", 5.0, 0.0001)):
        latency = measured["components"]["latency"][f"{model}_usd"]
        # by hand: $ per ms-month × volume / reference volume × the P95's ms over the baseline
        assert latency == pytest.approx(a.usd_per_ms_month * v / ref * max(0.0, p95 - a.baseline_ms))
        assert measured["components"]["inference"][f"{model}_usd"] == pytest.approx(price * v)
    assert assumed["components"]["latency"]["teacher_usd"] == pytest.approx(
        a.usd_per_ms_month * v / ref * max(0.0, a.teacher.p95_latency_ms - a.baseline_ms)
    )
    assert "measured" not in assumed["scenario"]
    # --measured RUN applies the run's measurements to other evidence
    other, _ = decide(capsys, "--counts", _write(env, COUNTS), "--measured", d)
    assert other["components"]["latency"] == measured["components"]["latency"]
    got, note = sources.measured_assumptions(a, str(d))
    assert (got.teacher.latency_source, got.student.price_source, got.teacher.p95_latency_ms) == (
        "measured",
        "measured",
        40.0,
    )


def test_measured_refuses_a_run_without_measurements(env, capsys):
    d = _run_dir(env, latency=False)
    plain, _ = decide(capsys, "--run", d)  # decide --run: nothing measured, nothing said
    assert "measured" not in plain["scenario"]
    rc, _, err = run(capsys, "decide", "--measured", d)
    assert rc == 2 and "has no latency.json or price.json" in err
    (d / "latency.json").write_text(json.dumps({"teacher": {}, "student": {"onnx_fp32": {}}}))
    rc, _, err = run(capsys, "decide", "--run", d)
    assert rc == 2 and err.startswith("error: measured-1/latency.json: has no p95_ms for the teacher")
