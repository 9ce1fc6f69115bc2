"""Scores of pictures of different sizes, made comparable.

A tile model (core.patches) scores each picture at its own size, and each part of its
combined score is a maximum, or a mean of the worst share, over the picture's places: the
worst window of the learned map and of the difference, the most unusual patch and
neighbourhood (core.texture). A maximum over more places is larger, so a big normal picture
looked more unusual than a small defective one: on 1,000 brick pictures of 120x295 to
520x360 px the combined score of the normal test pictures rose with their area (rank
correlation 0.55; README, *Surfaces of varied sizes*).

So each part is counted in its spread over training pictures *of its size*: its mean is a
straight line in the log of the picture's places, fitted to the training pictures by least
squares (so it passes through their mean, which stays the part's yardstick), and the spread
is what is left around the line. The slope is held at zero or above (more places cannot
lower an expected maximum), and a picture smaller or larger than every training picture is
counted as the nearest of them.

A trend is one tensor, ``[mean log places, lowest, highest, slope of each part...]``; all
zeros is none (pictures of one size, whole-picture models, sessions written before it).
"""

from __future__ import annotations

import math

import numpy as np
import torch

LEAD = 3  # the trend's entries before the slopes
MIN_PICTURES = 8  # fewer training pictures than this give no trend
MIN_SPREAD = 0.05  # pictures whose log places spread less than this are taken as one size


def empty(parts: int) -> torch.Tensor:
    """No trend for ``parts`` parts."""
    return torch.zeros(LEAD + parts)


def fit(values: np.ndarray, places: np.ndarray) -> tuple[list[float], list[float]]:
    """``values`` (N, K): K parts' scores of N training pictures with ``places`` (N,) places each.
    Returns each part's [mean, spread] in turn (the spread around its line) and the trend."""
    values = np.asarray(values, np.float64).reshape(len(values), -1)
    logs = np.log(np.maximum(np.asarray(places, np.float64), 1.0))
    k = values.shape[1]
    means = values.mean(axis=0) if len(values) else np.full(k, np.nan)
    if len(values) < MIN_PICTURES or logs.std() < MIN_SPREAD:
        slopes = np.zeros(k)
        trend = [0.0, 0.0, 0.0, *slopes]
    else:
        centred = logs - logs.mean()
        slopes = np.maximum(0.0, centred @ (values - means) / (centred @ centred))
        trend = [float(logs.mean()), float(logs.min()), float(logs.max()), *slopes]
    residual = values - means - np.outer(logs - trend[0], slopes)
    spreads = np.maximum(residual.std(axis=0) if len(values) > 1 else np.zeros(k), 1e-6)
    stats = [float(v) for pair in zip(means, spreads, strict=True) for v in pair]
    return stats, [float(v) for v in trend]


def offset(trend: torch.Tensor | None, places: int, part: int) -> torch.Tensor | float:
    """How far above the part's mean a picture of ``places`` places is expected to score."""
    if trend is None:
        return 0.0
    log = min(max(math.log(max(places, 1)), float(trend[1])), float(trend[2]))
    return trend[LEAD + part] * (log - trend[0])


def standardised(value: torch.Tensor, stats: torch.Tensor, trend: torch.Tensor | None, places: int,
                 part: int) -> torch.Tensor:
    """``value`` of a part (``stats`` holds each part's [mean, spread] in turn, as ``fit`` gives them) in units
    of its spread, from what a picture of ``places`` places is expected to score."""
    return (value - stats[2 * part] - offset(trend, places, part)) / stats[2 * part + 1]


def places_of(x: torch.Tensor) -> int:
    """The places of a batch of pictures (B, C, H, W): its pixels per picture."""
    return int(x.shape[-2]) * int(x.shape[-1])
