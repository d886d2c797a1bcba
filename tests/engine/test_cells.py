"""The harm matrix's cells with their counts and dollars (engine/decision/cells.py), checked by hand on the seed."""

import numpy as np
import pandas as pd
import pytest

from engine.decision import cells, costs, cube


def _cell(c: pd.DataFrame, true: str, pred: str) -> pd.Series:
    return c[(c["true"] == true) & (c["pred"] == pred)].iloc[0]


def test_chitchat_to_faq_counts_and_dollars(seed_cube, seed_a, seed_rows):
    c = cells.harm_cells(seed_cube, seed_a)
    t = int(((seed_rows["true"] == "chitchat") & (seed_rows["teacher_pred"] == "faq")).sum())
    s = int(((seed_rows["true"] == "chitchat") & (seed_rows["student_pred"] == "faq")).sum())
    row = _cell(c, "chitchat", "faq")
    # 10,000 seed rows at the seed mix: per 10K = the raw count; $ = count × 0.2 units × $0.013 × 1.4M / 10K
    assert (row.teacher_per_10k, row.student_per_10k) == (t, s) == (18, 60)
    assert row.teacher_usd_per_month == pytest.approx(18 * 0.2 * 0.013 * 140)
    assert row.student_usd_per_month == pytest.approx(60 * 0.2 * 0.013 * 140)
    assert row.margin_usd_per_harm_unit == pytest.approx((18 - 60) * 0.013 * 140)  # −$76.44 per extra unit


def test_cells_add_up_to_the_error_dollars_of_the_breakdown(seed_cube, seed_a):
    c = cells.harm_cells(seed_cube, seed_a)
    b = costs.decompose(seed_cube, seed_a)
    assert c["teacher_usd_per_month"].sum() == pytest.approx(b.teacher.weighted_error_usd + b.teacher.critical_usd)
    assert c["student_usd_per_month"].sum() == pytest.approx(b.student.weighted_error_usd + b.student.critical_usd)
    assert c["teacher_usd_per_month"].sum() == pytest.approx(567.84 + 5_712.00)  # seed 000 §3 corrected


def test_critical_and_never_observed_cells_move_nothing(seed_cube, seed_a):
    c = cells.harm_cells(seed_cube, seed_a)
    assert len(c) == 90  # every off-diagonal cell of 10 intents
    crit = c[c["critical"]]
    assert set(crit["true"]) == {"escalation", "return_request"}
    assert (crit["margin_usd_per_harm_unit"] == 0).all()  # priced per critical event, not per harm unit
    never = c[~cells.observed(c)]
    assert len(never) > 0 and (never[["teacher_usd_per_month", "margin_usd_per_harm_unit"]] == 0).all().all()
    # changing a never-observed cell's harm units moves the margin by exactly $0
    i, j = seed_a.intents.index(never.iloc[0].true), seed_a.intents.index(never.iloc[0].pred)
    m = np.asarray(seed_a.harm_matrix, dtype=float)
    m[i, j] += 5
    moved = costs.decompose(seed_cube, seed_a.replace(harm_matrix=tuple(map(tuple, m.tolist())))).margin_usd
    assert moved == pytest.approx(costs.decompose(seed_cube, seed_a).margin_usd, abs=1e-9)


def test_a_per_unit_effect_is_what_an_edit_does(seed_cube, seed_a):
    c = cells.harm_cells(seed_cube, seed_a)
    row = c[cells.observed(c) & ~c["critical"]].iloc[3]
    i, j = seed_a.intents.index(row.true), seed_a.intents.index(row.pred)
    m = np.asarray(seed_a.harm_matrix, dtype=float)
    m[i, j] += 1.0
    before = costs.decompose(seed_cube, seed_a).margin_usd
    after = costs.decompose(seed_cube, seed_a.replace(harm_matrix=tuple(map(tuple, m.tolist())))).margin_usd
    assert after - before == pytest.approx(row.margin_usd_per_harm_unit)


def test_80_intents_every_cell_listed(seed_a):
    """80 intents (6,320 cells): every cell is listed, observed ones carry their counts."""
    names = [f"intent_{k:02d}" for k in range(80)]
    rng = np.random.default_rng(0)
    true = rng.choice(names, 3_000)
    rows = pd.DataFrame(
        {
            "true": true,
            "teacher_pred": np.where(rng.random(3_000) < 0.9, true, rng.choice(names, 3_000)),
            "student_pred": np.where(rng.random(3_000) < 0.85, true, rng.choice(names, 3_000)),
        }
    )
    cb = cube.from_rows(rows)
    from engine import sources

    a, _ = sources.scenario_for(cb, None)
    c = cells.harm_cells(cb, a)
    assert len(c) == 80 * 79
    wrong_t = rows[rows["true"] != rows["teacher_pred"]]
    assert c["teacher_per_10k"].sum() == pytest.approx(len(wrong_t) / 3_000 * 10_000)
