"""Per-intent weights of the cost-aware distillation loss: what misrouting each true intent costs (numpy only).

Seed 000 §8 open problem 2: plain KD treats every misroute alike, the business does not. Under the scenario a
misroute of a critical intent costs ``usd_per_critical_event``; any other misroute of true intent k to j costs
``harm[k][j] × usd_per_harm_unit``. Not knowing where a misroute of k would land, the expected $ of misrouting k
is the mean over the other intents j ≠ k. An example of true intent k weighs ``1 + that $``, and the weights are
scaled so that their mean over the training rows is 1 (the loss keeps plain KD's scale; the segment multipliers
of critical events are left out: they depend on where a request comes from, not on its intent).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.errors import require


def misroute_usd(labels: Sequence[str], assumptions) -> np.ndarray:
    """Expected $ of one misroute of each true intent (in ``labels``' order) under ``assumptions``."""
    names = list(assumptions.intents)
    missing = [x for x in labels if x not in names]
    require(not missing, "cost-aware loss", f"the scenario has no harm row for {missing[:3]}", "give --scenario")
    harm = np.asarray(assumptions.harm_matrix, dtype=np.float64)
    idx = np.array([names.index(x) for x in labels])
    sub = harm[np.ix_(idx, idx)]
    k = len(labels)
    off = (sub.sum(axis=1) - np.diag(sub)) / max(k - 1, 1)
    usd = off * float(assumptions.usd_per_harm_unit)
    critical = np.isin(np.asarray(labels, dtype=object), list(assumptions.critical_intents))
    return np.where(critical, float(assumptions.usd_per_critical_event), usd)


def intent_weights(labels: Sequence[str], assumptions, train_y: np.ndarray) -> np.ndarray:
    """w_k = (1 + misroute $ of k) / Σ_j prior_j (1 + misroute $ of j): mean 1 over the training rows."""
    raw = 1.0 + misroute_usd(labels, assumptions)
    priors = np.bincount(np.asarray(train_y), minlength=len(labels)) / max(len(train_y), 1)
    return raw / float(priors @ raw)
