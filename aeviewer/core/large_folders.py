"""When a folder is too large for memory, and which of its pictures stand for it. numpy only:
the window's GUI thread asks this before torch has loaded (``core.streaming`` does the reading)."""

from __future__ import annotations

import os

import numpy as np

STREAM_SHARE_OF_MEMORY = 0.25  # stream when the decoded pictures would take more than this share of memory
PAGE_PICTURES = 5_000  # of a streamed folder, decoded at a time for the window's gallery and scatter (a page)
SAMPLE_PICTURES = 256  # of each split, in a training run's checkpoint (core.checkpoint)
# A tile model (core.patches) keeps every picture at full size: a larger one is shrunk to FULL_MAX_SIDE
# (its longer side) first, and all of them take FULL_BUDGET_BYTES at most (core.choices picks a smaller
# scale for pictures that would take more).
FULL_MAX_SIDE = 2048
FULL_BUDGET_BYTES = 2 << 30


def memory_bytes() -> int:
    """This machine's memory (8 GiB when the system does not say)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def should_stream(pictures: int, size: int, channels: int, memory: int | None = None) -> bool:
    """Whether ``pictures`` at the working size would take more than a quarter of the memory."""
    return pictures * size * size * channels > STREAM_SHARE_OF_MEMORY * (memory or memory_bytes())


def sample_rows(splits: np.ndarray, most: int = SAMPLE_PICTURES) -> np.ndarray:
    """Up to ``most`` rows of each split, evenly spaced: the same rows for the same pictures."""
    rows = []
    for split in np.unique(splits):
        of = np.flatnonzero(splits == split)
        rows.append(of[np.linspace(0, len(of) - 1, min(most, len(of))).round().astype(np.int64)])
    return np.sort(np.unique(np.concatenate(rows))) if rows else np.zeros(0, np.int64)


def page_count(groups: np.ndarray, per_page: int = PAGE_PICTURES) -> int:
    """How many pages of at most about ``per_page`` pictures a folder of this many makes (at least one)."""
    return max(1, -(-len(groups) // max(1, per_page)))


def page_rows(groups: np.ndarray, page: int, per_page: int = PAGE_PICTURES) -> np.ndarray:
    """The rows on page ``page`` (from 0): the same share of every group (say, split and label), each
    in its listed order, so that every page has training pictures and normal and anomalous test
    pictures to tell apart; the pages together hold every row once."""
    pages = page_count(groups, per_page)
    if not 0 <= page < pages:
        raise IndexError(f"page {page + 1} of {pages}")
    rows = []
    for group in np.unique(groups):
        of = np.flatnonzero(groups == group)
        cuts = np.linspace(0, len(of), pages + 1).round().astype(np.int64)
        rows.append(of[cuts[page] : cuts[page + 1]])
    return np.sort(np.concatenate(rows)) if rows else np.zeros(0, np.int64)


class PathList:
    """Many file paths in two numpy arrays (the bytes of all of them, and where each ends).

    A list of 200,000 ``Path`` objects took 120 MB, and a decoding process forked from it
    copied most of it again (reading an object writes its reference count); these two
    arrays are about 100 bytes a path and are never written after they are made."""

    def __init__(self, paths) -> None:
        encoded = [os.fsencode(str(p)) for p in paths]
        self._blob = np.frombuffer(b"".join(encoded), np.uint8) if encoded else np.zeros(0, np.uint8)
        self._ends = np.cumsum([len(e) for e in encoded], dtype=np.int64)

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> str:
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i = i % len(self)
        start = int(self._ends[i - 1]) if i else 0
        return os.fsdecode(self._blob[start : int(self._ends[i])].tobytes())

    def __iter__(self):
        return (self[i] for i in range(len(self)))
