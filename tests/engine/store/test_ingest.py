"""`store.ingest_run`: one transaction, so a failure half-way stores nothing of the run; re-ingesting is idempotent."""

import json

import pandas as pd
import pytest

from engine import store
from engine.errors import DistillDecideError
from engine.store import runs as store_runs
from tests.conftest import run_cli

LABELS = ["faq", "order_tracking"]
TABLES = ("request_rows", "runs", "run_steps", "run_epochs")


def predictions(n: int) -> pd.DataFrame:
    """``n`` per-request rows: the teacher always right, the student wrong on every third."""
    true = [LABELS[i % 2] for i in range(n)]
    student = [LABELS[(i + 1) % 2] if i % 3 == 0 else t for i, t in enumerate(true)]
    frame = pd.DataFrame({"request_id": [f"r{i}" for i in range(n)], "true": true, "teacher_pred": true})
    frame["student_pred"] = student
    for model in ("teacher", "student"):
        for label in LABELS:
            frame[f"p_{model}_{label}"] = 0.5
    return frame


def make_run(root, run_id="hand-1", n=4):
    """A finished run directory by hand: 4 predictions, 3 logged steps, 2 student epochs (epoch 2 kept)."""
    d = root / run_id
    d.mkdir(parents=True)
    (d / "config.json").write_text(json.dumps({"run_id": run_id, "labels": LABELS}))
    (d / "summary.json").write_text(json.dumps({"selection": {"student": {"epoch": 2}}}))
    steps = [{"phase": "student", "epoch": 1, "global_step": s, "total_loss": 1.0 / s} for s in (1, 2, 3)]
    (d / "steps.jsonl").write_text("".join(json.dumps(s) + "\n" for s in steps))
    epochs = [{"phase": "student", "epoch": e, "val_accuracy": 0.5 + e / 10} for e in (1, 2)]
    (d / "epochs.jsonl").write_text("".join(json.dumps(e) + "\n" for e in epochs))
    predictions(n).to_parquet(d / "predictions.parquet")
    (d / "DONE").write_text("x\n")
    return d


def stored_counts(run_id="hand-1") -> dict[str, int]:
    with store.connect(read_only=True) as con:
        out = {}
        for table in TABLES:  # fixed names
            key, value = ("source", f"run:{run_id}") if table == "request_rows" else ("run_id", run_id)
            out[table] = con.execute(f"SELECT count(*) FROM {table} WHERE {key} = ?", [value]).fetchone()[0]
    return out


FULL = {"request_rows": 4, "runs": 1, "run_steps": 3, "run_epochs": 2}
EMPTY = dict.fromkeys(TABLES, 0)


def test_ingest_stores_every_part_and_is_idempotent(db, tmp_path):
    d = make_run(tmp_path)
    assert store.ingest_run(d) == "hand-1"
    assert stored_counts() == FULL
    assert store.ingest_run(d) == "hand-1"  # again: replaced, not doubled
    assert stored_counts() == FULL
    epochs = store.load_run_log("hand-1")
    assert epochs.epoch.tolist() == [1, 2] and epochs.kept.tolist() == [False, True]
    assert store.load_run_log("hand-1", "steps").total_loss.tolist() == pytest.approx([1.0, 0.5, 1 / 3])
    assert store.run_labels("hand-1") == LABELS
    assert store.list_ingested_runs().run_id.tolist() == ["hand-1"]


def _fail_on(table: str, monkeypatch):
    real = store_runs.insert_frame

    def insert(con, frame, sql, params=None):
        if f"INTO {table} " in sql:
            raise RuntimeError(f"disk full while writing {table} (simulated)")
        return real(con, frame, sql, params)

    monkeypatch.setattr(store_runs, "insert_frame", insert)


def test_failure_half_way_stores_nothing_then_reingest_works(db, tmp_path, monkeypatch):
    d = make_run(tmp_path)
    _fail_on("run_epochs", monkeypatch)  # the last write: rows, runs and steps are already inserted by then
    with pytest.raises(RuntimeError, match="disk full"):
        store.ingest_run(d)
    assert stored_counts() == EMPTY
    monkeypatch.undo()
    store.ingest_run(d)
    assert stored_counts() == FULL


def test_failed_reingest_keeps_the_previous_ingest_whole(db, tmp_path, monkeypatch):
    d = make_run(tmp_path)
    store.ingest_run(d)
    predictions(7).to_parquet(d / "predictions.parquet")  # the run was re-evaluated on 7 requests
    _fail_on("run_steps", monkeypatch)
    with pytest.raises(RuntimeError):
        store.ingest_run(d)
    assert stored_counts() == FULL  # still the 4 rows of the first ingest, not 7, not 0
    monkeypatch.undo()
    store.ingest_run(d)
    assert stored_counts() == FULL | {"request_rows": 7}


def test_unreadable_predictions_store_nothing(db, tmp_path):
    d = make_run(tmp_path)
    (d / "predictions.parquet").write_bytes(b"PAR1 torn in the copy")
    with pytest.raises(DistillDecideError, match=r"predictions\.parquet could not be read"):
        store.ingest_run(d)
    assert not db.exists()  # checked before the database was even opened
    predictions(4).to_parquet(d / "predictions.parquet")  # fixed: copied again
    store.ingest_run(d)
    assert stored_counts() == FULL


def test_torn_step_log_stores_nothing(db, tmp_path):
    d = make_run(tmp_path)
    with (d / "steps.jsonl").open("a") as f:
        f.write('{"phase": "student", "glob')
    with pytest.raises(DistillDecideError, match=r"steps\.jsonl could not be read"):
        store.ingest_run(d)
    assert stored_counts() == EMPTY


def test_runs_cli_import_list_and_log(db, tmp_path):
    d = make_run(tmp_path)
    r = run_cli("runs", "list", "--ingested", env_db=db)
    assert r.returncode == 0 and "no ingested runs" in r.stdout
    r = run_cli("runs", "import", str(d), env_db=db)
    assert r.returncode == 0 and r.stdout.strip() == "ingested hand-1", r.stderr
    r = run_cli("runs", "list", "--ingested", "--json", env_db=db)
    assert [x["run_id"] for x in json.loads(r.stdout)] == ["hand-1"]
    r = run_cli("runs", "log", "hand-1", "--json", env_db=db)
    assert [(x["epoch"], x["kept"], x["val_accuracy"]) for x in json.loads(r.stdout)] == [
        (1, False, 0.6),
        (2, True, 0.7),
    ]
    r = run_cli("runs", "log", "hand-1", "--steps", "--json", env_db=db)
    assert [x["global_step"] for x in json.loads(r.stdout)] == [1, 2, 3]
    r = run_cli("runs", "log", "nope", env_db=db)
    assert r.returncode == 2 and "no ingested epochs" in r.stderr
