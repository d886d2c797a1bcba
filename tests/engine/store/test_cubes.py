"""Stored cubes priced by hash, and a stored source's cube from the store's one GROUP BY."""

import json

import pandas as pd
import pytest

from engine import sources, store
from engine.errors import DistillDecideError
from tests.conftest import run_cli

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


def decide_json(*args, db):
    r = run_cli("decide", *args, "--json", "--bootstrap", "200", env_db=db)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_cube_import_then_decide_by_hash_matches_the_counts_file(tmp_path, db):
    path = tmp_path / "counts.csv"
    COUNTS.to_csv(path, index=False)
    r = run_cli("cube", "import", str(path), "--json", env_db=db)
    assert r.returncode == 0, r.stderr
    imported = json.loads(r.stdout)
    assert (imported["n"], imported["cells"], imported["segments"]) == (100, 3, ["all"])
    by_file = decide_json("--counts", str(path), db=db)
    by_hash = decide_json("--cube", imported["cube_hash"], db=db)
    assert by_hash["cube_hash"] == by_file["cube_hash"] == imported["cube_hash"]
    for model in ("teacher", "student"):
        assert by_hash[model] == by_file[model]
    assert by_hash["margin_usd"] == by_file["margin_usd"]
    # by hand: the teacher misroutes nothing; the student misroutes 10 % of 1.4M requests, all critical
    assert by_hash["teacher"]["misroutes_per_month"] == 0
    assert by_hash["student"]["misroutes_per_month"] == pytest.approx(140_000)
    assert by_hash["student"]["critical_events_per_month"] == pytest.approx(140_000)
    r = run_cli("sweep", "volume", "--cube", imported["cube_hash"], "--json", "--steps", "3", env_db=db)
    assert r.returncode == 0 and len(json.loads(r.stdout)["rows"]) == 3, r.stderr


def test_unknown_cube_hash_is_one_line(db):
    r = run_cli("decide", "--cube", "0123456789abcdef", env_db=db)
    assert r.returncode == 2 and "is not stored" in r.stderr and "Traceback" not in r.stderr


def test_store_keeps_plain_counts_and_sources_checks_the_hash(db):
    store.save_cube(
        COUNTS,
        cube_hash="not-its-hash",
        source="hand",
        intents=["escalation", "faq", "order_tracking"],
        segments=["all"],
    )
    meta, counts = store.load_cube("not-its-hash")
    assert meta == {
        "cube_hash": "not-its-hash",
        "source": "hand",
        "intents": ["escalation", "faq", "order_tracking"],
        "segments": ["all"],
        "n": 100,
    }
    assert sorted(counts.n.tolist()) == [10, 30, 60]
    with pytest.raises(DistillDecideError, match="no longer matches its hash"):
        sources.stored_cube_evidence("not-its-hash")
    with pytest.raises(DistillDecideError, match="missing"):
        store.save_cube(COUNTS.drop(columns=["n"]), cube_hash="x", source="hand", intents=[], segments=[])


def test_stored_source_cube_from_the_group_by_equals_the_rows_cube(db):
    rows = COUNTS.loc[COUNTS.index.repeat(COUNTS.n // 10)].drop(columns=["n"]).reset_index(drop=True)
    rows["request_id"] = [f"r{i}" for i in range(len(rows))]  # 6 + 3 + 1 = 10 rows
    assert store.save_rows("upload:hand", rows, intents=[]) == 10
    counted = store.cube_counts_from_rows("upload:hand")
    assert sorted(counted.n.tolist()) == [1, 3, 6]
    no_rows = sources.run_evidence("upload:hand", with_rows=False)
    with_rows = sources.run_evidence("upload:hand")
    assert no_rows.rows is None and len(with_rows.rows) == 10
    assert no_rows.cube.n == with_rows.cube.n == 10 and no_rows.cube.n_cells == 3
    assert no_rows.cube.hash == with_rows.cube.hash
    r = run_cli("sweep", "volume", "--run", "upload:hand", "--json", "--steps", "2", env_db=db)
    assert r.returncode == 0 and json.loads(r.stdout)["evidence"] == "stored upload:hand", r.stderr
