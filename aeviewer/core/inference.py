"""Running a model over images: the numbers and pictures the views show.

Results are immutable numpy copies, safe to hand from the torch thread to the
GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from aeviewer.core.data import iter_batches
from aeviewer.core.metrics import auroc
from aeviewer.core.model import AnyAutoencoder, to_tensor
from aeviewer.core.results import Inspection
from aeviewer.core.scoring import DEFAULT_SCORE, SCORES, difference_map, heat_scale, mse_score, pixel_error_map
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


@torch.no_grad()
def _batches(model: torch.nn.Module, images: np.ndarray, device: torch.device):
    """Yield (inputs, recons, codes) tensors batch by batch, in eval mode.

    ``images`` are uint8 (N, H, W, C) or float in [0, 1] of the same shape.
    """
    was_training = model.training
    model.eval()
    try:
        for sl in iter_batches(len(images), EVAL_BATCH):
            chunk = images[sl]
            if chunk.dtype == np.uint8:
                x = to_tensor(chunk, device)
            else:
                x = torch.from_numpy(np.ascontiguousarray(chunk, np.float32)).to(device).permute(0, 3, 1, 2)
            recon, z = model(x)
            yield x, recon, z
    finally:
        model.train(was_training)


def _nhwc(t: torch.Tensor) -> np.ndarray:
    return t.permute(0, 2, 3, 1).cpu().numpy()


def _forward(model: AnyAutoencoder, images: np.ndarray, device: torch.device):
    """Yield (inputs, recons, codes) as numpy, batch by batch, in eval mode."""
    for x, recon, z in _batches(model, images, device):
        yield _nhwc(x), _nhwc(recon), z.cpu().numpy()


def _kind_scores(x: torch.Tensor, recon: torch.Tensor, kind: str) -> np.ndarray:
    """Scores of ``kind`` for a batch: on the device where that is cheap (core.torch_scores), else numpy."""
    scores = batch_scores(x, recon, kind)
    if scores is not None:
        return scores.cpu().numpy()
    return SCORES[kind].function(_nhwc(x), _nhwc(recon))


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
    for x, r, z in _batches(model, images, device):
        errors.append(_kind_scores(x, r, "mse"))
        scores.append(errors[-1] if kind == "mse" else _kind_scores(x, r, kind))
        codes.append(z.cpu().numpy())
        local = [i for i in range(len(x)) if offset + i in heat]
        if local:
            heat_maps.append(difference_map(_nhwc(x[local]), _nhwc(r[local])))
        offset += len(x)
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
    """Input, reconstruction and difference for one image."""
    (x, r, _), = _forward(model, images[index : index + 1], device)
    return Inspection(
        model_id=model_id,
        index=index,
        input=x[0],
        recon=r[0],
        difference=difference_map(x[0], r[0]),
        error=float(mse_score(x[0], r[0])),
    )


def anomaly_scores(
    model: AnyAutoencoder, images: np.ndarray, device: torch.device, kind: str = DEFAULT_SCORE
) -> np.ndarray:
    """One anomaly score per image, of the kind named (see core.scoring.SCORES)."""
    parts = [_kind_scores(x, r, kind) for x, r, _ in _batches(model, images, device)]
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)


def anomaly_maps(model: AnyAutoencoder, images: np.ndarray, device: torch.device) -> np.ndarray:
    """Where each image is unusual: 3x3-smoothed squared error per pixel, (N, H, W)."""
    parts = [pixel_error_map(x, r) for x, r, _ in _forward(model, images, device)]
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
    out = [_nhwc(recon) for _, recon, _ in _batches(model, images, device)]
    return np.concatenate(out) if out else np.zeros_like(images, np.float32)
