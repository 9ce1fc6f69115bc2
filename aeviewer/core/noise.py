"""Corruptions for denoising: what a picture suffers, with a strength each.

Every noise model works on a float batch (B, C, H, W) in [0, 1] on any device,
draws from a ``torch.Generator`` (so a seed gives the same noise), and takes a
strength per image, so one batch can mix gentle and harsh examples. The result
stays in [0, 1].

- ``gaussian``: add normal noise of standard deviation *sigma*;
- ``salt``: salt and pepper: an *amount* of the pixels turn black or white;
- ``mask``: cut-outs: a *fraction* of small square blocks go black;
- ``speckle``: multiply by (1 + normal noise of *sigma*), as grainy sensors do;
- ``jpeg``: JPEG-like blockiness: 8x8 DCT blocks quantised with the standard
  JPEG table at a *compression* of 0 (quality 100) to 1 (quality 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from aeviewer.core.noise_kinds import NoiseSpec


def _gaussian(x: torch.Tensor, s: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    noise = torch.randn(x.shape, generator=gen, device=x.device, dtype=x.dtype)
    return x + noise * s


def _speckle(x: torch.Tensor, s: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    noise = torch.randn(x.shape, generator=gen, device=x.device, dtype=x.dtype)
    return x * (1.0 + noise * s)


def _salt(x: torch.Tensor, s: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    b, _, h, w = x.shape
    u = torch.rand((b, 1, h, w), generator=gen, device=x.device, dtype=x.dtype)
    out = torch.where(u < s / 2, torch.zeros_like(x), x)
    return torch.where(u > 1 - s / 2, torch.ones_like(x), out)


def mask_block(size: int) -> int:
    """Side of a cut-out block: an eighth of the image, at least 2 pixels."""
    return max(2, size // 8)


def _mask(x: torch.Tensor, s: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    b, _, h, w = x.shape
    k = mask_block(min(h, w))
    gh, gw = math.ceil(h / k), math.ceil(w / k)
    dropped = torch.rand((b, 1, gh, gw), generator=gen, device=x.device, dtype=x.dtype) < s
    dropped = dropped.repeat_interleave(k, 2).repeat_interleave(k, 3)[:, :, :h, :w]
    return x.masked_fill(dropped, 0.0)


# The standard JPEG luminance quantisation table (ITU T.81, Annex K).
_JPEG_TABLE = torch.tensor(
    [
        [16, 11, 10, 16, 24, 40, 51, 61],
        [12, 12, 14, 19, 26, 58, 60, 55],
        [14, 13, 16, 24, 40, 57, 69, 56],
        [14, 17, 22, 29, 51, 87, 80, 62],
        [18, 22, 37, 56, 68, 109, 103, 77],
        [24, 35, 55, 64, 81, 104, 113, 92],
        [49, 64, 78, 87, 103, 121, 120, 101],
        [72, 92, 95, 98, 112, 100, 103, 99],
    ],
    dtype=torch.float32,
)


def _dct_matrix(n: int = 8) -> torch.Tensor:
    """Orthonormal DCT-II basis: rows are frequencies."""
    k = torch.arange(n, dtype=torch.float64)[:, None]
    i = torch.arange(n, dtype=torch.float64)[None, :]
    d = torch.cos(math.pi * (2 * i + 1) * k / (2 * n)) * math.sqrt(2.0 / n)
    d[0] /= math.sqrt(2.0)
    return d.float()


_DCT = _dct_matrix()


def jpeg_quality(compression: float) -> int:
    """Compression 0..1 -> JPEG quality 100..1."""
    return int(min(100, max(1, round(100 * (1.0 - compression)))))


def _quant_tables(s: torch.Tensor) -> torch.Tensor:
    """Per-image quantisation steps (B, 1, 1, 1, 8, 8) in [0, 1] pixel units, libjpeg's scaling."""
    quality = (100.0 * (1.0 - s.flatten())).round().clamp(1, 100)
    scale = torch.where(quality < 50, 5000.0 / quality, 200.0 - 2.0 * quality)
    table = _JPEG_TABLE.to(s.device)[None] * scale[:, None, None] / 100.0
    steps = ((table + 0.5).floor().clamp(min=1.0)) / 255.0
    return steps[:, None, None, None]


def _jpeg(x: torch.Tensor, s: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    del gen  # deterministic
    b, c, h, w = x.shape
    ph, pw = (-h) % 8, (-w) % 8
    padded = F.pad(x, (0, pw, 0, ph), mode="replicate") if ph or pw else x
    hh, ww = h + ph, w + pw
    # (B, C, H/8, W/8, 8, 8) blocks, centred on zero as JPEG does.
    blocks = padded.reshape(b, c, hh // 8, 8, ww // 8, 8).permute(0, 1, 2, 4, 3, 5) - 0.5
    d = _DCT.to(x.device, x.dtype)
    coeffs = d @ blocks @ d.T
    steps = _quant_tables(s).to(x.dtype)
    coeffs = torch.round(coeffs / steps) * steps  # JPEG's 8x8 DCT is the orthonormal one
    blocks = d.T @ coeffs @ d + 0.5
    out = blocks.permute(0, 1, 2, 4, 3, 5).reshape(b, c, hh, ww)
    return out[:, :, :h, :w]


_APPLY: dict[str, Callable[[torch.Tensor, torch.Tensor, torch.Generator], torch.Tensor]] = {
    "gaussian": _gaussian,
    "salt": _salt,
    "mask": _mask,
    "speckle": _speckle,
    "jpeg": _jpeg,
}


def corrupt(x: torch.Tensor, specs: Sequence[NoiseSpec], generator: torch.Generator) -> torch.Tensor:
    """A noisy copy of ``x`` (B, C, H, W): each image gets one of ``specs`` at a random strength."""
    if not specs:
        return x.clone()
    b = x.shape[0]
    dev = x.device
    choice = (
        torch.randint(len(specs), (b,), generator=generator, device=dev) if len(specs) > 1 else None
    )
    strength = torch.rand((b,), generator=generator, device=dev, dtype=x.dtype)
    out = x.clone()
    for i, spec in enumerate(specs):
        rows = torch.arange(b, device=dev) if choice is None else torch.nonzero(choice == i).flatten()
        if len(rows) == 0:
            continue
        s = (spec.low + (spec.high - spec.low) * strength[rows]).view(-1, 1, 1, 1)
        out[rows] = _APPLY[spec.kind](x[rows], s, generator)
    return out.clamp_(0.0, 1.0)


def make_generator(device: torch.device | str, seed: int) -> torch.Generator:
    return torch.Generator(device=device).manual_seed(int(seed))


def add_noise(images: np.ndarray, spec: NoiseSpec, seed: int = 0) -> np.ndarray:
    """Numpy convenience: float (N, H, W, C) or (H, W, C) in [0, 1] -> noisy copy, same shape."""
    single = images.ndim == 3
    arr = images[None] if single else images
    x = torch.from_numpy(np.ascontiguousarray(arr, np.float32)).permute(0, 3, 1, 2)
    y = corrupt(x, (spec,), make_generator("cpu", seed)).permute(0, 2, 3, 1).numpy()
    return y[0] if single else y
