"""Trainer on a tiny random-init model: loss falls, resume reaches the same state, the run prices."""

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from engine.distill import logits_job, models, trainer  # noqa: E402
from engine.runs import rundir  # noqa: E402
from tests.engine.distill.tiny import tiny_bert  # noqa: E402


def tiny_factory():
    tok = models.load_tokenizer("default")

    def make(kind, k):
        if kind == "tokenizer":
            return tok
        return tiny_bert(k, tok.vocab_size, layers=2, hidden=32, seed=1 if kind == "teacher" else 2)

    return make


def logits_cache() -> str:
    """The teacher-logit cache beside the test's runs folder (passed to every run, never a patched global)."""
    return str(Path(os.environ["DISTILL_DECIDE_RUNS"]).parent / "cache" / "teacher_logits")


def cfg(run_id, **kw):
    base = dict(
        logits_cache=logits_cache(),
        profile="quick",
        mode="kd-cached",
        device="cpu",
        threads=1,
        n_train=240,
        n_val=60,
        n_test=80,
        epochs=2,
        max_len=24,
        batch_size=16,
        lr=2e-3,
        student_lr=2e-3,
        student_layers=1,
        run_id=run_id,
    )
    return trainer.TrainConfig(**{**base, **kw})


def test_layer_maps():
    assert models.uniform_layer_map(6, 2) == [2, 5]
    assert models.uniform_layer_map(6, 4) == [0, 2, 3, 5]
    assert models.uniform_layer_map(12, 4) == [2, 5, 8, 11]
    proj = models.Projections(128, 384, 2)
    assert proj([torch.zeros(1, 5, 128)] * 2)[0].shape == (1, 5, 384)
    assert isinstance(models.Projections(384, 384, 1).maps[0], torch.nn.Identity)


def test_layer_subset_and_params():
    t = tiny_bert(10, 1000, layers=6, hidden=32)
    s = models.layer_subset(t, models.uniform_layer_map(6, 2))
    assert s.config.num_hidden_layers == 2 and len(s.bert.encoder.layer) == 2
    assert torch.equal(s.bert.encoder.layer[0].output.dense.weight, t.bert.encoder.layer[2].output.dense.weight)
    pt, ps = models.count_params(t), models.count_params(s)
    assert pt.total - ps.total == pt.non_embedding - ps.non_embedding > 0  # embeddings are shared, layers dropped


def test_batches_bucket_and_pad():
    lengths = np.array([5, 30, 6, 29, 7, 28, 8, 27])
    batches = trainer.make_batches(lengths, 2, np.random.default_rng(0), bucketing=True)
    assert sorted(np.concatenate(batches).tolist()) == list(range(8))
    spread = max(np.ptp(lengths[b]) for b in batches)
    assert spread <= 3  # similar lengths share a batch
    batch = trainer.collate([[1, 2], [3, 4, 5]], np.array([0, 1]), pad_id=0)
    assert batch["input_ids"].tolist() == [[1, 2, 0], [3, 4, 5]] and batch["attention_mask"].sum() == 5


def test_tiny_run_writes_a_run_that_prices(env):
    run_dir = trainer.run(cfg("tiny-a"), model_factory=tiny_factory())
    assert (run_dir / "DONE").exists()
    steps = rundir.read_jsonl(run_dir / "steps.jsonl")
    teacher_steps = [s["total_loss"] for s in steps if s["phase"] == "teacher"]
    assert np.mean(teacher_steps[-2:]) < np.mean(teacher_steps[:2])  # loss falls
    assert {"hard_ce", "kd_kl_t2", "grad_norm", "lr", "throughput_samples_per_sec"} <= set(
        [s for s in steps if s["phase"] == "student"][0]
    )
    config = json.loads((run_dir / "config.json").read_text())
    assert config["n"] == {"train": 240, "val": 60, "test": 80}
    from engine import sources, store

    ev = sources.run_evidence(str(run_dir))
    assert ev.cube.n == 80 and list(ev.cube.intents) == config["labels"]
    assert store.list_ingested_runs().run_id.tolist() == ["tiny-a"]
    assert len(store.load_rows("run:tiny-a")) == 80
    # the seed 002 §15 step log and epoch summaries are ingested row for row
    logged = rundir.read_jsonl(run_dir / "steps.jsonl")
    db_steps = store.load_run_log("tiny-a", "steps")
    assert len(db_steps) == len(logged) and set(db_steps.phase) == {"teacher", "student", "baseline"}
    assert db_steps.total_loss.tolist() == pytest.approx(
        [s["total_loss"] for s in sorted(logged, key=lambda s: (s["phase"], s["global_step"]))]
    )
    db_epochs = store.load_run_log("tiny-a")
    assert len(db_epochs) == 6 and db_epochs.kept.sum() == 3  # one kept epoch per phase (with the FT-only baseline)
    student = db_epochs[db_epochs.phase == "student"]
    assert student.checkpoint_promotable.notna().all() and student.val_agreement.between(0, 1).all()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert int(student[student.kept].epoch.iloc[0]) == summary["chosen_student_epoch"]
    # the fine-tune-only baseline beside the KD student, and its paired difference on the same 80 test requests
    preds = pd.read_parquet(run_dir / "predictions.parquet")
    assert summary["baseline"]["accuracy"] == pytest.approx((preds.finetune_pred == preds.true).mean())
    kd_ft = summary["kd_vs_finetune"]
    assert kd_ft["n"]["requests"] == 80
    acc = kd_ft["accuracy"]
    assert acc["diff"] == pytest.approx(summary["student"]["accuracy"] - summary["baseline"]["accuracy"])
    assert acc["ci95"][0] <= acc["diff"] <= acc["ci95"][1]
    # a temperature per model, fitted on validation; ECE is read after it (before it beside)
    for model in ("teacher", "student", "baseline"):
        cal = summary["calibration"][model]
        assert cal["fitted_on"] == "validation" and cal["n_fit"] == 60 and cal["temperature"] > 0
        assert summary[model]["ece"] == pytest.approx(cal["ece_after"])
        assert summary[model]["ece_uncalibrated"] == pytest.approx(cal["ece_before"])
    assert rundir.read_jsonl(run_dir / "epochs.jsonl")[-1]["task"] == "intent_distillation"


def test_resume_reaches_the_same_state(env, monkeypatch):
    full = trainer.run(cfg("tiny-full"), model_factory=tiny_factory(), ingest=False)
    # the same run, interrupted right after the first teacher epoch was checkpointed, then resumed
    real_predict, calls = trainer.predict, {"n": 0}

    def interrupted(*a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("simulated interruption")
        return real_predict(*a, **k)

    monkeypatch.setattr(trainer, "predict", interrupted)
    with pytest.raises(KeyboardInterrupt):
        trainer.run(cfg("tiny-part"), model_factory=tiny_factory(), ingest=False)
    d = rundir.resolve_run("tiny-part")
    assert (d / "FAILED").exists() and not (d / "DONE").exists()
    assert (d / "checkpoints" / "teacher-epoch1").exists() and not (d / "checkpoints" / "teacher-epoch2").exists()
    monkeypatch.setattr(trainer, "predict", real_predict)
    resumed = trainer.run(cfg("tiny-part"), model_factory=tiny_factory(), ingest=False, resume=True)
    assert (resumed / "DONE").exists() and not (resumed / "FAILED").exists()
    from safetensors.torch import load_file

    for ckpt in ("teacher-epoch2", "student-epoch2"):
        a = load_file(full / "checkpoints" / ckpt / "model.safetensors")
        b = load_file(resumed / "checkpoints" / ckpt / "model.safetensors")
        assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a), ckpt


def test_failed_run_is_never_done(env):
    def broken(kind, k):
        if kind == "tokenizer":
            return models.load_tokenizer("default")
        raise RuntimeError("out of memory (simulated)")

    with pytest.raises(RuntimeError):
        trainer.run(cfg("tiny-bad"), model_factory=broken)
    d = rundir.resolve_run("tiny-bad")
    assert not (d / "DONE").exists() and (d / "FAILED").exists()
    assert rundir.read_progress(d)["state"] == "failed"
    from engine import store
    from engine.errors import DistillDecideError

    with pytest.raises(DistillDecideError, match="DONE"):
        store.ingest_run(d)


def test_bad_config():
    from engine.errors import DistillDecideError

    with pytest.raises(DistillDecideError, match="mode"):
        trainer.TrainConfig(mode="magic").resolved()
    with pytest.raises(DistillDecideError, match="threads"):
        trainer.TrainConfig(threads=-1).resolved()
    with pytest.raises(DistillDecideError, match="alpha"):
        trainer.TrainConfig(alpha=1.5).resolved()
    with pytest.raises(DistillDecideError, match="temperature"):
        trainer.TrainConfig(temperature=0).resolved()
    with pytest.raises(DistillDecideError, match="loss"):
        trainer.TrainConfig(loss="focal").resolved()


def test_rare_class_hybrid_loss_trains(env):
    run_dir = trainer.run(cfg("tiny-hybrid", loss="rare-hybrid", epochs=1), model_factory=tiny_factory(), ingest=False)
    step = [s for s in rundir.read_jsonl(run_dir / "steps.jsonl") if s["phase"] == "student"][-1]
    # 0.45·CE + 0.35·T²·KL + 0.20·weighted CE, as logged
    assert step["total_loss"] == pytest.approx(
        0.45 * step["hard_ce"] + 0.35 * step["kd_kl_t2"] + 0.20 * step["weighted_ce"], rel=1e-5
    )


def test_cost_aware_loss_trains(env):
    c = cfg("tiny-cost", loss="cost-aware", epochs=1, baseline=False)
    run_dir = trainer.run(c, model_factory=tiny_factory(), ingest=False)
    steps = rundir.read_jsonl(run_dir / "steps.jsonl")
    assert {s["phase"] for s in steps} == {"teacher", "student"}  # --no-baseline: no FT-only phase
    step = [s for s in steps if s["phase"] == "student"][-1]
    # α·T²·KL + (1 − α)·cost-weighted CE at α = 0.7, as logged
    assert step["total_loss"] == pytest.approx(0.7 * step["kd_kl_t2"] + 0.3 * step["cost_weighted_ce"], rel=1e-5)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["loss"] == "cost-aware" and "baseline" not in summary and "kd_vs_finetune" not in summary


@pytest.mark.slow
def test_quick_profile_end_to_end(env):
    quick = trainer.TrainConfig(
        profile="quick", device="cpu", threads=2, run_id="quick-e2e", logits_cache=logits_cache()
    )
    run_dir = trainer.run(quick)
    s = json.loads((run_dir / "summary.json").read_text())
    assert s["teacher"]["accuracy"] >= 0.80 and s["student"]["accuracy"] >= 0.60
    # wall time is measured by `python bench/train.py --profile-run quick`, not asserted here


def test_launcher_starts_and_cancels_a_run(env):
    import time

    from engine.runs import launcher

    run_id, pid = launcher.start(profile="quick", threads=1)
    assert launcher.alive(pid)
    time.sleep(1.0)
    launcher.cancel(run_id, pid)
    for _ in range(50):
        if not launcher.alive(pid):
            break
        time.sleep(0.2)
    assert not launcher.alive(pid)
    d = rundir.resolve_run(run_id)
    assert not (d / "DONE").exists() and rundir.read_progress(d)["state"] == "cancelled"
    with pytest.raises(Exception, match="threads"):
        launcher.start(threads=0)


def test_launcher_passes_the_lab_settings(env, monkeypatch):
    from engine.errors import DistillDecideError
    from engine.runs import launcher

    seen = {}

    class FakeProc:
        pid = 4242

    def fake_popen(cmd, **kw):
        seen["cmd"] = cmd
        return FakeProc()

    monkeypatch.setattr(launcher.subprocess, "Popen", fake_popen)
    (env / "runs" / "done-run").mkdir(parents=True)
    (env / "runs" / "done-run" / "DONE").write_text("x")
    (env / "runs" / "half-run").mkdir()
    launcher.start(teacher_run="done-run", alpha=0.5, temperature=5.0, loss="rare-hybrid")
    cmd = " ".join(seen["cmd"])
    assert "--teacher-run done-run" in cmd and "--alpha 0.5" in cmd and "--temperature 5.0" in cmd
    assert "--loss rare-hybrid" in cmd and "--no-baseline" not in cmd  # the FT-only control by default
    launcher.start(loss="cost-aware", baseline=False)
    cmd = " ".join(seen["cmd"])
    assert "--loss cost-aware" in cmd and "--no-baseline" in cmd
    with pytest.raises(DistillDecideError, match="not finished"):
        launcher.start(teacher_run="half-run")
    with pytest.raises(DistillDecideError, match="alpha"):
        launcher.start(alpha=1.2)


def test_ddp_two_processes_on_cpu(env):
    """torchrun, gloo, 2 processes: one run directory, written by rank 0, complete."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env_vars = {**os.environ, "OMP_NUM_THREADS": "1"}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            "2",
            str(ROOT / "tests" / "engine" / "distill" / "ddp_tiny.py"),
            str(env),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env_vars,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    made = [p for p in (env / "runs").iterdir() if p.is_dir()]
    assert len(made) == 1 and (made[0] / "DONE").exists()
    config = json.loads((made[0] / "config.json").read_text())
    assert config["world_size"] == 2
    teacher_steps = [s for s in rundir.read_jsonl(made[0] / "steps.jsonl") if s["phase"] == "teacher"]
    assert teacher_steps and max(s["global_step"] for s in teacher_steps) == 240 // 16 // 2 * 2  # half the steps
    shards = sorted(p.name for p in (env / "cache" / "teacher_logits").glob("*.shards/*"))
    assert shards == ["0000-of-0002.safetensors", "0001-of-0002.safetensors"]  # one shard per rank, rank 0 merged


def test_selection_and_early_stopping_are_recorded(env):
    # a learning rate of ~0 leaves validation loss flat: the seed 002 §13 loss rule stops both phases at epoch 3 of 4
    run_dir = trainer.run(
        cfg("tiny-stop", epochs=4, lr=1e-12, student_lr=1e-12, mode="finetune"), model_factory=tiny_factory()
    )
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["early_stop"]["teacher"]["rule"] == "loss" and summary["early_stop"]["student"]["epoch"] == 3
    epochs = rundir.read_jsonl(run_dir / "epochs.jsonl")
    assert [e["epoch"] for e in epochs if e["phase"] == "student"] == [1, 2, 3]
    last = epochs[-1]
    assert {"val_loss", "val_error_usd_per_request", "val_error_vs_teacher", "val_agreement"} <= set(last)
    assert last["val_error_usd_per_request"] > 0
    # every epoch fits its temperature on validation; the ECE gate reads the ECE after it
    assert last["val_temperature"] > 0 and 0 <= last["val_ece_calibrated"] <= 1
    sel = summary["selection"]["student"]
    assert summary["chosen_student_epoch"] == sel["epoch"] in (1, 2, 3)
    assert sel["gates_checked"] == ["val_agreement", "val_ece_calibrated", "val_rare_class_accuracy"]
    # a random tiny model passes no gate: the run says so instead of pretending
    assert sel["gates_passed"] is False and set(sel["why_not"]) == {"1", "2", "3"}  # JSON keys
    assert summary["student"]["error_usd_per_request"] > 0 and "error_vs_teacher" in summary["student"]


def test_teacher_logits_in_shards_merge_to_the_whole(env, monkeypatch):
    from engine.distill import logits
    from engine.errors import DistillDecideError

    trainer.run(cfg("tiny-shards", mode="finetune"), model_factory=tiny_factory())
    f = tiny_factory()
    logits_job.run_logits("tiny-shards", logits_cache=logits_cache(), shard=0, n_shards=1, model_factory=f)
    whole = logits_job.run_logits("tiny-shards", logits_cache=logits_cache(), merge=True, n_shards=1, model_factory=f)
    assert whole["rows"] == 240
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    reference = load_file(whole["merged"])["logits"]
    outs = [
        logits_job.run_logits("tiny-shards", logits_cache=logits_cache(), shard=k, n_shards=3, model_factory=f)
        for k in range(3)
    ]
    assert [o["rows"] for o in outs] == [80, 80, 80]
    Path(outs[1]["shard"]).unlink()
    with pytest.raises(DistillDecideError, match=r"shard\(s\) \[1\] of 3 are missing"):
        logits_job.run_logits("tiny-shards", logits_cache=logits_cache(), merge=True, n_shards=3, model_factory=f)
    logits_job.run_logits("tiny-shards", logits_cache=logits_cache(), shard=1, n_shards=3, model_factory=f)
    with pytest.raises(DistillDecideError, match="another count"):  # the 1-shard file is still there
        logits_job.run_logits("tiny-shards", logits_cache=logits_cache(), merge=True, n_shards=3, model_factory=f)
    Path(whole["merged"]).unlink()
    for p in Path(outs[0]["shard"]).parent.glob("*-of-0001.safetensors"):
        p.unlink()
    merged = logits_job.run_logits("tiny-shards", logits_cache=logits_cache(), merge=True, n_shards=3, model_factory=f)
    assert torch.allclose(load_file(merged["merged"])["logits"], reference, atol=1e-5)
    # a shard made with another teacher is refused
    with safe_open(outs[2]["shard"], framework="pt") as part:
        meta, tensors = part.metadata(), {k: part.get_tensor(k) for k in part.keys()}  # noqa: SIM118
    other = {**json.loads(meta["key_parts"]), "teacher": "someone-else"}
    save_file(tensors, outs[2]["shard"], metadata={**meta, "key_parts": json.dumps(other)})
    with pytest.raises(DistillDecideError, match="another teacher"):
        logits_job.run_logits("tiny-shards", logits_cache=logits_cache(), merge=True, n_shards=3, model_factory=f)
    with pytest.raises(DistillDecideError, match="--shard"):
        logits_job.run_logits("tiny-shards", logits_cache=logits_cache(), shard=3, n_shards=3, model_factory=f)
    # a kd-cached run on the same data reads the merged logits instead of computing them

    def no_compute(*a, **k):
        raise AssertionError("the teacher pass ran again")

    monkeypatch.setattr(logits, "compute", no_compute)
    done = trainer.run(cfg("tiny-from-shards", teacher_run="tiny-shards"), model_factory=f)
    assert (done / "DONE").exists()


def test_naive_baseline_pads_to_max_length_without_buckets(env, monkeypatch):
    seen = {"fixed": set(), "bucketing": set()}
    real_collate, real_batches = trainer.collate, trainer.make_batches

    def collate(ids, rows, pad_id, fixed_len=None):
        seen["fixed"].add(fixed_len)
        return real_collate(ids, rows, pad_id, fixed_len)

    def make_batches(lengths, batch_size, rng, bucketing):
        seen["bucketing"].add(bucketing)
        return real_batches(lengths, batch_size, rng, bucketing)

    monkeypatch.setattr(trainer, "collate", collate)
    monkeypatch.setattr(trainer, "make_batches", make_batches)
    trainer.run(cfg("tiny-naive", naive=True, epochs=1, mode="finetune"), model_factory=tiny_factory(), ingest=False)
    assert seen["bucketing"] == {False} and 24 in seen["fixed"]  # training batches: fixed max_len 24
    seen["fixed"].clear()
    trainer.run(cfg("tiny-opt", epochs=1, mode="finetune"), model_factory=tiny_factory(), ingest=False)
    assert 24 not in seen["fixed"] and None in seen["fixed"]
