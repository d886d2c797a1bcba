"""Candidates read off a rows table's prediction columns, with each candidate's interval exactly its two-model
run's and the lead of two candidates the same whichever others stand beside them."""

import numpy as np
import pandas as pd
import pytest

from engine.data import seed
from engine.decision import cube as cube_mod
from engine.decision import uncertainty, verdict
from engine.errors import DistillDecideError
from engine.rollout import candidates


@pytest.fixture(scope="module")
def rows():
    r = seed.load_rows()[["request_id", "segment", "true", "teacher_pred", "student_pred"]].copy()
    rng = np.random.default_rng(1)
    for col, share in (("s4_pred", 0.3), ("int8_pred", 0.6)):
        r[col] = np.where(rng.random(len(r)) < share, r["student_pred"], r["teacher_pred"])
    return r


def test_columns_in_reads_student_pred_and_every_other_pred_column():
    frame = pd.DataFrame(columns=["true", "s4_pred", "teacher_pred", "student_pred", "int8_pred", "p_student_faq"])
    assert candidates.columns_in(frame) == {"student": "student_pred", "s4": "s4_pred", "int8": "int8_pred"}
    assert candidates.columns_in(frame[["true", "teacher_pred", "student_pred"]]) == {}  # one student: no plane
    many = pd.DataFrame(columns=["teacher_pred", *(f"m{i}_pred" for i in range(21))])
    with pytest.raises(DistillDecideError, match="compare at most 20"):
        candidates.columns_in(many)


def test_each_interval_is_its_two_model_runs_and_the_lead_ignores_bystanders(rows):
    a = seed.load_assumptions()
    cols = {"student": "student_pred", "s4": "s4_pred", "int8": "int8_pred"}
    comp = candidates.compare(candidates.joint_cells(rows, cols), cols, a)
    for name, col in cols.items():
        pair = rows[["segment", "true", "teacher_pred", col]].rename(columns={col: "student_pred"})
        c = cube_mod.from_rows(pair, intents=seed.INTENTS)
        alone = verdict.decide(cube_mod.Evidence(c, None, "pair"), a, draws=uncertainty.draw(c, 10_000, 0))
        assert comp.decisions[name].bootstrap.margin_ci95_usd == alone.bootstrap.margin_ci95_usd  # exactly
        assert comp.decisions[name].breakdown.margin_usd == alone.breakdown.margin_usd
    # the seed student is the seed verdict: $1,122 with its interval
    assert round(comp.decisions["student"].breakdown.margin_usd) == 1122
    two = {"s4": "s4_pred", "int8": "int8_pred"}
    pairwise = candidates.compare(candidates.joint_cells(rows, two), two, a)
    assert (comp.best, comp.runner_up) == (pairwise.best, pairwise.runner_up) == ("s4", "int8")
    assert comp.lead_usd == pairwise.lead_usd and comp.lead_ci95_usd == pairwise.lead_ci95_usd
    assert comp.sentence == pairwise.sentence
    lo, hi = comp.lead_ci95_usd
    assert round(comp.lead_usd) == 373 and lo < 373 < hi  # $2,363 − $1,990
