from __future__ import annotations

import numpy as np

from aeviewer.core.data import Split
from aeviewer.core.demos import banana_imageset
from aeviewer.core.demos.bananas import draw_banana, make_bananas


def test_same_seed_same_bananas():
    a = make_bananas(3, 1, 2, size=32, seed=7)
    b = make_bananas(3, 1, 2, size=32, seed=7)
    c = make_bananas(3, 1, 2, size=32, seed=8)
    assert np.array_equal(a.train, b.train) and np.array_equal(a.test_rotten, b.test_rotten)
    assert not np.array_equal(a.train, c.train)
    assert a.train.shape == (3, 32, 32, 3) and a.train.dtype == np.uint8


def _yellowness(img: np.ndarray) -> np.ndarray:
    """Per-pixel 'banana yellow': bright red and green, little blue."""
    f = img.astype(np.float32) / 255
    return np.minimum(f[..., 0], f[..., 1]) - f[..., 2]


def test_ripe_bananas_are_yellow_and_rotten_ones_are_not():
    rng = np.random.default_rng(0)
    ripe = np.stack([draw_banana(rng, 64, rotten=False) for _ in range(20)])
    rotten = np.stack([draw_banana(rng, 64, rotten=True) for _ in range(20)])
    ripe_yellow = (_yellowness(ripe) > 0.45).mean(axis=(1, 2))
    rotten_yellow = (_yellowness(rotten) > 0.45).mean(axis=(1, 2))
    assert ripe_yellow.min() > 0.02  # every ripe image shows a clearly yellow fruit
    assert np.median(rotten_yellow) < 0.5 * np.median(ripe_yellow)


def test_banana_imageset_splits_and_labels():
    ds = banana_imageset(n_train=10, n_test=4, size=32)
    assert len(ds) == 18
    assert (ds.splits == Split.TRAIN).sum() == 10
    assert (ds.splits == Split.TEST).sum() == 8
    assert ds.labels[ds.splits == Split.TRAIN].max() == 0  # training is all ripe
    assert ds.labels.sum() == 4  # the rotten ones
    assert all(p.startswith("demo/") for p in ds.paths)


def test_the_demo_is_drawn_once_then_read_back_the_same(tmp_path):
    from aeviewer.core.demos import cached_banana_imageset

    first = cached_banana_imageset(tmp_path, size=32)
    (cache,) = tmp_path.glob("bananas-*.npz")
    again = cached_banana_imageset(tmp_path, size=32)
    np.testing.assert_array_equal(again.images, first.images)
    assert again.paths == first.paths and (again.splits == first.splits).all() and (again.labels == first.labels).all()
    cache.write_bytes(b"damaged")  # a damaged cache is drawn again, not an error
    np.testing.assert_array_equal(cached_banana_imageset(tmp_path, size=32).images, first.images)
