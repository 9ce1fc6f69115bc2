"""A tile model's combined score, part by part: measured once per picture, counted in any yardsticks.

The combined score (``core.inference.combined``) adds a picture's learned score, worst patch and
texture part, each counted in its spread over the training pictures. At the end of a run those
yardsticks are measured again on every training picture, which at full size is a pass over the
pictures through the networks (a minute for 1,000 pictures of 500 x 350 px on 2 cores). The pass
that then scores the pictures gave the same parts again. So the parts are kept as they are
measured (``pass_parts``: they do not depend on the yardsticks), the yardsticks fitted from the
training pictures' parts (``fit_parts``), and the scores counted from the parts
(``combined_of_parts``): one pass instead of two. The texture part likewise: its Gaussian is
fitted first, from patches drawn from the pictures, and what its spreads need of each picture
(``PatchTexture.raw``) is kept with the parts (``fit_texture_spreads``), so each training picture's
patches are measured once, not three times (fitting the spreads, then scoring). On 1,000 pictures
of 1024x768 a measuring of every patch took as long as the networks (0.26 s a picture here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from aeviewer.core import trends
from aeviewer.core.inference import combined, fitted_texture, keep_yardsticks, learned_part, yardsticks
from aeviewer.core.scoring import learned_window, patch_window
from aeviewer.core.synthetic import smooth_max
from aeviewer.core.texture import RAW
from aeviewer.core.torch_scores import batch_scores

if TYPE_CHECKING:
    from aeviewer.core.model import AnyAutoencoder
    from aeviewer.core.patches import TiledPass

# a picture's parts, the columns of ``pass_parts``' rows (its contrast: ``core.trends.log_contrast``): then
# its texture's raw numbers (core.texture)
LEARNED, LOCAL, PLACES, CONTRAST, TEXTURE = range(5)
PARTS = TEXTURE + RAW


def pass_parts(p: TiledPass, model: AnyAutoencoder, texture: bool = True) -> np.ndarray:
    """(PARTS,) of one picture's full-size pass: its learned score (a probability), worst patch, places,
    contrast, and what its texture part needs of it (``PatchTexture.raw``; NaN for a model without a texture
    Gaussian, or without ``texture``). The texture's spreads need not be fitted yet: they may be
    fitted from the training pictures' raw numbers afterwards (``fit_texture_spreads``)."""
    if p.maps is None:
        raise ValueError("the learned score needs a model trained on synthetic defects (--method synthetic)")
    tile = model.config.image_size
    out = np.full(PARTS, np.nan, np.float64)
    out[LEARNED] = float(smooth_max(p.maps, learned_window(tile))[0])
    local = batch_scores(p.x, p.recon, "local", window=patch_window(tile))
    assert local is not None
    out[LOCAL] = float(local[0])
    out[PLACES] = trends.places_of(p.x)
    out[CONTRAST] = float(trends.log_contrast(p.x)[0])
    gaussian = getattr(model, "texture", None)
    if texture and gaussian is not None and gaussian.has_gaussian:
        out[TEXTURE:] = gaussian.raw(p.x)
    return out


def fit_texture_spreads(model: torch.nn.Module, parts: np.ndarray) -> None:
    """The texture part's usual neighbourhood and spreads from the training pictures' ``parts`` (their
    raw numbers, measured under its Gaussian: ``PatchTexture.fit_spreads``)."""
    texture = getattr(model, "texture", None)
    if texture is not None and len(parts) and not np.isnan(parts[:, TEXTURE:]).any():
        texture.fit_spreads(parts[:, TEXTURE:], parts[:, PLACES], parts[:, CONTRAST])


def fit_parts(model: torch.nn.Module, parts: np.ndarray) -> None:
    """The combined score's yardsticks, each part's with its trends with the pictures' size and contrast
    (``core.trends``), from the training pictures' ``parts`` (N, PARTS); kept in the model."""
    if getattr(model, "score_stats", None) is None or not len(parts):
        return
    values = np.stack([learned_part(parts[:, LEARNED]), parts[:, LOCAL]], 1)
    stats, (sizes, contrast) = trends.fit(values, [trends.log_places(parts[:, PLACES]), parts[:, CONTRAST]])
    keep_yardsticks(model, stats, sizes, contrast)


def combined_of_parts(model: torch.nn.Module, parts: np.ndarray) -> np.ndarray:
    """(N,) float32: the combined score of pictures whose ``parts`` (N, PARTS) were measured, in the
    model's yardsticks now."""
    yard = yardsticks(model)
    if yard is None:
        raise ValueError("the combined score needs a model trained on synthetic defects (--method synthetic)")
    texture = fitted_texture(model)
    out = np.empty(len(parts), np.float32)
    for i, row in enumerate(np.asarray(parts, np.float64).reshape(-1, PARTS)):
        learned, local = (torch.tensor([v], dtype=torch.float32, device=yard.stats.device) for v in row[:PLACES])
        places = int(row[PLACES])
        contrast = torch.tensor([row[CONTRAST]], dtype=torch.float64, device=yard.stats.device)
        part = (texture.standardised_raw(row[TEXTURE:], places, float(row[CONTRAST]))
                if texture is not None and not np.isnan(row[TEXTURE:]).any() else None)
        out[i] = float(combined(learned, local, yard, part, places, contrast)[0])
    return out
