"""Each noise model does what it says, statistically, and specs parse strictly."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from aeviewer.core.noise import add_noise, corrupt, jpeg_quality, make_generator
from aeviewer.core.noise_kinds import NOISES, NoiseSpec, parse_specs

GREY = np.full((64, 64, 3), 0.5, np.float32)


def _smooth_picture(size: int = 64) -> np.ndarray:
    rng = np.random.default_rng(3)
    small = (rng.random((8, 8)) * 255).astype(np.uint8)
    return np.asarray(Image.fromarray(small).resize((size, size), Image.BICUBIC), np.float32)[..., None] / 255.0


def test_gaussian_noise_has_the_asked_sigma_and_no_bias():
    out = add_noise(np.repeat(GREY[None], 8, 0), NoiseSpec("gaussian", 0.1, 0.1), seed=1)
    residual = out - 0.5
    assert abs(residual.std() - 0.1) < 0.003
    assert abs(residual.mean()) < 0.003


def test_gaussian_noise_is_clipped_to_the_unit_range():
    out = add_noise(np.zeros((4, 16, 16, 1), np.float32), NoiseSpec("gaussian", 0.5, 0.5), seed=0)
    assert out.min() == 0.0 and out.max() <= 1.0
    assert 0.3 < (out > 0).mean() < 0.7  # half the draws were negative and clipped


def test_salt_and_pepper_turns_the_asked_share_of_pixels_black_or_white():
    out = add_noise(np.repeat(GREY[None], 8, 0), NoiseSpec("salt", 0.2, 0.2), seed=2)
    black = (out == 0).all(axis=-1)  # whole pixels, every channel
    white = (out == 1).all(axis=-1)
    assert abs(black.mean() - 0.1) < 0.01 and abs(white.mean() - 0.1) < 0.01
    assert np.all((out == 0.5) | black[..., None] | white[..., None])


def test_cut_outs_black_out_whole_blocks_at_the_asked_fraction():
    out = add_noise(np.repeat(GREY[None], 32, 0), NoiseSpec("mask", 0.25, 0.25), seed=3)
    dropped = out[..., 0] == 0
    assert abs(dropped.mean() - 0.25) < 0.03
    blocks = dropped.reshape(32, 8, 8, 8, 8)  # 64 px / 8 = blocks of 8 px
    per_block = blocks.mean(axis=(2, 4))
    assert set(np.unique(per_block)) <= {0.0, 1.0}  # a block goes entirely or not at all


def test_speckle_grows_with_brightness():
    dark = add_noise(np.full((8, 32, 32, 1), 0.2, np.float32), NoiseSpec("speckle", 0.2, 0.2), seed=4)
    bright = add_noise(np.full((8, 32, 32, 1), 0.8, np.float32), NoiseSpec("speckle", 0.2, 0.2), seed=4)
    assert abs((dark / 0.2 - 1).std() - 0.2) < 0.01
    assert bright.std() > 3 * dark.std()


def test_jpeg_blocks_match_a_real_jpeg_encoder():
    picture = _smooth_picture()
    for compression in (0.5, 0.9):
        ours = add_noise(picture, NoiseSpec("jpeg", compression, compression))
        buf = io.BytesIO()
        pixels = (picture[..., 0] * 255 + 0.5).astype(np.uint8)
        Image.fromarray(pixels).save(buf, "JPEG", quality=jpeg_quality(compression))
        real = np.asarray(Image.open(buf), np.float32) / 255.0
        ours_err = np.abs(ours[..., 0] - picture[..., 0]).mean()
        real_err = np.abs(real - picture[..., 0]).mean()
        assert ours_err == pytest.approx(real_err, rel=0.25)
    gentle = add_noise(picture, NoiseSpec("jpeg", 0.0, 0.0))
    assert np.abs(gentle - picture).max() < 2 / 255  # quality 100 changes almost nothing


def test_jpeg_on_an_odd_size_keeps_the_shape():
    out = add_noise(np.random.default_rng(0).random((13, 21, 3)).astype(np.float32), NoiseSpec("jpeg", 0.8, 0.8))
    assert out.shape == (13, 21, 3) and out.min() >= 0 and out.max() <= 1


def test_strengths_are_drawn_per_image_from_the_range():
    x = torch.full((200, 1, 16, 16), 0.5)
    out = corrupt(x, (NoiseSpec("gaussian", 0.0, 0.4),), make_generator("cpu", 0))
    per_image = (out - 0.5).flatten(1).std(dim=1)
    assert float(per_image.min()) < 0.05 and float(per_image.max()) > 0.3  # clipping trims the top


def test_several_specs_mix_within_a_batch_and_the_same_seed_repeats():
    x = torch.full((100, 1, 16, 16), 0.5)
    specs = parse_specs("salt:0.3,gaussian:0.05")
    a = corrupt(x, specs, make_generator("cpu", 7))
    b = corrupt(x, specs, make_generator("cpu", 7))
    assert torch.equal(a, b)
    salted = ((a == 0) | (a == 1)).flatten(1).float().mean(dim=1) > 0.1
    assert 20 < int(salted.sum()) < 80


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gaussian:0.1-0.5", NoiseSpec("gaussian", 0.1, 0.5)),
        ("Gaussian:0.3", NoiseSpec("gaussian", 0.3, 0.3)),
        ("s&p:0.05", NoiseSpec("salt", 0.05, 0.05)),
        ("jpeg", NoiseSpec("jpeg", *NOISES["jpeg"].default)),
    ],
)
def test_specs_parse(text, expected):
    assert NoiseSpec.parse(text) == expected
    assert NoiseSpec.parse(str(expected)) == expected


@pytest.mark.parametrize("text", ["blur:0.3", "gaussian:abc", "gaussian:0.5-0.1", "gaussian:3", "salt:0.1-"])
def test_bad_specs_say_why(text):
    with pytest.raises(ValueError):
        NoiseSpec.parse(text)
