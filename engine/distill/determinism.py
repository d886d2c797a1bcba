"""Bit-reproducible CPU training: the same seed, threads and data give the same bytes in model.safetensors.

What varies between two runs of one config, and what pins it:

* the new classification heads (and any other fresh weights) are drawn from torch's global generator
  when a model is made: :func:`seeded_factory` seeds it from the run's seed and the model's role
  right before each one is made, so nothing depends on what ran before (data loading, a resumed phase);
* dropout: reseeded at the start of every epoch (trainer), so a resume from an epoch checkpoint
  draws the same masks as an uninterrupted run;
* batch order: a NumPy generator seeded with (seed, epoch); the split: the data's own seed;
* kernels: ``torch.use_deterministic_algorithms(True)`` on CPU while a run trains (restored after,
  since the flag is global to the process). On CUDA it is left as it is: bf16 autocast and cuBLAS
  are not bit-reproducible without settings this project does not impose.

Nothing uses the run id or the wall clock; there are no DataLoader workers to seed (batches are
built in the training process).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch


def derived_seed(seed: int, *parts: str | int) -> int:
    """A 32-bit seed from ``seed`` and a role, the same in every process (not Python's salted ``hash``)."""
    digest = hashlib.sha256(repr((int(seed), *parts)).encode()).digest()
    return int.from_bytes(digest[:4], "little")


def seeded_factory(make: Callable[[str, int], Any], seed: int) -> Callable[[str, int], Any]:
    """``make(kind, n_labels)`` with torch's generator seeded from (seed, kind) before each model is made."""

    def made(kind: str, n_labels: int) -> Any:
        if kind != "tokenizer":
            torch.manual_seed(derived_seed(seed, "init", kind))
        return make(kind, n_labels)

    return made


@contextmanager
def deterministic(device: torch.device) -> Iterator[None]:
    """Deterministic kernels on CPU for the duration (the process's earlier setting restored after)."""
    if device.type != "cpu":
        yield
        return
    before = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before, warn_only=warn_only)
