"""Small made-up datasets the tests write to disk (no test needs ../shared or a benchmark package)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def grey_mvtec(root: Path, rng: np.random.Generator, train: int = 40, good: int = 6, defect: int = 6,
               size: int = 16) -> Path:
    """An MVTec-layout folder of grey noise pictures; the defective ones have a bright square."""
    for split, n in (("train/good", train), ("test/good", good), ("test/defect", defect)):
        folder = root / split
        folder.mkdir(parents=True)
        for i in range(n):
            a = (rng.random((size, size)) * 40 + 100).astype(np.uint8)
            if "defect" in split:
                a[2 : 2 + size // 3, 2 : 2 + size // 3] = 250
            Image.fromarray(a).save(folder / f"{i}.png")
    return root


def surface_pictures(folder: Path, rng: np.random.Generator, count: int = 24, name: str = "s") -> list[Path]:
    """Pictures of varied sizes cut at random places from one large grainy surface: no common layout."""
    big = np.asarray(Image.fromarray(rng.integers(0, 255, (150, 250), dtype=np.uint8)).resize((1000, 600)),
                     np.uint8)
    paths = []
    for i in range(count):
        h, w = int(rng.integers(100, 180)), int(rng.integers(140, 300))
        top, left = int(rng.integers(0, 600 - h)), int(rng.integers(0, 1000 - w))
        paths.append(folder / f"{name}{i}.png")
        Image.fromarray(big[top : top + h, left : left + w]).save(paths[-1])
    return paths
