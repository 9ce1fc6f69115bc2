"""Pictures read from their files while training: folders larger than memory.

The in-memory path decodes every picture into one array before training (a 100,000
picture drop peaked at 2.95 GB in the window). A stream instead lists the files once
and decodes each batch in a ``torch.utils.data.DataLoader`` with worker processes, so
memory does not grow with the folder. Decoded pictures are kept in a cache of fixed size
in shared memory (``cache_bytes``; the first pictures that fit, shared by every worker
and kept between epochs): a folder that fits in the cache is decoded once and then
trains at the in-memory speed; a larger one is partly decoded again each epoch.

Each epoch is dealt out by a ``DistributedSampler`` (one process: all of it, shuffled),
so the same stream serves torchrun's processes. A file that cannot be read is left out
of its batch and reported at the end; it is never read again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler

from aeviewer.core.data import decode_image
from aeviewer.core.distributed import SINGLE, World
from aeviewer.core.large_folders import PathList, should_stream

if TYPE_CHECKING:
    from aeviewer.core.patches import PatchCrops

__all__ = ["PictureFiles", "PictureStream", "default_workers", "should_stream", "stream_scores"]

DEFAULT_CACHE_BYTES = 1 << 30  # decoded pictures kept between epochs (1 GiB)


def default_workers(cores: int | None = None) -> int:
    """Decoding processes: the cores less one, at most four; none on two cores or fewer, where the
    batches are decoded in the training process between steps (a decoding process beside torch's
    two threads made one epoch of 20,000 pictures 9 % slower than decoding in turn: 1,118 against
    1,221 pictures a second)."""
    cores = cores or os.cpu_count() or 2
    return 0 if cores <= 2 else min(4, cores - 1)


class PictureFiles(Dataset):
    """Files decoded on demand to uint8 (size, size, channels), with a bounded shared cache.

    ``self[i]`` is ``(pixels, i, readable)``; an unreadable file gives zeros and False, and
    is marked so that it is skipped from then on.
    """

    def __init__(self, paths: list[Path] | list[str] | PathList, size: int, channels: int,
                 cache_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.paths = paths if isinstance(paths, PathList) else PathList(paths)
        self.size, self.channels = size, channels
        self.capacity = int(min(len(self.paths), max(0, cache_bytes) // (size * size * channels)))
        # Shared memory: the DataLoader's worker processes fill it, every process reads it.
        self.cache = torch.zeros((self.capacity, size, size, channels), dtype=torch.uint8).share_memory_()
        self.cached = torch.zeros(self.capacity, dtype=torch.bool).share_memory_()
        self.unreadable = torch.zeros(len(self.paths), dtype=torch.bool).share_memory_()
        self.reasons: dict[int, str] = {}  # filled in the main process by ``failures``

    def __len__(self) -> int:
        return len(self.paths)

    def __getitems__(self, rows: list[int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """A whole batch at once, in one array: (uint8 (B, H, W, C), rows, readable). The DataLoader
        asks for this when it exists; stacking a batch of single pictures cost a third of the time."""
        pixels = torch.empty((len(rows), self.size, self.size, self.channels), dtype=torch.uint8)
        readable = torch.empty(len(rows), dtype=torch.bool)
        for k, i in enumerate(rows):
            pixels[k], _, readable[k] = self[i]
        return pixels, torch.tensor(rows, dtype=torch.int64), readable

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int, bool]:
        if i < self.capacity and self.cached[i]:
            return self.cache[i], i, True
        if self.unreadable[i]:
            return torch.zeros((self.size, self.size, self.channels), dtype=torch.uint8), i, False
        try:
            pixels = torch.from_numpy(np.require(decode_image(self.paths[i], self.size, self.channels),
                                                 requirements=["C", "W"]))
        except ValueError:
            self.unreadable[i] = True
            return torch.zeros((self.size, self.size, self.channels), dtype=torch.uint8), i, False
        if i < self.capacity:
            self.cache[i].copy_(pixels)
            self.cached[i] = True
        return pixels, i, True

    @property
    def readable(self) -> int:
        """Files not (yet) found unreadable."""
        return len(self.paths) - int(self.unreadable.sum())

    def failures(self) -> list[tuple[str, str]]:
        """(path, reason) of every file found unreadable so far (the reason read again here, once)."""
        out = []
        for i in torch.nonzero(self.unreadable).flatten().tolist():
            if i not in self.reasons:
                try:
                    decode_image(self.paths[i], self.size, self.channels)
                    self.reasons[i] = "could not be read while training"
                except ValueError as exc:
                    self.reasons[i] = str(exc)
            out.append((self.paths[i], self.reasons[i]))
        return out


def _as_is(batch):
    """The batch ``PictureFiles.__getitems__`` made is whole already."""
    return batch


def _one_thread(_worker: int) -> None:
    torch.set_num_threads(1)  # a decoding process must not take the cores training runs on


class PictureStream:
    """Batches of one process's share of every epoch, decoded by ``workers`` processes (or cut from
    pictures in memory: a tile model's random crops, ``core.patches.PatchCrops``)."""

    def __init__(self, files: PictureFiles | PatchCrops, batch_size: int, seed: int = 0, world: World = SINGLE,
                 workers: int | None = None, device: torch.device | None = None, start: str | None = None) -> None:
        """``start``: how decoding processes start ('spawn' from a process with a GUI; None: the default)."""
        self.files, self.batch_size = files, batch_size
        self.sampler: DistributedSampler[int] = DistributedSampler(
            files, num_replicas=world.size, rank=world.rank, shuffle=True, seed=seed)
        workers = default_workers() if workers is None else workers
        self.loader = DataLoader(
            files, batch_size=batch_size, sampler=self.sampler, num_workers=workers, collate_fn=_as_is,
            persistent_workers=workers > 0, worker_init_fn=_one_thread if workers > 0 else None,
            pin_memory=device is not None and device.type == "cuda", prefetch_factor=4 if workers > 0 else None,
            multiprocessing_context=start if workers > 0 else None)

    def __len__(self) -> int:
        return len(self.files)

    @property
    def share(self) -> int:
        """Pictures this process trains on an epoch."""
        return len(self.sampler)

    def epoch(self, epoch: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """(rows, uint8 (B, H, W, C) pictures) for each batch of ``epoch``; unreadable files left out
        (a batch of nothing but unreadable files is kept whole, so every process takes each step)."""
        self.sampler.set_epoch(epoch)
        for pixels, rows, readable in self.loader:
            if bool(readable.any()):
                pixels, rows = pixels[readable], rows[readable]
            yield rows, pixels

    def close(self) -> None:
        """End the decoding processes (persistent ones live until the loader is dropped)."""
        iterator = getattr(self.loader, "_iterator", None)
        if iterator is not None and hasattr(iterator, "_shutdown_workers"):
            iterator._shutdown_workers()
        self.loader = None  # type: ignore[assignment]


def stream_scores(score_batch, files: PictureFiles, batch_size: int = 256,
                  workers: int | None = None) -> np.ndarray:
    """``score_batch(uint8 pictures) -> scores`` over every file in order, NaN where unreadable."""
    workers = default_workers() if workers is None else workers
    loader = DataLoader(files, batch_size=batch_size, shuffle=False, num_workers=workers, collate_fn=_as_is,
                        worker_init_fn=_one_thread if workers > 0 else None)
    scores = np.full(len(files), np.nan, np.float32)
    for pixels, rows, readable in loader:
        if bool(readable.any()):
            keep = rows[readable].numpy()
            scores[keep] = score_batch(pixels[readable].numpy())
    return scores
