"""Any label set (issue 17): a 77-label CSV and a 150-label JSONL train on a tiny model and reach a verdict that
says the critical set is unset; the rare set is the bottom 10% of intents by prior, not every intent; a gate the
teacher fails too is "both fail", not a reason to keep the teacher."""

import json

import numpy as np
import pandas as pd
import pytest

from engine import sources
from engine.data import byo, seed
from engine.decision import cube, verdict
from engine.decision.cube import Evidence
from engine.quality import report
from engine.rollout import gates
from tests.conftest import run_cli

WORDS = [
    *("order", "refund", "card", "login", "shipping", "size", "colour"),
    *("price", "volume", "author", "series", "gift", "coupon", "account"),
]


def labelled(k: int, per_class: int, seed_: int = 0) -> pd.DataFrame:
    """``per_class`` distinct short requests for each of ``k`` labels (a label's words say which it is)."""
    rng = np.random.default_rng(seed_)
    rows = []
    for c in range(k):
        for j in range(per_class):
            extra = " ".join(rng.choice(WORDS, 3))
            rows.append({"text": f"{WORDS[c % len(WORDS)]} {WORDS[(c // len(WORDS)) % len(WORDS)]} {extra} {j}",
                         "label": f"intent_{c:03d}"})  # fmt: skip
    return pd.DataFrame(rows)


def test_rare_is_the_bottom_tenth_of_a_foreign_label_set():
    balanced = {f"intent_{i:03d}": 1 / 77 for i in range(77)}
    assert len(report.rare_set(balanced)) == 8  # "prior < 5%" would have made all 77 rare
    skewed = {f"intent_{i:03d}": (i + 1) / (150 * 151 / 2) for i in range(150)}
    assert report.rare_set(skewed) == tuple(f"intent_{i:03d}" for i in range(15))  # the 15 smallest priors
    assert report.rare_set({"a": 0.6, "b": 0.35, "c": 0.05}) == ("c",)  # at least one
    assert report.rare_rule(list(balanced)) == "rare = the bottom 10% of intents by prior (8 of 77)"
    # MangaAssist keeps seed 001 §3's rule
    assert report.rare_classes(seed.load_cube()) == ("escalation", "account_security")
    assert report.rare_rule(seed.INTENTS) == "rare = prior < 5% (seed 001 §3)"


def test_foreign_label_defaults_are_explicit():
    labels = [f"intent_{i:03d}" for i in range(77)]
    a, note = sources.scenario_for_labels(labels, None)
    assert a.critical_intents == () and a.intents == tuple(labels)
    assert "critical set unset" in note and "1 harm unit per misroute" in note
    assert "rare = the bottom 10% of intents by prior (8 of 77)" in note and "not measured" in note


def tiny_run(env, path, run_id):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from engine.distill import trainer
    from tests.engine.distill.test_trainer import logits_cache, tiny_factory

    cfg = trainer.TrainConfig(
        data=str(path), device="cpu", threads=1, mode="finetune", epochs=1, run_id=run_id, logits_cache=logits_cache()
    )
    return trainer.run(cfg, model_factory=tiny_factory(), ingest=False)


@pytest.mark.parametrize("k, name", [(77, "intents77.csv"), (150, "intents150.jsonl")])
def test_a_foreign_label_set_goes_end_to_end_to_a_verdict(env, k, name):
    df = labelled(k, 8)
    path = env / name
    if name.endswith(".csv"):
        df.to_csv(path, index=False)
    else:
        path.write_text("\n".join(json.dumps(r) for r in df.to_dict(orient="records")) + "\n")
    assert byo.load(path).intent.nunique() == k  # validation: every label kept, split by the tool
    run_dir = tiny_run(env, path, f"labels-{k}")
    ev = sources.run_evidence(str(run_dir))
    a, note = sources.scenario_for(ev.cube, None)
    assert a.critical_intents == () and "critical set unset" in note
    d = verdict.decide(ev, a, B=300, confirm_B=0)
    assert "No critical intents are set" in d.verdict.sentence
    present = sum(1 for v in ev.cube.intent_shares().values() if v > 0)
    assert len(d.quality.rare_classes) == max(1, round(0.1 * present)) < present  # not every intent
    r = run_cli("decide", "--run", str(run_dir), "--bootstrap", "300")
    assert r.returncode == 0, r.stderr
    assert "critical set unset" in r.stdout and "No critical intents are set" in r.stdout


def values(student_rare, teacher_rare, p95=5.0, teacher_p95=20.0):
    return {
        "student.rare_class_accuracy": (student_rare, None, None),
        "teacher.rare_class_accuracy": (teacher_rare, None, None),
        "student.p95_latency_ms": (p95, None, None),
        "teacher.p95_latency_ms": (teacher_p95, None, None),
    }


def test_a_gate_the_teacher_fails_too_is_both_fail():
    rare = gates.Gate("Rare-class accuracy ≥ 87.0%", "student.rare_class_accuracy", ">=", 0.87, "safety")
    both = gates.evaluate((rare,), values(0.75, 0.74))
    (r,) = both.results
    assert r.passed is False and r.both_fail and not both.blocked and both.both_fail == (r,)
    assert "both fail (the teacher's 0.74 fails it too)" in r.evidence
    assert both.to_dict()["gates"][0]["both_fail"] is True and both.to_dict()["blocked"] is False
    only = gates.evaluate((rare,), values(0.75, 0.90))
    assert only.blocked and not only.results[0].both_fail  # the teacher passes: a reason to keep it
    # a latency budget is the serving system's requirement: over it blocks whatever the teacher measures
    p95 = gates.Gate("Student P95 ≤ 4 ms", "student.p95_latency_ms", "<=", 4.0, "latency")
    assert gates.evaluate((p95,), values(0.9, 0.9)).blocked


def test_a_verdict_with_a_gate_both_fail_says_so_and_is_not_blocked(seed_rows, seed_a):
    rows = seed_rows.head(80)  # both models' rare-class accuracy is 75% here, under the 87% gate
    c = cube.from_rows(rows, intents=seed_a.intents)
    d = verdict.decide(Evidence(c, rows, "80 rows"), seed_a, B=300, confirm_B=0)
    assert d.verdict.state != "blocked" and d.gates.first_blocking is None
    assert "Both models fail 'Rare-class accuracy ≥ 87.0%'" in d.verdict.sentence
    assert "not a reason to keep the teacher" in d.verdict.sentence
