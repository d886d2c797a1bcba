"""`runs import DIR` checks a copied run directory against the run schema before reading or storing anything.

Each case below breaks one hand-made, otherwise valid run directory the way a torn copy or an attacker
would; `runs import` must exit 2 with one line naming the file and the fix, and the database must not
even be created (the schema is checked before the store is opened).
"""

import json
import os
import zipfile

import numpy as np
import pandas as pd
import pytest

from engine.errors import DistillDecideError
from engine.runs import schema

LABELS = ["faq", "order_tracking"]


def _predictions(n: int = 4) -> pd.DataFrame:
    true = [LABELS[i % 2] for i in range(n)]
    frame = pd.DataFrame({"request_id": [f"r{i}" for i in range(n)], "true": true, "teacher_pred": true})
    frame["student_pred"] = true
    for model in ("teacher", "student"):
        for label in LABELS:
            frame[f"p_{model}_{label}"] = 0.5
    return frame


def _safetensors(path) -> None:
    from safetensors.numpy import save_file

    save_file({"w": np.zeros((2, 3), dtype=np.float32), "b": np.ones(3, dtype=np.float32)}, str(path))


def make_run(root, run_id: str = "copied-1"):
    """A finished run as the trainer writes it, by hand: config, summary, logs, predictions, one checkpoint, DONE."""
    d = root / run_id
    ckpt = d / "checkpoints" / "student-epoch1"
    ckpt.mkdir(parents=True)
    config = {"run_id": run_id, "labels": LABELS, "mode": "kd-cached", "seed": 0, "epochs": 1, "teacher": "default"}
    (d / "config.json").write_text(json.dumps(config))
    summary = {"run_id": run_id, "chosen_student_epoch": 1, "selection": {"student": {"epoch": 1}}, "seconds": 1.5}
    (d / "summary.json").write_text(json.dumps(summary))
    step = {"phase": "student", "epoch": 1, "global_step": 1, "total_loss": 0.7, "lr": 1e-4}
    (d / "steps.jsonl").write_text(json.dumps(step) + "\n")
    epoch = {"phase": "student", "epoch": 1, "val_accuracy": 0.5, "checkpoint": "checkpoints/student-epoch1"}
    (d / "epochs.jsonl").write_text(json.dumps(epoch) + "\n")
    (ckpt / "meta.json").write_text(json.dumps(epoch))
    _safetensors(ckpt / "model.safetensors")
    with zipfile.ZipFile(ckpt / "train_state.pt", "w") as z:  # torch.save's container
        z.writestr("archive/data.pkl", b"")
    _predictions().to_parquet(d / "predictions.parquet")
    (d / "progress.json").write_text('{"state": "done", "fraction": 1.0}')
    (d / "DONE").write_text("2025-01-01T00:00:00\n")
    return d


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _write(rel, data):
    def change(d):
        p = d / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode())

    return change


def _remove(rel):
    return lambda d: (d / rel).unlink()


def _link(rel, target):
    def change(d):
        p = d / rel
        if p.exists():
            p.unlink()
        p.symlink_to(target(d))

    return change


def _fifo(rel):
    def change(d):
        (d / rel).unlink()
        os.mkfifo(d / rel)  # reading it would block forever: it must be refused by lstat, never opened

    return change


def _json(rel, **changes):
    def change(d):
        data = json.loads((d / rel).read_text())
        (d / rel).write_text(json.dumps({**data, **changes}))

    return change


CKPT = "checkpoints/student-epoch1"
BAD = {
    "no DONE": (_remove("DONE"), r"copied-1/DONE: the run is not finished .*Fix: wait for it to finish or resume"),
    "no predictions": (_remove("predictions.parquet"), r"predictions\.parquet: is missing"),
    "no config": (_remove("config.json"), r"config\.json: is missing"),
    "config not JSON": (_write("config.json", "{labels: [}"), r"config\.json: is not valid JSON"),
    "config a list": (_write("config.json", "[1, 2]"), r"config\.json: is not a JSON object"),
    "config not UTF-8": (_write("config.json", b'{"labels": ["\xff\xfe"]}'), r"config\.json: is not UTF-8 text"),
    "config without labels": (_write("config.json", '{"run_id": "copied-1"}'), r"config\.json: has no labels"),
    "labels a string": (_json("config.json", labels="faq"), r"config\.json: labels: is str, not list"),
    "one label": (_json("config.json", labels=["faq"]), r"labels: are not 2 or more distinct names"),
    "seed a string": (_json("config.json", seed="0"), r"config\.json: seed: is str, not int"),
    "escaping run id": (_json("config.json", run_id="../../x"), r"run_id: '\.\./\.\./x' is not a valid run id"),
    "summary of another run": (_json("summary.json", run_id="other"), r"summary\.json: run_id: 'other' is not"),
    "summary nested 100k deep": (_write("summary.json", _nested(100_000)), r"summary\.json: is nested too deeply"),
    "epoch log torn": (_write("epochs.jsonl", '{"phase": "student", "ep'), r"epochs\.jsonl line 1: is not valid"),
    "epoch log without epoch": (_write("epochs.jsonl", '{"phase": "student"}\n'), r"epochs\.jsonl line 1: has no"),
    "step loss a string": (
        _write("steps.jsonl", '{"phase": "student", "global_step": 1, "total_loss": "low"}\n'),
        r"steps\.jsonl line 1: total_loss: is str, not int or float or null",
    ),
    "unknown phase": (
        _write("steps.jsonl", '{"phase": "attacker", "global_step": 1}\n'),
        r"steps\.jsonl line 1: phase: 'attacker' is not teacher, student or baseline",
    ),
    "torn parquet": (_write("predictions.parquet", b"PAR1 torn in the copy"), r"is not a parquet file"),
    "parquet missing a column": (
        lambda d: _predictions().drop(columns=["student_pred"]).to_parquet(d / "predictions.parquet"),
        r"predictions\.parquet: has no column\(s\) student_pred",
    ),
    "unexpected top-level file": (_write("run.py", "import os"), r"copied-1/run\.py: is not a file a run directory"),
    "hidden file": (_write(".DS_Store", "x"), r"\.DS_Store: is not a file a run directory holds"),
    "legacy pickle checkpoint": (_write(f"{CKPT}/state.pt", b"\x80\x04."), r"student-epoch1/state\.pt: is not a file"),
    "pickle in checkpoints": (_write(f"{CKPT}/payload.pkl", b"\x80\x04."), r"checkpoint folder is checkpoints/"),
    "odd checkpoint folder": (_write("checkpoints/evil/model.safetensors", b""), r"checkpoints/evil: is not a folder"),
    "nested folder": (_write(f"{CKPT}/deeper/x.json", "{}"), r"student-epoch1/deeper: is not a folder"),
    "pickle named safetensors": (
        _write(f"{CKPT}/model.safetensors", b"\x80\x04\x95" + b"\x00" * 64),
        r"model\.safetensors: is not a safetensors file",
    ),
    "safetensors offsets past the end": (
        lambda d: (d / CKPT / "model.safetensors").write_bytes((d / CKPT / "model.safetensors").read_bytes()[:-4]),
        r"model\.safetensors: tensor '\w' lies outside the file",
    ),
    "train state a raw pickle": (_write(f"{CKPT}/train_state.pt", b"\x80\x04."), r"is not a torch checkpoint"),
    "symlink to a file outside": (_link("config.json", lambda d: d.parent / "secret.json"), r"is a symbolic link"),
    "symlinked checkpoints": (
        lambda d: (d / "checkpoints" / "teacher-epoch1").symlink_to(d.parent),
        r"checkpoints/teacher-epoch1: is a symbolic link",
    ),
    "link inside the run": (_link("summary.json", lambda d: d / "config.json"), r"summary\.json: is a symbolic link"),
    "fifo as a log": (_fifo("steps.jsonl"), r"steps\.jsonl: is not a regular file"),
    "oversize marker": (_write("DONE", "x" * 5_000), r"DONE: is 5,000 bytes, over the 4,096 bytes a run's DONE may be"),
    "failed marker": (_write("FAILED", "RuntimeError"), r"FAILED: marks a run that failed"),
}


@pytest.fixture()
def env(env):
    (env / "secret.json").write_text('{"labels": ["faq", "order_tracking"]}')
    return env


def test_a_valid_copied_run_passes_and_imports(env, capsys):
    from engine.cli import main

    d = make_run(env)
    schema.check_run_dir(d)
    assert main.main(["runs", "import", str(d)]) == 0
    assert capsys.readouterr().out.strip() == "ingested copied-1"


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_bad_run_directory_is_refused_before_anything_is_read(case, env, capsys):
    from engine.cli import main

    change, match = BAD[case]
    d = make_run(env)
    change(d)
    with pytest.raises(DistillDecideError, match=match) as exc:
        schema.check_run_dir(d)
    assert exc.value.fix  # every refusal says what to do
    assert main.main(["runs", "import", str(d)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: run copied-1") and "Fix:" in err, err
    assert not (env / "db.duckdb").exists()  # refused before the store was opened: nothing ingested


def test_too_many_entries_is_refused_without_listing_them_all(env, monkeypatch):
    d = make_run(env)
    monkeypatch.setattr(schema, "MAX_ENTRIES", 5)
    for i in range(10):
        (d / f"junk{i}").write_text("x")
    with pytest.raises(DistillDecideError, match="holds over 5 entries"):
        schema.check_run_dir(d)


def test_the_trainers_own_run_passes(env):
    """A run the tiny trainer wrote (every file it writes, checkpoints included) matches the schema."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from engine.distill import trainer
    from tests.engine.distill.test_trainer import cfg, tiny_factory

    run_dir = trainer.run(cfg("schema-ok", epochs=1), model_factory=tiny_factory(), ingest=False)
    schema.check_run_dir(run_dir)
