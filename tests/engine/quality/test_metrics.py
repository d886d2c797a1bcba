"""The one implementation of each quality metric, on examples small enough to check by hand."""

import math

import numpy as np
import pytest

from engine.errors import DistillDecideError
from engine.quality import metrics as qm

# Four requests, two classes. Top-label confidence and whether the top label is right:
#   r1 0.90 right, r2 0.70 wrong, r3 0.65 right, r4 0.55 wrong.
PROBS4 = np.array([[0.9, 0.1], [0.7, 0.3], [0.35, 0.65], [0.55, 0.45]])
Y4 = np.array([0, 1, 1, 1])


def softmax(z):
    e = np.exp(np.asarray(z, float) - np.max(z, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_ece_of_four_rows_by_hand():
    # 5 equal-width bins of 0.2: r4 in [0.4, 0.6), r2 and r3 in [0.6, 0.8), r1 in [0.8, 1].
    # gaps |acc − conf|: 0.55 (1 row), |0.5 − 0.675| = 0.175 (2 rows), |1 − 0.9| = 0.1 (1 row)
    by_hand = (1 * 0.55 + 2 * 0.175 + 1 * 0.1) / 4
    assert by_hand == pytest.approx(0.25)
    assert qm.expected_calibration_error(Y4, PROBS4, 5) == pytest.approx(0.25, abs=1e-12)


def test_equal_mass_ece_of_four_rows_by_hand():
    # 2 equal-mass bins by rank: {r4 0.55, r3 0.65}: acc 0.5, conf 0.6; {r2 0.7, r1 0.9}: acc 0.5, conf 0.8
    by_hand = (2 * 0.1 + 2 * 0.3) / 4
    assert qm.expected_calibration_error(Y4, PROBS4, 2, strategy="quantile") == pytest.approx(by_hand, abs=1e-12)


def test_weighted_ece_equals_ece_of_repeated_rows():
    # weights (1, 2, 1, 0): r2 counts twice, r4 not at all. Bin [0.6, 0.8): |2·(0 − 0.7) + (1 − 0.65)| = 1.05
    w = np.array([1.0, 2.0, 1.0, 0.0])
    assert qm.expected_calibration_error(Y4, PROBS4, 5, weights=w) == pytest.approx((0.1 + 1.05) / 4, abs=1e-12)
    rep = np.array([0, 1, 1, 2])
    assert qm.expected_calibration_error(Y4, PROBS4, 5, weights=w) == pytest.approx(
        qm.expected_calibration_error(Y4[rep], PROBS4[rep], 5), abs=1e-12
    )


def test_ece_of_one_bin():
    # 10 requests at confidence 0.95 with 8 correct: one bin, |0.8 − 0.95| = 0.15
    probs = np.tile([0.95, 0.05], (10, 1))
    y = np.array([0] * 8 + [1] * 2)
    assert qm.expected_calibration_error(y, probs) == pytest.approx(0.15)
    assert qm.expected_calibration_error(y, np.tile([1.0, 0.0], (10, 1))) == pytest.approx(0.2)  # 1.0: last bin


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_batch_ece_is_the_scalar_ece_per_resample(strategy):
    rng = np.random.default_rng(3)
    probs = softmax(rng.normal(0, 2, size=(400, 4)))
    y = rng.integers(0, 4, 400)
    w = rng.poisson(1.0, size=(25, 400)).astype(float)
    batch = qm.expected_calibration_error_batch(y, probs, w, 15, strategy=strategy)
    loop = [qm.expected_calibration_error(y, probs, 15, strategy=strategy, weights=wb) for wb in w]
    assert batch.shape == (25,) and np.allclose(batch, loop, rtol=0, atol=1e-12)
    if strategy == "uniform":  # integer weights are repeated rows when the bins are fixed edges
        rows = np.repeat(np.arange(400), w[0].astype(int))
        assert batch[0] == pytest.approx(qm.expected_calibration_error(y[rows], probs[rows]), abs=1e-12)
    ones = qm.expected_calibration_error_batch(y, probs, np.ones((1, 400)), strategy=strategy)[0]
    assert ones == pytest.approx(qm.expected_calibration_error(y, probs, strategy=strategy), abs=1e-15)


def test_reliability_bins_are_the_bins_ece_sums():
    b = qm.reliability_bins(Y4, PROBS4, 5)
    assert b.count.tolist() == [0, 0, 1, 2, 1]
    assert b.confidence[2:].tolist() == pytest.approx([0.55, 0.675, 0.9])
    assert b.accuracy[2:].tolist() == pytest.approx([0.0, 0.5, 1.0])
    assert np.isnan(b.confidence[:2]).all()
    full = b.count > 0
    ece = (b.count[full] * np.abs(b.accuracy[full] - b.confidence[full])).sum() / b.count.sum()
    assert ece == pytest.approx(qm.expected_calibration_error(Y4, PROBS4, 5), abs=1e-12)


def test_kl_of_two_small_distributions_by_hand():
    p, q = np.array([[0.5, 0.5]]), np.array([[0.25, 0.75]])
    # T = 1: 0.5·ln(0.5/0.25) + 0.5·ln(0.5/0.75) = 0.5·ln(4/3)
    assert qm.kl_divergence(p, q, 1.0) == pytest.approx(0.5 * math.log(4 / 3), abs=1e-12)
    # T = 2: q becomes (√0.25, √0.75) / (√0.25 + √0.75) = (a, b); KL = 0.5·ln(0.25 / (a·b))
    a = 0.5 / (0.5 + math.sqrt(0.75))
    assert qm.kl_divergence(p, q, 2.0) == pytest.approx(0.5 * math.log(0.25 / (a * (1 - a))), abs=1e-12)
    assert qm.kl_divergence(q, q, 3.0) == pytest.approx(0.0, abs=1e-15)


def test_kl_per_row_and_mean():
    p = np.array([[0.5, 0.5], [0.25, 0.75]])
    q = np.array([[0.25, 0.75], [0.25, 0.75]])
    rows = qm.kl_divergence(p, q, 1.0, per_row=True)
    assert rows.shape == (2,) and rows[0] == pytest.approx(0.5 * math.log(4 / 3)) and rows[1] == pytest.approx(0)
    assert qm.kl_divergence(p, q, 1.0) == pytest.approx(rows.mean(), abs=1e-15)


def test_seed_error_7_softmax_and_kl_at_t3():
    """001 §1.1–1.5 corrected: the seven other logits at −2 give Z ≈ 14.13 and (0.597, 0.106, 0.043, …)."""
    z_teacher = np.array([[6.4, 1.2, -1.5] + [-2.0] * 7])
    assert np.exp(z_teacher / 3).sum() == pytest.approx(14.13, abs=0.01)
    pt3 = qm.soften(softmax(z_teacher), 3.0)
    assert pt3[0, :3].tolist() == pytest.approx([0.597, 0.106, 0.043], abs=1e-3)
    assert np.allclose(pt3, softmax(z_teacher / 3), atol=1e-12)  # softening probabilities = softmax(logits / T)
    student = softmax(np.array([[0.1] + [0.0] * 9]))  # near-uniform
    kl = qm.kl_divergence(softmax(z_teacher), student, 3.0)
    assert kl == pytest.approx(0.763, abs=2e-3)  # the seed says ≈ 1.6
    assert 0.7 * 9 * kl == pytest.approx(4.81, abs=0.01)  # α·T²·KL (seed 10.08)


def test_agreement_of_a_tiny_example():
    teacher, student = np.array([0, 1, 2, 2, 1]), np.array([0, 1, 1, 2, 0])
    assert qm.agreement(teacher, student) == pytest.approx(3 / 5)
    w = np.array([1, 1, 1, 1, 6])  # the disagreeing last row now weighs 6 of 10
    assert qm.agreement(teacher, student, weights=w) == pytest.approx(3 / 10)
    batch = qm.agreement_batch(teacher, student, np.array([np.ones(5), w]))
    assert batch.tolist() == pytest.approx([0.6, 0.3])


def test_rare_set_of_given_priors():
    priors = {"a": 0.24, "b": 0.049, "c": 0.05, "d": 0.0, "e": 0.02}
    # strictly below 5%; an absent class (prior 0) is absent, not rare
    assert qm.rare_classes(priors) == ("b", "e")
    assert qm.rare_classes(np.array(list(priors.values()))) == (1, 4)
    assert qm.rare_classes(priors, threshold=0.25) == ("a", "b", "c", "e")
    seed_priors = dict(
        order_tracking=0.24, product_question=0.16, product_discovery=0.13, recommendation=0.11, faq=0.10,
        return_request=0.08, chitchat=0.07, checkout_help=0.06, escalation=0.03, account_security=0.02,
    )  # fmt: skip
    assert qm.rare_classes(seed_priors) == ("escalation", "account_security")


def test_class_priors_from_labels():
    y = np.array([0, 0, 0, 2])
    assert qm.class_priors(y, 4).tolist() == [0.75, 0.0, 0.25, 0.0]
    assert qm.class_priors(y, 4, weights=np.array([1, 1, 1, 3])).tolist() == [0.5, 0.0, 0.5, 0.0]
    assert qm.rare_classes(qm.class_priors(y, 4), threshold=0.3) == (2,)


def test_pooled_class_accuracy_by_hand():
    y, pred = np.array([0, 0, 1, 1, 2]), np.array([0, 1, 1, 0, 2])
    # rows of classes {1, 2}: right, wrong, right -> 2/3 (pooled over rows, not averaged over classes)
    assert qm.pooled_class_accuracy(y, pred, np.array([1, 2])) == pytest.approx(2 / 3)
    assert qm.pooled_class_accuracy(y, pred, np.array([1, 2]), weights=np.array([1, 1, 1, 3, 1])) == pytest.approx(
        2 / 5
    )
    assert math.isnan(qm.pooled_class_accuracy(y, pred, np.array([5])))


def test_weighted_count_metrics_equal_repeated_rows():
    rng = np.random.default_rng(5)
    y, pred = rng.integers(0, 4, 60), rng.integers(0, 4, 60)
    w = rng.integers(0, 4, 60)
    rows = np.repeat(np.arange(60), w)
    assert qm.accuracy_score(y, pred, weights=w) == pytest.approx(qm.accuracy_score(y[rows], pred[rows]), abs=1e-12)
    assert qm.macro_f1_score(y, pred, 4, weights=w) == pytest.approx(
        qm.macro_f1_score(y[rows], pred[rows], 4), abs=1e-12
    )
    per_class = qm.class_counts(y, pred, 4, w).per_class_accuracy()[0]
    for c in range(4):
        assert per_class[c] == pytest.approx(qm.pooled_class_accuracy(y[rows], pred[rows], np.array([c])), abs=1e-12)


def test_class_counts_batch_is_the_scalar_metric_per_resample():
    rng = np.random.default_rng(8)
    y, pred = rng.integers(0, 5, 200), rng.integers(0, 5, 200)
    w = rng.poisson(1.0, size=(30, 200)).astype(float)
    cc = qm.class_counts(y, pred, 5, w)
    assert cc.tp.shape == (30, 5)
    rare = np.array([3, 4])
    for b in (0, 7, 29):
        assert cc.accuracy()[b] == pytest.approx(qm.accuracy_score(y, pred, weights=w[b]), abs=1e-12)
        assert cc.macro_f1()[b] == pytest.approx(qm.macro_f1_score(y, pred, 5, weights=w[b]), abs=1e-12)
        assert cc.pooled_accuracy(rare)[b] == pytest.approx(
            qm.pooled_class_accuracy(y, pred, rare, weights=w[b]), abs=1e-12
        )


def test_misroute_rate_by_hand():
    y, pred = np.array([0, 0, 1, 1, 2]), np.array([0, 1, 1, 0, 2])
    # of 5 requests, one of class 1 is misrouted (row 3): the "critical" rate for {1} is 1/5; for {0, 1}: 2/5
    cc = qm.class_counts(y, pred, 3)
    assert cc.misroute_rate([1])[0] == pytest.approx(1 / 5)
    assert cc.misroute_rate([0, 1])[0] == pytest.approx(2 / 5)
    assert cc.accuracy()[0] == pytest.approx(3 / 5)


def test_macro_f1_by_hand():
    y, pred = np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1])
    # class 0: tp 1, support 2, predicted 1 -> 2/3; class 1: tp 2, support 2, predicted 3 -> 4/5
    assert qm.f1_per_class(y, pred, 3).tolist() == pytest.approx([2 / 3, 4 / 5, 0.0])
    assert qm.macro_f1_score(y, pred, 3) == pytest.approx((2 / 3 + 4 / 5) / 2)  # class 2 never occurs


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: qm.expected_calibration_error(Y4, PROBS4, strategy="equal"), "strategy"),
        (lambda: qm.expected_calibration_error(Y4, PROBS4, 0), "n_bins"),
        (lambda: qm.expected_calibration_error(Y4, PROBS4[:3]), "probs"),
        (lambda: qm.expected_calibration_error_batch(Y4, PROBS4, np.ones(4)), "weights"),
        (lambda: qm.agreement(Y4, Y4, weights=np.ones(3)), "weights"),
        (lambda: qm.agreement(Y4, Y4[:2]), "student_pred"),
        (lambda: qm.kl_divergence(PROBS4, PROBS4, 0.0), "temperature"),
        (lambda: qm.rare_classes([0.5, 0.5], threshold=0), "rare threshold"),
    ],
)
def test_bad_arguments_name_the_field(call, field):
    with pytest.raises(DistillDecideError) as err:
        call()
    assert err.value.field == field
