"""Bring-your-own data that trains: train/test only (val carved), the tool's own split with duplicates, JSON/JSONL,
the training flags and the data-driven defaults, and the teacher-below-its-student warning."""

import json

import numpy as np
import pandas as pd
import pytest

from engine.data import byo, generator
from engine.distill import config, diagnosis
from engine.errors import DistillDecideError
from tests.conftest import run_cli


def train_test_only(n_train=300, n_test=80, seed=0) -> pd.DataFrame:
    """Generated requests, deduplicated, given as train and test only (the shape of many public data sets)."""
    df = generator.generate(3 * (n_train + n_test), seed=seed)
    df = df.drop_duplicates("text").head(n_train + n_test).reset_index(drop=True)
    split = np.array(["train"] * n_train + ["test"] * n_test)
    return pd.DataFrame({"text": df.text, "label": df.intent, "split": split})


def test_train_test_only_gets_a_stratified_deduplicated_val(tmp_path):
    df = train_test_only()
    # the same text twice in train: both copies must land on the same side of the carved split
    df = pd.concat([df, df[df.split == "train"].head(20)], ignore_index=True)
    p = tmp_path / "tt.csv"
    df.to_csv(p, index=False)
    out = byo.load(p)
    n = out.split.value_counts().to_dict()
    assert n["test"] == 80 and n["val"] > 0 and n["train"] + n["val"] == 320
    key = byo.text_key(out.text)
    assert not set(key[out.split == "train"]) & set(key[out.split == "val"])
    # stratified: every class with ≥ 2 training texts gives 10% of them (rounded, at least one) to val
    train_keys = out[out.split != "test"].assign(k=key).drop_duplicates("k")
    for intent, group in train_keys.groupby("intent"):
        if len(group) >= 2:
            expect = min(len(group) - 1, max(1, round(0.1 * len(group))))
            assert (group.split == "val").sum() == expect, intent
    assert any("val split carved from train" in note for note in out.attrs["notes"])


def test_the_tools_split_never_refuses_its_own_duplicates(tmp_path):
    texts = [f"where is my order number {i}" for i in range(60)] + [f"cancel subscription {i}" for i in range(60)]
    labels = ["order_status"] * 60 + ["cancel"] * 60
    dup_texts = texts[:15] + [t.upper() + "  " for t in texts[60:70]]  # exact and case/space duplicates
    dup_labels = ["cancel"] * 15 + ["cancel"] * 10  # a duplicate with another label: the first label is kept
    p = tmp_path / "dups.csv"
    pd.DataFrame({"text": texts + dup_texts, "label": labels + dup_labels}).to_csv(p, index=False)
    out = byo.load(p)
    assert len(out) == 120 and out.attrs["notes"] == [
        "dropped 25 duplicate text(s) before splitting (the first label of each kept)"
    ]
    assert (out.intent[out.text.str.startswith("where")] == "order_status").all()
    key = byo.text_key(out.text)
    assert not set(key[out.split == "train"]) & set(key[out.split != "train"])


def test_json_and_jsonl_load_like_csv(tmp_path):
    df = train_test_only(200, 60)
    records = df.to_dict(orient="records")
    (tmp_path / "d.json").write_text(json.dumps(records))
    (tmp_path / "d.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n\n")
    df.to_csv(tmp_path / "d.csv", index=False)
    from_csv = byo.load(tmp_path / "d.csv")
    for name in ("d.json", "d.jsonl"):
        got = byo.load(tmp_path / name)
        pd.testing.assert_frame_equal(got, from_csv)


@pytest.mark.parametrize(
    "name, body, field, words",
    [
        ("bad.jsonl", '{"text": "a", "label": "x"}\n{"text": "b", "label": \n', "bad.jsonl line 2", "not valid JSON"),
        ("bad.jsonl", '{"text": "a", "label": "x"}\n["b", "y"]\n', "bad.jsonl line 2", "not an object"),
        ("bad.json", '[{"text": "a", "label": "x"}, 3]', "bad.json item 1", "not an object"),
        ("bad.json", '{"text": "a", "label": "x"}', "file", "not a list of objects"),
        ("bad.json", '[{"text": "a"', "bad.json line 1", "not valid JSON"),
        ("bad.json", '[{"text": {"a": 1}, "label": "x"}, {"text": "b", "label": "y"}]', "text", "list or object"),
        ("bad.json", "[]", "file", "no records"),
    ],
)
def test_malformed_json_is_refused_naming_the_place(tmp_path, name, body, field, words):
    (tmp_path / name).write_text(body)
    with pytest.raises(DistillDecideError) as exc:
        byo.load(tmp_path / name)
    assert exc.value.field == field and words in exc.value.problem


def test_json_over_the_size_limit_is_refused(tmp_path):
    (tmp_path / "big.jsonl").write_text('{"text": "a", "label": "x"}\n' * 100)
    with pytest.raises(DistillDecideError, match="over the"):
        byo.load(tmp_path / "big.jsonl", max_bytes=1000)


def test_cli_refuses_malformed_jsonl_in_one_line(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"text": "hello", "label": "x"}\nnot json\n')
    r = run_cli("train", "--data", str(p), "--device", "cpu", "--run-id", "never-made")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "bad.jsonl line 2" in r.stderr and "not valid JSON" in r.stderr


def test_max_len_is_the_p99_of_token_lengths():
    lengths = list(range(1, 101))  # p99 = 99.01 → rounded up to 104
    n, why = config.auto_max_len(lengths)
    assert n == 104 and "p99 of token lengths (99)" in why and "0.0% of texts cut" in why
    n, why = config.auto_max_len([10] * 50)
    assert n == 16  # never below 16
    n, why = config.auto_max_len([300] * 10 + [5] * 10)
    assert n == 128 and "the cap" in why and "50.0% of texts are cut" in why


def test_learning_rate_by_model_size():
    assert config.auto_lr(85_000_000)[0] == 5e-5  # BERT-base's recipe
    assert config.auto_lr(10_600_000)[0] == pytest.approx(1.4e-4)  # MiniLM-L6's encoder: 5e-5·√(85/10.6)
    assert config.auto_lr(340_000_000)[0] == pytest.approx(2.5e-5)  # BERT-large: smaller
    assert config.auto_lr(10_000)[0] == 1e-3  # a tiny model: clipped


def test_flags_and_defaults_are_said():
    cfg = config.TrainConfig(profile="medium").resolved()
    eff, chosen = config.effective(cfg, [12] * 98 + [40, 40])
    assert eff.max_len == 40 and eff.epochs == 8 and eff.batch_size == 32
    assert chosen["max_len"].startswith("max_len 40 = p99") and "until validation stops improving" in chosen["epochs"]
    assert chosen["lr"] == "by model size when the phase starts"
    cfg = config.TrainConfig(max_len=64, epochs=3, lr=3e-5, student_lr=1e-4, batch_size=16).resolved()
    eff, chosen = config.effective(cfg, [12] * 100)
    assert (eff.max_len, eff.epochs, eff.batch_size, eff.lr) == (64, 3, 16, 3e-5)
    assert chosen["max_len"] == "max_len 64 (given)" and chosen["lr"] == "3e-05 (given)"
    for kw, flag in ((dict(lr=-1.0), "--lr"), (dict(student_lr=float("nan")), "--student-lr")):
        with pytest.raises(DistillDecideError, match=flag):
            config.TrainConfig(**kw).resolved()
    for kw, flag in ((dict(max_len=2), "--max-len"), (dict(batch_size=-4), "--batch-size")):
        with pytest.raises(DistillDecideError, match=flag):
            config.TrainConfig(**kw).resolved()


def test_cli_train_flags_reach_the_config():
    from engine.cli.distill import _train_config
    from engine.cli.main import build_parser

    args = build_parser().parse_args(
        ["train", "--lr", "3e-5", "--student-lr", "1e-4", "--batch-size", "16", "--max-len", "64", "--epochs", "3"]
    )
    cfg = _train_config(args)
    assert (cfg.lr, cfg.student_lr, cfg.batch_size, cfg.max_len, cfg.epochs) == (3e-5, 1e-4, 16, 64, 3)
    r = run_cli("train", "--lr", "fast")
    assert r.returncode == 2 and "--lr" in r.stderr


def epochs(*accs, stop=None):
    rows = [{"phase": "teacher", "epoch": i + 1, "val_accuracy": a} for i, a in enumerate(accs)]
    if stop:
        rows[-1]["early_stop"] = {"rule": stop}
    return rows


def test_a_teacher_below_its_fine_tune_only_student_is_a_warning():
    tests = {"teacher": {"accuracy": 0.829}, "student": {"accuracy": 0.854}}
    # the run: 3 epochs, still rising, max length 48 with texts longer than that
    lengths = [20] * 95 + [60] * 5
    w = diagnosis.teacher_warnings("finetune", tests, epochs(0.70, 0.78, 0.82), max_len=48, token_lengths=lengths)
    assert len(w) == 1 and "82.9%" in w[0] and "85.4%" in w[0]
    assert "Likely cause: too few epochs" in w[0] and "--epochs 6" in w[0]
    assert "max length too short: 5.0% of texts are cut at max_len 48" in w[0] and "--max-len 60" in w[0]
    # stopped early on a plateau, nothing cut: the learning rate is what is left
    w = diagnosis.teacher_warnings("finetune", tests, epochs(0.8, 0.81, 0.81, stop="accuracy"), max_len=64, lr=1e-4)
    assert "Likely cause: learning rate: lr 0.0001" in w[0]
    # a KD run knows its fine-tune-only student only when the summary carries it
    kd = {"teacher": {"accuracy": 0.829}, "student": {"accuracy": 0.814}}
    assert diagnosis.teacher_warnings("kd-cached", kd, epochs(0.8), max_len=64) == []
    extra = {"finetune_baseline": {"accuracy": 0.854}}
    assert len(diagnosis.teacher_warnings("kd-cached", kd, epochs(0.8), max_len=64, summary_extra=extra)) == 1
    # a teacher at or above its student: nothing to say
    ok = {"teacher": {"accuracy": 0.87}, "student": {"accuracy": 0.854}}
    assert diagnosis.teacher_warnings("finetune", ok, epochs(0.8, 0.85), max_len=64) == []
