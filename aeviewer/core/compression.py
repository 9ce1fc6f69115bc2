"""Compression as it really is: a code's size in bytes against the picture it gives back, and JPEG beside it.

An autoencoder's code is lossy compression only once it has a size: here each
number is quantised to 8 bits (0..255 between the lowest and highest value that
number takes over the training pictures), so a code of k numbers is k bytes; the
two ends of each number's range belong to the model, not to each picture. The
pictures are rebuilt from the quantised code, so the error shown is the error a
person would get.

JPEG (Pillow, baseline, 4:2:0 for colour) compresses the same pictures at a
sweep of quality settings; its size is the whole file, headers included, as a
person would send it. The model only knows pictures like the ones it was
trained on; JPEG knows nothing and works on anything.
"""

from __future__ import annotations

import io
import itertools
import math
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from aeviewer.core.defect_model import DefectModel
from aeviewer.core.model import AnyAutoencoder, Autoencoder, to_tensor
from aeviewer.core.ordered import keep_first, ladder

BITS = 8
JPEG_QUALITIES = (1, 3, 5, 10, 20, 30, 50, 70, 90, 95)
EVAL_BATCH = 256


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


@dataclass(frozen=True)
class CodeRange:
    """Each code number's range over the training pictures: what 8 bits are spread over."""

    low: np.ndarray  # (K,)
    high: np.ndarray  # (K,)

    @classmethod
    def of(cls, codes: np.ndarray) -> CodeRange:
        codes = np.asarray(codes, np.float32)
        codes = codes[np.isfinite(codes).all(axis=1)]
        if not len(codes):
            raise ValueError("no codes to take the range from")
        return cls(codes.min(axis=0), codes.max(axis=0))

    def quantise(self, z: torch.Tensor) -> torch.Tensor:
        """The code as it comes back after 8 bits a number (values outside the range are clipped)."""
        low = torch.as_tensor(self.low, device=z.device)
        span = torch.as_tensor(np.maximum(self.high - self.low, 1e-8), device=z.device)
        levels = 2**BITS - 1
        q = torch.round(((z - low) / span).clamp(0, 1) * levels)
        return low + q / levels * span


def coder(model: AnyAutoencoder) -> Autoencoder:
    """The part of ``model`` that encodes and decodes through the code; a U-Net has none worth a size."""
    ae = model.reconstructor if isinstance(model, DefectModel) else model
    if not isinstance(ae, Autoencoder):
        raise ValueError("a U-Net passes detail around its code: it compresses nothing")
    return ae


@torch.no_grad()
def model_curve(
    model: AnyAutoencoder, pictures: np.ndarray, device: torch.device, code_range: CodeRange,
    sizes: list[int] | None = None,
) -> list[Point]:
    """The model's points: for an ordered model every size of the ladder (or ``sizes``), else its one size.

    ``pictures`` uint8 (N, S, S, C). Each picture is encoded, its code quantised to 8 bits a number,
    cut to its first k numbers and decoded.
    """
    model = coder(model)
    config = model.config
    if sizes is None:
        sizes = ladder(config.latent_dim) if config.ordered else [config.latent_dim]
    if not config.ordered and sizes != [config.latent_dim]:
        raise ValueError("a model trained at one size has one point: its own size")
    was = model.training
    model.eval()
    try:
        sums = dict.fromkeys(sizes, 0.0)
        for start in range(0, len(pictures), EVAL_BATCH):
            x = to_tensor(pictures[start : start + EVAL_BATCH], device)
            z = code_range.quantise(model.encode(x))
            for k in sizes:
                recon = model.decode(keep_first(z, k) if k < z.shape[1] else z).clamp(0, 1)
                sums[k] += float(((recon - x) ** 2).mean(dim=(1, 2, 3)).sum())
    finally:
        model.train(was)
    n = max(len(pictures), 1)
    return [Point(k, k * BITS / 8, sums[k] / n) for k in sizes]


@torch.no_grad()
def ladder_pictures(
    model: AnyAutoencoder, picture: np.ndarray, device: torch.device, code_range: CodeRange | None = None
) -> list[tuple[int, np.ndarray, float]]:
    """One picture (uint8 (S, S, C)) rebuilt from 1, 2, 4, ... numbers of an ordered model's code:
    (k, picture (S, S, C) float in [0, 1], PSNR). Quantised to 8 bits a number when a range is given."""
    model = coder(model)
    config = model.config
    if not config.ordered:
        raise ValueError("the ladder needs an ordered model")
    was = model.training
    model.eval()
    try:
        x = to_tensor(picture[None], device)
        z = model.encode(x)
        if code_range is not None:
            z = code_range.quantise(z)
        out = []
        for k in ladder(config.latent_dim):
            recon = model.decode(keep_first(z, k)).clamp(0, 1)
            mse = float(((recon - x) ** 2).mean())
            out.append((k, recon[0].permute(1, 2, 0).cpu().numpy(), psnr(mse)))
        return out
    finally:
        model.train(was)


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
            return (f"{kept}. {model.bytes:.0f} bytes at {model.psnr:.1f} dB: JPEG's smallest file "
                    f"({lowest.bytes:,.0f} bytes) is already better ({lowest.psnr:.1f} dB).")
        return f"{kept}. {model.bytes:.0f} bytes at {model.psnr:.1f} dB: better than JPEG's best setting."
    verdict = "the autoencoder is smaller" if model.bytes < need else "JPEG is smaller"
    return (f"{kept}. {model.bytes:.0f} bytes against JPEG's {need:,.0f} at the same PSNR "
            f"({model.psnr:.1f} dB): {verdict}.")
