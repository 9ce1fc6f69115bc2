"""Built-in datasets that need no files or downloads."""

from __future__ import annotations

import numpy as np

from aeviewer.core.data import ImageSet, Split
from aeviewer.core.demos.bananas import make_bananas

DEMO_SIZE = 64
# How the window trains the demo (scripts/bench_bananas.py measures these): bananas lie
# any way round, so flipped and turned copies are fair training pictures, and with them
# the model keeps learning for longer.
DEMO_EPOCHS = 80
DEMO_AUGMENT = True


def banana_imageset(
    n_train: int = 512, n_test: int = 48, size: int = DEMO_SIZE, seed: int = 0
) -> ImageSet:
    """Ripe bananas to train on; ripe and rotten ones held back as test images.

    Labels: 0 = ripe (normal), 1 = rotten (anomalous).
    """
    demo = make_bananas(n_train, n_test, n_test, size=size, seed=seed)
    images = np.concatenate([demo.train, demo.test_ripe, demo.test_rotten])
    paths = (
        [f"demo/ripe/train-{i:04d}" for i in range(len(demo.train))]
        + [f"demo/ripe/test-{i:04d}" for i in range(len(demo.test_ripe))]
        + [f"demo/rotten/test-{i:04d}" for i in range(len(demo.test_rotten))]
    )
    splits = np.array(
        [Split.TRAIN] * len(demo.train) + [Split.TEST] * (len(demo.test_ripe) + len(demo.test_rotten))
    )
    labels = np.array([0] * (len(demo.train) + len(demo.test_ripe)) + [1] * len(demo.test_rotten))
    return ImageSet(images, paths, splits, labels)


def is_demo(images: ImageSet) -> bool:
    """Whether ``images`` trains on the banana demo (pictures dropped beside it do not change that)."""
    train = images.indices(Split.TRAIN)
    return bool(len(train)) and all(images.paths[i].startswith("demo/") for i in train)


DEMO_CACHE_VERSION = 1  # raise when the drawing changes, so no stale pictures are read


def cached_banana_imageset(folder, size: int = DEMO_SIZE) -> ImageSet:
    """The window's demo, drawn once (about 2 s on a 2-core CPU) and then read from ``folder``.

    The pictures are the same either way (the drawing is seeded); a cache that cannot be
    read or written is skipped, never an error.
    """
    import contextlib
    import os
    from pathlib import Path

    path = Path(folder) / f"bananas-v{DEMO_CACHE_VERSION}-{size}.npz"
    with contextlib.suppress(OSError, ValueError, KeyError), np.load(path, allow_pickle=False) as f:
        paths = [str(p) for p in f["paths"]]
        return ImageSet(f["images"], paths, f["splits"], f["labels"])
    images = banana_imageset(size=size)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.part.npz")
        np.savez(tmp, images=images.images, paths=np.array(images.paths), splits=images.splits,
                 labels=images.labels)
        os.replace(tmp, path)
    return images
