"""Cleaning whole pictures with a denoising model, at their own resolution.

The model works on tiles of its training size; ``core.tiling`` blends the tiles
back together. Pictures can also be given synthetic noise first, to watch the
model take it away.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from aeviewer.core.inference import run_model
from aeviewer.core.model import AnyAutoencoder
from aeviewer.core.noise import add_noise
from aeviewer.core.noise_kinds import NoiseSpec
from aeviewer.core.quality import psnr, ssim
from aeviewer.core.tiling import run_tiled


def clean_picture(
    model: AnyAutoencoder,
    picture: np.ndarray,
    device: torch.device,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """The model's output for a float (H, W, C) picture of any size, tiled at the model's size."""
    if picture.shape[-1] != model.config.channels:
        raise ValueError(f"the model expects {model.config.channels} channels, the picture has {picture.shape[-1]}")
    tile = model.config.image_size
    return run_tiled(lambda tiles: run_model(model, tiles, device), picture, tile, progress=progress)


@dataclass(frozen=True)
class DenoiseResult:
    """One picture through the denoiser; ``clean`` is None when the input was already noisy."""

    noisy: np.ndarray  # what the model saw, float (H, W, C)
    output: np.ndarray
    clean: np.ndarray | None
    noise: NoiseSpec | None  # the noise added, if any

    @property
    def _reference(self) -> np.ndarray:
        """What the output is compared with: the clean original, or else the noisy input."""
        return self.clean if self.clean is not None else self.noisy

    @property
    def residual(self) -> np.ndarray:
        """What is still wrong (|output - clean|) or, without a clean original, what was removed."""
        return np.abs(self.output - self._reference).mean(axis=-1)

    @property
    def error(self) -> float:
        """Mean squared residual (see ``residual``)."""
        return float(np.mean((self.output - self._reference) ** 2))

    def quality(self) -> dict[str, float] | None:
        """PSNR and SSIM of the noisy input and of the output, against the clean original."""
        if self.clean is None:
            return None
        return {
            "noisy_psnr": float(psnr(self.noisy, self.clean)),
            "noisy_ssim": float(ssim(self.noisy, self.clean)),
            "psnr": float(psnr(self.output, self.clean)),
            "ssim": float(ssim(self.output, self.clean)),
        }


def denoise_picture(
    model: AnyAutoencoder,
    picture: np.ndarray,
    device: torch.device,
    noise: NoiseSpec | None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> DenoiseResult:
    """Add ``noise`` to a clean float picture (or take it as already noisy when None), then clean it."""
    noisy = add_noise(picture, noise, seed) if noise is not None else picture.astype(np.float32)
    output = clean_picture(model, noisy, device, progress)
    return DenoiseResult(noisy, output, picture.astype(np.float32) if noise is not None else None, noise)
