"""Full resolution: train on patches of the pictures at their own scale, score whole pictures in tiles.

Squashed to a 128 px square, a crack two pixels wide in a 500 px picture is gone before the
model sees it. In this mode (``ModelConfig.patches``) the model is a tile model: it trains on
random crops of its size cut from the pictures at their own resolution (times
``patch_scale``), and a picture is scored by running the model over overlapping tiles that
cover all of it (``core.tiling``'s starts and ramps: the reconstructions are blended without
seams). The maps (difference, learned defect map) are then of the picture's own size, and
the image score is read from them as at working size: the worst patch of the difference,
the largest mean of the learned map over small windows (both windows sized to the tile, the
scale the model works at).

The pictures at full size are decoded once from their files and kept (a picture without a
file, the demo's, uses its working copy); ``FULL_BUDGET_BYTES`` bounds them. Scoring a folder
(``aeviewer score`` and ``evaluate``) reads them a few at a time instead, so any number can be
scored.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from aeviewer.core.data import ImageSet, read_picture
from aeviewer.core.inference import Scores
from aeviewer.core.large_folders import FULL_BUDGET_BYTES, FULL_MAX_SIDE
from aeviewer.core.model import AnyAutoencoder
from aeviewer.core.results import Inspection
from aeviewer.core.scoring import (
    COMBINED_SCORE,
    SCORES,
    difference_map,
    heat_scale,
    learned_window,
    patch_window,
    ssim_score,
)
from aeviewer.core.synthetic import smooth_max
from aeviewer.core.tile_parts import PARTS, combined_of_parts, fit_parts, pass_parts
from aeviewer.core.tiling import ramp, tile_starts
from aeviewer.core.torch_scores import batch_scores
from aeviewer.core.unusual_maps import full_pixel_auroc, unusual_map, unusual_places
from aeviewer.core.working_size import resize

Rows = Sequence[int] | np.ndarray

SCORE_PICTURES = 16  # pictures read at full size at a time to be scored by ``scores_and_pixels``
TILE_BATCH = 64
HEAT_PICTURES = 32  # training pictures whose difference maps set the heat scale


def full_size(pixels: np.ndarray, scale: float, tile: int) -> np.ndarray:
    """uint8 (H, W, C) at ``scale`` of its own size (longer side at most FULL_MAX_SIDE), padded by
    repeating its edges to at least ``tile`` on each side."""
    h, w = pixels.shape[:2]
    factor = min(scale, FULL_MAX_SIDE / max(h, w))
    if abs(factor - 1.0) > 1e-6:
        pixels = resize(np.ascontiguousarray(pixels), max(1, round(w * factor)), max(1, round(h * factor)))
    h, w = pixels.shape[:2]
    if h < tile or w < tile:
        pixels = np.pad(pixels, ((0, max(0, tile - h)), (0, max(0, tile - w)), (0, 0)), mode="edge")
    return pixels


class FullPictures:
    """Every picture of a set at full size (uint8 (H, W, C), sizes differ), with the size it has
    before padding (``shapes``): the maps are cropped back to it."""

    def __init__(self, pictures: list[np.ndarray], shapes: list[tuple[int, int]]) -> None:
        self.pictures, self.shapes = pictures, shapes

    @classmethod
    def of(cls, images: ImageSet, scale: float, tile: int, rows: Rows | None = None,
           read: Callable[[str, int], np.ndarray] = read_picture) -> FullPictures:
        """The pictures of ``images`` (or of its ``rows``) read again from their files; where a file
        cannot be read (or there is none, as for the demo) the working copy stands in.
        Raises ValueError when they would take more than FULL_BUDGET_BYTES."""
        rows = range(len(images)) if rows is None else rows
        pictures, shapes, total = [], [], 0
        for row in rows:
            try:
                pixels = read(images.paths[row], images.channels)
            except (ValueError, OSError):
                pixels = images.images[row]
            shapes.append(_scaled_shape(pixels.shape[:2], scale))
            pictures.append(full_size(pixels, scale, tile))
            total += pictures[-1].nbytes
            if total > FULL_BUDGET_BYTES:
                raise ValueError(
                    f"the pictures at full resolution would take more than {FULL_BUDGET_BYTES >> 30} GB: "
                    "train on fewer, or at a smaller patch scale (--patch-scale), or at working size")
        return cls(pictures, shapes)

    def __len__(self) -> int:
        return len(self.pictures)

    def subset(self, rows: Rows) -> FullPictures:
        return FullPictures([self.pictures[int(r)] for r in rows], [self.shapes[int(r)] for r in rows])

    def __add__(self, other: FullPictures) -> FullPictures:
        return FullPictures(self.pictures + other.pictures, self.shapes + other.shapes)


def _scaled_shape(shape: tuple[int, ...], scale: float) -> tuple[int, int]:
    h, w = int(shape[0]), int(shape[1])
    factor = min(scale, FULL_MAX_SIDE / max(h, w))
    return (h, w) if abs(factor - 1.0) <= 1e-6 else (max(1, round(h * factor)), max(1, round(w * factor)))


class PatchCrops(Dataset):
    """Random ``tile`` x ``tile`` crops of pictures at full size, as ``core.streaming.PictureFiles``
    hands out decoded files: ``__getitems__(rows) -> (uint8 (B, tile, tile, C), rows, readable)``.
    Row ``i`` is a crop of picture ``i`` at a fresh random place each time it is asked for: an
    epoch is one crop of every picture."""

    def __init__(self, pictures: FullPictures, tile: int, seed: int = 0) -> None:
        self.full, self.tile = pictures, tile
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.full)

    @property
    def readable(self) -> int:
        return len(self)

    def failures(self) -> list[tuple[str, str]]:
        return []

    def __getitems__(self, rows: list[int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        t = self.tile
        out = np.empty((len(rows), t, t, self.full.pictures[0].shape[2]), np.uint8)
        for k, i in enumerate(rows):
            picture = self.full.pictures[i]
            y = int(self.rng.integers(0, picture.shape[0] - t + 1))
            x = int(self.rng.integers(0, picture.shape[1] - t + 1))
            out[k] = picture[y : y + t, x : x + t]
        return torch.from_numpy(out), torch.tensor(rows, dtype=torch.int64), torch.ones(len(rows), dtype=torch.bool)


@dataclass(frozen=True)
class TiledPass:
    """One picture through a tile model: input, blended reconstruction and learned map at the
    picture's own size (as tensors (1, C, H, W) and (1, 1, H, W)), and its code (the tiles' mean)."""

    x: torch.Tensor
    recon: torch.Tensor
    maps: torch.Tensor | None
    code: np.ndarray


def tiled_pass(model: AnyAutoencoder, picture: np.ndarray, shape: tuple[int, int], device: torch.device,
               maps: bool = True) -> TiledPass:
    """Run ``model`` over overlapping tiles covering ``picture`` (uint8 (H, W, C), at least a tile on
    each side); the results are cropped to ``shape`` (the picture before padding)."""
    return next(tiled_passes(model, FullPictures([picture], [shape]), device, maps))


@torch.no_grad()
def tiled_passes(model: AnyAutoencoder, pictures: FullPictures, device: torch.device,
                 maps: bool = True) -> Iterator[TiledPass]:
    """``tiled_pass`` of every picture in turn; the tiles of several pictures go through the model in
    one batch (a 300 px picture is nine 128 px tiles: alone, a batch too small to be quick).
    ``maps``: the learned map too (for a model that has one); scores of the difference need none."""
    tile = model.config.image_size
    overlap = tile // 4
    weight = torch.from_numpy(np.outer(ramp(tile, overlap), ramp(tile, overlap)).astype(np.float32)).to(device)
    quick = inference_copy(model)
    defect_map = getattr(quick, "defect_map", None) if maps else None
    group: list[tuple[torch.Tensor, list[tuple[int, int]], tuple[int, int]]] = []
    count = 0
    for picture, shape in zip(pictures.pictures, pictures.shapes, strict=True):
        pixels = torch.from_numpy(np.require(picture, np.uint8, ["C", "W"])).to(device)
        x = pixels.permute(2, 0, 1).float().div_(255.0)[None]
        h, w = x.shape[-2:]
        corners = [(y0, x0) for y0 in tile_starts(h, tile, overlap) for x0 in tile_starts(w, tile, overlap)]
        group.append((x, corners, shape))
        count += len(corners)
        if count >= TILE_BATCH:
            yield from _blended(quick, group, weight, defect_map)
            group, count = [], 0
    if group:
        yield from _blended(quick, group, weight, defect_map)


def inference_copy(model: AnyAutoencoder) -> AnyAutoencoder:
    """A copy of ``model`` to run tiles through (without gradients): in eval mode, its weights
    channels-last and its activations in place. Its convolutions then run about a quarter quicker on a
    CPU, the activations write no new tensors (``scripts/bench_tiled_pass.py``), and the model trained
    keeps its mode and the layout its optimizer and saved sessions expect."""
    quick = copy.deepcopy(model).eval().to(memory_format=torch.channels_last)
    for layer in quick.modules():
        if isinstance(layer, torch.nn.LeakyReLU):
            layer.inplace = True
    return quick


def _blended(model, group, weight: torch.Tensor, defect_map) -> Iterator[TiledPass]:
    """The pictures of ``group`` ((x, tile corners, shape) each) through the model as one batch of tiles."""
    tile = model.config.image_size
    tiles = torch.cat([torch.stack([x[0, :, y0 : y0 + tile, x0 : x0 + tile] for y0, x0 in corners])
                       for x, corners, _ in group])
    outs = [model(tiles[i : i + 2 * TILE_BATCH]) for i in range(0, len(tiles), 2 * TILE_BATCH)]
    recons = torch.cat([r for r, _ in outs]).float().clamp(0, 1)
    codes = torch.cat([z for _, z in outs]).float().cpu()
    k = 0
    for x, corners, (hh, ww) in group:
        _, c, h, w = x.shape
        total = torch.zeros((c, h, w), device=x.device)
        weights = torch.zeros((1, h, w), device=x.device)
        for (y0, x0), r in zip(corners, recons[k : k + len(corners)], strict=True):
            total[:, y0 : y0 + tile, x0 : x0 + tile] += r * weight
            weights[:, y0 : y0 + tile, x0 : x0 + tile] += weight
        recon = (total / weights)[None]
        learned = defect_map(x, recon)[..., :hh, :ww] if defect_map is not None else None
        yield TiledPass(x[..., :hh, :ww], recon[..., :hh, :ww], learned, codes[k : k + len(corners)].mean(0).numpy())
        k += len(corners)


def pass_score(p: TiledPass, kind: str, tile: int, model: AnyAutoencoder | None = None) -> float:
    """The image score of ``kind`` from one picture's full-size results; windows sized to the tile.
    ``model``: the one the pass came from, for the combined score's texture part (``core.texture``)."""
    if SCORES[kind].learned:
        if p.maps is None:
            raise ValueError("the learned score needs a model trained on synthetic defects (--method synthetic)")
        if kind == COMBINED_SCORE:
            assert model is not None, "the combined score needs the model the pass came from"
            return float(combined_of_parts(model, pass_parts(p, model)[None])[0])
        return float(smooth_max(p.maps, learned_window(tile))[0])
    if kind == "ssim":
        return float(ssim_score(_hwc(p.x), _hwc(p.recon)))
    scores = batch_scores(p.x, p.recon, kind, window=patch_window(tile))
    assert scores is not None
    return float(scores[0])


def _inputs(pictures: FullPictures, device: torch.device) -> Iterator[torch.Tensor]:
    """Each picture as the model sees it, (1, C, H, W) in [0, 1], without its padding."""
    for picture, (h, w) in zip(pictures.pictures, pictures.shapes, strict=True):
        pixels = torch.from_numpy(np.require(picture[:h, :w], np.uint8, ["C", "W"])).to(device)
        yield pixels.permute(2, 0, 1).float().div_(255.0)[None]


def _hwc(t: torch.Tensor) -> np.ndarray:
    return t[0].permute(1, 2, 0).cpu().numpy()


def image_scores(model: AnyAutoencoder, images: ImageSet, device: torch.device, kind: str,
                 rows: Rows | None = None) -> np.ndarray:
    """One ``kind`` score per picture of ``images`` (or of its ``rows``), the way the model works:
    whole pictures in tiles for a tile model, at working size for any other."""
    return scores_and_pixels(model, images, device, kind, rows, pixels=False)[0]


def scores_and_pixels(model: AnyAutoencoder, images: ImageSet, device: torch.device, kind: str,
                      rows: Rows | None = None, pixels: bool = True) -> tuple[np.ndarray, float | None]:
    """``image_scores`` of ``rows`` and, with ``pixels``, their pixel AUROC against the defect masks
    (None without masks). A tile model's pictures are read and tiled once for both."""
    rows = np.arange(len(images)) if rows is None else np.asarray(rows, np.int64)
    assert rows is not None
    if not getattr(model.config, "patches", False):
        from aeviewer.core.inference import anomaly_scores, pixel_auroc

        scores = anomaly_scores(model, images.images[rows], device, kind)
        masked = pixels and any(int(r) in images.masks for r in rows)
        return scores, (pixel_auroc(model, images.images, images.labels, images.masks, rows, device)
                        if masked else None)
    use = set(pixel_rows(images, rows)) if pixels else set()
    parts: list[np.ndarray] = []
    maps: dict[int, np.ndarray] = {}
    for start in range(0, len(rows), SCORE_PICTURES):  # a few at full size at a time: any number of pictures
        part = rows[start : start + SCORE_PICTURES]
        full = FullPictures.of(images, model.config.patch_scale, model.config.image_size, part)
        result = score_full(model, full, device, kind, unusual=[k for k in range(len(part)) if start + k in use])
        parts.append(result.scores)
        maps.update({start + k: m for k, m in result.maps.items()})
    return (np.concatenate(parts) if parts else np.zeros(0, np.float32),
            full_pixel_auroc(images, rows, maps) if use else None)


def pixel_rows(images: ImageSet, rows: Rows) -> list[int]:
    """Positions in ``rows`` whose maps a pixel AUROC reads (masked and normal pictures); none
    when no picture of ``rows`` has a mask."""
    use = [k for k, r in enumerate(rows) if int(r) in images.masks or images.labels[r] == 0]
    return use if any(int(rows[k]) in images.masks for k in use) else []


def score_full(model: AnyAutoencoder, pictures: FullPictures, device: torch.device, kind: str,
               heat_rows: Rows = (), interrupted: Callable[[], bool] | None = None,
               unusual: Rows = (), progress: Callable[[int], None] | None = None, parts: bool = False) -> Scores:
    """Codes, errors and ``kind`` scores of every picture, tiled; the heat scale from ``heat_rows``;
    the maps of where the pictures at positions ``unusual`` are unusual (``unusual_map``), from the
    same pass, for a pixel AUROC. ``progress`` is told how many pictures are scored, after each.
    With ``parts``, each picture's combined-score parts too (``core.tile_parts``)."""
    tile = model.config.image_size
    heat = set(list(heat_rows)[:HEAT_PICTURES])
    keep = {int(k) for k in unusual}
    codes, errors, scores, heat_maps, maps, measured = [], [], [], [], {}, []
    passes = tiled_passes(model, pictures, device, maps=SCORES[kind].learned or bool(keep) or parts)
    for i, p in enumerate(passes):
        if interrupted is not None and interrupted():
            from aeviewer.core.results import Interrupted

            raise Interrupted("scoring was interrupted")
        codes.append(p.code)
        errors.append(float(((p.x - p.recon) ** 2).mean()))
        if parts:  # the combined score is then counted from them, not measured again
            measured.append(pass_parts(p, model))
        if kind == "mse":
            scores.append(errors[-1])
        elif parts and kind == COMBINED_SCORE:
            scores.append(float(combined_of_parts(model, measured[-1][None])[0]))
        else:
            scores.append(pass_score(p, kind, tile, model))
        if i in heat:
            heat_maps.append(difference_map(_hwc(p.x), _hwc(p.recon)).ravel())
        if i in keep:
            maps[i] = unusual_map(p, model)
        if progress is not None:
            progress(i + 1)
    k = model.config.latent_dim
    return Scores(
        codes=np.stack(codes).astype(np.float32) if codes else np.zeros((0, k), np.float32),
        errors=np.array(errors, np.float32),
        scores=np.array(scores, np.float32),
        heat_scale=heat_scale(np.concatenate(heat_maps)) if heat_maps else None,
        maps=maps,
        parts=np.array(measured).reshape(-1, PARTS) if parts else None,
    )


def inspect_full(model: AnyAutoencoder, picture: np.ndarray, shape: tuple[int, int], index: int,
                 device: torch.device, model_id: int = 0) -> Inspection:
    """Input, reconstruction, difference (and learned map) of one picture at its own size."""
    p = tiled_pass(model, picture, shape, device)
    x, r = _hwc(p.x), _hwc(p.recon)
    places = unusual_places(model, p)
    return Inspection(model_id=model_id, index=index, input=x, recon=r, difference=difference_map(x, r),
                      error=float(((x - r) ** 2).mean()),
                      learned=None if p.maps is None else p.maps[0, 0].cpu().numpy(),
                      texture_map=None if places is None else places.cpu().numpy())


def fit_full_stats(model: AnyAutoencoder, pictures: FullPictures, device: torch.device,
                   refit_texture: bool = True) -> None:
    """The combined score's yardsticks (as ``core.inference.fit_score_stats``) from whole pictures, tiled,
    each part's with its trend with the pictures' size (``core.trends``), and its texture part
    (``core.texture``) fitted to them; with ``refit_texture`` False, only where it is not fitted yet (it
    does not change as the model learns)."""
    if getattr(model, "score_stats", None) is None or not len(pictures):
        return
    fit_texture(model, pictures, device, refit_texture)
    fit_parts(model, np.array([pass_parts(p, model, texture=False) for p in tiled_passes(model, pictures, device)]))


def fit_texture(model: AnyAutoencoder, pictures: FullPictures, device: torch.device, refit: bool = True,
                gaussian_only: bool = False) -> bool:
    """Fit a tile model's texture part (``core.texture``) to (training) ``pictures``; with ``refit`` False,
    only where it is not fitted yet (it does not change as the model learns). With ``gaussian_only``
    its Gaussian alone (one quick pass), its spreads left to be fitted from the pictures' raw numbers
    (``core.tile_parts.fit_texture_spreads``). Whether it was fitted now."""
    texture = getattr(model, "texture", None)
    if texture is None or not len(pictures) or (texture.fitted and not refit):
        return False
    if gaussian_only:
        return bool(texture.fit_gaussian(_inputs(pictures, device)))
    texture.fit(lambda: _inputs(pictures, device))
    return True
