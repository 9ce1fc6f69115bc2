"""Run a fixed-size model over a picture of any size, in overlapping tiles.

A denoiser trained on 64x64 pictures should see a 1000x700 photo at its own
resolution, not squashed to 64x64. The picture is cut into tiles of the model's
size that overlap by a margin; each tile's output is weighted by a ramp that
falls towards the tile's edges, and the weighted outputs are summed and divided
by the summed weights. Every pixel is covered, the weights change gradually, so
no seam shows where tiles meet. Pictures smaller than a tile are padded by
reflection and cropped back.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

TILE_BATCH = 64


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start offsets along one axis so that tiles of ``tile`` cover ``length`` (length >= tile)."""
    if length <= tile:
        return [0]
    stride = max(1, tile - overlap)
    starts = list(range(0, length - tile, stride))
    starts.append(length - tile)
    return starts


def ramp(tile: int, overlap: int) -> np.ndarray:
    """Per-axis weights: 1 in the middle, falling linearly (never to 0) over ``overlap`` pixels at each end."""
    i = np.arange(tile, dtype=np.float64) + 0.5
    if overlap <= 0:
        return np.ones(tile)
    return np.clip(np.minimum(i, tile - i) / overlap, 1.0 / overlap, 1.0)


def _pad_to(image: np.ndarray, tile: int) -> np.ndarray:
    """Reflect-pad (H, W, C) on the bottom and right up to at least tile x tile."""
    ph, pw = max(0, tile - image.shape[0]), max(0, tile - image.shape[1])
    if not (ph or pw):
        return image
    return np.pad(image, ((0, ph), (0, pw), (0, 0)), mode="reflect")


def run_tiled(
    fn: Callable[[np.ndarray], np.ndarray],
    image: np.ndarray,
    tile: int,
    overlap: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Apply ``fn`` ((N, tile, tile, C) -> same) to ``image`` (H, W, C) of any size, blended.

    ``overlap`` defaults to a quarter of the tile.
    """
    if image.ndim != 3:
        raise ValueError("image must be (H, W, C)")
    h, w = image.shape[:2]
    overlap = tile // 4 if overlap is None else overlap
    work = _pad_to(image.astype(np.float32), tile)
    ph, pw = work.shape[:2]
    ys, xs = tile_starts(ph, tile, overlap), tile_starts(pw, tile, overlap)
    weight_tile = np.outer(ramp(tile, overlap), ramp(tile, overlap))[..., None].astype(np.float32)
    total = np.zeros(work.shape, np.float64)
    weights = np.zeros((*work.shape[:2], 1), np.float64)
    corners = [(y, x) for y in ys for x in xs]
    for start in range(0, len(corners), TILE_BATCH):
        chunk = corners[start : start + TILE_BATCH]
        tiles = np.stack([work[y : y + tile, x : x + tile] for y, x in chunk])
        out = fn(tiles)
        for (y, x), o in zip(chunk, out, strict=True):
            total[y : y + tile, x : x + tile] += o * weight_tile
            weights[y : y + tile, x : x + tile] += weight_tile
        if progress is not None:
            progress(min(start + TILE_BATCH, len(corners)), len(corners))
    return (total / weights)[:h, :w].astype(np.float32)
