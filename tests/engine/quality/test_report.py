"""The quality report: seed metrics with intervals, McNemar, calibration, and parity with metrics.py.

The parity tests hold the report to ``engine.quality.metrics`` on the seed rows and on random rows,
so a second copy of a formula cannot come back (copies agree on the seed and drift elsewhere).
"""

import numpy as np
import pandas as pd
import pytest

from engine.data.seed import INTENTS
from engine.decision import cube as cube_mod
from engine.decision import uncertainty
from engine.quality import metrics as qm
from engine.quality import report as quality_report


@pytest.fixture(scope="module")
def report(seed_cube, seed_rows, seed_a):
    return quality_report.report(
        seed_cube, seed_rows, critical_intents=seed_a.critical_intents, draws=uncertainty.draw(seed_cube, 4_000, 0)
    )


def _arrays(rows, intents):
    lab = {v: i for i, v in enumerate(intents)}
    y, t, s = (rows[c].map(lab).to_numpy() for c in ("true", "teacher_pred", "student_pred"))
    pt = rows[[f"p_teacher_{i}" for i in intents]].to_numpy()
    ps = rows[[f"p_student_{i}" for i in intents]].to_numpy()
    return y, t, s, pt, ps


def test_seed_metrics_and_intervals(report):
    assert report.get("accuracy", "student").point == pytest.approx(0.905)
    assert report.get("agreement", "pair").point == pytest.approx(0.974)
    assert report.get("rare_class_accuracy", "student").point == pytest.approx(0.874)
    assert report.get("critical_rate", "teacher").point == pytest.approx(0.0034)
    lo, hi = report.get("accuracy", "student").ci95
    assert lo < 0.905 < hi and hi - lo == pytest.approx(2 * 1.96 * np.sqrt(0.905 * 0.095 / 10_000), rel=0.1)
    assert report.rare_classes == ("escalation", "account_security")
    assert 0.041 <= report.get("ece", "student").point <= 0.048
    assert report.get("kl_t3", "pair").point == pytest.approx(0.083, abs=0.005)


def test_mcnemar(report):
    assert (report.mcnemar_b, report.mcnemar_c) == (200, 40)
    assert quality_report.mcnemar_exact(5, 5) == 1.0
    assert quality_report.mcnemar_exact(0, 6) == pytest.approx(2 * 0.5**6)


def test_per_segment_and_per_class(report):
    seg = report.per_segment
    assert set(seg.segment) == {"new", "returning", "vip"} and seg.requests.sum() == 2 * 10_000
    pc = report.per_class.set_index("intent")
    assert pc.loc["escalation", "student_accuracy"] == pytest.approx(275 / 300)
    assert pc.loc["account_security", "support"] == 200


def test_temperature_scaling_lowers_ece_on_a_miscalibrated_set():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 2, size=(6_000, 5))
    p_true = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y = np.array([rng.choice(5, p=p) for p in p_true])
    over = np.exp(3 * logits) / np.exp(3 * logits).sum(1, keepdims=True)  # overconfident by T = 3
    fit = np.arange(6_000) % 2 == 0
    cal = quality_report.calibrate(y, over, fit)
    assert cal.temperature == pytest.approx(3.0, rel=0.15)
    assert cal.ece_before > 0.1 and cal.ece_after < 0.03
    assert cal.ece_equal_mass_after < cal.ece_equal_mass_before
    ev_y, ev_p = y[~fit], over[~fit]  # each ECE is metrics.py's, on the evaluation half
    assert cal.ece_before == pytest.approx(qm.expected_calibration_error(ev_y, ev_p), abs=1e-12)
    after = qm.soften(ev_p, cal.temperature)
    assert cal.ece_after == pytest.approx(qm.expected_calibration_error(ev_y, after), abs=1e-12)
    q = qm.expected_calibration_error(ev_y, ev_p, strategy="quantile")
    assert cal.ece_equal_mass_before == pytest.approx(q, abs=1e-12)


def test_report_probability_metrics_are_metrics_py_on_the_seed_rows(report, seed_rows):
    y, _, _, pt, ps = _arrays(seed_rows, INTENTS)
    assert abs(report.get("kl_t3", "pair").point - qm.kl_divergence(pt, ps, 3.0)) < 1e-12
    assert abs(report.get("ece", "teacher").point - qm.expected_calibration_error(y, pt, 15)) < 1e-12
    assert abs(report.get("ece", "student").point - qm.expected_calibration_error(y, ps, 15)) < 1e-12


def test_report_count_metrics_are_metrics_py_on_the_seed_rows(report, seed_rows):
    y, t, s, _, _ = _arrays(seed_rows, INTENTS)
    rare = np.array(qm.rare_classes(qm.class_priors(y, len(INTENTS))))
    assert tuple(INTENTS[i] for i in rare) == report.rare_classes
    assert abs(report.get("agreement", "pair").point - qm.agreement(t, s)) < 1e-12
    for model, pred in (("teacher", t), ("student", s)):
        assert abs(report.get("accuracy", model).point - qm.accuracy_score(y, pred)) < 1e-12
        assert abs(report.get("macro_f1", model).point - qm.macro_f1_score(y, pred, len(INTENTS))) < 1e-12
        assert abs(report.get("rare_class_accuracy", model).point - qm.pooled_class_accuracy(y, pred, rare)) < 1e-12


def _random_rows(seed: int, n: int = 1_500) -> tuple[pd.DataFrame, list[str]]:
    rng = np.random.default_rng(seed)
    intents = ["a", "b", "c", "d", "e"]
    priors = np.array([0.55, 0.25, 0.12, 0.05, 0.03])
    y = rng.choice(5, size=n, p=priors)
    pt = rng.dirichlet(np.ones(5) * 0.4, size=n)
    pt[np.arange(n), y] += rng.uniform(0, 1.5, n)
    pt /= pt.sum(axis=1, keepdims=True)
    ps = 0.7 * pt + 0.3 * rng.dirichlet(np.ones(5), size=n)
    names = np.array(intents)
    rows = pd.DataFrame(
        {
            "request_id": [f"r{i}" for i in range(n)],
            "segment": rng.choice(["x", "y"], size=n),
            "true": names[y],
            "teacher_pred": names[pt.argmax(1)],
            "student_pred": names[ps.argmax(1)],
        }
    )
    probs = {f"p_teacher_{c}": pt[:, j] for j, c in enumerate(intents)}
    probs |= {f"p_student_{c}": ps[:, j] for j, c in enumerate(intents)}
    return pd.concat([rows, pd.DataFrame(probs)], axis=1), intents


@pytest.mark.parametrize("seed", [1, 2])
def test_report_is_metrics_py_on_random_rows(seed):
    rows, intents = _random_rows(seed)
    cube = cube_mod.from_rows(rows, intents=intents)
    r = quality_report.report(cube, rows, critical_intents=("d",), draws=uncertainty.draw(cube, 300, 0), B_rows=50)
    y, t, s, pt, ps = _arrays(rows, intents)
    rare = qm.rare_classes(qm.class_priors(y, 5))
    assert r.rare_classes == tuple(intents[i] for i in rare)
    expected = {
        ("kl_t3", "pair"): qm.kl_divergence(pt, ps, 3.0),
        ("agreement", "pair"): qm.agreement(t, s),
        ("ece", "teacher"): qm.expected_calibration_error(y, pt),
        ("ece", "student"): qm.expected_calibration_error(y, ps),
    }
    for model, pred in (("teacher", t), ("student", s)):
        expected[("accuracy", model)] = qm.accuracy_score(y, pred)
        expected[("macro_f1", model)] = qm.macro_f1_score(y, pred, 5)
        expected[("rare_class_accuracy", model)] = qm.pooled_class_accuracy(y, pred, np.array(rare))
    for (name, model), value in expected.items():
        assert abs(r.get(name, model).point - value) < 1e-12, (name, model)


def test_reliability_table_is_metrics_py_bins():
    rows, intents = _random_rows(3)
    y, _, _, _, ps = _arrays(rows, intents)
    for equal_mass, strategy in ((False, "uniform"), (True, "quantile")):
        table = quality_report.reliability(y, ps, 10, equal_mass)
        bins = qm.reliability_bins(y, ps, 10, strategy=strategy)
        assert table["count"].tolist() == bins.count.tolist() and table["count"].sum() == len(y)
        assert np.allclose(table["accuracy"], bins.accuracy, equal_nan=True, atol=0)
