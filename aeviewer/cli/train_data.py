"""Where ``aeviewer train`` gets its pictures: all of them in memory, or streamed from their files.

A folder whose pictures would take more than a quarter of the memory at the working size
(or any folder, with ``--stream``) is streamed (``core.streaming``): the files are listed,
a sample of them (``core.checkpoint.sample_rows``) is decoded for the checkpoints and the
engine's snapshots, and the training pictures are decoded batch by batch. The final
scores then stream over every file as well.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from aeviewer.cli.common import load_inputs
from aeviewer.core.data import ImageSet, Split
from aeviewer.core.large_folders import PathList, sample_rows
from aeviewer.core.layouts import Found
from aeviewer.core.streaming import (
    PictureFiles,
    PictureStream,
    default_workers,
    should_stream,
    stream_scores,
)


@dataclass
class TrainingData:
    images: ImageSet  # every picture (in memory), or the sample (streaming)
    found: Found | None  # what was listed (streaming keeps it as ``files`` and the arrays below instead)
    streaming: bool = False
    stream: PictureStream | None = None  # once started (``start_stream``)
    files: PathList | None = None  # streaming: every file found, compactly
    splits: np.ndarray | None = None
    labels: np.ndarray | None = None

    @property
    def train_count(self) -> int:
        if self.stream is not None:
            return self.stream.files.readable
        if self.splits is not None:
            return int((self.splits == Split.TRAIN).sum())
        return len(self.images.indices(Split.TRAIN))

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()


def training_data(args, found: Found, size: int, channels: int) -> TrainingData:
    """The pictures, decoded (or sampled, when streaming); the stream is made by ``start_stream``."""
    streaming = args.stream or should_stream(len(found.entries), size, channels)
    if not streaming:
        return TrainingData(load_inputs(found, size, channels).result.images, found)
    splits = np.array([e.split for e in found.entries], np.int8)
    labels = np.array([e.label for e in found.entries], np.int8)
    picked = sample_rows(splits)
    sample = Found([found.entries[i] for i in picked], found.failures, found.description)
    files = PathList(e.path for e in found.entries)
    return TrainingData(load_inputs(sample, size, channels).result.images, None, streaming=True, files=files,
                        splits=splits, labels=labels)


def start_stream(data: TrainingData, args, size: int, channels: int, batch: int, world, device) -> None:
    """Open the stream of training pictures (streaming only) and say how it reads them."""
    assert data.files is not None and data.splits is not None
    train = PathList(data.files[int(i)] for i in np.flatnonzero(data.splits == Split.TRAIN))
    files = PictureFiles(train, size, channels, cache_bytes=int(args.cache_mb) << 20)
    workers = default_workers() if args.workers is None else args.workers
    data.stream = PictureStream(files, batch, seed=args.seed, world=world, workers=workers, device=device)
    cached = "all of them" if files.capacity >= len(files) else f"the first {files.capacity:,}"
    print(f"streaming {len(files):,} training pictures from their files: {workers} decoding process(es), "
          f"{cached} kept decoded ({args.cache_mb} MB cache); {len(data.images)} sampled in memory "
          "for the checkpoints", file=sys.stderr)


def streamed_scores(data: TrainingData, engine, size: int, channels: int) -> tuple[np.ndarray, np.ndarray,
                                                                                   np.ndarray]:
    """(scores, splits, labels) of every file the run found, read again batch by batch."""
    from aeviewer.core.inference import score_images

    assert data.files is not None and data.splits is not None and data.labels is not None
    files = PictureFiles(data.files, size, channels, cache_bytes=0)
    scores = stream_scores(lambda px: score_images(engine.model, px, engine.device, kind=engine.score_kind).scores,
                           files)
    for path, reason in files.failures():
        print(f"skipped {path}: {reason}", file=sys.stderr)
    return scores, data.splits, data.labels
