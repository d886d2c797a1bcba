"""Train a teacher, distil a student, evaluate both, and write a run directory.

Reads top to bottom: config → data → teacher phase → student phase → test predictions → DONE.
Each phase is the same loop (``train_phase``): batches → loss → step, then per epoch evaluate,
checkpoint and check the early-stopping rules. Runs as its own process (`python -m engine train …`);
the store is imported lazily only to ingest a finished run. Data preparation, evaluation,
checkpoints and the process group live beside this file (data.py, evaluation.py,
checkpointing.py, parallel.py).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.distill import (
    checkpointing,
    checks,
    cost_weights,
    determinism,
    diagnosis,
    losses,
    models,
    run_files,
    selection,
    step_loss,
)
from engine.distill import config as config_mod
from engine.distill import logits as logit_cache
from engine.distill.batching import collate, make_batches
from engine.distill.checkpointing import load_epoch, load_run_teacher
from engine.distill.config import LOSSES, MODES, PROFILES, TrainConfig, resume_config
from engine.distill.data import Prepared, pick_device
from engine.distill.evaluation import EvalContext, evaluate, predict
from engine.distill.parallel import Dist, NoProgress, init_dist
from engine.errors import DistillDecideError
from engine.runs import rundir

PHASE_BASELINE = rundir.PHASE_BASELINE  # the fine-tune-only student trained beside a KD one

# -- one phase: the training loop -----------------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    """What both phases of a run share."""

    cfg: TrainConfig
    data: Prepared
    device: torch.device
    dist: Dist
    run_dir: Path
    progress: Any  # rundir.Progress on rank 0, NoProgress elsewhere
    done_epochs: dict  # per phase, the last epoch already logged (a resume continues after it)


@dataclass(frozen=True)
class _Phase:
    """One phase's model, optimiser and schedule (the loop's state, not a public type)."""

    name: str  # teacher | student
    run: _Run
    ctx: EvalContext
    model: Any  # a transformers sequence classifier
    net: Any  # the model, or its DistributedDataParallel wrapper
    opt: torch.optim.Optimizer
    sched: torch.optim.lr_scheduler.LambdaLR
    steps_per_epoch: int
    class_w: torch.Tensor
    teacher: Any = None
    cached_logits: torch.Tensor | None = None
    intent_w: torch.Tensor | None = None  # cost-aware loss: the weight of an example by its true intent
    projections: Any = None  # --feature-loss: models.Projections (embeddings + each layer), trained with the student
    layer_map: tuple[int, ...] = ()  # --feature-loss: the teacher layer that teaches each student layer
    kd_tau: float = 1.0  # --kd-targets calibrated: the KD term sees teacher logits ÷ this (fitted on validation)


def _schedule(optimizer, total: int, warmup: float):
    w = max(1, int(total * warmup))
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / w, max(0.0, (total - s) / (total - w + 1e-9)))
    )


def _open_phase(
    name: str, model, run: _Run, *, lr: float, ctx: EvalContext, teacher=None, cached=None, features=None, kd_tau=1.0
) -> _Phase:
    """Move the model, wrap it for DDP, and make its optimiser, schedule and class weights; ``features``
    (projections, layer map) makes a feature-loss phase whose optimiser also steps the projections."""
    cfg, dist, device, d = run.cfg, run.dist, run.device, run.data
    if not lr:  # no flag gave it: by model size, said in config.json
        lr, why = config_mod.auto_lr(models.count_params(model).non_embedding)
        if dist.main:
            config_mod.record_choice(run.run_dir, "lr" if name == "teacher" else "student_lr", why)
    model.to(device)
    net = model
    if dist.world > 1:
        from torch.nn.parallel import DistributedDataParallel

        net = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    projections, layer_map = features if features is not None else (None, ())
    extra = list(projections.to(device).parameters()) if projections is not None else []
    opt = torch.optim.AdamW(list(model.parameters()) + extra, lr=lr, weight_decay=cfg.weight_decay)
    steps_per_epoch = math.ceil(len(d.train_rows) / cfg.batch_size) // dist.world
    sched = _schedule(opt, steps_per_epoch * cfg.n_epochs, cfg.warmup)
    priors = np.bincount(d.y[d.train_rows], minlength=len(ctx.labels)) / len(d.train_rows)
    class_w = losses.class_weights_from_priors(priors)  # 1/√prior, mean 1, capped (rare-hybrid only)
    intent_w = None
    if name == "student" and cfg.loss == "cost-aware":
        w = cost_weights.intent_weights(ctx.labels, ctx.assumptions, d.y[d.train_rows])
        intent_w = torch.tensor(w, dtype=torch.float32)
    made = (name, run, ctx, model, net, opt, sched, steps_per_epoch, class_w, teacher, cached, intent_w)
    return _Phase(*made, projections, tuple(layer_map), kd_tau)


def _train_step(ph: _Phase, epoch: int, step: int, b: np.ndarray) -> dict:
    cfg, d, device, dist = ph.run.cfg, ph.run.data, ph.run.device, ph.run.dist
    rows = d.train_rows[b]
    t0 = time.perf_counter()
    fixed_len = cfg.max_len if cfg.naive else None
    batch = {n: t.to(device) for n, t in collate(d.ids, rows, d.pad_id, fixed_len).items()}
    labels = torch.as_tensor(d.y[rows], dtype=torch.int64).to(device)
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda" and not cfg.naive):
        out = ph.net(**batch, **step_loss.forward_outputs(ph))
        loss, terms = step_loss.batch_loss(ph, out, batch, b, labels)
    ph.opt.zero_grad(set_to_none=True)
    loss.backward()
    step_loss.average_projection_grads(ph, dist.world)
    grad_norm = float(torch.nn.utils.clip_grad_norm_(ph.opt.param_groups[0]["params"], 1.0))  # model + projections
    ph.opt.step()
    ph.sched.step()
    sps = len(rows) / max(time.perf_counter() - t0, 1e-9)
    if dist.main and (step % 10 == 0 or step == ph.steps_per_epoch):
        record = {"event": "kd_train_step", "task": "intent_distillation", "phase": ph.name, "epoch": epoch}
        record |= {"global_step": ph.sched.last_epoch, "batch_size": len(rows), **terms, "grad_norm": grad_norm}
        record |= {"lr": ph.sched.get_last_lr()[0], "throughput_samples_per_sec": sps}
        rundir.append_jsonl(ph.run.run_dir / "steps.jsonl", record)
    ph.run.progress.update(phase=ph.name, epoch=epoch, step=step, samples_per_s=sps * dist.world, terms=terms)
    return terms


def _train_epoch(ph: _Phase, epoch: int) -> dict:
    """One pass over the training rows in seeded, bucketed batches; the last step's loss terms."""
    cfg, dist, d = ph.run.cfg, ph.run.dist, ph.run.data
    ph.model.train()
    torch.manual_seed(cfg.seed * 1000 + epoch)
    rng = np.random.default_rng([cfg.seed, epoch])
    lengths = np.array([len(d.ids[i]) for i in d.train_rows])
    batches = make_batches(lengths, cfg.batch_size, rng, cfg.bucketing and not cfg.naive)
    if dist.world > 1:  # equal work per rank: drop the remainder, then stride
        batches = batches[: len(batches) // dist.world * dist.world][dist.rank :: dist.world]
    terms: dict = {}
    for step, b in enumerate(batches, 1):
        terms = _train_step(ph, epoch, step, b)
    return terms


def _end_epoch(ph: _Phase, epoch: int, terms: dict, earlier: list[dict]) -> dict:
    """Rank 0: evaluate on validation, checkpoint, log the epoch summary with any early-stop rule."""
    cfg, d, ctx, run_dir = ph.run.cfg, ph.run.data, ph.ctx, ph.run.run_dir
    val = predict(ph.model, d.ids, d.val_rows, d.pad_id, ph.run.device)
    metrics = evaluate(
        d.y[d.val_rows],
        val,
        ctx.labels,
        ctx.teacher_probs,
        assumptions=ctx.assumptions,
        segments=ctx.segments,
        teacher_error_usd=ctx.teacher_error_usd,
        calibrate=True,
    )
    path = checkpointing.epoch_dir(run_dir, ph.name, epoch)
    extra = {"projections": ph.projections.state_dict()} if ph.projections is not None else None
    checkpointing.save(path, ph.model, ph.opt, ph.sched, epoch, extra)
    summary = {"event": "kd_epoch_summary", "task": "intent_distillation", "phase": ph.name, "epoch": epoch}
    student = f"{cfg.student_layers}-layer" + (f", width {cfg.student_width}" if cfg.student_width else "")
    summary |= {"teacher": cfg.teacher, "student": None if ph.name == "teacher" else student}
    summary |= {"train_loss": terms["total_loss"], **{f"val_{k}": v for k, v in metrics.items()}}
    summary["checkpoint"] = str(path.relative_to(run_dir))
    if ph.name != "teacher":  # seed 002 §15: promotable = passes every gate measurable on validation
        summary["checkpoint_promotable"] = not selection.failing_gates(summary, ctx.gates)
    if cfg.early_stopping and epoch < cfg.n_epochs:
        stop = selection.stop_rule([s for s in earlier if s["phase"] == ph.name] + [summary])
        if stop:
            summary["early_stop"] = stop
    rundir.append_jsonl(run_dir / "epochs.jsonl", summary)
    rundir.write_json(path / "meta.json", summary)
    return summary


def train_phase(ph: _Phase, start_epoch: int = 0) -> list[dict]:
    """Fine-tune (CE) or distil (α·T²·KL + (1−α)·CE) for cfg.epochs; checkpoint and evaluate every epoch.

    Stops early when a seed 002 §13 rule fires (the epoch summary then carries ``early_stop``;
    a resumed run does not train past it). Under torchrun each rank takes every world-th batch
    and DistributedDataParallel averages the gradients; rank 0 evaluates, checkpoints, logs and
    decides whether to stop.
    """
    run_dir, dist = ph.run.run_dir, ph.run.dist
    if start_epoch:
        path = checkpointing.epoch_dir(run_dir, ph.name, start_epoch)
        checkpointing.load_weights(ph.model, path)
        state = checkpointing.load_train_state(path)
        if ph.projections is not None and "projections" in state:
            ph.projections.load_state_dict(state["projections"])
        ph.opt.load_state_dict(state["optimizer"])
        ph.sched.load_state_dict(state["scheduler"])
    logged = rundir.read_jsonl(run_dir / "epochs.jsonl")
    summaries = [s for s in logged if s["phase"] != ph.name or s["epoch"] <= start_epoch]
    if any(s.get("early_stop") for s in summaries if s["phase"] == ph.name):
        return [s for s in summaries if s["phase"] == ph.name]
    for epoch in range(start_epoch + 1, ph.run.cfg.n_epochs + 1):
        terms = _train_epoch(ph, epoch)
        if not dist.main:
            if dist.share(None):
                break
            continue
        summary = _end_epoch(ph, epoch, terms, summaries)
        summaries.append(summary)
        if dist.share("early_stop" in summary):
            break
    if not dist.main:
        summaries = rundir.read_jsonl(run_dir / "epochs.jsonl")
    return [s for s in summaries if s["phase"] == ph.name]


# -- a run: teacher phase, student phase, test predictions ---------------------------------------


def _start(cfg: TrainConfig, device, dist: Dist, checked: checks.Checked, *, resume: bool, bar: bool) -> _Run:
    """Write config.json (rank 0), open the progress file and start its heartbeat."""
    run_dir, data = checked.run_dir, checked.data
    if dist.main:
        config = {**asdict(cfg), "chosen": checked.chosen}
        version = torch.__version__
        run_files.write_config(run_dir, config, data, device=str(device), torch_version=version, world=dist.world)
    dist.barrier()
    logged = rundir.read_jsonl(run_dir / "epochs.jsonl") if resume else []
    done = {p: max([s["epoch"] for s in logged if s["phase"] == p], default=0) for p in rundir.PHASES}
    per_epoch = math.ceil(len(data.train_rows) / cfg.batch_size) // dist.world
    phases = (("student",) if cfg.teacher_run else ("teacher", "student")) + (PHASE_BASELINE,) * cfg.trains_baseline
    progress: Any = NoProgress()
    if dist.main:
        total, already = per_epoch * cfg.n_epochs * len(phases), per_epoch * sum(done[p] for p in phases)
        progress = rundir.Progress(run_dir, total, bar=bar, done_steps=already)
        progress.start_heartbeat()
    return _Run(cfg, data, device, dist, run_dir, progress, done)


def _teacher_phase(run: _Run, make, ctx: EvalContext) -> tuple[Any, list[dict], dict]:
    """The teacher at its chosen epoch: reused from another run, or trained here."""
    teacher = make("teacher", len(run.data.labels))
    if run.cfg.teacher_run:
        src = checkpointing.teacher_source(run.cfg.teacher_run, "--teacher-run")
        t_sum = [s for s in rundir.read_jsonl(src / "epochs.jsonl") if s["phase"] == "teacher"]
        t_sel = selection.select_checkpoint(t_sum, apply_gates=False)
        load_epoch(teacher, src, "teacher", t_sel["epoch"])
        teacher.to(run.device)
        return teacher, t_sum, t_sel
    t_sum = train_phase(_open_phase("teacher", teacher, run, lr=run.cfg.lr, ctx=ctx), run.done_epochs["teacher"])
    t_sel = selection.select_checkpoint(t_sum, apply_gates=False)  # gates are about promoting a student
    load_epoch(teacher, run.run_dir, "teacher", t_sel["epoch"])
    return teacher, t_sum, t_sel


def _cached_logits(run: _Run, teacher) -> torch.Tensor:
    """Teacher logits of the training rows from the cache; under torchrun each rank computes one shard."""
    d, dist = run.data, run.dist
    key = logit_cache.key_parts_for(teacher, d.data_hash, run.cfg.max_len, len(d.train_rows))
    return logit_cache.cached_or_compute(
        teacher, d.ids, d.train_rows, d.pad_id, run.device, key, run.cfg.logits_root,
        rank=dist.rank, world=dist.world, barrier=dist.barrier,
    )  # fmt: skip


def _student_ctx(run: _Run, teacher, ctx: EvalContext, gates: tuple) -> EvalContext:
    """What a student is judged with every epoch: the teacher's validation predictions, its error $, the gates."""
    d = run.data
    teacher_val = predict(teacher, d.ids, d.val_rows, d.pad_id, run.device)
    teacher_usd = selection.error_usd_per_request(
        d.y[d.val_rows], teacher_val.argmax(1), d.labels, ctx.assumptions, ctx.segments
    )
    return replace(ctx, teacher_probs=teacher_val, teacher_error_usd=teacher_usd, gates=gates)


def _student_phase(run: _Run, make, teacher, s_ctx: EvalContext, name: str = "student") -> tuple[Any, list[dict]]:
    """A layer subset of the teacher or a narrower one (``models.make_student``), fine-tuned or distilled
    (``student``; ``--feature-loss`` adds TinyBERT's terms), or fine-tuned only from the same initial weights
    (``baseline``, the KD run's paired control), judged against the teacher every epoch; ``--kd-targets calibrated``
    fits the teacher's temperature on validation first (:func:`step_loss.kd_target_temperature`)."""
    d, cfg = run.data, run.cfg
    base = make("student", len(d.labels))  # the same seeded initial weights for the student and its baseline
    student = models.make_student(base, cfg.student_layers, cfg.student_width)
    if name == "student" and run.dist.main:
        config_mod.record_choice(run.run_dir, "student", models.describe_student(student, teacher, cfg.student_width))
    cached = _cached_logits(run, teacher) if cfg.mode == "kd-cached" and name == "student" else None
    features = name == "student" and cfg.feature_loss and cfg.mode != "finetune"
    tau = step_loss.kd_target_temperature(run, s_ctx) if name == "student" else 1.0
    with step_loss.eager_attention(teacher, student, on=features):
        feat = step_loss.feature_setup(student, teacher, cfg.seed) if features else None
        ph = _open_phase(
            name, student, run, lr=cfg.student_lr, ctx=s_ctx, teacher=teacher, cached=cached, features=feat, kd_tau=tau
        )
        return student, train_phase(ph, run.done_epochs[name])


def _baseline(run: _Run, make, teacher, s_ctx: EvalContext, gates: tuple) -> tuple[Any, list[dict], dict | None]:
    """The fine-tune-only student beside a KD one, at its chosen epoch (None, [], None when not trained)."""
    if not run.cfg.trains_baseline:
        return None, [], None
    model, sums = _student_phase(run, make, teacher, s_ctx, PHASE_BASELINE)
    if not run.dist.main:
        return model, sums, None
    sel = selection.select_checkpoint(sums, list(gates))
    load_epoch(model, run.run_dir, PHASE_BASELINE, sel["epoch"])
    return model, sums, sel


def run(
    cfg: TrainConfig, *, progress_bar: bool = False, ingest: bool = True, resume: bool = False, model_factory=None
) -> Path:
    """Train and evaluate; returns the finished run directory (DONE written last).

    Everything a start can refuse (settings, run id, data, scenario, gates, reused teacher) is checked
    before the run directory is made, so a refused start leaves nothing behind; a failure after that
    writes FAILED, and a killed process leaves a run that reads ``interrupted`` (resume with ``resume``).
    """
    cfg = cfg.resolved()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device = pick_device(cfg.device)
    dist = init_dist(device)
    if dist.world > 1:  # every rank uses rank 0's run id
        cfg = replace(cfg, run_id=dist.share(cfg.run_id))
        if device.type == "cuda":
            device = torch.device("cuda", torch.cuda.current_device())
    checked = checks.check(cfg, dist, resume=resume, model_factory=model_factory)
    cfg = checked.cfg
    run_files.open_run_dir(checked.run_dir, main=dist.main)
    dist.barrier()
    with determinism.deterministic(device):
        _train_and_test(cfg, device, dist, checked, resume=resume, bar=progress_bar, model_factory=model_factory)
    if ingest and dist.main:
        run_files.ingest(checked.run_dir)
    return checked.run_dir


def _train_and_test(
    cfg: TrainConfig, device, dist: Dist, checked: checks.Checked, *, resume, bar, model_factory
) -> None:
    """Teacher phase, student phase, test predictions, summary and DONE (rank 0), or FAILED on an error."""
    run_dir, progress = checked.run_dir, None
    t_start = time.time()
    try:
        r = _start(cfg, device, dist, checked, resume=resume, bar=bar)
        progress = r.progress
        raw = model_factory or (lambda kind, k: models.load_classifier(cfg.teacher, k))
        make = determinism.seeded_factory(raw, cfg.seed)
        segs = None if r.data.segments is None else r.data.segments[r.data.val_rows]
        ctx = EvalContext(r.data.labels, checked.assumptions, segs)
        teacher, t_sum, t_sel = _teacher_phase(r, make, ctx)
        s_ctx = _student_ctx(r, teacher, ctx, checked.gates)
        student, s_sum = _student_phase(r, make, teacher, s_ctx)
        if dist.main:
            s_sel = selection.select_checkpoint(s_sum, list(checked.gates))
            load_epoch(student, run_dir, "student", s_sel["epoch"])
        baseline, b_sum, b_sel = _baseline(r, make, teacher, s_ctx, checked.gates)
        if not dist.main:
            return
        trained = {"teacher": teacher, "student": student} | ({PHASE_BASELINE: baseline} if baseline else {})
        tests = run_files.test_results(run_dir, cfg.run_id, r.data, trained, device, checked.assumptions)
        seconds = time.time() - t_start
        head = {"run_id": cfg.run_id, "mode": cfg.mode, "profile": cfg.profile, "loss": cfg.loss, "seconds": seconds}
        lengths, lr = r.data.token_lengths, cfg.lr or None
        extra = {"finetune_baseline": tests[PHASE_BASELINE]} if baseline else None
        head["warnings"] = diagnosis.teacher_warnings(
            cfg.mode, tests, t_sum, max_len=cfg.max_len, token_lengths=lengths, lr=lr, summary_extra=extra
        )
        sums, sels = {"teacher": t_sum, "student": s_sum}, {"student": s_sel, "teacher": t_sel}
        if baseline and b_sel is not None:
            sums[PHASE_BASELINE], sels[PHASE_BASELINE] = b_sum, b_sel
        run_files.write_summary(run_dir, head, models=trained, sums=sums, sels=sels, tests=tests)
        run_files.mark_done(run_dir, progress, seconds)
    except BaseException as exc:
        if progress is not None:
            progress.stop_heartbeat()
        if not dist.main:
            raise
        run_files.mark_failed(run_dir, progress, exc)
        raise


__all__ = ["TrainConfig", "run", "load_epoch", "load_run_teacher", "make_batches", "resume_config", "LOSSES"]
__all__ += ["collate", "predict", "evaluate", "EvalContext", "Dist", "PROFILES", "MODES", "DistillDecideError"]
