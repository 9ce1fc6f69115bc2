"""Rate against distortion, without torch: a point's size in bytes and its error, JPEG's curve, and
the comparison in words (the window's GUI thread draws these; core.compression makes the model's)."""

from __future__ import annotations

import io
import itertools
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

JPEG_QUALITIES = (1, 3, 5, 10, 20, 30, 50, 70, 90, 95)


@dataclass(frozen=True)
class Point:
    """One setting on a rate-distortion curve: its size in bytes per picture and the error it leaves."""

    setting: int  # k numbers (the model) or the quality (JPEG)
    bytes: float  # mean bytes per picture
    mse: float  # mean squared error, pixel values in [0, 1]

    @property
    def psnr(self) -> float:
        return psnr(self.mse)


def psnr(mse: float) -> float:
    """Peak signal-to-noise ratio in dB for pixel values in [0, 1]."""
    return 10.0 * math.log10(1.0 / max(mse, 1e-12))


def jpeg_bytes(picture: np.ndarray, quality: int) -> bytes:
    img = Image.fromarray(picture[..., 0] if picture.shape[-1] == 1 else picture)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=int(quality))
    return buf.getvalue()


def jpeg_curve(pictures: np.ndarray, qualities: tuple[int, ...] = JPEG_QUALITIES) -> list[Point]:
    """JPEG at each quality: mean file bytes and mean squared error over ``pictures`` (uint8 (N, S, S, C))."""
    points = []
    for q in qualities:
        total_bytes, total_mse = 0, 0.0
        for picture in pictures:
            data = jpeg_bytes(picture, q)
            with Image.open(io.BytesIO(data)) as im:
                back = np.asarray(im.convert("L" if picture.shape[-1] == 1 else "RGB"), np.float32)
            back = back[..., None] if back.ndim == 2 else back
            total_bytes += len(data)
            total_mse += float(np.mean((back / 255.0 - picture.astype(np.float32) / 255.0) ** 2))
        n = max(len(pictures), 1)
        points.append(Point(q, total_bytes / n, total_mse / n))
    return points


def jpeg_bytes_at(curve: list[Point], target_psnr: float) -> float | None:
    """The bytes JPEG needs for ``target_psnr`` (interpolated on its curve; None when out of its reach)."""
    pts = sorted(curve, key=lambda p: p.psnr)
    for a, b in itertools.pairwise(pts):
        if a.psnr <= target_psnr <= b.psnr:
            t = 0.0 if b.psnr == a.psnr else (target_psnr - a.psnr) / (b.psnr - a.psnr)
            return a.bytes + t * (b.bytes - a.bytes)
    return None


def comparison_text(model: Point, jpeg: list[Point], input_values: int) -> str:
    """The compression in words: what is kept, and what JPEG needs for the same quality."""
    k = model.setting
    kept = f"{input_values:,} numbers in, {k} kept: {input_values / k:,.0f}x"
    need = jpeg_bytes_at(jpeg, model.psnr)
    if need is None:
        lowest = min(jpeg, key=lambda p: p.psnr) if jpeg else None
        if lowest is not None and model.psnr < lowest.psnr:
            return (f"{kept}. {_bytes(model.bytes)} at {model.psnr:.1f} dB: JPEG's smallest file "
                    f"({lowest.bytes:,.0f} bytes) is already better ({lowest.psnr:.1f} dB).")
        return f"{kept}. {_bytes(model.bytes)} at {model.psnr:.1f} dB: better than JPEG's best setting."
    verdict = "the autoencoder is smaller" if model.bytes < need else "JPEG is smaller"
    return (f"{kept}. {_bytes(model.bytes)} against JPEG's {need:,.0f} at the same PSNR "
            f"({model.psnr:.1f} dB): {verdict}.")


def _bytes(n: float) -> str:
    return f"{n:,.0f} byte{'' if round(n) == 1 else 's'}"
