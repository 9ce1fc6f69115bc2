"""PSNR and SSIM against values worked out by hand; tiling stitches without seams."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from aeviewer.core.quality import psnr, ssim
from aeviewer.core.scoring import SSIM_C1
from aeviewer.core.tiling import ramp, run_tiled, tile_starts


def test_psnr_of_a_constant_offset():
    clean = np.full((8, 8, 1), 0.5)
    assert psnr(clean + 0.1, clean) == pytest.approx(20.0)  # 10 log10(1 / 0.01)
    assert psnr(clean + 0.01, clean) == pytest.approx(40.0)
    assert math.isinf(psnr(clean, clean))


def test_psnr_per_image_in_a_batch():
    clean = np.zeros((2, 4, 4, 3))
    out = clean.copy()
    out[0] += 0.1
    out[1, :2] += 0.2  # half the pixels off by 0.2: mse 0.02
    assert psnr(out, clean) == pytest.approx([20.0, 10 * math.log10(1 / 0.02)])


def test_ssim_known_values():
    rng = np.random.default_rng(0)
    img = rng.random((16, 16, 1))
    assert ssim(img, img) == pytest.approx(1.0)
    # Two flat images: only the luminance term is left, (2ab + C1) / (a^2 + b^2 + C1).
    a, b = 0.2, 0.6
    expected = (2 * a * b + SSIM_C1) / (a * a + b * b + SSIM_C1)
    assert ssim(np.full((16, 16, 1), a), np.full((16, 16, 1), b)) == pytest.approx(expected, rel=1e-4)
    assert ssim(img, 1 - img) < 0  # inverted structure correlates negatively


def test_tiles_cover_every_pixel():
    for length in (64, 65, 100, 129, 300):
        starts = tile_starts(length, 64, 16)
        assert starts[0] == 0 and starts[-1] == length - 64
        assert all(b - a <= 48 for a, b in itertools.pairwise(starts))
    assert ramp(64, 16).min() > 0


@pytest.mark.parametrize("shape", [(97, 131, 3), (64, 64, 1), (20, 33, 3), (1, 1, 3), (200, 70, 1)])
def test_identity_model_gives_back_the_picture_exactly(shape):
    img = np.random.default_rng(1).random(shape).astype(np.float32)
    calls = []

    def identity(tiles):
        calls.append(tiles.shape)
        assert tiles.shape[1:] == (64, 64, shape[2])
        return tiles

    out = run_tiled(identity, img, 64)
    assert out.shape == shape
    np.testing.assert_allclose(out, img, atol=1e-6)
    assert calls


def test_stitching_shows_no_seam():
    """Each tile is offset by its own constant: the blend must change gradually, never jump."""
    img = np.zeros((150, 190, 1), np.float32)
    counter = iter(range(1000))

    def offset_each_tile(tiles):
        return np.stack([t + 0.1 * next(counter) for t in tiles])

    out = run_tiled(offset_each_tile, img, 64, overlap=16)[..., 0]
    jumps = max(np.abs(np.diff(out, axis=0)).max(), np.abs(np.diff(out, axis=1)).max())
    spread = out.max() - out.min()
    assert spread > 0.3  # the tiles really did differ
    assert jumps < spread / 10  # yet no sudden step anywhere
