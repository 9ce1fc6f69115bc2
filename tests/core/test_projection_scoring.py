from __future__ import annotations

import numpy as np
import pytest

from aeviewer.core.projection import StableProjection
from aeviewer.core.scoring import difference_map, heat_scale, mse_score


def test_small_codes_are_drawn_directly():
    p = StableProjection()
    one = np.array([[1.0], [2.0]], np.float32)
    assert np.array_equal(p.fit_transform(one), [[1.0, 0.0], [2.0, 0.0]])
    two = np.array([[1.0, 3.0], [2.0, 4.0]], np.float32)
    assert np.array_equal(p.fit_transform(two), two)


def _axis_agreement(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.array([np.corrcoef(a[:, i], b[:, i])[0, 1] for i in range(2)])


def test_projection_does_not_flip_between_updates(rng):
    base = rng.normal(size=(300, 8)) * np.array([5, 3, 1, 1, 1, 1, 1, 1])
    p = StableProjection()
    first = p.fit_transform(base)
    for step in range(20):
        moved = base + rng.normal(scale=0.05, size=base.shape)
        moved = -moved if step % 2 else moved  # an SVD sign flip in disguise
        again = p.fit_transform(moved)
        agreement = _axis_agreement(first, -again if step % 2 else again)
        assert (agreement > 0.99).all()


def test_projection_follows_when_two_variances_cross(rng):
    """When axis 1 and 2 swap importance, PCA swaps their order; the view must not."""
    raw = rng.normal(size=(400, 5))
    p = StableProjection()
    before = p.fit_transform(raw * np.array([3.0, 2.9, 0.1, 0.1, 0.1]))
    after = p.fit_transform(raw * np.array([2.9, 3.0, 0.1, 0.1, 0.1]))
    assert (_axis_agreement(before, after) > 0.95).all()


def test_projection_fits_on_the_rows_asked_for(rng):
    codes = rng.normal(size=(50, 4))
    codes[40:] += 100  # far-away extras must not move the axes' centre
    points = StableProjection().fit_transform(codes, fit_rows=np.arange(40))
    assert np.abs(points[:40].mean(axis=0)).max() < 1e-4


def test_difference_and_mse_on_known_arrays():
    a = np.zeros((2, 2, 3), np.float32)
    b = np.zeros((2, 2, 3), np.float32)
    b[0, 0] = [0.3, 0.6, 0.9]
    diff = difference_map(a, b)
    assert diff.shape == (2, 2)
    assert diff[0, 0] == pytest.approx(0.6) and diff[1, 1] == 0
    assert float(mse_score(a, b)) == pytest.approx((0.09 + 0.36 + 0.81) / 12)
    batch = mse_score(np.stack([a, a]), np.stack([a, b]))
    assert batch.shape == (2,) and batch[0] == 0


def test_heat_scale_is_a_high_percentile_of_training_differences():
    maps = np.linspace(0, 1, 1001, dtype=np.float32)
    assert heat_scale(maps) == pytest.approx(0.995, abs=1e-3)
    assert heat_scale(np.zeros(10, np.float32)) > 0  # never a zero-width scale
    assert heat_scale(np.zeros(0, np.float32)) == 1.0


def test_batch_scores_on_the_device_match_the_numpy_scores(rng):
    import torch

    from aeviewer.core.scoring import local_score
    from aeviewer.core.training import batch_scores

    x = rng.random((3, 12, 10, 3)).astype(np.float32)
    r = np.clip(x + rng.normal(0, 0.1, x.shape), 0, 1).astype(np.float32)
    tx, tr = (torch.from_numpy(a).permute(0, 3, 1, 2) for a in (x, r))
    assert np.allclose(batch_scores(tx, tr, "mse").numpy(), mse_score(x, r), rtol=1e-5)
    assert np.allclose(batch_scores(tx, tr, "local").numpy(), local_score(x, r), rtol=1e-5)
    assert batch_scores(tx, tr, "ssim") is None
