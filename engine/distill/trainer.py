"""Train a teacher, distil a student, evaluate both, and write a run directory.

Reads top to bottom: config → data → tokenise → teacher phase → student phase →
test predictions → DONE. Runs as its own process (`python -m engine train …`);
the store is imported lazily only to ingest a finished run.
"""

from __future__ import annotations

import hashlib
import json
import math
import resource
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from engine import sources
from engine.data import byo, generator
from engine.data.seed import CRITICAL
from engine.distill import checkpointing, losses, models, selection
from engine.distill import logits as logit_cache
from engine.distill.batching import collate, make_batches
from engine.errors import DistillDecideError, require
from engine.paths import DATA_DIR
from engine.quality import metrics as qm
from engine.rollout import gates as gates_mod
from engine.runs import rundir

MODES = ("finetune", "kd-online", "kd-cached")
LOSSES = ("kd", "rare-hybrid")
PROFILES = {
    "quick": dict(
        n_train=2_000, n_val=500, n_test=1_000, epochs=2, max_len=32, batch_size=32, lr=1.5e-4, student_lr=3e-4
    ),
    "medium": dict(
        n_train=4_000, n_val=1_000, n_test=1_000, epochs=3, max_len=48, batch_size=32, lr=1e-4, student_lr=2e-4
    ),
    "full": dict(
        n_train=44_000, n_val=5_500, n_test=5_500, epochs=5, max_len=64, batch_size=64, lr=5e-5, student_lr=1e-4
    ),
}


@dataclass(frozen=True)
class TrainConfig:
    profile: str = "quick"
    mode: str = "kd-cached"
    device: str = "auto"
    threads: int = 0
    data: str | None = None  # None: generated MangaAssist data
    text_col: str = "text"
    label_col: str = "label"
    teacher: str = models.DEFAULT_TEACHER
    teacher_run: str | None = None
    student_layers: int = 2
    epochs: int | None = None
    seed: int = 0
    temperature: float = 3.0
    alpha: float = 0.7
    loss: str = "kd"  # kd: α·T²·KL + (1−α)·CE; rare-hybrid: 0.45 CE + 0.35 T²·KL + 0.20 weighted CE
    warmup: float = 0.1
    weight_decay: float = 0.01
    bucketing: bool = True
    naive: bool = False  # the benchmark baseline: fp32, fixed max-length padding, no bucketing
    early_stopping: bool = True  # seed 002 §13 rules, checked after every epoch
    scenario: str | None = None  # prices the business-weighted error per epoch (default: seed)
    gates: str | None = None  # JSON gates file for checkpoint eligibility (default: the rollout gates)
    n_train: int = 0
    n_val: int = 0
    n_test: int = 0
    max_len: int = 0
    batch_size: int = 0
    lr: float = 0.0
    student_lr: float = 0.0
    run_id: str = field(default_factory=rundir.new_run_id)

    def resolved(self) -> TrainConfig:
        require(self.profile in PROFILES, "profile", repr(self.profile), f"use {', '.join(PROFILES)}")
        require(self.mode in MODES, "mode", repr(self.mode), f"use {', '.join(MODES)}")
        require(self.loss in LOSSES, "loss", repr(self.loss), f"use {', '.join(LOSSES)}")
        require(self.temperature > 0, "temperature", f"{self.temperature}", "give a temperature above 0 (default 3)")
        require(0 <= self.alpha <= 1, "alpha", f"{self.alpha}", "give α between 0 and 1 (default 0.7)")
        require(self.threads >= 0, "threads", f"{self.threads}", "give 0 (all cores) or a positive count")
        rundir.check_run_id(self.run_id, "--run-id")
        if self.teacher_run:
            rundir.check_run_id(self.teacher_run, "--teacher-run")
        p = PROFILES[self.profile]
        fill = {k: v for k, v in p.items() if not getattr(self, k, None)}
        if self.epochs is None:
            fill["epochs"] = p["epochs"]
        return replace(self, **fill)


@dataclass(frozen=True)
class Dist:
    """Process-group facts under torchrun (world 1 otherwise); rank 0 alone writes the run directory."""

    world: int = 1
    rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.world > 1:
            torch.distributed.barrier()

    def share(self, value):
        """Rank 0's ``value`` on every rank."""
        if self.world == 1:
            return value
        box = [value]
        torch.distributed.broadcast_object_list(box, src=0)
        return box[0]


def init_dist(device: torch.device) -> Dist:
    import os

    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Dist()
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if device.type == "cuda":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    return Dist(world, torch.distributed.get_rank())


class _NoProgress:
    def update(self, **_) -> None: ...

    def finish(self, *_, **__) -> None: ...


def _device(cfg: TrainConfig) -> torch.device:
    if cfg.device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    require(cfg.device in ("cpu", "cuda"), "device", repr(cfg.device), "use auto, cpu or cuda")
    require(
        cfg.device == "cpu" or torch.cuda.is_available(),
        "device",
        "cuda requested but no GPU is visible",
        "use --device cpu or auto",
    )
    return torch.device(cfg.device)


def load_data(cfg: TrainConfig) -> pd.DataFrame:
    if cfg.data:
        return byo.load(cfg.data, text_col=cfg.text_col, label_col=cfg.label_col, seed=cfg.seed)
    return generator.generate(
        cfg.n_train + cfg.n_val + cfg.n_test, seed=cfg.seed, split=(cfg.n_train, cfg.n_val, cfg.n_test)
    )


@torch.no_grad()
def predict(model, ids, rows: np.ndarray, pad_id: int, device, batch_size: int = 128) -> np.ndarray:
    """Softmax probabilities for ``rows`` (length-sorted batches, original order restored)."""
    model.eval()
    order = rows[np.argsort([len(ids[i]) for i in rows], kind="stable")]
    out = {}
    for k in range(0, len(order), batch_size):
        chunk = order[k : k + batch_size]
        batch = {n: t.to(device) for n, t in collate(ids, chunk, pad_id).items()}
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = model(**batch).logits.float()
        for i, p in zip(chunk, torch.softmax(logits, -1).cpu().numpy()):
            out[int(i)] = p
    return np.stack([out[int(i)] for i in rows])


@dataclass(frozen=True)
class EvalContext:
    """What an epoch's validation is judged with: labels, the scenario's prices, segments, the teacher."""

    labels: list[str]
    assumptions: object = None
    segments: np.ndarray | None = None
    teacher_probs: np.ndarray | None = None
    teacher_error_usd: float | None = None
    gates: tuple = ()  # the student's promotion gates (empty for the teacher phase)


def evaluate(
    y: np.ndarray,
    probs: np.ndarray,
    labels: list[str],
    teacher_probs: np.ndarray | None = None,
    *,
    assumptions=None,
    segments: np.ndarray | None = None,
    teacher_error_usd: float | None = None,
) -> dict:
    """Accuracy, macro-F1, rare-class accuracy, ECE (15 bins), loss, critical-error rate; against the teacher
    top-1 agreement and KL at T = 3; under a scenario the business-weighted error $ per request."""
    pred = probs.argmax(1)
    k = len(labels)
    rare = np.array(qm.rare_classes(qm.class_priors(y, k)), dtype=int)
    crit = np.array([labels.index(c) for c in CRITICAL if c in labels])
    p_true = np.clip(probs[np.arange(len(y)), y], 1e-12, 1.0)
    out = {
        "accuracy": qm.accuracy_score(y, pred),
        "macro_f1": qm.macro_f1_score(y, pred, k),
        "rare_class_accuracy": qm.pooled_class_accuracy(y, pred, rare) if rare.size else float("nan"),
        "ece": qm.expected_calibration_error(y, probs, 15),
        "loss": float(-np.mean(np.log(p_true))),
        "critical_rate": float(np.mean(np.isin(y, crit) & (pred != y))) if crit.size else 0.0,
    }
    if teacher_probs is not None:
        out["agreement"] = qm.agreement(teacher_probs.argmax(1), pred)
        out["kl_t3"] = qm.kl_divergence(teacher_probs, probs, 3.0)
    if assumptions is not None:
        usd = selection.error_usd_per_request(y, pred, labels, assumptions, segments)
        out["error_usd_per_request"] = usd
        if teacher_error_usd:
            out["error_vs_teacher"] = usd / teacher_error_usd
    return out


def _schedule(optimizer, total: int, warmup: float):
    w = max(1, int(total * warmup))
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / w, max(0.0, (total - s) / (total - w + 1e-9)))
    )


def train_phase(
    *,
    phase: str,
    model,
    ids,
    y,
    train_rows,
    val_rows,
    cfg: TrainConfig,
    device,
    pad_id: int,
    run_dir: Path,
    progress: rundir.Progress,
    lr: float,
    teacher=None,
    cached_logits=None,
    ctx: EvalContext,
    start_epoch: int = 0,
    dist: Dist = Dist(),
) -> list[dict]:
    """Fine-tune (CE) or distil (α·T²·KL + (1−α)·CE) for cfg.epochs; checkpoint and evaluate every epoch.

    Stops early when a seed 002 §13 rule fires (the epoch summary then carries ``early_stop``;
    a resumed run does not train past it). Under torchrun each rank takes every world-th batch
    and DistributedDataParallel averages the gradients; rank 0 evaluates, checkpoints, logs and
    decides whether to stop.
    """
    model.to(device)
    net = model
    if dist.world > 1:
        from torch.nn.parallel import DistributedDataParallel

        net = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=cfg.weight_decay)
    lengths = np.array([len(ids[i]) for i in train_rows])
    steps_per_epoch = math.ceil(len(train_rows) / cfg.batch_size) // dist.world
    sched = _schedule(opt, steps_per_epoch * cfg.epochs, cfg.warmup)
    ckpt_root = run_dir / "checkpoints"
    if start_epoch:
        path = checkpointing.epoch_dir(run_dir, phase, start_epoch)
        checkpointing.load_weights(model, path)
        state = checkpointing.load_train_state(path)
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
    summaries = rundir.read_jsonl(run_dir / "epochs.jsonl")
    summaries = [s for s in summaries if s["phase"] != phase or s["epoch"] <= start_epoch]
    if any(s.get("early_stop") for s in summaries if s["phase"] == phase):
        return [s for s in summaries if s["phase"] == phase]
    y_t = torch.as_tensor(np.array(y, dtype=np.int64))
    fixed_len = cfg.max_len if cfg.naive else None
    priors = np.bincount(np.asarray(y)[train_rows], minlength=len(ctx.labels)) / len(train_rows)
    class_w = losses.class_weights_from_priors(priors)  # 1/√prior, mean 1, capped (rare-hybrid only)
    for epoch in range(start_epoch + 1, cfg.epochs + 1):
        model.train()
        torch.manual_seed(cfg.seed * 1000 + epoch)
        rng = np.random.default_rng([cfg.seed, epoch])
        batches = make_batches(lengths, cfg.batch_size, rng, cfg.bucketing and not cfg.naive)
        if dist.world > 1:  # equal work per rank: drop the remainder, then stride
            batches = batches[: len(batches) // dist.world * dist.world][dist.rank :: dist.world]
        for step, b in enumerate(batches, 1):
            rows = train_rows[b]
            t0 = time.perf_counter()
            batch = {n: t.to(device) for n, t in collate(ids, rows, pad_id, fixed_len).items()}
            labels = y_t[rows].to(device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda" and not cfg.naive):
                logits = net(**batch).logits.float()
                if phase == "teacher" or cfg.mode == "finetune":
                    loss = losses.hard_loss(logits, labels)
                    terms = {"hard_ce": loss.item(), "total_loss": loss.item()}
                else:
                    if cached_logits is not None:
                        t_logits = cached_logits[torch.as_tensor(b)].to(device)
                    else:
                        with torch.no_grad():
                            teacher.eval()
                            t_logits = teacher(**batch).logits.float()
                    if cfg.loss == "rare-hybrid":
                        loss, terms = losses.hybrid_rare_loss(
                            logits, t_logits, labels, class_w, temperature=cfg.temperature
                        )
                    else:
                        loss, terms = losses.distillation_loss(
                            logits, t_logits, labels, temperature=cfg.temperature, alpha=cfg.alpha
                        )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            grad_norm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0))
            opt.step()
            sched.step()
            sps = len(rows) / max(time.perf_counter() - t0, 1e-9)
            record = {
                "event": "kd_train_step",
                "task": "intent_distillation",
                "phase": phase,
                "epoch": epoch,
                "global_step": sched.last_epoch,
                "batch_size": len(rows),
                **terms,
                "grad_norm": grad_norm,
                "lr": sched.get_last_lr()[0],
                "throughput_samples_per_sec": sps,
            }
            if dist.main and (step % 10 == 0 or step == steps_per_epoch):
                rundir.append_jsonl(run_dir / "steps.jsonl", record)
            progress.update(phase=phase, epoch=epoch, step=step, samples_per_s=sps * dist.world, terms=terms)
        if not dist.main:
            if dist.share(None):
                break
            continue
        val = predict(model, ids, val_rows, pad_id, device)
        metrics = evaluate(
            y[val_rows],
            val,
            ctx.labels,
            ctx.teacher_probs,
            assumptions=ctx.assumptions,
            segments=ctx.segments,
            teacher_error_usd=ctx.teacher_error_usd,
        )
        path = ckpt_root / f"{phase}-epoch{epoch}"
        checkpointing.save(path, model, opt, sched, epoch)
        summary = {
            "event": "kd_epoch_summary",
            "task": "intent_distillation",
            "phase": phase,
            "epoch": epoch,
            "teacher": cfg.teacher,
            "student": None if phase == "teacher" else f"{cfg.student_layers}-layer",
            "train_loss": terms["total_loss"],
            **{f"val_{k}": v for k, v in metrics.items()},
            "checkpoint": str(path.relative_to(run_dir)),
        }
        if phase == "student":  # seed 002 §15: promotable = passes every gate measurable on validation
            summary["checkpoint_promotable"] = not selection.failing_gates(summary, ctx.gates)
        stop = (
            selection.stop_rule([s for s in summaries if s["phase"] == phase] + [summary])
            if cfg.early_stopping and epoch < cfg.epochs
            else None
        )
        if stop:
            summary["early_stop"] = stop
        rundir.append_jsonl(run_dir / "epochs.jsonl", summary)
        rundir.write_json(path / "meta.json", summary)
        summaries.append(summary)
        if dist.share(bool(stop)):
            break
    if not dist.main:
        summaries = rundir.read_jsonl(run_dir / "epochs.jsonl")
    return [s for s in summaries if s["phase"] == phase]


load_epoch = checkpointing.load_epoch  # the weights only, from model.safetensors (never unpickled)


def prepare(cfg: TrainConfig, model_factory=None):
    """Data, label list, label ids, token ids, pad id, (train, val, test) rows and the data hash."""
    df = load_data(cfg)
    labels = sorted(
        df.intent.unique(),
        key=lambda s: (generator.INTENTS.index(s) if s in generator.INTENTS else len(generator.INTENTS), s),
    )
    lab = {v: i for i, v in enumerate(labels)}
    y = df.intent.map(lab).to_numpy()
    tok = models.load_tokenizer(cfg.teacher) if model_factory is None else model_factory("tokenizer", 0)
    ids = tok(df.text.tolist(), truncation=True, max_length=cfg.max_len)["input_ids"]
    split = df.split.to_numpy()
    rows = tuple(np.nonzero(split == s)[0] for s in ("train", "val", "test"))
    data_hash = hashlib.sha256(
        pd.util.hash_pandas_object(df[["text", "intent", "split"]], index=False).to_numpy().tobytes()
    ).hexdigest()[:16]
    return df, labels, y, ids, tok.pad_token_id or 0, rows, data_hash


def config_of(run_dir: Path) -> TrainConfig:
    """The TrainConfig a run was made with (from its config.json)."""
    data = json.loads((run_dir / "config.json").read_text())
    return TrainConfig(**{k: v for k, v in data.items() if k in {f.name for f in fields(TrainConfig)}})


def _teacher_source(teacher_run: str, field: str) -> Path:
    """The run directory a reused teacher comes from: an id inside the runs folder, never a path."""
    src = rundir.run_path(teacher_run, field)
    require(src.is_dir(), field, f"run {teacher_run!r} not found in {src.parent}", "train it first, or copy it there")
    return src


def load_run_teacher(run_dir: Path, make) -> tuple[object, int]:
    """A run's teacher at its chosen epoch (from the run itself or the run it reused), and that epoch."""
    config = json.loads((run_dir / "config.json").read_text())
    src = (
        _teacher_source(config["teacher_run"], f"teacher_run in {run_dir.name}/config.json")
        if config.get("teacher_run")
        else run_dir
    )
    summary_path = run_dir / "summary.json"
    chosen = json.loads(summary_path.read_text()).get("chosen_teacher_epoch") if summary_path.exists() else None
    if not chosen:
        t_sum = [s for s in rundir.read_jsonl(src / "epochs.jsonl") if s["phase"] == "teacher"]
        chosen = selection.select_checkpoint(t_sum, apply_gates=False)["epoch"]
    teacher = make("teacher", len(config["labels"]))
    load_epoch(teacher, src, "teacher", chosen)
    return teacher, chosen


def logits_root() -> Path:
    return DATA_DIR / "cache" / "teacher_logits"


def logit_key(teacher, data_hash: str, cfg: TrainConfig, n_rows: int) -> dict:
    return {"teacher": logit_cache.state_hash(teacher), "data": data_hash, "max_len": cfg.max_len, "rows": n_rows}


def run_logits(
    run: str | Path,
    *,
    shard: int | None = None,
    n_shards: int = 1,
    merge: bool = False,
    device: str = "auto",
    threads: int = 0,
    model_factory=None,
) -> dict:
    """Teacher logits for a run's training rows, for a later ``kd-cached`` run: one shard, or the merge.

    The run gives the teacher (its chosen epoch) and the data (its config); any machine with the
    same data can compute a shard. Returns where the result went and how many rows it holds.
    """
    run_dir = rundir.resolve_run(str(run))
    cfg = replace(config_of(run_dir), device=device).resolved()
    if threads:
        torch.set_num_threads(threads)
    dev = _device(cfg)
    _, _, _, ids, pad_id, (train_rows, _, _), data_hash = prepare(cfg, model_factory)
    make = model_factory or (lambda kind, k: models.load_classifier(cfg.teacher, k))
    teacher, epoch = load_run_teacher(run_dir, make)
    teacher.to(dev)
    key = logit_key(teacher, data_hash, cfg, len(train_rows))
    if merge:
        merged = logit_cache.merge(logits_root(), key, len(train_rows), n_shards)
        return {
            "merged": str(logit_cache.entry_path(logits_root(), key)),
            "rows": int(merged.shape[0]),
            "shards": n_shards,
            "teacher_epoch": epoch,
        }
    require(shard is not None, "--shard", "missing", "give --shard K --of N, or --merge --of N")
    path = logit_cache.compute_shard(
        teacher, ids, train_rows, pad_id, dev, key, logits_root(), shard=shard, n_shards=n_shards
    )
    rows = len(logit_cache.shard_positions(len(train_rows), shard, n_shards))
    return {"shard": str(path), "rows": rows, "of": n_shards, "teacher_epoch": epoch}


def run(
    cfg: TrainConfig, *, progress_bar: bool = False, ingest: bool = True, resume: bool = False, model_factory=None
) -> Path:
    """Train and evaluate; returns the finished run directory (DONE written last)."""
    cfg = cfg.resolved()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device = _device(cfg)
    dist = init_dist(device)
    if dist.world > 1:  # every rank uses rank 0's run id
        cfg = replace(cfg, run_id=dist.share(cfg.run_id))
        if device.type == "cuda":
            device = torch.device("cuda", torch.cuda.current_device())
    run_dir = rundir.run_path(cfg.run_id, "--run-id")
    if dist.main:
        require(
            resume or rundir.fresh_for_training(run_dir),
            "--run-id",
            f"run {cfg.run_id} already exists",
            "pick another run id or --resume",
        )
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "FAILED").unlink(missing_ok=True)
    dist.barrier()
    t_start = time.time()
    progress = None
    try:
        df, labels, y, ids, pad_id, (train_rows, val_rows, test_rows), data_hash = prepare(cfg, model_factory)
        if dist.main:
            rundir.write_json(
                run_dir / "config.json",
                {
                    **asdict(cfg),
                    "labels": labels,
                    "data_hash": data_hash,
                    "device": str(device),
                    "torch": torch.__version__,
                    "world_size": dist.world,
                    "n": {"train": len(train_rows), "val": len(val_rows), "test": len(test_rows)},
                },
            )
        dist.barrier()
        make = model_factory or (lambda kind, k: models.load_classifier(cfg.teacher, k))
        steps = math.ceil(len(train_rows) / cfg.batch_size) * cfg.epochs
        progress = (
            rundir.Progress(run_dir, steps // dist.world * (1 if cfg.teacher_run else 2), bar=progress_bar)
            if dist.main
            else _NoProgress()
        )
        done_epochs = (
            {
                p: max([s["epoch"] for s in rundir.read_jsonl(run_dir / "epochs.jsonl") if s["phase"] == p], default=0)
                for p in ("teacher", "student")
            }
            if resume
            else {"teacher": 0, "student": 0}
        )
        assumptions, _ = sources.scenario_for_labels(labels, cfg.scenario)
        gate_list = gates_mod.load_gates(cfg.gates) if cfg.gates else gates_mod.DEFAULT_GATES
        segments = df.segment.to_numpy() if "segment" in df.columns else None
        val_segments = segments[val_rows] if segments is not None else None
        # -- teacher ------------------------------------------------------------------------
        teacher = make("teacher", len(labels))
        if cfg.teacher_run:
            src = _teacher_source(cfg.teacher_run, "--teacher-run")
            t_sum = [s for s in rundir.read_jsonl(src / "epochs.jsonl") if s["phase"] == "teacher"]
            t_sel = selection.select_checkpoint(t_sum, apply_gates=False)
            load_epoch(teacher, src, "teacher", t_sel["epoch"])
            teacher.to(device)
        else:
            t_sum = train_phase(
                phase="teacher",
                model=teacher,
                ids=ids,
                y=y,
                train_rows=train_rows,
                val_rows=val_rows,
                cfg=cfg,
                device=device,
                pad_id=pad_id,
                run_dir=run_dir,
                progress=progress,
                lr=cfg.lr,
                start_epoch=done_epochs["teacher"],
                dist=dist,
                ctx=EvalContext(labels, assumptions, val_segments),
            )
            t_sel = selection.select_checkpoint(t_sum, apply_gates=False)  # gates are about promoting a student
            load_epoch(teacher, run_dir, "teacher", t_sel["epoch"])
        teacher_val = predict(teacher, ids, val_rows, pad_id, device)
        teacher_val_usd = selection.error_usd_per_request(
            y[val_rows], teacher_val.argmax(1), labels, assumptions, val_segments
        )
        # -- student ------------------------------------------------------------------------
        base = make("student", len(labels))
        n_layers = base.config.num_hidden_layers
        student = models.layer_subset(base, models.uniform_layer_map(n_layers, min(cfg.student_layers, n_layers)))
        cached = None
        if cfg.mode == "kd-cached":  # under torchrun each rank computes one shard, rank 0 merges
            cached = logit_cache.cached_or_compute(
                teacher,
                ids,
                train_rows,
                pad_id,
                device,
                logit_key(teacher, data_hash, cfg, len(train_rows)),
                logits_root(),
                rank=dist.rank,
                world=dist.world,
                barrier=dist.barrier,
            )
        s_sum = train_phase(
            phase="student",
            model=student,
            ids=ids,
            y=y,
            train_rows=train_rows,
            val_rows=val_rows,
            cfg=cfg,
            device=device,
            pad_id=pad_id,
            run_dir=run_dir,
            progress=progress,
            lr=cfg.student_lr,
            teacher=teacher,
            cached_logits=cached,
            ctx=EvalContext(labels, assumptions, val_segments, teacher_val, teacher_val_usd, tuple(gate_list)),
            start_epoch=done_epochs["student"],
            dist=dist,
        )
        if not dist.main:
            return run_dir
        s_sel = selection.select_checkpoint(s_sum, gate_list)
        chosen = s_sel["epoch"]
        load_epoch(student, run_dir, "student", chosen)
        # -- test predictions -------------------------------------------------------------
        pt = predict(teacher, ids, test_rows, pad_id, device)
        ps = predict(student, ids, test_rows, pad_id, device)
        preds = pd.DataFrame(
            {
                "request_id": [f"{cfg.run_id}-{i}" for i in test_rows],
                "segment": df.segment.to_numpy()[test_rows],
                "text": df.text.to_numpy()[test_rows],
                "true": np.array(labels)[y[test_rows]],
                "teacher_pred": np.array(labels)[pt.argmax(1)],
                "student_pred": np.array(labels)[ps.argmax(1)],
            }
        )
        probs = {f"p_teacher_{c}": pt[:, j] for j, c in enumerate(labels)} | {
            f"p_student_{c}": ps[:, j] for j, c in enumerate(labels)
        }
        preds = pd.concat([preds, pd.DataFrame(probs)], axis=1)
        preds.to_parquet(run_dir / "predictions.parquet", index=False)
        yt = y[test_rows]
        test_seg = segments[test_rows] if segments is not None else None
        t_test = evaluate(yt, pt, labels, assumptions=assumptions, segments=test_seg)
        s_test = evaluate(
            yt,
            ps,
            labels,
            pt,
            assumptions=assumptions,
            segments=test_seg,
            teacher_error_usd=t_test["error_usd_per_request"],
        )
        stops = {
            p: next((s["early_stop"] for s in summ if s.get("early_stop")), None)
            for p, summ in (("teacher", t_sum), ("student", s_sum))
        }
        summary = {
            "run_id": cfg.run_id,
            "mode": cfg.mode,
            "profile": cfg.profile,
            "seconds": time.time() - t_start,
            "chosen_student_epoch": chosen,
            "chosen_teacher_epoch": t_sel["epoch"],
            "selection": {"student": s_sel, "teacher": t_sel},
            "early_stop": stops,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "teacher": {**t_test, "params": asdict(models.count_params(teacher))},
            "student": {**s_test, "params": asdict(models.count_params(student))},
        }
        rundir.write_json(run_dir / "summary.json", summary)
        progress.finish("done", seconds=summary["seconds"])
        (run_dir / "DONE").write_text(time.strftime("%Y-%m-%dT%H:%M:%S") + "\n")
    except BaseException as exc:
        if not dist.main:
            raise
        if progress is not None:
            progress.finish("failed", error=str(exc))
        else:
            rundir.write_json(run_dir / "progress.json", {"state": "failed", "error": str(exc)})
        (run_dir / "FAILED").write_text(f"{type(exc).__name__}: {exc}\n")
        raise
    if ingest:
        try:
            from engine import store

            store.ingest_run(run_dir)
        except ImportError:  # DuckDB absent (e.g. a GPU box): copy the directory home and `runs import` it
            pass
    return run_dir


__all__ = ["TrainConfig", "run", "make_batches", "collate", "PROFILES", "MODES", "DistillDecideError"]
