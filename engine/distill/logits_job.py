"""``python -m engine logits``: a finished run's teacher logits, one shard at a time or merged.

The run gives the teacher (its chosen epoch) and the data (its config); any machine with the
same data can compute a shard, and the merge checks them (engine/distill/logits.py).
"""

from __future__ import annotations

import json
from dataclasses import fields, replace
from pathlib import Path

import torch

from engine.distill import logits as logit_cache
from engine.distill import models
from engine.distill.checkpointing import load_run_teacher
from engine.distill.data import pick_device, prepare
from engine.distill.trainer import TrainConfig
from engine.errors import require
from engine.runs import rundir


def config_of(run_dir: Path) -> TrainConfig:
    """The TrainConfig a run was made with (from its config.json)."""
    data = json.loads((run_dir / "config.json").read_text())
    return TrainConfig(**{k: v for k, v in data.items() if k in {f.name for f in fields(TrainConfig)}})


def run_logits(
    run: str | Path,
    *,
    shard: int | None = None,
    n_shards: int = 1,
    merge: bool = False,
    device: str = "auto",
    threads: int = 0,
    logits_cache: str | None = None,
    model_factory=None,
) -> dict:
    """Teacher logits for a run's training rows, for a later ``kd-cached`` run: one shard, or the merge.

    Returns where the result went and how many rows it holds. ``logits_cache`` is the cache folder
    (default: data/cache/teacher_logits), never the one a copied run's config names.
    """
    require(merge or shard is not None, "--shard", "missing", "give --shard K --of N, or --merge --of N")
    run_dir = rundir.resolve_run(str(run))
    cfg = replace(config_of(run_dir), device=device, logits_cache=logits_cache).resolved()
    if threads:
        torch.set_num_threads(threads)
    dev = pick_device(cfg.device)
    d = prepare(cfg, model_factory)
    make = model_factory or (lambda kind, k: models.load_classifier(cfg.teacher, k))
    teacher, epoch = load_run_teacher(run_dir, make)
    teacher.to(dev)
    key = logit_cache.key_parts_for(teacher, d.data_hash, cfg.max_len, len(d.train_rows))
    root = cfg.logits_root
    if merge:
        merged = logit_cache.merge(root, key, len(d.train_rows), n_shards)
        out = {"merged": str(logit_cache.entry_path(root, key)), "rows": int(merged.shape[0]), "shards": n_shards}
        return {**out, "teacher_epoch": epoch}
    k = int(shard or 0)  # given (checked above)
    path = logit_cache.compute_shard(teacher, d.ids, d.train_rows, d.pad_id, dev, key, root, shard=k, n_shards=n_shards)
    rows = len(logit_cache.shard_positions(len(d.train_rows), k, n_shards))
    return {"shard": str(path), "rows": rows, "of": n_shards, "teacher_epoch": epoch}
