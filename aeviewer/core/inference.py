"""Running a model over images: the numbers and pictures the views show.

Results are immutable numpy copies, safe to hand from the torch thread to the
GUI thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch

from aeviewer.core import trends
from aeviewer.core.data import iter_batches
from aeviewer.core.metrics import auroc
from aeviewer.core.model import AnyAutoencoder, to_tensor
from aeviewer.core.results import Inspection
from aeviewer.core.scoring import (
    COMBINED_SCORE,
    DEFAULT_SCORE,
    LEARNED_SCORE,
    SCORES,
    difference_map,
    heat_scale,
    learned_window,
    mse_score,
    pixel_error_map,
)
from aeviewer.core.synthetic import smooth_max
from aeviewer.core.texture import PatchTexture
from aeviewer.core.torch_scores import batch_scores

EVAL_BATCH = 256
HEAT_SAMPLE_IMAGES = 256  # enough training maps for a steady percentile


@dataclass(frozen=True)
class Scores:
    """Codes and errors for a set of images under one model."""

    codes: np.ndarray  # (N, K) float32
    errors: np.ndarray  # (N,) float32, mean squared error
    scores: np.ndarray  # (N,) float32, the anomaly score of the kind asked for
    heat_scale: float | None  # from the rows asked for, if any
    # a tile model's full-size maps of where pictures are unusual, by position, for those asked for
    maps: dict[int, np.ndarray] = field(default_factory=dict)
    # a tile model's combined-score parts of each picture, where asked for (core.tile_parts)
    parts: np.ndarray | None = None


ODDS_EPS = 1e-6  # the learned score is held this far from 0 and 1 before its log odds are taken


class Yardsticks(NamedTuple):
    """What the combined score counts its parts against (buffers of core.defect_model.DefectModel)."""

    stats: torch.Tensor  # mean and spread of each part over the training pictures (score_stats)
    sizes: torch.Tensor  # their trend with the pictures' size (score_sizes, core.trends)
    odds: torch.Tensor | None  # 1: the learned part is counted in log odds (score_odds); 0 or None: as it is
    contrast: torch.Tensor | None = None  # their trend with the pictures' contrast (score_contrast, core.trends)

    def terms(self, places: int, contrast: torch.Tensor | None) -> list[tuple[torch.Tensor | None, trends.Covariate]]:
        """The trends a part is counted in, each with the pictures' covariate (``core.trends.standardised``):
        their size (``places`` places) and, where given, their contrast (``core.trends.log_contrast``)."""
        out: list[tuple[torch.Tensor | None, trends.Covariate]] = [(self.sizes, trends.log_places(places))]
        if contrast is not None and self.contrast is not None:
            out.append((self.contrast, contrast))
        return out


def yardsticks(model: torch.nn.Module | None) -> Yardsticks | None:
    """The model's yardsticks, or None for a model without a learned map."""
    stats = getattr(model, "score_stats", None)
    if stats is None:
        return None
    return Yardsticks(stats, getattr(model, "score_sizes"), getattr(model, "score_odds", None),  # noqa: B009
                      getattr(model, "score_contrast", None))


def log_odds(p: torch.Tensor) -> torch.Tensor:
    """log(p / (1 - p)), with p held inside [ODDS_EPS, 1 - ODDS_EPS]."""
    p = p.clamp(ODDS_EPS, 1 - ODDS_EPS)
    return torch.log(p) - torch.log1p(-p)


def learned_part(learned: np.ndarray) -> np.ndarray:
    """Learned scores as the combined score's yardsticks are measured in (its log odds: ``combined``)."""
    return log_odds(torch.from_numpy(np.asarray(learned, np.float64))).numpy()


class Batch(NamedTuple):
    """One batch through a model, as tensors: inputs, outputs, codes, and the learned
    defect maps (B, 1, H, W) of a model trained on synthetic defects (else None)."""

    x: torch.Tensor
    recon: torch.Tensor
    z: torch.Tensor
    maps: torch.Tensor | None
    yardsticks: Yardsticks | None = None  # the combined score's, where the model has them
    texture: PatchTexture | None = None  # the combined score's texture part, where the model has a fitted one


@torch.no_grad()
def _batches(model: torch.nn.Module, images: np.ndarray, device: torch.device) -> Iterator[Batch]:
    """Every batch of ``images`` (uint8 (N, H, W, C) or float in [0, 1]) through ``model``, in eval mode."""
    was_training = model.training
    model.eval()
    defect_map = getattr(model, "defect_map", None)
    try:
        for sl in iter_batches(len(images), EVAL_BATCH):
            chunk = images[sl]
            if chunk.dtype == np.uint8:
                x = to_tensor(chunk, device)
            else:
                x = torch.from_numpy(np.ascontiguousarray(chunk, np.float32)).to(device).permute(0, 3, 1, 2)
            recon, z = model(x)
            yield Batch(x, recon, z, defect_map(x, recon) if defect_map is not None else None,
                        yardsticks(model), fitted_texture(model))
    finally:
        model.train(was_training)


def _nhwc(t: torch.Tensor) -> np.ndarray:
    return t.permute(0, 2, 3, 1).cpu().numpy()


def _kind_scores(b: Batch, kind: str) -> np.ndarray:
    """Scores of ``kind`` for a batch: from the learned map, on the device where cheap, else numpy."""
    if SCORES[kind].learned:
        if b.maps is None:
            raise ValueError("the learned score needs a model trained on synthetic defects (--method synthetic)")
        learned = smooth_max(b.maps, learned_window(b.x.shape[-1]))
        if kind == COMBINED_SCORE:
            part = b.texture.standardised(b.x) if b.texture is not None else None
            return combined(learned, batch_scores(b.x, b.recon, "local"), b.yardsticks, part,
                            trends.places_of(b.x), trends.log_contrast(b.x)).cpu().numpy()
        return learned.cpu().numpy()
    scores = batch_scores(b.x, b.recon, kind)
    if scores is not None:
        return scores.cpu().numpy()
    function = SCORES[kind].function
    assert function is not None
    return function(_nhwc(b.x), _nhwc(b.recon))


def score_images(
    model: AnyAutoencoder,
    images: np.ndarray,
    device: torch.device,
    heat_rows: np.ndarray | None = None,
    kind: str = DEFAULT_SCORE,
) -> Scores:
    """Codes, errors and ``kind`` scores for every image; the heat scale from ``heat_rows``."""
    heat = set(np.asarray(heat_rows if heat_rows is not None else [], np.int64)[:HEAT_SAMPLE_IMAGES].tolist())
    errors: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    heat_maps: list[np.ndarray] = []
    offset = 0
    for b in _batches(model, images, device):
        errors.append(_kind_scores(b, "mse"))
        scores.append(errors[-1] if kind == "mse" else _kind_scores(b, kind))
        codes.append(b.z.cpu().numpy())
        local = [i for i in range(len(b.x)) if offset + i in heat]
        if local:
            heat_maps.append(difference_map(_nhwc(b.x[local]), _nhwc(b.recon[local])))
        offset += len(b.x)
    if not errors:
        empty = np.zeros(0, np.float32)
        return Scores(np.zeros((0, model.config.latent_dim), np.float32), empty, empty, None)
    return Scores(
        codes=np.concatenate(codes).astype(np.float32),
        errors=np.concatenate(errors).astype(np.float32),
        scores=np.concatenate(scores).astype(np.float32),
        heat_scale=heat_scale(np.concatenate(heat_maps)) if heat_maps else None,
    )


def inspect(
    model: AnyAutoencoder, images: np.ndarray, index: int, device: torch.device, model_id: int = 0
) -> Inspection:
    """Input, reconstruction and difference for one image (and the learned map, when the model has one)."""
    (b,) = _batches(model, images[index : index + 1], device)
    x, r = _nhwc(b.x)[0], _nhwc(b.recon)[0]
    return Inspection(
        model_id=model_id,
        index=index,
        input=x,
        recon=r,
        difference=difference_map(x, r),
        error=float(mse_score(x, r)),
        learned=None if b.maps is None else b.maps[0, 0].cpu().numpy(),
    )


def anomaly_scores(
    model: AnyAutoencoder, images: np.ndarray, device: torch.device, kind: str = DEFAULT_SCORE
) -> np.ndarray:
    """One anomaly score per image, of the kind named (see core.scoring.SCORES)."""
    parts = [_kind_scores(b, kind) for b in _batches(model, images, device)]
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)


def combined(learned: torch.Tensor, local: torch.Tensor | None, yard: Yardsticks | None,
             texture: torch.Tensor | None = None, places: int = 0,
             contrast: torch.Tensor | None = None) -> torch.Tensor:
    """The combined score: each part in units of its spread over the training pictures like these (of
    ``places`` places and, per picture, of ``contrast``, ``core.trends.log_contrast``, where the yardsticks
    hold trends: core.trends), added; a tile model's ``texture`` score (``core.texture``, already in
    those units) too where it has one.

    The learned part is counted in log odds: it is the largest of a map of probabilities, and near 1
    a probability has little room left (normal surfaces' test pictures score 0.90-0.96 where training
    pictures spread 0.1 around 0.8), so a defect at 0.999 stood barely above them; in log odds it
    stands 3-4 units above. Sessions written before keep their yardsticks of the probability (``odds`` 0).
    NaN until the model has been trained (its yardsticks come from the training pictures)."""
    assert local is not None
    if yard is None:
        raise ValueError("the combined score needs a model trained on synthetic defects (--method synthetic)")
    score = (learned_standardised(learned, yard, places, contrast)
             + trends.standardised(local, yard.stats, 1, *yard.terms(places, contrast)))
    return score if texture is None else score + texture


def learned_standardised(learned: torch.Tensor, yard: Yardsticks, places: int,
                         contrast: torch.Tensor | None = None) -> torch.Tensor:
    """The learned score (or a learned map, place by place) as the combined score counts it: in log odds
    (where the yardsticks are), in the spread of the training pictures' scores, from what a picture of
    ``places`` places (and of ``contrast``, per picture) is expected to score."""
    if yard.odds is not None:
        learned = torch.where(yard.odds > 0.5, log_odds(learned), learned)
    return trends.standardised(learned, yard.stats, 0, *yard.terms(places, contrast))


def fitted_texture(model: torch.nn.Module | None) -> PatchTexture | None:
    """The model's texture part (``core.texture``: a tile model of a surface), or None where it has none fitted."""
    texture = getattr(model, "texture", None)
    return texture if texture is not None and texture.fitted else None


def texture_part(model: torch.nn.Module | None, x: torch.Tensor) -> torch.Tensor | None:
    """The combined score's texture part for pictures ``x``, or None for a model without a fitted one."""
    texture = fitted_texture(model)
    return texture.standardised(x) if texture is not None else None


def fit_score_stats(model: AnyAutoencoder, images: np.ndarray, device: torch.device) -> None:
    """Measure the combined score's yardsticks on (training) ``images``, with their trend with the
    pictures' contrast (``core.trends``), and keep them in the model."""
    stats = getattr(model, "score_stats", None)
    if stats is None or not len(images):
        return
    learned, local, contrast = [], [], []
    for b in _batches(model, images, device):
        learned.append(_kind_scores(b, LEARNED_SCORE))
        local.append(_kind_scores(b, "local"))
        contrast.append(trends.log_contrast(b.x).cpu().numpy())
    values = np.stack([learned_part(np.concatenate(learned)), np.concatenate(local)], axis=1)
    fitted, (trend,) = trends.fit(values, [np.concatenate(contrast)])
    keep_yardsticks(model, fitted, contrast=trend)


def keep_yardsticks(model: torch.nn.Module, stats: list[float], sizes: list[float] | None = None,
                    contrast: list[float] | None = None) -> None:
    """Keep the combined score's yardsticks (``core.trends.fit``'s) in the model's buffers: the trends not
    given are none; and record that the learned part was measured in log odds (``combined``)."""
    for name, values in (("score_stats", stats), ("score_sizes", sizes), ("score_contrast", contrast)):
        buffer = getattr(model, name, None)
        if buffer is not None:
            buffer.copy_(torch.tensor(values, dtype=buffer.dtype, device=buffer.device) if values is not None
                         else torch.zeros_like(buffer))
    mark_log_odds(model)


def mark_log_odds(model: torch.nn.Module) -> None:
    """Record that the model's yardsticks were measured on the learned part's log odds (``combined``)."""
    odds = getattr(model, "score_odds", None)
    if odds is not None:
        odds.fill_(1.0)


def anomaly_maps(model: AnyAutoencoder, images: np.ndarray, device: torch.device) -> np.ndarray:
    """Where each image is unusual, (N, H, W): the learned defect map when the model has one,
    else the 3x3-smoothed squared error per pixel."""
    parts = [b.maps[:, 0].cpu().numpy() if b.maps is not None else pixel_error_map(_nhwc(b.x), _nhwc(b.recon))
             for b in _batches(model, images, device)]
    if not parts:
        return np.zeros((0, model.config.image_size, model.config.image_size), np.float32)
    return np.concatenate(parts)


def pixel_auroc(
    model: AnyAutoencoder,
    images: np.ndarray,
    labels: np.ndarray,
    masks: dict[int, np.ndarray],
    rows: np.ndarray,
    device: torch.device,
) -> float | None:
    """Pixel-level AUROC over ``rows``: anomalous images that have a defect mask, and normal
    images (every pixel normal). None when no row has a mask."""
    use = [int(r) for r in rows if int(r) in masks or labels[r] == 0]
    if not any(r in masks for r in use):
        return None
    maps = anomaly_maps(model, images[use], device)
    truth = np.stack([masks.get(r, np.zeros(maps.shape[1:], bool)) for r in use])
    return auroc(maps.ravel(), truth.ravel().astype(np.int8))


def run_model(model: torch.nn.Module, images: np.ndarray, device: torch.device) -> np.ndarray:
    """The model's output for float (N, H, W, C) images in [0, 1]: same shape, float32."""
    out = [_nhwc(b.recon) for b in _batches(model, images, device)]
    return np.concatenate(out) if out else np.zeros_like(images, np.float32)
