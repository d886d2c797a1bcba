"""Every target of DESIGN.md's seed scenario, checked on the committed rows."""

import numpy as np
import pandas as pd
import pytest

from engine.data import seed
from engine.quality import metrics

INTENTS = list(seed.INTENTS)


@pytest.fixture(scope="module")
def arrays(seed_rows):
    y = seed_rows["true"].map(INTENTS.index).to_numpy()
    t = seed_rows["teacher_pred"].map(INTENTS.index).to_numpy()
    s = seed_rows["student_pred"].map(INTENTS.index).to_numpy()
    pt = seed_rows[[f"p_teacher_{c}" for c in INTENTS]].to_numpy()
    ps = seed_rows[[f"p_student_{c}" for c in INTENTS]].to_numpy()
    return y, t, s, pt, ps


def test_shape_priors_and_segments(seed_rows):
    assert len(seed_rows) == 10_000 and seed_rows.request_id.is_unique
    counts = seed_rows["true"].value_counts()
    assert {k: int(v) for k, v in counts.items()} == {
        "order_tracking": 2400,
        "product_question": 1600,
        "product_discovery": 1300,
        "recommendation": 1100,
        "faq": 1000,
        "return_request": 800,
        "chitchat": 700,
        "checkout_help": 600,
        "escalation": 300,
        "account_security": 200,
    }
    assert seed_rows.segment.value_counts().to_dict() == {"returning": 6000, "new": 3000, "vip": 1000}


def test_correct_agreement_and_critical_pairing(arrays):
    y, t, s, _, _ = arrays
    assert (t == y).sum() == 9210 and (s == y).sum() == 9050 and (t == s).sum() == 9740
    crit = np.isin(y, [INTENTS.index("escalation"), INTENTS.index("return_request")])
    t_miss, s_miss = crit & (t != y), crit & (s != y)
    assert t_miss.sum() == 34 and s_miss.sum() == 45
    assert (t_miss & s_miss).sum() == 30 and (t_miss & ~s_miss).sum() == 4 and (s_miss & ~t_miss).sum() == 15
    # seed 001 §3, corrected (seed error 6): misroutes = 10,000 − correct, split into low-cost and critical
    assert (t != y).sum() - t_miss.sum() == 756 and (s != y).sum() - s_miss.sum() == 905


def test_harm_units_exact(arrays):
    y, t, s, _, _ = arrays
    harm = seed.harm_matrix()
    crit = np.isin(y, [INTENTS.index("escalation"), INTENTS.index("return_request")])
    assert harm[y, t][~crit].sum() == pytest.approx(312.0)
    assert harm[y, s][~crit].sum() == pytest.approx(356.0)


def test_student_quality_inside_seed_001_targets(arrays):
    y, t, s, pt, ps = arrays
    assert metrics.macro_f1_score(y, s, 10) == pytest.approx(0.847, abs=0.005)
    rare = np.array([INTENTS.index("escalation"), INTENTS.index("account_security")])
    assert 0.872 <= metrics.pooled_class_accuracy(y, s, rare) <= 0.879
    assert 0.041 <= metrics.expected_calibration_error(y, ps, 15) <= 0.048
    assert metrics.kl_divergence(pt, ps, 3.0) == pytest.approx(0.083, abs=0.005)


def test_probabilities_are_consistent_with_predictions(arrays):
    _, t, s, pt, ps = arrays
    assert np.allclose(pt.sum(axis=1), 1, atol=1e-4) and np.allclose(ps.sum(axis=1), 1, atol=1e-4)
    assert (pt.argmax(axis=1) == t).all() and (ps.argmax(axis=1) == s).all()


def test_cube_is_small(seed_cube):
    assert seed_cube.n == 10_000 and seed_cube.n_cells <= 300


def test_harm_matrix_file_matches_scenario(seed_a):
    from engine.paths import SEED_DIR

    df = pd.read_csv(SEED_DIR / "harm_matrix.csv", index_col=0)
    assert list(df.index) == INTENTS and list(df.columns) == INTENTS
    assert np.allclose(df.to_numpy(), np.asarray(seed_a.harm_matrix))
    assert np.all(np.diag(df.to_numpy()) == 0)


def test_generator_reproduces_committed_rows(seed_rows):
    regenerated = seed.generate()
    for col in ("request_id", "segment", "true", "teacher_pred", "student_pred"):
        assert (regenerated[col].to_numpy() == seed_rows[col].to_numpy()).all(), col
    prob_cols = [c for c in seed_rows.columns if c.startswith("p_")]
    assert np.abs(regenerated[prob_cols].to_numpy() - seed_rows[prob_cols].to_numpy()).max() < 2e-6
