"""Process-group facts under torchrun (world 1 otherwise): rank 0 alone writes the run directory."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Dist:
    """The rank and world size of this process, with the two collectives the trainer needs."""

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
    """Join the torchrun process group (NCCL on GPUs, gloo on CPU); a plain process gets world 1."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Dist()
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if device.type == "cuda":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    return Dist(world, torch.distributed.get_rank())


class NoProgress:
    """The progress file is rank 0's; other ranks report to this."""

    def update(self, **_) -> None: ...

    def start_heartbeat(self) -> None: ...

    def stop_heartbeat(self) -> None: ...

    def finish(self, *_, **__) -> None: ...
