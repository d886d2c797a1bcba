"""Batches: shuffled, length-bucketed index batches and dynamic padding."""

from __future__ import annotations

import numpy as np
import torch


def make_batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator, bucketing: bool) -> list[np.ndarray]:
    """Shuffled batches; with bucketing, similar lengths share a batch (less padding), batch order shuffled."""
    idx = rng.permutation(len(lengths))
    if bucketing:
        chunk = batch_size * 50
        idx = np.concatenate(
            [c[np.argsort(lengths[c], kind="stable")] for c in np.array_split(idx, max(1, len(idx) // chunk))]
        )
    batches = [idx[i : i + batch_size] for i in range(0, len(idx), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def collate(ids: list[list[int]], rows: np.ndarray, pad_id: int, fixed_len: int | None = None) -> dict:
    """Dynamic padding to the longest row in the batch (or a fixed length, for the baseline)."""
    width = fixed_len or max(len(ids[i]) for i in rows)
    x = torch.full((len(rows), width), pad_id, dtype=torch.long)
    m = torch.zeros((len(rows), width), dtype=torch.long)
    for j, i in enumerate(rows):
        seq = ids[i][:width]
        x[j, : len(seq)] = torch.tensor(seq)
        m[j, : len(seq)] = 1
    return {"input_ids": x, "attention_mask": m}
