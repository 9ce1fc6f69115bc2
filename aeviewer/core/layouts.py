"""Which images are normal, which are anomalous, and which to train on, from folder names.

Three layouts are understood:

- **MVTec AD**: ``train/good/``, ``test/good/``, ``test/<defect>/`` and optionally
  ``ground_truth/<defect>/<name>_mask.png``. Train on ``train/good``; every test
  image is kept for testing, labelled by its folder.
- **Two folders**: one subfolder named like normal / good / ok, the others
  (anomaly, bad, defect, anything) anomalous. A seeded share of the normal
  images is held back for testing; the rest is trained on.
- **Flat**: anything else is unlabelled; every image is a training image.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aeviewer.core.data import (
    IMAGE_SUFFIXES,
    Entry,
    Failure,
    LoadResult,
    Split,
    expand_paths,
    load_entries,
)

NORMAL_NAMES = frozenset({"normal", "good", "ok", "okay", "nominal", "clean", "pass"})
HOLDOUT = 0.2


@dataclass(frozen=True)
class Layout:
    kind: str  # "mvtec", "two-folder", "flat"
    entries: list[Entry]

    def describe(self) -> str:
        train = sum(e.split == Split.TRAIN for e in self.entries)
        test = len(self.entries) - train
        anomalies = sum(e.label == 1 for e in self.entries)
        return f"{self.kind} layout: {train} training images, {test} test images ({anomalies} anomalous)"


def _images_in(folder: Path) -> list[Path]:
    return sorted(f for f in folder.rglob("*") if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES)


def detect_layout(folder: str | os.PathLike[str], holdout: float = HOLDOUT, seed: int = 0) -> Layout:
    """Read the layout of ``folder``; raises ValueError (with a reason) when it is malformed."""
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"{root} is not a folder")
    subdirs = {p.name.lower(): p for p in root.iterdir() if p.is_dir()}
    if "train" in subdirs or "test" in subdirs:
        return _mvtec(root, subdirs)
    normal = [p for name, p in subdirs.items() if name in NORMAL_NAMES]
    if len(normal) > 1:
        raise ValueError(f"more than one folder looks normal: {', '.join(sorted(p.name for p in normal))}")
    if normal:
        return _two_folder(normal[0], [p for p in subdirs.values() if p != normal[0]], holdout, seed)
    files = _images_in(root)
    if not files:
        raise ValueError(f"{root} holds no image files")
    return Layout("flat", [Entry(f, Split.TRAIN, -1) for f in files])


def _mvtec(root: Path, subdirs: dict[str, Path]) -> Layout:
    train_good = subdirs.get("train", root / "train") / "good"
    if not train_good.is_dir() or not _images_in(train_good):
        raise ValueError("MVTec layout needs training images in train/good")
    entries = [Entry(f, Split.TRAIN, 0) for f in _images_in(train_good)]
    test = subdirs.get("test")
    truth = subdirs.get("ground_truth")
    if test is not None:
        for sub in sorted(p for p in test.iterdir() if p.is_dir()):
            label = 0 if sub.name.lower() in NORMAL_NAMES else 1
            for f in _images_in(sub):
                mask = None
                if label == 1 and truth is not None:
                    candidate = truth / sub.name / f"{f.stem}_mask.png"
                    mask = candidate if candidate.is_file() else None
                entries.append(Entry(f, Split.TEST, label, mask))
    return Layout("mvtec", entries)


def _two_folder(normal: Path, others: list[Path], holdout: float, seed: int) -> Layout:
    normal_files = _images_in(normal)
    if not normal_files:
        raise ValueError(f"the normal folder {normal.name}/ holds no images")
    rng = np.random.default_rng(seed)
    held = set(rng.permutation(len(normal_files))[: round(holdout * len(normal_files))].tolist())
    entries = [
        Entry(f, Split.TEST if i in held else Split.TRAIN, 0) for i, f in enumerate(normal_files)
    ]
    for other in sorted(others):
        entries += [Entry(f, Split.TEST, 1) for f in _images_in(other)]
    return Layout("two-folder", entries)


@dataclass(frozen=True)
class Found:
    """The files a list of paths stands for, before any is decoded."""

    entries: list[Entry]
    failures: list[Failure]
    description: str

    @property
    def labelled(self) -> bool:
        return any(e.label >= 0 for e in self.entries)

    def paths(self, split: Split) -> list[Path]:
        return [e.path for e in self.entries if e.split == split]


@dataclass(frozen=True)
class Opened:
    """What a list of paths turned out to be, loaded."""

    labelled: bool  # a folder in a labelled layout (MVTec, normal/anomaly) was among them
    description: str
    result: LoadResult


def find_paths(paths: list[str], loose_split: Split = Split.DROPPED, layouts: bool = True) -> Found:
    """The files under ``paths``: the one meaning of "open these", for the window and the CLI.

    With ``layouts``, a folder in a labelled layout keeps its splits, labels and
    masks; everything else (files, flat folders) is ``loose_split``, unlabelled.
    A folder whose layout is malformed is reported as a Failure.
    """
    entries: list[Entry] = []
    failures: list[Failure] = []
    described: list[str] = []
    loose: list[str] = []
    for p in paths:
        if layouts and Path(p).is_dir():
            try:
                layout = detect_layout(p)
            except ValueError as exc:
                failures.append(Failure(str(p), str(exc)))
                continue
            if layout.kind != "flat":
                entries += layout.entries
                described.append(layout.describe())
                continue
        loose.append(p)
    files, missing = expand_paths(loose)
    failures += missing
    if files:
        entries += [Entry(f, loose_split) for f in files]
        described.append(f"{len(files)} picture(s) without labels")
    return Found(entries, failures, "; ".join(described) or "nothing")


def load_found(
    found: Found,
    size: int,
    channels: int,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    own_sizes: bool = False,
) -> Opened:
    result = load_entries(found.entries, size, channels, progress, cancelled, own_sizes)
    return Opened(found.labelled, found.description, LoadResult(result.images, found.failures + result.failures,
                                                                       result.notes))
