"""Property-based: whatever bytes or pixels a file holds, the loader gives a picture or a clear reason."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from aeviewer.core.data import decode_image, read_picture

SUFFIXES = [".png", ".jpg", ".bmp", ".tif", ".gif", ".webp"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(SUFFIXES), channels=st.sampled_from([1, 3]))
def test_random_bytes_give_a_picture_or_a_reason(tmp_path, data, suffix, channels):
    path = tmp_path / f"file{suffix}"
    path.write_bytes(data)
    try:
        pixels = read_picture(path, channels)
    except ValueError as exc:
        assert str(exc)  # a reason a person can read
    else:
        assert pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == channels


def _encoded(array: np.ndarray, mode: str, fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array, mode=None).convert(mode).save(buf, format=fmt)
    return buf.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    h=st.integers(1, 40), w=st.integers(1, 40), seed=st.integers(0, 2**31 - 1),
    mode=st.sampled_from(["L", "RGB", "RGBA", "LA", "P", "1", "I;16", "CMYK"]),
    fmt=st.sampled_from(["PNG", "TIFF", "BMP"]), channels=st.sampled_from([1, 3]),
)
def test_any_real_picture_comes_out_at_working_size(tmp_path, h, w, seed, mode, fmt, channels):
    if (fmt, mode) in {("BMP", "LA"), ("BMP", "I;16"), ("BMP", "CMYK"), ("PNG", "CMYK"), ("BMP", "RGBA")}:
        return  # not a combination those formats can hold
    array = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    try:
        data = _encoded(array, mode, fmt)
    except (OSError, ValueError, KeyError):
        return  # Pillow cannot write it: nothing to read
    path = tmp_path / f"p.{fmt.lower()}"
    path.write_bytes(data)
    out = decode_image(path, 16, channels)
    assert out.shape == (16, 16, channels) and out.dtype == np.uint8


def test_truncated_files_are_refused_not_half_read(tmp_path):
    array = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    for fmt, suffix in (("PNG", ".png"), ("JPEG", ".jpg")):
        data = _encoded(array, "RGB", fmt)
        path = tmp_path / f"cut{suffix}"
        path.write_bytes(data[: len(data) // 2])
        with pytest.raises(ValueError, match=r"damaged or truncated|not an image"):
            read_picture(path, 3)


def test_16_bit_and_float_pictures_are_scaled_not_clipped(tmp_path):
    ramp16 = (np.arange(256, dtype=np.uint32) * 257).astype(np.uint16).reshape(16, 16)
    Image.fromarray(ramp16).save(tmp_path / "ramp16.png")
    grey = read_picture(tmp_path / "ramp16.png", 1)[..., 0]
    np.testing.assert_array_equal(grey.ravel(), np.arange(256))  # every level kept, none clipped to white
    floats = np.linspace(0, 1, 256, dtype=np.float32).reshape(16, 16)
    floats[0, 0], floats[0, 1], floats[0, 2] = np.nan, np.inf, -np.inf
    Image.fromarray(floats).save(tmp_path / "float.tif")
    colour = read_picture(tmp_path / "float.tif", 3)
    assert colour.shape == (16, 16, 3) and (colour[..., 0] == colour[..., 2]).all()
    assert colour[0, 0, 0] == 0 and colour[0, 1, 0] == 255  # NaN: 0; +inf: the largest finite value
    assert colour[0, 2, 0] == round(floats[0, 3] * 255)  # -inf: the smallest finite value
    assert abs(int(colour[8, 8, 0]) - round(floats[8, 8] * 255)) <= 1


def test_a_photo_taken_sideways_is_read_upright(tmp_path):
    upright = np.zeros((20, 10, 3), np.uint8)
    upright[:5] = 255  # white at the top
    stored = np.rot90(upright, k=1)  # as a camera held sideways stores it: 10 rows, 20 columns
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to view
    Image.fromarray(np.ascontiguousarray(stored)).save(tmp_path / "side.jpg", exif=exif, quality=95)
    pixels = read_picture(tmp_path / "side.jpg", 3)
    assert pixels.shape == (20, 10, 3)
    assert pixels[:5].mean() > 200 and pixels[-5:].mean() < 50


def test_odd_paths_load(tmp_path):
    """Unicode and very long names, a folder named like a picture, a symlink loop in a dropped folder."""
    import os

    from aeviewer.core.data import load_images

    picture = np.full((8, 8), 128, np.uint8)
    folder = tmp_path / "dropped"
    odd = folder / "bánánä 🍌 картинка"
    odd.mkdir(parents=True)
    Image.fromarray(picture).save(odd / "zürich 東京.png")
    Image.fromarray(picture).save(folder / ("n" * 200 + ".png"))
    looks_like_a_picture = folder / "not-a-file.png"
    looks_like_a_picture.mkdir()
    Image.fromarray(picture).save(looks_like_a_picture / "inside.png")
    os.symlink(folder, odd / "loop")  # a folder that contains itself
    result = load_images([folder], 16, 1)
    assert len(result.images) == 3 and not result.failures
    assert any("東京" in p for p in result.images.paths)
