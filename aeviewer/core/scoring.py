"""How different a reconstruction is from its input: per pixel and per image.

Arrays are float in [0, 1], shaped (N, H, W, C) or (H, W, C). Three image
scores are offered, because a small defect vanishes in a global mean:

- ``mse``: mean squared error over all pixels;
- ``ssim``: 1 - mean structural similarity (local means, contrast and structure
  compared in 7x7 windows), which reacts to texture and edges more than to
  overall brightness;
- ``local`` ("worst patch"): compare the local average colour of input and
  reconstruction over windows a quarter of the image wide, and average the
  worst 1 % of those differences, so a bad patch counts as much as it looks
  while the fine detail every reconstruction blurs (edges, grain) cancels out.
  Colours are compared as lightness (the cube root of intensity, as in CIE
  L*), so a dark stain on a dark background counts as much as a pale one on a
  white background; in plain intensities a dark picture's errors are small.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

HEAT_PERCENTILE = 99.5
SSIM_WINDOW = 7
SSIM_C1 = 0.01**2
SSIM_C2 = 0.03**2
LOCAL_SHARE = 0.01
PATCH_DIVISOR = 7  # window = image size / this
LIGHTNESS_EPS = 0.01  # keeps the cube root's slope finite at black
PIXEL_SMOOTH = 3


def patch_window(size: int) -> int:
    """Odd window about a seventh of the image wide: 9 for 64 px, 5 for 28 px."""
    w = max(3, round(size / PATCH_DIVISOR))
    return w if w % 2 else w + 1


def difference_map(inputs: np.ndarray, recons: np.ndarray) -> np.ndarray:
    """Absolute difference averaged over colour channels: (..., H, W)."""
    return np.abs(inputs.astype(np.float32) - recons.astype(np.float32)).mean(axis=-1)


def mse_score(inputs: np.ndarray, recons: np.ndarray) -> np.ndarray:
    """Mean squared error per image (one number for (H, W, C), a vector for (N, H, W, C))."""
    diff = inputs.astype(np.float32) - recons.astype(np.float32)
    return np.mean(diff * diff, axis=(-3, -2, -1))


def box_filter(x: np.ndarray, size: int) -> np.ndarray:
    """Mean over size x size windows on the (H, W) axes of (..., H, W, C); edges reflect."""
    pad = size // 2
    widths = [(0, 0)] * (x.ndim - 3) + [(pad, size - 1 - pad), (pad, size - 1 - pad), (0, 0)]
    c = np.pad(x.astype(np.float32), widths, mode="reflect")
    # Running sums along H, then W: each window's sum is a difference of two of them.
    c = np.cumsum(c, axis=-3)
    c = np.concatenate([np.zeros_like(c[..., :1, :, :]), c], axis=-3)
    c = c[..., size:, :, :] - c[..., :-size, :, :]
    c = np.cumsum(c, axis=-2)
    c = np.concatenate([np.zeros_like(c[..., :1, :]), c], axis=-2)
    c = c[..., size:, :] - c[..., :-size, :]
    return c / (size * size)


def ssim_map(inputs: np.ndarray, recons: np.ndarray) -> np.ndarray:
    """Structural similarity per pixel, averaged over channels: (..., H, W), 1 = identical."""
    x = inputs.astype(np.float32)
    y = recons.astype(np.float32)
    mx, my = box_filter(x, SSIM_WINDOW), box_filter(y, SSIM_WINDOW)
    vx = box_filter(x * x, SSIM_WINDOW) - mx * mx
    vy = box_filter(y * y, SSIM_WINDOW) - my * my
    cov = box_filter(x * y, SSIM_WINDOW) - mx * my
    s = ((2 * mx * my + SSIM_C1) * (2 * cov + SSIM_C2)) / ((mx**2 + my**2 + SSIM_C1) * (vx + vy + SSIM_C2))
    return s.mean(axis=-1).astype(np.float32)


def ssim_score(inputs: np.ndarray, recons: np.ndarray) -> np.ndarray:
    return (1.0 - ssim_map(inputs, recons).mean(axis=(-2, -1))).astype(np.float32)


def pixel_error_map(inputs: np.ndarray, recons: np.ndarray) -> np.ndarray:
    """Squared error per pixel, averaged over channels and smoothed 3x3: (..., H, W)."""
    diff = inputs.astype(np.float32) - recons.astype(np.float32)
    err = (diff * diff).mean(axis=-1, keepdims=True)
    return box_filter(err, PIXEL_SMOOTH)[..., 0]


def lightness(pixels: np.ndarray) -> np.ndarray:
    """Intensities in [0, 1] -> perceived lightness, roughly (cube root, as CIE L* does)."""
    return np.cbrt(np.clip(pixels.astype(np.float32), 0.0, 1.0) + LIGHTNESS_EPS)


def local_score(inputs: np.ndarray, recons: np.ndarray) -> np.ndarray:
    """Mean of the worst LOCAL_SHARE of squared differences of local average lightness."""
    diff = box_filter(lightness(inputs) - lightness(recons), patch_window(inputs.shape[-2]))
    err = (diff * diff).mean(axis=-1)
    flat = err.reshape(*err.shape[:-2], -1)
    k = max(1, round(LOCAL_SHARE * flat.shape[-1]))
    worst = np.partition(flat, flat.shape[-1] - k, axis=-1)[..., -k:]
    return worst.mean(axis=-1).astype(np.float32)


@dataclass(frozen=True)
class ScoreKind:
    """A way to score a picture: from input and reconstruction (``function``), or, for a model
    trained on synthetic defects, from its learned defect map (``learned``; see core.inference)."""

    key: str
    label: str
    explanation: str
    function: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    learned: bool = False


SCORES: dict[str, ScoreKind] = {
    s.key: s
    for s in (
        ScoreKind("mse", "Mean squared error", "average squared difference over every pixel", mse_score),
        ScoreKind("ssim", "Structure (1 - SSIM)", "how much local structure and texture differ", ssim_score),
        ScoreKind("local", "Worst patch", "colour error of the worst 1% of patches: local defects count", local_score),
        ScoreKind("learned", "Learned defect map", "where the model's second network sees a defect "
                  "(models trained on synthetic defects)", learned=True),
        ScoreKind("combined", "Learned map + worst patch", "the learned defect map (its log odds, so that "
                  "near-certain defects stay apart) and the worst patch, each counted in its own spread over the "
                  "training pictures of its size and contrast, added (models trained on synthetic defects; 0 is an "
                  "average training picture, below 0 calmer than that); a model of a surface in tiles adds a third "
                  "part: how unlike the training pictures' small patches the picture's are, too irregular (a "
                  "scratch) or too smooth (grain wiped away)", learned=True),
    )
}
LEARNED_SCORE = "learned"
COMBINED_SCORE = "combined"
LEARNED_WINDOW_DIVISOR = 16  # a learned map is averaged over windows this fraction of the picture wide


def learned_window(size: int) -> int:
    """Odd window about a sixteenth of the picture wide (at least 3): 9 px at 128, 5 at 64."""
    w = max(3, round(size / LEARNED_WINDOW_DIVISOR))
    return w if w % 2 else w + 1
DEFAULT_SCORE = "local"  # best on the MNIST one-class benchmark and the banana demo (README)


def score_label(kind: str, surface: bool = False) -> str:
    """The name a person sees for ``kind``; the combined score of a tile model of a surface
    (``surface``) names its third part too (core.texture)."""
    if kind == COMBINED_SCORE and surface:
        return "Learned + patch + texture"
    return SCORES[kind].label


def own_score(method: str) -> str:
    """How a model of ``method`` scores unless a person chose otherwise. A model trained on synthetic
    defects adds its learned map to the worst patch, each counted against training pictures of its
    contrast: on ELPV mono 0.930 against 0.879 for the worst patch alone, on poly 0.859 against 0.834
    (README, Real inspection pictures)."""
    return COMBINED_SCORE if method == "synthetic" else DEFAULT_SCORE


def heat_scale(train_difference_maps: np.ndarray) -> float:
    """The top of the fixed colour scale for difference heatmaps.

    Taken from the training images so that a normal image looks calm and an
    unusual one lights up; a per-image scale would make every image look hot.
    """
    if train_difference_maps.size == 0:
        return 1.0
    top = float(np.percentile(train_difference_maps, HEAT_PERCENTILE))
    return max(top, 1e-3)
