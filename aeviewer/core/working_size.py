"""A picture of any shape in the model's working square, and back.

A picture is never cropped: it is scaled so that its longer side fits the square and
the rest is filled by repeating its edge pixels (a filling that is easy to
reconstruct). ``content_box`` says where the picture itself lies in the square, so
that what is shown to a person (a thumbnail, the compare panel) and a mask brought
back to the picture's own size leave the filling out.
"""

from __future__ import annotations

import numpy as np
from PIL import Image


def content_box(size: int, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """(top, left, height, width) of a picture of ``shape`` (H, W) inside its size x size square."""
    h, w = int(shape[0]), int(shape[1])
    if h <= 0 or w <= 0 or h == w:
        return 0, 0, size, size
    s = size / max(h, w)
    ih, iw = min(size, max(1, round(h * s))), min(size, max(1, round(w * s)))
    return (size - ih) // 2, (size - iw) // 2, ih, iw


def cut(pixels: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The part of (H, W, ...) ``pixels`` inside ``box`` (top, left, height, width), as a view."""
    top, left, h, w = box
    return pixels[top : top + h, left : left + w]


def maybe_cut(pixels: np.ndarray | None, box: tuple[int, int, int, int]) -> np.ndarray | None:
    return None if pixels is None else cut(pixels, box)


def to_working_size(pixels: np.ndarray, size: int) -> np.ndarray:
    """The whole picture in a size x size square: scaled (antialiased) so its longer side fits,
    the rest filled by repeating its edge pixels. Nothing is cropped, so a defect at an end of a
    long picture is still there."""
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    h, w = pixels.shape[:2]
    if h == w:
        return pixels if h == size else resize(np.ascontiguousarray(pixels), size, size)
    top, left, ih, iw = content_box(size, (h, w))
    inner = resize(np.ascontiguousarray(pixels), iw, ih)
    return np.pad(inner, ((top, size - ih - top), (left, size - iw - left), (0, 0)), mode="edge")


def resize(pixels: np.ndarray, width: int, height: int) -> np.ndarray:
    """uint8 (H, W, C) resized with Lanczos antialiasing; keeps the channel axis."""
    img = Image.fromarray(pixels[..., 0] if pixels.shape[2] == 1 else pixels)
    out = np.asarray(img.resize((width, height), Image.Resampling.LANCZOS), dtype=np.uint8)
    return out[..., None] if out.ndim == 2 else out


def mask_at(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A working-size mask (fitted whole and padded, as ``to_working_size`` does) back on a picture
    of ``shape``: the padding cut away, the rest scaled to the picture. 0/1 int8 (H, W)."""
    h, w = shape
    top, left, ih, iw = content_box(mask.shape[0], (h, w))
    inner = mask[top : top + ih, left : left + iw].astype(np.uint8)[..., None] * 255
    return (resize(np.ascontiguousarray(inner), w, h)[..., 0] > 127).astype(np.int8)


def fit_within(pixels: np.ndarray, max_side: int) -> np.ndarray:
    """Shrink uint8 (H, W, C) so that neither side exceeds ``max_side`` (aspect kept); smaller ones pass."""
    h, w = pixels.shape[:2]
    if max(h, w) <= max_side:
        return pixels
    scale = max_side / max(h, w)
    return resize(pixels, max(1, round(w * scale)), max(1, round(h * scale)))
