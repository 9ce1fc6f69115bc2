"""Training on several processes with PyTorch's own engine: torchrun starts them, this joins them.

``torchrun --nproc_per_node=N -m aeviewer train ...`` sets ``WORLD_SIZE``, ``RANK``,
``LOCAL_RANK`` and the rendezvous address in each process's environment; ``join`` reads
them, starts the process group (NCCL for GPUs, gloo for CPUs) and says which device
this process trains on. Without them (``aeviewer train`` on its own) nothing changes:
the world is one process and no process group is made.

Inside the loop (``core.training.loop``) the objective is wrapped in
``DistributedDataParallel``, each epoch's pictures are dealt out by a
``DistributedSampler`` and every decision taken between batches (a blown-up loss, a
collapse) reads numbers averaged over all processes, so every process takes the same one
and their weights stay identical.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch.utils.data import Dataset
from torch.utils.data.distributed import DistributedSampler


@dataclass(frozen=True)
class World:
    """This process's place among the processes that train one model."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0
    backend: str = ""  # "" when there is no process group (a single process)

    @property
    def distributed(self) -> bool:
        return self.size > 1

    @property
    def main(self) -> bool:
        """Rank 0: the one process that prints and writes files."""
        return self.rank == 0

    def describe(self, device: torch.device) -> str:
        return f"distributed: {self.size} processes, {self.backend}, {device.type}"


SINGLE = World()


def from_environment(environ: os._Environ[str] | dict[str, str] | None = None) -> World:
    """The world torchrun described in the environment (one process when it did not)."""
    env = os.environ if environ is None else environ
    size = int(env.get("WORLD_SIZE", "1") or 1)
    if size <= 1:
        return SINGLE
    return World(rank=int(env.get("RANK", "0")), size=size, local_rank=int(env.get("LOCAL_RANK", "0")))


def join(device_choice: str) -> tuple[World, str]:
    """Start the process group torchrun asked for; (world, device choice for this process).

    With GPUs each process takes the one its local rank names and talks NCCL; on CPUs, gloo.
    """
    world = from_environment()
    if not world.distributed:
        return world, device_choice
    on_gpu = device_choice != "cpu" and torch.cuda.is_available()
    if device_choice == "cuda" and not on_gpu:
        raise ValueError("CUDA was chosen but torch sees no GPU")
    backend = "nccl" if on_gpu else "gloo"
    if on_gpu:
        torch.cuda.set_device(world.local_rank)
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    world = World(world.rank, world.size, world.local_rank, backend)
    return world, f"cuda:{world.local_rank}" if on_gpu else "cpu"


def leave(world: World) -> None:
    """End the process group after the last collective, all processes together.

    The barrier keeps a rank that finished first from tearing down its end (and, when it
    hosts the rendezvous store, the store) while another still talks to it."""
    if world.distributed and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def averaged(values: list[float], world: World, device: torch.device) -> list[float]:
    """The mean of each value over all processes (the values themselves in a single process)."""
    if not world.distributed:
        return values
    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return [v / world.size for v in t.tolist()]


def epoch_rows(n: int, epoch: int, seed: int, world: World) -> torch.Tensor:
    """This process's share of epoch ``epoch``'s shuffled rows: a ``DistributedSampler`` set to the epoch.

    Every process gets the same number of rows (a few repeat when ``n`` does not divide), so
    they all take the same number of steps, as DistributedDataParallel needs."""
    sampler: DistributedSampler[int] = DistributedSampler(
        _Rows(n), num_replicas=world.size, rank=world.rank, shuffle=True, seed=seed)
    sampler.set_epoch(epoch)
    return torch.tensor(list(iter(sampler)), dtype=torch.int64)


class _Rows(Dataset[int]):
    """Row numbers 0..n-1: all a sampler needs to know of the in-memory pictures."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> int:
        return i
