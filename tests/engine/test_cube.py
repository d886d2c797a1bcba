"""The confusion cube: builds agree, and bad counts or labels are refused with a fix."""

import pandas as pd
import pytest

from engine.decision import cube
from engine.errors import DistillDecideError


def test_rows_and_counts_give_the_same_cube(seed_cube, seed_rows):
    counts = seed_cube.to_frame()
    again = cube.from_counts(counts, intents=seed_cube.intents)
    assert again.hash == seed_cube.hash
    assert counts.n.sum() == 10_000
    # shuffled rows, same cube
    shuffled = cube.from_rows(seed_rows.sample(frac=1, random_state=1), intents=seed_cube.intents)
    assert shuffled.hash == seed_cube.hash


def test_counts_file_round_trip(seed_cube, tmp_path):
    for name in ("c.csv", "c.parquet"):
        p = tmp_path / name
        f = seed_cube.to_frame()
        f.to_csv(p, index=False) if name.endswith(".csv") else f.to_parquet(p)
        assert cube.read_counts(p, intents=seed_cube.intents).hash == seed_cube.hash


def test_duplicate_cells_are_merged():
    df = pd.DataFrame(
        {"true": ["a", "a", "b"], "teacher_pred": ["a", "a", "b"], "student_pred": ["b", "b", "b"], "n": [2, 3, 4]}
    )
    c = cube.from_counts(df)
    assert c.n == 9 and c.n_cells == 2 and c.segments == ("all",)


def test_reorder_keeps_counts(seed_cube):
    rev = seed_cube.reorder(tuple(reversed(seed_cube.intents)))
    assert rev.n == seed_cube.n and rev.accuracy("student") == pytest.approx(0.905)


@pytest.mark.parametrize(
    "df, field, words",
    [
        (pd.DataFrame({"true": ["a"], "teacher_pred": ["a"], "student_pred": ["a"], "n": [-1]}), "n", "negative"),
        (pd.DataFrame({"true": ["a"], "teacher_pred": ["a"], "student_pred": ["a"], "n": [1.5]}), "n", "fractional"),
        (pd.DataFrame({"true": ["a"], "teacher_pred": ["a"], "student_pred": ["a"], "n": ["x"]}), "n", "not numbers"),
        (pd.DataFrame({"true": ["a"], "teacher_pred": ["a"], "student_pred": ["a"], "n": [0]}), "counts", "empty"),
        (pd.DataFrame({"true": [], "teacher_pred": [], "student_pred": [], "n": []}), "counts", "no rows"),
        (
            pd.DataFrame({"true": ["a"], "teacher_pred": ["a"], "n": [1]}),
            "counts column(s) ['student_pred']",
            "missing",
        ),
        (
            pd.DataFrame({"true": ["a", "b"], "teacher_pred": ["a", "z"], "student_pred": ["a", "b"], "n": [1, 1]}),
            "teacher_pred",
            "never occur as a true label",
        ),
        (
            pd.DataFrame({"true": ["a", None], "teacher_pred": ["a", "a"], "student_pred": ["a", "a"], "n": [1, 1]}),
            "true",
            "empty value",
        ),
    ],
)
def test_bad_counts(df, field, words):
    with pytest.raises(DistillDecideError) as exc:
        cube.from_counts(df)
    assert exc.value.field == field and words in exc.value.problem


def test_unknown_intent_against_label_set():
    df = pd.DataFrame({"true": ["a"], "teacher_pred": ["a"], "student_pred": ["refund"], "n": [1]})
    with pytest.raises(DistillDecideError) as exc:
        cube.from_counts(df, intents=["a", "b"])
    assert exc.value.field == "student_pred" and "refund" in exc.value.problem


def test_scenario_missing_an_intent_of_the_data(seed_cube, seed_a):
    from engine.decision import costs

    small = seed_a.replace(intents=seed_a.intents[:2], harm_matrix=((0, 1), (1, 0)), critical_intents=())
    with pytest.raises(DistillDecideError, match="scenario lacks"):
        costs.decompose(seed_cube, small)


def test_bad_files(tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(DistillDecideError, match="empty"):
        cube.read_counts(empty)
    garbage = tmp_path / "g.csv.gz"
    garbage.write_bytes(b"\x00\x01not gzip")
    with pytest.raises(DistillDecideError, match="could not be parsed"):
        cube.read_counts(garbage)
    big = tmp_path / "big.csv"
    big.write_text("true,teacher_pred,student_pred,n\n" + "a,a,a,1\n" * 1000)
    with pytest.raises(DistillDecideError, match="over the"):
        cube.read_table(big, max_bytes=100)
    with pytest.raises(DistillDecideError, match="not CSV or parquet"):
        (tmp_path / "x.xlsx").write_text("x")
        cube.read_counts(tmp_path / "x.xlsx")
    latin = tmp_path / "l.csv"
    latin.write_bytes("true,teacher_pred,student_pred,n\ncaf\xe9,a,a,1\n".encode("latin-1"))
    with pytest.raises(DistillDecideError, match="could not be parsed"):
        cube.read_counts(latin)
