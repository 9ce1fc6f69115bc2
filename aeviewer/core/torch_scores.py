"""Anomaly scores of a batch of tensors, on the device they are on.

The same numbers as ``core.scoring``'s numpy versions (a test checks), for the
kinds that are cheap on a batch (MSE, worst patch): training scores its batches
with them for the live histogram, and every evaluation scores with them (on the
GPU when there is one); SSIM stays with numpy.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from aeviewer.core.scoring import LIGHTNESS_EPS, LOCAL_SHARE, patch_window


def box_mean(t: torch.Tensor, k: int) -> torch.Tensor:
    """k x k box mean of (B, C, H, W) with reflected edges, from running sums (cheap for any k)."""
    pad = k // 2
    c = F.pad(t, (pad, pad, pad, pad), mode="reflect")
    c = torch.cat([torch.zeros_like(c[:, :, :1]), c.cumsum(2)], 2)
    c = c[:, :, k:] - c[:, :, :-k]
    c = torch.cat([torch.zeros_like(c[:, :, :, :1]), c.cumsum(3)], 3)
    return (c[:, :, :, k:] - c[:, :, :, :-k]) / (k * k)


def window_means(t: torch.Tensor, k: int, centred: bool = False) -> torch.Tensor:
    """Mean of every k x k window of (B, C, H, W) that lies inside it; with ``centred``, of the window
    centred on every pixel instead, its part outside the picture left out. A pass down the columns,
    then one along the rows: the same means as one k x k pooling, twice as quick at k = 9. (``box_mean``
    is the worst patch's: its windows reach past the edges into the picture reflected.)"""
    pad = k // 2 if centred else 0
    down = F.avg_pool2d(t, (k, 1), stride=1, padding=(pad, 0), count_include_pad=False)
    return F.avg_pool2d(down, (1, k), stride=1, padding=(0, pad), count_include_pad=False)


def batch_scores(inputs: torch.Tensor, recons: torch.Tensor, kind: str,
                 window: int | None = None) -> torch.Tensor | None:
    """Anomaly scores of a batch (B, C, H, W) of ``kind``; None for kinds that need whole pictures (SSIM).
    The worst patch's ``window`` is sized to the pictures unless given (a tile model's: to the tile)."""
    diff = inputs - recons.clamp(0, 1)
    if kind == "mse":
        return (diff**2).mean(dim=(1, 2, 3))
    if kind == "local":
        def lightness(t: torch.Tensor) -> torch.Tensor:
            return (t.clamp(0, 1) + LIGHTNESS_EPS).pow(1 / 3)

        lightness_diff = lightness(inputs) - lightness(recons)
        local_mean = box_mean(lightness_diff, window or patch_window(int(inputs.shape[-2])))
        flat = (local_mean**2).mean(dim=1).flatten(1)
        k = max(1, round(LOCAL_SHARE * int(flat.shape[1])))  # int(): a constant when traced for export
        return flat.topk(k, dim=1).values.mean(dim=1)
    return None
