"""Cost-aware distillation: per-intent weights from the harm matrix and critical set, and the loss (hand-checked)."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from engine.distill import cost_weights

torch = pytest.importorskip("torch")

from engine.distill import losses  # noqa: E402

# three intents; a misroute of c (critical) costs $2, of a mean(2, 4) × $0.5 = $1.5, of b mean(1, 1) × $0.5 = $0.5
SCENARIO = SimpleNamespace(
    intents=("a", "b", "c"),
    harm_matrix=((0, 2, 4), (1, 0, 1), (3, 3, 0)),
    usd_per_harm_unit=0.5,
    critical_intents=("c",),
    usd_per_critical_event=2.0,
)


def test_misroute_dollars_per_true_intent():
    assert cost_weights.misroute_usd(["a", "b", "c"], SCENARIO).tolist() == pytest.approx([1.5, 0.5, 2.0])
    # labels in another order are read by name
    assert cost_weights.misroute_usd(["c", "a"], SCENARIO).tolist() == pytest.approx([2.0, 4 * 0.5])


def test_weights_are_one_plus_dollars_with_mean_one_over_the_training_rows():
    y = np.array([0, 0, 1, 2])  # priors 1/2, 1/4, 1/4; raw weights 2.5, 1.5, 3 → Σ prior × raw = 2.375
    w = cost_weights.intent_weights(["a", "b", "c"], SCENARIO, y)
    assert w.tolist() == pytest.approx([2.5 / 2.375, 1.5 / 2.375, 3 / 2.375])
    assert w[y].mean() == pytest.approx(1.0)


def test_all_free_misroutes_give_weight_one():
    free = SimpleNamespace(**{**vars(SCENARIO), "usd_per_harm_unit": 0.0, "critical_intents": ()})
    assert cost_weights.intent_weights(["a", "b", "c"], free, np.array([0, 1, 2, 2])).tolist() == [1.0, 1.0, 1.0]


def test_loss_on_a_two_class_case_by_hand():
    # student logits 0: CE = ln 2 per example; the teacher agrees, so the KL term is 0
    z = torch.zeros(2, 2)
    y = torch.tensor([0, 1])
    loss, terms = losses.cost_aware_loss(z, z.clone(), y, torch.tensor([2.0, 0.5]), alpha=0.5)
    # 0.5 · 0 + 0.5 · mean(2 · ln 2, 0.5 · ln 2) = 0.625 · ln 2
    assert loss.item() == pytest.approx(0.625 * math.log(2))
    assert terms["cost_weighted_ce"] == pytest.approx(1.25 * math.log(2))
    assert terms["hard_ce"] == pytest.approx(math.log(2)) and terms["kd_kl_t2"] == pytest.approx(0.0, abs=1e-7)


def test_weights_of_one_are_plain_kd_exactly():
    g = torch.Generator().manual_seed(0)
    s, t = torch.randn(6, 3, generator=g), torch.randn(6, 3, generator=g)
    y = torch.tensor([0, 1, 2, 2, 1, 0])
    plain, _ = losses.distillation_loss(s, t, y, temperature=3.0, alpha=0.7)
    weighted, _ = losses.cost_aware_loss(s, t, y, torch.ones(3), temperature=3.0, alpha=0.7)
    assert weighted.item() == plain.item()


def test_a_dearer_intent_pulls_harder():
    # the same logits, one example of each class: doubling class 0's weight doubles its gradient
    s = torch.zeros(2, 2, requires_grad=True)
    loss, _ = losses.cost_aware_loss(s, torch.zeros(2, 2), torch.tensor([0, 1]), torch.tensor([2.0, 1.0]), alpha=0.0)
    loss.backward()
    assert s.grad[0, 0].item() == pytest.approx(2 * s.grad[1, 1].item())
