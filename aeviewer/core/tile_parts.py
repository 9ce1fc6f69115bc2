"""A tile model's combined score, part by part: measured once per picture, counted in any yardsticks.

The combined score (``core.inference.combined``) adds a picture's learned score, worst patch and
texture part, each counted in its spread over the training pictures. At the end of a run those
yardsticks are measured again on every training picture, which at full size is a pass over the
pictures through the networks (a minute for 1,000 pictures of 500 x 350 px on 2 cores). The pass
that then scores the pictures gave the same parts again. So the parts are kept as they are
measured (``pass_parts``: they do not depend on the yardsticks), the yardsticks fitted from the
training pictures' parts (``fit_parts``), and the scores counted from the parts
(``combined_of_parts``): one pass instead of two.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from aeviewer.core import size_trend
from aeviewer.core.inference import combined, learned_part, mark_log_odds, texture_part, yardsticks
from aeviewer.core.scoring import learned_window, patch_window
from aeviewer.core.synthetic import smooth_max
from aeviewer.core.torch_scores import batch_scores

if TYPE_CHECKING:
    from aeviewer.core.model import AnyAutoencoder
    from aeviewer.core.patches import TiledPass

# a picture's parts, the columns of ``pass_parts``' rows
LEARNED, LOCAL, TEXTURE, PLACES = range(4)
PARTS = 4


def pass_parts(p: TiledPass, model: AnyAutoencoder, texture: bool = True) -> np.ndarray:
    """(PARTS,) of one picture's full-size pass: its learned score (a probability), worst patch, texture
    part (already in its units; 0 for a model without a fitted one, or without ``texture``) and places."""
    if p.maps is None:
        raise ValueError("the learned score needs a model trained on synthetic defects (--method synthetic)")
    tile = model.config.image_size
    out = np.zeros(PARTS, np.float64)
    out[LEARNED] = float(smooth_max(p.maps, learned_window(tile))[0])
    local = batch_scores(p.x, p.recon, "local", window=patch_window(tile))
    assert local is not None
    out[LOCAL] = float(local[0])
    part = texture_part(model, p.x) if texture else None
    out[TEXTURE] = float(part[0]) if part is not None else 0.0
    out[PLACES] = size_trend.places_of(p.x)
    return out


def fit_parts(model: torch.nn.Module, parts: np.ndarray) -> None:
    """The combined score's yardsticks, each part's with its trend with the pictures' size
    (``core.size_trend``), from the training pictures' ``parts`` (N, PARTS); kept in the model."""
    stats = getattr(model, "score_stats", None)
    if stats is None or not len(parts):
        return
    values, trend = size_trend.fit(np.stack([learned_part(parts[:, LEARNED]), parts[:, LOCAL]], 1), parts[:, PLACES])
    stats.copy_(torch.tensor(values, dtype=stats.dtype, device=stats.device))
    sizes = getattr(model, "score_sizes", None)
    if sizes is not None:
        sizes.copy_(torch.tensor(trend, dtype=sizes.dtype, device=sizes.device))
    mark_log_odds(model)


def combined_of_parts(model: torch.nn.Module, parts: np.ndarray) -> np.ndarray:
    """(N,) float32: the combined score of pictures whose ``parts`` (N, PARTS) were measured, in the
    model's yardsticks now."""
    yard = yardsticks(model)
    if yard is None:
        raise ValueError("the combined score needs a model trained on synthetic defects (--method synthetic)")
    out = np.empty(len(parts), np.float32)
    for i, row in enumerate(np.asarray(parts, np.float64).reshape(-1, PARTS)):
        learned, local, texture = (torch.tensor([v], dtype=torch.float32, device=yard.stats.device)
                                   for v in row[:PLACES])
        out[i] = float(combined(learned, local, yard, texture, int(row[PLACES]))[0])
    return out
