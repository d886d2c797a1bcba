"""Checkpoint selection (gates first, then the weighted score), early stopping, business-weighted error."""

import numpy as np
import pandas as pd
import pytest

from engine import sources
from engine.decision import costs
from engine.decision import cube as cube_mod
from engine.distill import selection
from engine.rollout.gates import DEFAULT_GATES, Gate


def epoch(e, acc, f1, rare, ece, agreement, loss=0.5, crit=0.01, vs_teacher=1.2):
    return {
        "phase": "student",
        "epoch": e,
        "val_accuracy": acc,
        "val_macro_f1": f1,
        "val_rare_class_accuracy": rare,
        "val_ece": ece,
        "val_agreement": agreement,
        "val_loss": loss,
        "val_critical_rate": crit,
        "val_error_vs_teacher": vs_teacher,
    }


def test_gates_come_before_the_score():
    # epoch 3 scores best but agrees with the teacher only 93% of the time (gate: ≥ 0.95)
    rows = [
        epoch(1, 0.88, 0.80, 0.90, 0.04, 0.955, loss=0.40),
        epoch(2, 0.90, 0.84, 0.90, 0.03, 0.960, loss=0.45),
        epoch(3, 0.93, 0.88, 0.92, 0.02, 0.930, loss=0.50),
    ]
    sel = selection.select_checkpoint(rows)
    assert sel["epoch"] == 2 and sel["gates_passed"] and sel["eligible"] == [1, 2]
    assert sel["why_not"] == {3: "val_agreement 0.93 fails >= 0.95"}
    assert sel["scores"][3] > sel["scores"][2] > sel["scores"][1]
    # not the lowest loss (epoch 1), and the gates that cannot be measured per epoch are named
    assert "Student P95 ≤ 15 ms" in sel["gates_not_measurable_per_epoch"]
    assert sel["gates_checked"] == ["val_agreement", "val_ece_calibrated", "val_rare_class_accuracy"]
    # the score by hand: weights renormalised over the five signals (sum of |w| = 1.0)
    by_hand = 0.30 * 0.90 + 0.20 * 0.84 + 0.20 * 0.90 - 0.10 * 0.03 - 0.20 * 1.2
    assert sel["scores"][2] == pytest.approx(by_hand, abs=1e-6)
    # without gates the best score wins
    assert selection.select_checkpoint(rows, apply_gates=False)["epoch"] == 3


def test_no_eligible_epoch_keeps_the_best_score_and_says_so():
    rows = [epoch(1, 0.80, 0.70, 0.50, 0.04, 0.90), epoch(2, 0.85, 0.75, 0.60, 0.03, 0.91)]
    sel = selection.select_checkpoint(rows)
    assert sel["epoch"] == 2 and not sel["gates_passed"] and sel["eligible"] == []
    assert "val_rare_class_accuracy 0.6 fails >= 0.87" in sel["why_not"][2]


def test_user_gates_and_missing_signals():
    gates = (Gate("critical ≤ 1%", "student.critical_rate", "<=", 0.01, "safety"),)
    rows = [epoch(1, 0.90, 0.85, 0.9, 0.03, 0.97, crit=0.008), epoch(2, 0.92, 0.86, 0.9, 0.03, 0.97, crit=0.02)]
    sel = selection.select_checkpoint(rows, gates)
    assert sel["epoch"] == 1 and sel["gates_checked"] == ["val_critical_rate"]
    teacher = [{k: v for k, v in r.items() if k not in ("val_agreement", "val_error_vs_teacher")} for r in rows]
    t_sel = selection.select_checkpoint(teacher, apply_gates=False)
    assert set(t_sel["weights"]) == {"val_accuracy", "val_macro_f1", "val_rare_class_accuracy", "val_ece_calibrated"}
    assert t_sel["weights"]["val_accuracy"] == pytest.approx(0.30 / 0.80)


@pytest.mark.parametrize(
    "losses, accs, crits, rule",
    [
        ([1.00, 0.995, 0.994], [0.80, 0.85, 0.90], [0.02, 0.02, 0.02], "loss"),  # < 1% better twice
        ([1.00, 0.80, 0.60], [0.900, 0.903, 0.904], [0.02, 0.02, 0.02], "quality"),  # +0.4 points over 2 epochs
        ([1.00, 0.80, 0.60], [0.80, 0.85, 0.90], [0.010, 0.012, 0.015], "safety"),  # critical rate worse twice
        ([1.00, 0.80, 0.60], [0.80, 0.85, 0.90], [0.02, 0.01, 0.01], None),
    ],
)
def test_seed_002_stopping_rules(losses, accs, crits, rule):
    rows = [
        epoch(e + 1, a, 0.8, 0.9, 0.03, 0.97, loss=lo, crit=c) for e, (lo, a, c) in enumerate(zip(losses, accs, crits))
    ]
    stop = selection.stop_rule(rows)
    assert (stop and stop["rule"]) == rule
    if rule:
        assert stop["epoch"] == 3
        assert selection.stop_rule(rows[:2]) is None  # nothing fires before the evidence exists


def test_error_dollars_by_hand_for_a_foreign_label_set():
    a, note = sources.scenario_for_labels(["a", "b", "c"], None)
    assert "1 harm unit" in note
    y = np.array([0, 0, 1, 1, 2, 2, 0, 1])
    pred = np.array([0, 1, 1, 1, 2, 0, 0, 1])  # 2 of 8 wrong, no critical intents
    assert selection.error_usd_per_request(y, pred, ["a", "b", "c"], a) == pytest.approx(0.25 * a.usd_per_harm_unit)


def test_error_dollars_match_the_cost_model_on_seed_labels():
    a, _ = sources.scenario_for_labels(["order_tracking"], None)
    labels = list(a.intents)
    rng = np.random.default_rng(3)
    y = rng.integers(0, len(labels), 400)
    pred = np.where(rng.random(400) < 0.8, y, rng.integers(0, len(labels), 400))
    seg = rng.choice(["new", "returning", "vip"], 400)
    usd = selection.error_usd_per_request(y, pred, labels, a, seg)
    rows = pd.DataFrame(
        {
            "segment": seg,
            "true": np.array(labels)[y],
            "teacher_pred": np.array(labels)[y],
            "student_pred": np.array(labels)[pred],
        }
    )
    b = costs.decompose(cube_mod.from_rows(rows, intents=labels), a)
    monthly = b.student.component_usd("weighted_error") + b.student.component_usd("critical")
    assert usd * a.requests_per_month == pytest.approx(monthly, rel=1e-9) and usd > 0


def test_default_gates_are_the_rollout_gates():
    usable, skipped = selection.epoch_gates(DEFAULT_GATES)
    assert usable == {
        "val_rare_class_accuracy": (">=", 0.87),
        "val_agreement": (">=", 0.95),
        "val_ece_calibrated": ("<=", 0.05),
    }
    assert len(skipped) == 2


def test_the_ece_gate_reads_the_ece_after_temperature_scaling():
    # an epoch overconfident before scaling (0.12) and calibrated after it (0.02) passes the ECE <= 0.05 gate;
    # a log written before per-epoch scaling (val_ece only) is gated on val_ece as before
    scaled = {"epoch": 1, "val_accuracy": 0.9, "val_ece": 0.12, "val_ece_calibrated": 0.02}
    old = {"epoch": 1, "val_accuracy": 0.9, "val_ece": 0.12}
    ece_only = [g for g in selection.DEFAULT_GATES if g.metric == "student.ece"]
    assert selection.failing_gates(scaled, ece_only) == []
    assert selection.failing_gates(old, ece_only) == ["val_ece_calibrated 0.12 fails <= 0.05"]
