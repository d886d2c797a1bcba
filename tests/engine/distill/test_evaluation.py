"""Per-epoch evaluation judges criticality by the run's scenario and rarity by the quality report's rule."""

import json

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from engine.data import seed  # noqa: E402
from engine.decision import scenario  # noqa: E402
from engine.distill import data, evaluation, trainer  # noqa: E402
from engine.runs import rundir  # noqa: E402
from tests.engine.distill.test_trainer import cfg, tiny_factory  # noqa: E402

TRUE = ["order_tracking", "faq", "faq", "faq", "chitchat", "escalation", "escalation", "return_request", "faq", "faq"]
PRED = ["order_tracking", "faq", "order_tracking", "product_question", "faq", "order_tracking", "escalation", "faq",
        "faq", "faq"]  # fmt: skip


def _probs(labels, names):
    """One-hot-ish probabilities whose argmax is ``names``."""
    p = np.full((len(names), len(labels)), 0.01)
    p[np.arange(len(names)), [labels.index(n) for n in names]] = 0.91
    return p / p.sum(1, keepdims=True)


def test_critical_rate_uses_the_scenarios_critical_set():
    a = seed.load_assumptions()
    labels = list(a.intents)
    y, probs = np.array([labels.index(n) for n in TRUE]), _probs(labels, PRED)
    # seed set {escalation, return_request}: escalation→order_tracking and return_request→faq = 2 of 10
    assert set(a.critical_intents) == {"escalation", "return_request"}
    assert evaluation.evaluate(y, probs, labels, assumptions=a)["critical_rate"] == pytest.approx(0.2)
    # a scenario whose critical set is {faq, chitchat}: two faq rows and the chitchat row misrouted = 3 of 10
    other = a.replace(critical_intents=("faq", "chitchat"))
    assert evaluation.evaluate(y, probs, labels, assumptions=other)["critical_rate"] == pytest.approx(0.3)
    assert evaluation.evaluate(y, probs, labels, critical_intents=("chitchat",))["critical_rate"] == pytest.approx(0.1)
    assert evaluation.evaluate(y, probs, labels)["critical_rate"] == 0.0  # no scenario, no critical set


def test_rare_set_is_the_quality_reports_rule():
    from engine.decision import cube
    from engine.quality import report

    # MangaAssist intents (seed 001 §3's rule, prior < 5%) named a, b, c, d here
    a, b, c, d = labels = ["order_tracking", "faq", "escalation", "account_security"]
    # 40 requests: a 24, b 14, c 1 (2.5%: rare), d 1 (2.5%: rare); b's 14 include none < 5%
    true = [a] * 24 + [b] * 14 + [c, d]
    pred = [a] * 24 + [b] * 14 + [c, a]
    y = np.array([labels.index(n) for n in true])
    out = evaluation.evaluate(y, _probs(labels, pred), labels)
    assert out["rare_class_accuracy"] == pytest.approx(0.5)  # c right, d wrong
    rows = {"true": true, "teacher_pred": pred, "student_pred": pred}
    assert report.rare_classes(cube.from_rows(pd.DataFrame(rows), intents=labels)) == (c, d)
    # another label set: the bottom 10% of its intents by prior, at least one (ties by name): w alone
    other = ["x", "y", "w", "z"]
    assert evaluation.evaluate(y, _probs(labels, pred), other)["rare_class_accuracy"] == pytest.approx(1.0)


def test_a_run_judges_each_epoch_by_its_scenarios_critical_set(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTILL_DECIDE_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("DISTILL_DECIDE_DB", str(tmp_path / "db.duckdb"))
    path = scenario.save(seed.load_assumptions().replace(critical_intents=("faq", "chitchat")), tmp_path / "s.json")
    seen = []
    real = trainer.predict

    def recording(model, ids, rows, *a, **k):
        out = real(model, ids, rows, *a, **k)
        seen.append(out)
        return out

    monkeypatch.setattr(trainer, "predict", recording)
    c = cfg("tiny-crit", epochs=1, mode="finetune", scenario=str(path), early_stopping=False)
    run_dir = trainer.run(c, model_factory=tiny_factory(), ingest=False)
    d = data.prepare(c.resolved(), tiny_factory())
    names, y_val = np.array(d.labels), d.y[d.val_rows]
    by_phase = {e["phase"]: e for e in rundir.read_jsonl(run_dir / "epochs.jsonl")}
    # calls: teacher epoch 1 on validation, the teacher's validation for the student phase, student epoch 1
    for phase, probs in (("teacher", seen[0]), ("student", seen[2])):
        wrong = probs.argmax(1) != y_val
        by_hand = np.mean(np.isin(names[y_val], ["faq", "chitchat"]) & wrong)
        assert by_phase[phase]["val_critical_rate"] == pytest.approx(by_hand)
        seed_rate = np.mean(np.isin(names[y_val], ["escalation", "return_request"]) & wrong)
        assert by_hand != pytest.approx(seed_rate)  # the seed's set would have given another number
    assert json.loads((run_dir / "config.json").read_text())["scenario"] == str(path)
