"""Scores of pictures that differ in size or contrast, made comparable.

Each part of the synthetic method's combined score is a maximum, or a mean of the worst
share, over a picture's places: the worst window of the learned map and of the difference,
the most unusual patch and neighbourhood (core.texture). Two things raise it in a normal
picture without anything being wrong with it:

- **Size.** A tile model (core.patches) scores each picture at its own size, and a maximum
  over more places is larger: on 1,000 brick pictures of 120x295 to 520x360 px the combined
  score of the normal test pictures rose with their area (rank correlation 0.55; README,
  *Surfaces of varied sizes*).
- **Contrast.** A picture with more contrast leaves larger differences everywhere, and its
  busiest places look more like a defect: the normal training pictures' combined score rose
  with the log of their standard deviation (correlation 0.39 on ELPV's polycrystalline cells,
  whose blotchiest normal cells were the ones flagged, 0.71 on the brick pictures).

So each part is counted in its spread over training pictures *like it*: its mean is a plane in
the covariates (the log of the picture's places, the log of its standard deviation), fitted to
the training pictures by least squares (so it passes through their mean, which stays the part's
yardstick), and the spread is what is left around it. Slopes are held at zero or above (more
places or more contrast cannot lower an expected maximum), and a picture beyond every training
picture in a covariate is counted as the nearest of them, so that no picture, a defective one
above all, is discounted further than the training pictures reach.

A trend is one tensor per covariate, ``[mean, lowest, highest, slope of each part...]``; all
zeros is none (pictures of one size or one contrast, too few pictures, sessions written before).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import numpy as np
import torch

LEAD = 3  # the trend's entries before the slopes
MIN_PICTURES = 8  # fewer training pictures than this give no trend
MIN_SPREAD = 0.05  # a covariate whose logs spread less than this over the training pictures gives no trend
CONTRAST_FLOOR = 1e-3  # a flat picture's standard deviation is counted as this (its log is finite)

Covariate = float | torch.Tensor  # one value for a batch, or one per picture (B,)


def empty(parts: int) -> torch.Tensor:
    """No trend for ``parts`` parts."""
    return torch.zeros(LEAD + parts)


def places_of(x: torch.Tensor) -> int:
    """The places of a batch of pictures (B, C, H, W): its pixels per picture."""
    return int(x.shape[-2]) * int(x.shape[-1])


@overload
def log_places(places: float) -> float: ...
@overload
def log_places(places: np.ndarray) -> np.ndarray: ...
def log_places(places: float | np.ndarray) -> float | np.ndarray:
    """The size covariate of pictures of ``places`` places (one number, or an array of them)."""
    logs = np.log(np.maximum(np.asarray(places, np.float64), 1.0))
    return float(logs) if logs.ndim == 0 else logs


def log_contrast(x: torch.Tensor) -> torch.Tensor:
    """(B,): the contrast covariate of pictures (B, C, H, W) in [0, 1], the log of each one's standard
    deviation over all its pixels and channels (in float64, so that a picture gives the same number
    whether it was measured alone or in a batch)."""
    spread = x.flatten(1).double().std(dim=1, correction=0)
    return spread.clamp(min=CONTRAST_FLOOR).log()


def _slopes(centred: np.ndarray, residual: np.ndarray) -> np.ndarray:
    """(M,) least-squares slopes of ``residual`` (N,) on the columns of ``centred`` (N, M), none below 0:
    a covariate whose slope comes out below 0 is left out and the rest fitted again."""
    slopes = np.zeros(centred.shape[1])
    active = list(range(centred.shape[1]))
    while active:
        fitted, *_ = np.linalg.lstsq(centred[:, active], residual, rcond=None)
        if (fitted >= 0).all():
            slopes[active] = fitted
            break
        active.pop(int(np.argmin(fitted)))
    return slopes


def fit(values: np.ndarray, covariates: Sequence[np.ndarray]) -> tuple[list[float], list[list[float]]]:
    """``values`` (N, K): K parts' scores of N training pictures; ``covariates``: each (N,), the pictures'
    logs of one covariate (``log_places``, ``log_contrast``). Returns each part's [mean, spread] in turn
    (the spread around its plane) and one trend per covariate."""
    values = np.asarray(values, np.float64).reshape(len(values), -1)
    logs = [np.asarray(c, np.float64).reshape(-1) for c in covariates]
    k = values.shape[1]
    means = values.mean(axis=0) if len(values) else np.full(k, np.nan)
    used = [i for i, c in enumerate(logs) if len(values) >= MIN_PICTURES and c.std() >= MIN_SPREAD]
    out = [[0.0] * (LEAD + k) for _ in logs]
    residual = values - means
    if used:
        centred = np.stack([logs[i] - logs[i].mean() for i in used], axis=1)
        slopes = np.stack([_slopes(centred, residual[:, part]) for part in range(k)], axis=1)  # (M, K)
        residual = residual - centred @ slopes
        for row, i in enumerate(used):
            c = logs[i]
            out[i] = [float(c.mean()), float(c.min()), float(c.max()), *(float(s) for s in slopes[row])]
    spreads = np.maximum(residual.std(axis=0) if len(values) > 1 else np.zeros(k), 1e-6)
    stats = [float(v) for pair in zip(means, spreads, strict=True) for v in pair]
    return stats, out


def offset(trend: torch.Tensor | None, covariate: Covariate, part: int) -> torch.Tensor | float:
    """How far above the part's mean a picture whose covariate's log is ``covariate`` is expected to score."""
    if trend is None:
        return 0.0
    lo, hi = float(trend[1]), float(trend[2])
    held = covariate.clamp(lo, hi) if isinstance(covariate, torch.Tensor) else min(max(float(covariate), lo), hi)
    return trend[LEAD + part] * (held - trend[0])


def standardised(value: torch.Tensor, stats: torch.Tensor, part: int,
                 *terms: tuple[torch.Tensor | None, Covariate]) -> torch.Tensor:
    """``value`` of a part (``stats`` holds each part's [mean, spread] in turn, as ``fit`` gives them) in units
    of its spread, from what a picture like it is expected to score: ``terms`` are (trend, the picture's
    covariate) pairs; a covariate given per picture (B,) follows ``value``'s first dimension."""
    out = value - stats[2 * part]
    for trend, covariate in terms:
        shift = offset(trend, covariate, part)
        if isinstance(shift, torch.Tensor):
            shift = shift.to(value.dtype)
            if shift.dim() == 1 and value.dim() > 1:
                shift = shift.view(-1, *([1] * (value.dim() - 1)))
        out = out - shift
    return out / stats[2 * part + 1]
