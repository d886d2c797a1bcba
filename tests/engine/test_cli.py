"""`python -m engine decide|sweep|cube|scenario`: the JSON contract and one-line errors."""

import json

import pytest

from tests.conftest import run_cli


@pytest.fixture(scope="module")
def decide_json():
    r = run_cli("decide", "--json", "--bootstrap", "2000", "--seed", "3")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_decide_json_contract(decide_json):
    d = decide_json
    assert round(d["teacher"]["total_usd"]) == 12112 and round(d["student"]["total_usd"]) == 10990
    assert round(d["margin_usd"]) == 1122
    assert d["verdict"] == {**d["verdict"], "state": "lean", "model": "student"}
    assert set(d["components"]) >= {"inference", "weighted_error", "critical", "operational", "latency"}
    assert round(d["break_even"]["critical_cost_usd"], 2) == 1.93
    assert round(d["break_even"]["volume"]) == 36461
    lo, hi = d["bootstrap"]["margin_ci95"]
    assert lo < 0 < 1122 < hi
    assert 0.8 < d["bootstrap"]["p_student_cheaper"] < 1
    assert d["bootstrap"]["requests_to_exclude_zero_total"] - 10_000 == d["bootstrap"]["additional_requests"] > 0
    assert d["bootstrap"]["B"] == 2000 and d["bootstrap"]["seed"] == 3


def test_decide_flags():
    r = run_cli("decide", "--json", "--bootstrap", "500", "--latency-cost-per-ms", "50")
    assert round(json.loads(r.stdout)["margin_usd"]) == 1472
    r = run_cli("decide", "--json", "--bootstrap", "500", "--critical-cost", "2.0")
    d = json.loads(r.stdout)
    assert round(d["margin_usd"]) == -110 and d["verdict"]["model"] == "teacher"
    r = run_cli("decide", "--json", "--bootstrap", "500", "--volume", "20000000")
    assert round(json.loads(r.stdout)["teacher"]["total_usd"]) == 166224


def test_decide_text_table():
    r = run_cli("decide", "--bootstrap", "500")
    assert r.returncode == 0
    assert "$12,112" in r.stdout and "$10,990" in r.stdout and "−$1,122" in r.stdout
    assert "Lean student" in r.stdout


def test_sweep_json_crossing():
    r = run_cli("sweep", "critical-cost", "--from", "0.4", "--to", "5", "--steps", "24", "--json")
    d = json.loads(r.stdout)
    assert d["crossing"] == pytest.approx(1.9285, abs=1e-4) and len(d["rows"]) == 24
    r = run_cli("sweep", "volume", "--from", "500000", "--to", "20000000", "--steps", "4", "--json")
    d = json.loads(r.stdout)
    assert d["crossing"] is None and round(d["rows"][0]["margin_usd"], 2) == 381.40
    r = run_cli("sweep", "latency", "--json")
    assert json.loads(r.stdout)["crossing"] is None


@pytest.mark.parametrize(
    "args, words",
    [
        (("decide", "--volume", "-5"), "requests_per_month"),
        (("decide", "--scenario", "missing.json"), "not found"),
        (("decide", "--counts", "nope.csv"), "not found"),
        (("sweep", "volume", "--from", "5", "--to", "1"), "--to"),
        (("decide", "--run", "no-such-run"), "run"),
    ],
)
def test_bad_input_is_one_line(args, words, db):
    r = run_cli(*args, env_db=db)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0]
    assert "Traceback" not in r.stderr


def test_cube_import_and_build(tmp_path, db, seed_cube, seed_rows):
    counts = tmp_path / "counts.csv"
    seed_cube.to_frame().to_csv(counts, index=False)
    r = run_cli("cube", "import", str(counts), "--json", env_db=db)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["n"] == 10_000
    r = run_cli("decide", "--counts", str(counts), "--json", "--bootstrap", "500", env_db=db)
    assert round(json.loads(r.stdout)["margin_usd"]) == 1122
    logs = tmp_path / "logs.parquet"
    seed_rows[["segment", "true", "teacher_pred", "student_pred"]].to_parquet(logs)
    r = run_cli("cube", "build", "--parquet", str(logs), "--json", env_db=db)
    assert json.loads(r.stdout)["cube_hash"] == seed_cube.hash


def test_bad_counts_file_writes_nothing(tmp_path, db):
    bad = tmp_path / "bad.csv"
    bad.write_text("true,teacher_pred,student_pred,n\na,a,a,-4\n")
    r = run_cli("cube", "import", str(bad), env_db=db)
    assert r.returncode == 2 and "negative" in r.stderr
    assert not db.exists()  # nothing was created, let alone half-written
