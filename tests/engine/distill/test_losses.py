"""Seed 002's dry runs, the KD gradient (seed error 8), and seed errors 7 and 11 as documented cases."""

import math

import pytest

torch = pytest.importorskip("torch")

from engine.distill import losses  # noqa: E402

TEACHER = torch.tensor([[2.8, 2.2, 0.5, -1.0]])  # order_tracking, return_request, checkout_help, faq
STUDENT = torch.tensor([[2.1, 1.7, 0.8, -0.5]])
LABEL = torch.tensor([0])


def test_softmax_at_t1_and_t4():
    assert losses.soft_targets(TEACHER, 1.0)[0].tolist() == pytest.approx([0.5983, 0.3283, 0.0600, 0.0134], abs=1e-4)
    assert losses.soft_targets(STUDENT, 1.0)[0].tolist() == pytest.approx([0.4958, 0.3323, 0.1351, 0.0368], abs=1e-4)
    assert losses.soft_targets(TEACHER, 4.0)[0].tolist() == pytest.approx([0.3559, 0.3063, 0.2002, 0.1376], abs=1e-4)
    assert losses.soft_targets(STUDENT, 4.0)[0].tolist() == pytest.approx([0.3175, 0.2873, 0.2294, 0.1658], abs=1e-4)


def test_kl_ce_and_alpha_blend():
    kd = losses.kd_loss(STUDENT, TEACHER, 4.0)
    assert float(kd) / 16 == pytest.approx(0.007315, abs=2e-5)
    assert float(kd) == pytest.approx(0.1170, abs=5e-4)
    assert float(losses.hard_loss(STUDENT, LABEL)) == pytest.approx(0.7017, abs=1e-4)
    for alpha, expected in ((0.3, 0.5263), (0.5, 0.4094), (0.7, 0.2924)):
        total, terms = losses.distillation_loss(STUDENT, TEACHER, LABEL, temperature=4.0, alpha=alpha)
        assert float(total) == pytest.approx(expected, abs=5e-4)
    assert set(terms) == {"hard_ce", "kd_kl_t2", "total_loss"}


def test_kd_residual_and_gradient_is_t_times_residual():
    residual = (losses.soft_targets(STUDENT, 4.0) - losses.soft_targets(TEACHER, 4.0))[0]
    assert residual.tolist() == pytest.approx([-0.0383, -0.0190, 0.0292, 0.0281], abs=2e-4)
    z = STUDENT.clone().requires_grad_(True)
    losses.kd_loss(z, TEACHER, 4.0).backward()
    # seed error 8: the gradient of T²·KL is T·(p_S − p_T), not T²·(p_S − p_T)
    assert z.grad[0].tolist() == pytest.approx((4 * residual).tolist(), abs=1e-6)
    assert z.grad[0].tolist() == pytest.approx([-0.153, -0.076, 0.117, 0.113], abs=2e-3)
    assert (16 * residual).tolist() != pytest.approx(z.grad[0].tolist(), abs=1e-2)


def test_feature_losses():
    assert float(
        losses.hidden_mse(torch.tensor([0.5, 0.0, 0.4, 0.1]), torch.tensor([0.8, -0.1, 0.2, 0.5]))
    ) == pytest.approx(0.075)
    assert float(
        losses.attention_mse(torch.tensor([[0.6, 0.4], [0.25, 0.75]]), torch.tensor([[0.7, 0.3], [0.2, 0.8]]))
    ) == pytest.approx(0.00625)


def test_seed_error_7_softmax_at_t3():
    """001 §1.1–1.5: with the seven other logits at −2, Z ≈ 14.13 (not 11.05)."""
    teacher = torch.tensor([[6.4, 1.2, -1.5] + [-2.0] * 7])
    z = float(torch.exp(teacher / 3).sum())
    assert z == pytest.approx(14.13, abs=0.01)
    assert 7 * math.exp(-2 / 3) == pytest.approx(3.59, abs=0.01)
    p = losses.soft_targets(teacher, 3.0)[0]
    assert p[:3].tolist() == pytest.approx([0.597, 0.106, 0.043], abs=1e-3)
    student = torch.tensor([[0.1] + [0.0] * 9])
    kl = float(losses.kd_loss(student, teacher, 3.0)) / 9
    assert kl == pytest.approx(0.763, abs=2e-3)
    assert 0.7 * 9 * kl == pytest.approx(4.81, abs=0.01)
    ce = float(losses.hard_loss(student, torch.tensor([0])))
    assert ce == pytest.approx(2.213, abs=1e-3)
    assert 0.7 * 9 * kl + 0.3 * ce == pytest.approx(5.47, abs=0.01)


def test_seed_error_11_total_loss_matches_no_weighting():
    """002 §15.1 logs CE 0.482, KD 0.109, feature 0.071, attention 0.008 and a total of 0.252."""
    terms = {"hard_ce": 0.482, "kd_kl_t2": 0.109, "hidden_mse": 0.071, "attention_mse": 0.008}
    kd_only = losses.weighted_total(terms, {"hard_ce": 0.3, "kd_kl_t2": 0.7})
    with_features = losses.weighted_total(terms, {"hard_ce": 0.3, "kd_kl_t2": 0.7, "hidden_mse": 1, "attention_mse": 1})
    assert kd_only == pytest.approx(0.221, abs=5e-4)  # 0.1446 + 0.0763
    assert with_features == pytest.approx(0.300, abs=1e-3)
    assert abs(kd_only - 0.252) > 0.02 and abs(with_features - 0.252) > 0.02
    # the trainer's own loss combines its terms the same way
    total, logged = losses.distillation_loss(STUDENT, TEACHER, LABEL, temperature=4.0, alpha=0.7)
    assert float(total) == pytest.approx(losses.weighted_total(logged, {"hard_ce": 0.3, "kd_kl_t2": 0.7}), abs=1e-6)


def test_hybrid_and_class_weights():
    w = losses.class_weights_from_priors([0.24, 0.03, 0.02], cap=5.0)
    # 1/√prior = 2.041, 5.774, 7.071, divided by their mean 4.962
    assert w.tolist() == pytest.approx([0.4114, 1.1636, 1.4251], abs=1e-4)
    assert losses.class_weights_from_priors([0.98, 0.0001], cap=1.5).tolist() == pytest.approx([0.0200, 1.5], abs=1e-3)
    s = torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    t = torch.tensor([[3.0, 0.0, 0.0], [0.0, 1.0, 2.0]])
    total, terms = losses.hybrid_rare_loss(s, t, torch.tensor([0, 2]), w)
    # CE = mean(−ln 0.7870, −ln 0.5761) = 0.3955; weighted CE = (0.4114·0.2395 + 1.4251·0.5514) / 1.8365 = 0.4816;
    # T²·KL at T = 3 = 0.1087 (numpy by hand); total = 0.45·0.3955 + 0.35·0.1087 + 0.20·0.4816 = 0.3123
    assert terms["hard_ce"] == pytest.approx(0.39549, abs=1e-4)
    assert terms["weighted_ce"] == pytest.approx(0.48158, abs=1e-4)
    assert terms["kd_kl_t2"] == pytest.approx(0.10873, abs=1e-4)
    assert float(total) == pytest.approx(0.31234, abs=1e-4)
