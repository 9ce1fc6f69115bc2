"""How close a picture is to the clean original: PSNR and SSIM.

Arrays are float in [0, 1], shaped (H, W, C) or (N, H, W, C); both measures
use a data range of 1. SSIM compares local means, contrasts and structure in
7x7 uniform windows (scikit-image's default window) and averages over pixels
and channels.
"""

from __future__ import annotations

import numpy as np

from aeviewer.core.scoring import ssim_map


def psnr(output: np.ndarray, clean: np.ndarray) -> np.ndarray | float:
    """Peak signal-to-noise ratio in dB, per image; inf where the two are identical."""
    diff = output.astype(np.float64) - clean.astype(np.float64)
    mse = np.mean(diff * diff, axis=(-3, -2, -1))
    with np.errstate(divide="ignore"):
        value = 10.0 * np.log10(1.0 / mse)
    return float(value) if np.ndim(value) == 0 else value


def ssim(output: np.ndarray, clean: np.ndarray) -> np.ndarray | float:
    """Mean structural similarity per image: 1 when identical."""
    value = ssim_map(output, clean).mean(axis=(-2, -1))
    return float(value) if np.ndim(value) == 0 else value.astype(np.float64)
