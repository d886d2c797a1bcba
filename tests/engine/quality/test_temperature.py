"""Temperature scaling fitted on validation (hand-checkable: logits scaled by 3 recover T ≈ 3)."""

import numpy as np
import pytest

from engine.quality import metrics as qm
from engine.quality import temperature


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _calibrated_set(n, k=5, seed=0):
    """Logits z and labels drawn from softmax(z): a model reporting softmax(z) is calibrated by construction."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 1.5, (n, k))
    p = _softmax(z)
    y = np.array([rng.choice(k, p=row) for row in p])
    return z, y


def test_logits_scaled_by_three_recover_t_near_three():
    z, y = _calibrated_set(6_000)
    over = _softmax(3 * z)  # the same model, three times too sure of itself
    _, fit = temperature.fit_and_apply(y[:3_000], over[:3_000], y[3_000:], over[3_000:])
    assert fit.temperature == pytest.approx(3.0, rel=0.1)
    assert fit.n_fit == 3_000 and fit.fitted_on == "validation"


def test_ece_after_is_at_most_before_on_a_miscalibrated_set():
    z, y = _calibrated_set(6_000, seed=1)
    over = _softmax(3 * z)
    calibrated, fit = temperature.fit_and_apply(y[:3_000], over[:3_000], y[3_000:], over[3_000:])
    assert fit.ece_after <= fit.ece_before
    # overconfident by a lot (ECE 0.27), then within sampling noise of the truly calibrated softmax(z)
    truth = qm.expected_calibration_error(y[3_000:], _softmax(z[3_000:]), qm.ECE_BINS)
    assert fit.ece_before > 0.2 and fit.ece_after < fit.ece_before / 4 and abs(fit.ece_after - truth) < 0.02
    assert fit.ece_after == pytest.approx(qm.expected_calibration_error(y[3_000:], calibrated, qm.ECE_BINS))


def test_scaling_keeps_every_prediction_and_can_be_undone():
    z, y = _calibrated_set(500, seed=2)
    over = _softmax(3 * z)
    calibrated, fit = temperature.fit_and_apply(y[:250], over[:250], y, over)
    assert (calibrated.argmax(1) == over.argmax(1)).all()  # accuracy and every dollar stay put
    assert temperature.uncalibrate(calibrated, fit.temperature) == pytest.approx(over, abs=1e-9)


def test_a_calibrated_model_keeps_t_near_one():
    z, y = _calibrated_set(6_000, seed=3)
    p = _softmax(z)
    _, fit = temperature.fit_and_apply(y[:3_000], p[:3_000], y[3_000:], p[3_000:])
    assert fit.temperature == pytest.approx(1.0, abs=0.1)
