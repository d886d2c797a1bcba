"""Teacher logits for `kd-cached`: computed once, in one piece or in shards, merged and checked.

A cache entry is keyed by the teacher's weights, the data hash, the max length and the number
of training rows; a different teacher or data set misses it (a stale cache is never read).
Shards split the training rows into N contiguous blocks, so N processes (the ranks of a
torchrun job, or N machines given the same run) each compute one block:

    python -m engine logits --run RUN --shard 0 --of 4   # … up to --shard 3, anywhere
    python -m engine logits --run RUN --merge --of 4     # checks and joins them

The merge refuses a missing shard, a shard from another teacher or data set, a shard count
that disagrees, or blocks that do not cover every row exactly once.

Entries and shards are safetensors files (tensors plus a JSON header holding the key): a cache
folder may be shared or copied, and reading it must never run code, as unpickling can.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import torch

from engine.distill.batching import collate
from engine.errors import DistillDecideError, require
from engine.paths import DATA_DIR


def default_root() -> Path:
    """Where the cache lives unless a run names another folder (``TrainConfig.logits_cache``)."""
    return DATA_DIR / "cache" / "teacher_logits"


def key_parts_for(teacher, data_hash: str, max_len: int, n_rows: int) -> dict:
    """What a cache entry is keyed by: the teacher's weights, the data, the max length, the row count."""
    return {"teacher": state_hash(teacher), "data": data_hash, "max_len": max_len, "rows": n_rows}


def cache_key(key_parts: dict) -> str:
    return hashlib.sha256(repr(sorted(key_parts.items())).encode()).hexdigest()[:20]


def state_hash(model) -> str:
    """A short fingerprint of a model's weights (part of the cache key)."""
    h = hashlib.sha256()
    for name, t in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(t.detach().cpu().float().numpy().tobytes()[:4096])
    return h.hexdigest()[:16]


def shard_positions(n_rows: int, shard: int, n_shards: int) -> np.ndarray:
    """Positions (into the training rows) of one contiguous shard."""
    require(n_shards >= 1, "--of", f"{n_shards}", "give at least 1 shard")
    require(0 <= shard < n_shards, "--shard", f"{shard} is not in 0…{n_shards - 1}", f"give 0 to {n_shards - 1}")
    return np.array_split(np.arange(n_rows), n_shards)[shard]


@torch.no_grad()
def compute(teacher, ids, rows: np.ndarray, pad_id: int, device, batch_size: int = 128) -> torch.Tensor:
    """Float32 logits of ``rows`` in their order (CPU tensor)."""
    teacher.eval()
    out = []
    for k in range(0, len(rows), batch_size):
        batch = {n: t.to(device) for n, t in collate(ids, rows[k : k + batch_size], pad_id).items()}
        out.append(teacher(**batch).logits.float().cpu())
    return torch.cat(out) if out else torch.zeros((0, 0))


def _shard_dir(root: Path, key_parts: dict) -> Path:
    return root / f"{cache_key(key_parts)}.shards"


SUFFIX = ".safetensors"


def shard_path(root: Path, key_parts: dict, shard: int, n_shards: int) -> Path:
    return _shard_dir(root, key_parts) / f"{shard:04d}-of-{n_shards:04d}{SUFFIX}"


def entry_path(root: Path, key_parts: dict) -> Path:
    """The merged cache entry ``kd-cached`` reads."""
    return root / f"{cache_key(key_parts)}{SUFFIX}"


def _write(path: Path, tensors: dict[str, torch.Tensor], key_parts: dict, **meta: int) -> Path:
    """Atomic safetensors write; the key goes into the header as JSON."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    metadata = {"key_parts": json.dumps(key_parts, sort_keys=True), **{k: str(v) for k, v in meta.items()}}
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp), metadata=metadata)
    tmp.replace(path)
    return path


def _read(path: Path) -> tuple[dict[str, torch.Tensor], dict]:
    """(tensors, key_parts) of a file this module wrote; raises on a torn, foreign or crafted file."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata() or {}
        tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (safe_open has no __iter__)
    return tensors, json.loads(meta["key_parts"])


def compute_shard(
    teacher, ids, rows: np.ndarray, pad_id: int, device, key_parts: dict, root: Path, *, shard: int, n_shards: int
) -> Path:
    """Compute one shard of the training rows' logits and store it (atomically) under ``root``."""
    pos = shard_positions(len(rows), shard, n_shards)
    logits = compute(teacher, ids, rows[pos], pad_id, device)
    path = shard_path(root, key_parts, shard, n_shards)
    tensors = {"positions": torch.as_tensor(pos, dtype=torch.int64), "logits": logits}
    return _write(path, tensors, key_parts, shard=shard, n_shards=n_shards)


def merge(root: Path, key_parts: dict, n_rows: int, n_shards: int) -> torch.Tensor:
    """Join N shards into the cache entry ``kd-cached`` reads; every check names what is wrong."""
    shard_dir = _shard_dir(root, key_parts)
    missing = [k for k in range(n_shards) if not shard_path(root, key_parts, k, n_shards).exists()]
    require(
        not missing,
        "shards",
        f"shard(s) {missing} of {n_shards} are missing in {shard_dir}",
        "compute them with: python -m engine logits --run RUN --shard K --of N",
    )
    others = sorted(p.name for p in shard_dir.glob(f"*{SUFFIX}") if not p.name.endswith(f"-of-{n_shards:04d}{SUFFIX}"))
    require(
        not others,
        "--of",
        f"{n_shards}, but shards made for another count exist ({', '.join(others[:3])})",
        "merge with the count the shards were made with, or delete the stale ones",
    )
    logits, seen = None, np.zeros(n_rows, dtype=np.int64)
    for k in range(n_shards):
        pos, block = _checked_shard(shard_path(root, key_parts, k, n_shards), k, key_parts, n_rows)
        if pos.size == 0:
            continue
        if logits is None:
            logits = torch.empty((n_rows, block.shape[1]), dtype=torch.float32)
        require(
            block.shape[1] == logits.shape[1],
            f"shard {k}",
            f"holds logits for {block.shape[1]} classes, the others for {logits.shape[1]}",
            "recompute it from the same run",
        )
        logits[torch.as_tensor(pos)] = block.float()
        np.add.at(seen, pos, 1)
    require(
        bool(np.all(seen == 1)),
        "shards",
        f"cover {int(np.sum(seen == 1))} of {n_rows} rows exactly once",
        "recompute the shards from the same run",
    )
    if logits is None:  # no training rows at all
        logits = torch.zeros((0, 0))
    save(root, key_parts, logits)
    return logits


def _checked_shard(path: Path, k: int, key_parts: dict, n_rows: int) -> tuple[np.ndarray, torch.Tensor]:
    """(positions, logits) of shard ``k``: a file this module wrote, for this key, rows in range."""
    try:
        tensors, key = _read(path)
        pos, block = tensors["positions"].numpy(), tensors["logits"]
    except Exception as exc:  # torn, foreign or crafted: refused by name, never unpickled
        raise DistillDecideError(
            f"shard {k}",
            f"{path.name} is not a teacher-logit shard this version wrote ({type(exc).__name__})",
            "delete it and recompute it with: python -m engine logits --run RUN --shard K --of N",
        ) from None
    fix = "recompute it from the same run"
    require(key == key_parts, f"shard {k}", "was computed with another teacher, data set or max length", fix)
    in_range = pos.ndim == 1 and (pos.size == 0 or (pos.min() >= 0 and pos.max() < n_rows))
    require(in_range, f"shard {k}", f"has rows outside 0…{n_rows - 1}", fix)
    shape_ok = block.ndim == 2 and block.shape[0] == pos.size
    require(shape_ok, f"shard {k}", f"holds logits of shape {tuple(block.shape)} for {pos.size} rows", fix)
    return pos, block


def save(root: Path, key_parts: dict, logits: torch.Tensor) -> Path:
    return _write(entry_path(root, key_parts), {"logits": logits}, key_parts)


def load(root: Path, key_parts: dict, n_rows: int) -> torch.Tensor | None:
    """The cached logits for exactly this key, or None (absent, or written for something else)."""
    path = entry_path(root, key_parts)
    if not path.exists():
        return None
    try:
        tensors, key = _read(path)
        logits = tensors["logits"]
    except Exception:  # a torn, foreign or crafted file is a miss, and is recomputed
        return None
    if key == key_parts and logits.ndim == 2 and logits.shape[0] == n_rows:
        return logits
    return None


def cached_or_compute(
    teacher,
    ids,
    rows: np.ndarray,
    pad_id: int,
    device,
    key_parts: dict,
    root: Path,
    *,
    rank: int = 0,
    world: int = 1,
    barrier=lambda: None,
) -> torch.Tensor:
    """The cache entry; on a miss every rank computes its shard, rank 0 merges, all ranks read the result."""
    hit = load(root, key_parts, len(rows))
    if hit is not None:
        return hit
    if world == 1:
        logits = compute(teacher, ids, rows, pad_id, device)
        save(root, key_parts, logits)
        return logits
    compute_shard(teacher, ids, rows, pad_id, device, key_parts, root, shard=rank, n_shards=world)
    barrier()
    if rank == 0:
        merge(root, key_parts, len(rows), world)
    barrier()
    out = load(root, key_parts, len(rows))
    if out is None:
        raise DistillDecideError(
            "teacher logits",
            "the merged cache could not be read",
            "check that every rank sees the same data/cache folder",
        )
    return out
