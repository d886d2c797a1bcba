"""Temperature scaling fitted on a run's validation split, per model, and applied before anything reads confidence.

Guo et al. (2017): one scalar T per model, fitted by NLL on held-out validation rows, divides the logits;
``softmax(log p / T)`` is the same thing for probabilities. T changes no prediction (argmax is unchanged), only
how sure the model says it is, so accuracy and every dollar stay put while ECE, the ECE gate and the cascade's
confidence threshold read calibrated numbers. Fitted on validation only, judged on the test split: the ECE before
and after on test is the honest check that the fit transfers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from engine.quality import metrics as qm
from engine.quality.report import fit_temperature


@dataclass(frozen=True)
class Fitted:
    """One model's temperature (fitted on validation) and its test ECE before and after applying it."""

    temperature: float
    ece_before: float
    ece_after: float
    n_fit: int
    fitted_on: str = "validation"

    def to_dict(self) -> dict:
        return asdict(self)


def fit_and_apply(
    y_val: np.ndarray, p_val: np.ndarray, y_test: np.ndarray, p_test: np.ndarray
) -> tuple[np.ndarray, Fitted]:
    """Fit T on (y_val, p_val), return the test probabilities at T and the fit with test ECE before/after."""
    t = fit_temperature(np.asarray(y_val), np.asarray(p_val, dtype=np.float64))
    calibrated = qm.soften(p_test, t)
    before = qm.expected_calibration_error(y_test, p_test, qm.ECE_BINS)
    after = qm.expected_calibration_error(y_test, calibrated, qm.ECE_BINS)
    return calibrated, Fitted(float(t), float(before), float(after), int(len(y_val)))


def uncalibrate(p_calibrated: np.ndarray, temperature: float) -> np.ndarray:
    """The raw probabilities back from calibrated ones: softmax(T · log p_cal) = softmax(z) (clipping at 1e-12)."""
    return qm.soften(p_calibrated, 1.0 / temperature)
