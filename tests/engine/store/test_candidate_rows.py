"""A stored source keeps its extra candidate prediction columns (``<name>_pred``): an upload reloaded from the
store (its link reopened) gives the same candidates and the same paired intervals, to the cent; a database made
before the candidates table (schema 6) still opens and reads its rows."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from engine import sources, store
from engine.data import seed
from engine.rollout import candidates

COLUMNS = {"student": "student_pred", "s4": "s4_pred", "int8": "int8_pred"}


@pytest.fixture(scope="module")
def three() -> pd.DataFrame:
    """The seed rows with two more candidates (the teacher's routes, 30% / 60% of requests taken from the seed
    student), the columns in the order an upload gives them."""
    r = seed.load_rows()[["request_id", "segment", "true", "teacher_pred", "student_pred"]].copy()
    rng = np.random.default_rng(1)
    for col, share in (("s4_pred", 0.3), ("int8_pred", 0.6)):
        r[col] = np.where(rng.random(len(r)) < share, r["student_pred"], r["teacher_pred"])
    return r


def _compare(rows: pd.DataFrame) -> candidates.Comparison:
    cols = candidates.columns_in(rows)
    return candidates.compare(candidates.joint_cells(rows, cols), cols, seed.load_assumptions(), B=2_000, rng=0)


def test_an_upload_reloaded_from_the_store_keeps_its_candidates_and_their_intervals(db, three):
    source = "upload:three"
    assert store.save_rows(source, three, intents=seed.INTENTS) == 10_000
    back = store.load_rows(source)
    assert list(back.columns) == [
        "request_id", "segment", "true", "teacher_pred", "student_pred", "s4_pred", "int8_pred",
        "teacher_probs", "student_probs",
    ]  # fmt: skip
    by_id = three.set_index("request_id")
    for col in ("s4_pred", "int8_pred"):
        assert (back.set_index("request_id")[col] == by_id.loc[back["request_id"], col]).all(), col
    ev = sources.stored_source_evidence(source)  # what a reopened link reads
    assert candidates.columns_in(ev.rows) == COLUMNS
    before, after = _compare(three), _compare(ev.rows)
    assert list(after.decisions) == list(before.decisions) == list(COLUMNS)
    for name in COLUMNS:
        b, a = before.decisions[name], after.decisions[name]
        assert round(a.breakdown.margin_usd, 2) == round(b.breakdown.margin_usd, 2), name
        assert [round(x, 2) for x in a.bootstrap.margin_ci95_usd] == [round(x, 2) for x in b.bootstrap.margin_ci95_usd]
    assert after.sentence == before.sentence and after.best == "s4"
    # saved again with one candidate fewer: the stored columns are replaced, not added to
    store.save_rows(source, three.drop(columns=["int8_pred"]), intents=seed.INTENTS)
    assert candidates.columns_in(store.load_rows(source)) == {"student": "student_pred", "s4": "s4_pred"}


def test_a_missing_candidate_prediction_stays_missing(db, three):
    rows = three.head(4).copy()
    rows.loc[rows.index[1], "int8_pred"] = None
    store.save_rows("upload:gap", rows, intents=seed.INTENTS)
    back = store.load_rows("upload:gap").set_index("request_id").loc[rows["request_id"]]
    assert back["int8_pred"].isna().tolist() == [False, True, False, False]
    assert back["s4_pred"].tolist() == rows["s4_pred"].tolist()


def test_a_database_from_before_the_candidates_table_still_opens(db, three, monkeypatch):
    from engine.store import db as store_db

    monkeypatch.setattr(store_db, "MIGRATIONS", store.MIGRATIONS[:6])
    assert store.migrate() == 6
    monkeypatch.undo()
    monkeypatch.setenv("DISTILL_DECIDE_DB", str(db))
    with duckdb.connect(str(db)) as con:  # rows as the code of schema 6 wrote them
        con.register("incoming", three.head(50))
        con.execute(
            "INSERT INTO request_rows SELECT 'upload:old', request_id, segment, \"true\", teacher_pred, "
            "student_pred, NULL, NULL FROM incoming"
        )
        assert "request_candidates" not in {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    old = store.load_rows("upload:old")  # a read: nothing is migrated, nothing fails
    assert len(old) == 50 and "s4_pred" not in old.columns
    assert sources.stored_source_evidence("upload:old").cube.n == 50
    store.save_rows("upload:new", three.head(20), intents=seed.INTENTS)  # the next write upgrades the file
    assert store.migrate() == 7
    assert "s4_pred" in store.load_rows("upload:new").columns and len(store.load_rows("upload:old")) == 50
