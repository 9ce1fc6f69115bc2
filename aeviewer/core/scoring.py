"""How different a reconstruction is from its input: per pixel and per image.

Arrays are float in [0, 1], shaped (N, H, W, C) or (H, W, C).
"""

from __future__ import annotations

import numpy as np

HEAT_PERCENTILE = 99.5


def difference_map(inputs: np.ndarray, recons: np.ndarray) -> np.ndarray:
    """Absolute difference averaged over colour channels: (..., H, W)."""
    return np.abs(inputs.astype(np.float32) - recons.astype(np.float32)).mean(axis=-1)


def mse_score(inputs: np.ndarray, recons: np.ndarray) -> np.ndarray:
    """Mean squared error per image (one number for (H, W, C), a vector for (N, H, W, C))."""
    diff = inputs.astype(np.float32) - recons.astype(np.float32)
    return np.mean(diff * diff, axis=(-3, -2, -1))


def heat_scale(train_difference_maps: np.ndarray) -> float:
    """The top of the fixed colour scale for difference heatmaps.

    Taken from the training images so that a normal image looks calm and an
    unusual one lights up; a per-image scale would make every image look hot.
    """
    if train_difference_maps.size == 0:
        return 1.0
    top = float(np.percentile(train_difference_maps, HEAT_PERCENTILE))
    return max(top, 1e-3)
