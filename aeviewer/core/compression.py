"""Compression as it really is: a code's size in bytes against the picture it gives back, and JPEG beside it.

An autoencoder's code is lossy compression only once it has a size: here each
number is quantised to 8 bits (0..255 between the lowest and highest value that
number takes over the training pictures), so a code of k numbers is k bytes; the
two ends of each number's range belong to the model, not to each picture. The
pictures are rebuilt from the quantised code, so the error shown is the error a
person would get.

JPEG (core.rate_distortion: Pillow, baseline, 4:2:0 for colour) compresses the
same pictures at a sweep of quality settings; its size is the whole file,
headers included, as a person would send it. The model only knows pictures like
the ones it was trained on; JPEG knows nothing and works on anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from aeviewer.core.defect_model import DefectModel
from aeviewer.core.model import AnyAutoencoder, Autoencoder, to_tensor
from aeviewer.core.ordered import keep_first, ladder
from aeviewer.core.rate_distortion import Point, psnr

BITS = 8
EVAL_BATCH = 256


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
