"""Where a tile model finds a picture unusual, at the picture's own size, and how well those maps
find the defect masks (the pixel AUROC).

A model of a surface has two maps: its learned defect map and its texture part's unusual patches
(core.texture). Each finds defects the other misses, so its map of *unusual places* takes the
larger of the two at each place, both counted as the combined score counts its part
(core.inference.combined). Other models' map is the learned one, or the squared error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from aeviewer.core import trends
from aeviewer.core.data import ImageSet
from aeviewer.core.inference import Yardsticks, fitted_texture, learned_standardised, yardsticks
from aeviewer.core.metrics import auroc
from aeviewer.core.model import AnyAutoencoder
from aeviewer.core.texture import PatchTexture
from aeviewer.core.working_size import mask_at

if TYPE_CHECKING:
    from aeviewer.core.patches import Rows, TiledPass


def unusual_places(model: AnyAutoencoder, p: TiledPass) -> torch.Tensor | None:
    """(H, W) in [0, 1]: where a picture of a surface is unusual, for a tile model with a fitted texture part
    (else None). At each place the larger of the learned map and the unusual patches (``core.texture``),
    each counted as the combined score counts its part, in the spread of the training pictures' most
    unusual places, through a sigmoid: 0.5 where a place is as unusual as a typical normal picture's most
    unusual one. Measured against the defect masks of the surfaces benchmark, it finds where a defect
    is better than either map alone (README, *Surfaces of varied sizes*)."""
    parts = _places_parts(model)
    if parts is None or p.maps is None:
        return None
    texture, yard = parts
    learned = learned_standardised(p.maps[:, 0], yard, trends.places_of(p.x), trends.log_contrast(p.x))
    return torch.sigmoid(torch.maximum(learned, texture.place_scores(p.x)))[0]


def _places_parts(model: AnyAutoencoder) -> tuple[PatchTexture, Yardsticks] | None:
    """A surface's tile model's texture part and yardsticks, where it has both, measured; else None."""
    texture, yard = fitted_texture(model), yardsticks(model)
    if texture is None or yard is None or not getattr(model.config, "patches", False):
        return None
    return (texture, yard) if bool(yard.stats[:2].isfinite().all()) else None


def pixel_map_name(model: AnyAutoencoder) -> str:
    """In words, which map the model's pixel AUROC reads."""
    if _places_parts(model) is not None:
        return "unusual places: the learned map and the small patches"
    return "the learned defect map" if hasattr(model, "defect_map") else "the squared error"


def unusual_map(p: TiledPass, model: AnyAutoencoder) -> np.ndarray:
    """Where a picture is unusual, at its own size: ``unusual_places`` for a surface, else the learned
    map, else the squared error."""
    places = unusual_places(model, p)
    m = places if places is not None else p.maps[0, 0] if p.maps is not None else ((p.x - p.recon) ** 2).mean(1)[0]
    return m.cpu().numpy()


def full_pixel_auroc(images: ImageSet, rows: Rows, maps: dict[int, np.ndarray]) -> float | None:
    """Pixel AUROC of full-size ``maps`` (by position in ``rows``, as ``score_full(unusual=pixel_rows(...))``
    keeps them) against the defect masks, each scaled to its map; None when none is of a masked picture."""
    if not any(int(rows[k]) in images.masks for k in maps):
        return None
    scores, truth = [], []
    for k in sorted(maps):
        m, mask = maps[k], images.masks.get(int(rows[k]))
        truth.append(np.zeros(m.size, np.int8) if mask is None else mask_at(mask, m.shape).ravel())
        scores.append(m.ravel())
    return auroc(np.concatenate(scores), np.concatenate(truth))
