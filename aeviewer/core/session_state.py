"""An engine's state as a session, and back: what the window saves and opens.

``capture`` takes the engine's model, pictures and latest scores; ``restore``
reads the pictures a session names (from their files, or from the copies the
session keeps) and puts everything back into an engine. A picture whose file
has gone is listed and left out; the rest open.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from aeviewer.core.data import Failure, ImageSet, read_picture
from aeviewer.core.engine import Engine
from aeviewer.core.model import AnyAutoencoder
from aeviewer.core.noise_kinds import parse_specs
from aeviewer.core.session import SavedImages, Session
from aeviewer.core.working_size import to_working_size


def capture(engine: Engine, threshold: float, info: dict | None = None, view: dict | None = None) -> Session:
    """The engine as a session: model, settings, pictures (files by path, the rest by copy), scores."""
    saved = saved_pictures(engine)
    scores = saved.scores
    train = engine.train_rows
    info = dict(info or {})
    info.setdefault("denoise", [str(spec) for spec in engine.train_noise])
    info.setdefault("method", engine.model_config.method)
    if engine.train_epochs is not None:
        info.setdefault("epochs", engine.train_epochs)
    info["trained"] = engine.trained
    if engine.pixel_auroc is not None:
        info["pixel_auroc"] = engine.pixel_auroc
    info["prefix"] = engine.prefix  # an ordered model's code length in use
    return Session(
        model_config=engine.model_config, score=engine.score_kind, threshold=float(threshold),
        heat_scale=engine.heat_scale, train_scores=scores[train], info=info, images=saved, view=dict(view or {}),
    )


def saved_pictures(engine: Engine, absolute: bool = False) -> SavedImages:
    """The engine's pictures as a session keeps them (files by path, the rest by copy) with every
    picture's latest code, error and score; ``absolute``: the files' paths made absolute, so that a
    session written by a command opens from anywhere."""
    images = engine.images
    without_file = np.array([not os.path.isfile(p) for p in images.paths], bool)
    rows = np.flatnonzero(without_file).astype(np.int64)
    paths = [p if stored or not absolute else os.path.abspath(p) for p, stored in zip(images.paths, without_file,
                                                                                        strict=True)]
    codes, errors, scores = engine.latest()
    return SavedImages(
        paths=paths, splits=images.splits, labels=images.labels,
        stored_rows=rows, stored=images.images[rows], codes=codes, errors=errors, scores=scores,
        masks=dict(images.masks), shapes=images.shapes,
    )


@dataclass(frozen=True)
class Restored:
    """What opening a session gave: the pictures found, and those that could not be."""

    images: ImageSet
    missing: list[Failure]
    kept: np.ndarray  # rows of the session's picture list that were found, in order


def read_pictures(saved: SavedImages, size: int, channels: int) -> Restored:
    """The session's pictures: each from the session's copy, or read again from its file."""
    stored = {int(r): i for i, r in enumerate(saved.stored_rows)}
    pixels: list[np.ndarray] = []
    shapes: list[tuple[int, int]] = []
    kept: list[int] = []
    missing: list[Failure] = []
    for row, path in enumerate(saved.paths):
        if row in stored:
            picture = saved.stored[stored[row]]
            shape = (size, size) if saved.shapes is None else tuple(saved.shapes[row])
        else:
            try:
                own = read_picture(path, channels, 2 * size)
            except ValueError as exc:
                missing.append(Failure(path, str(exc)))
                continue
            picture, shape = to_working_size(own, size), own.shape[:2]
        pixels.append(picture)
        shapes.append(shape)
        kept.append(row)
    rows = np.array(kept, np.int64)
    new_row = {old: new for new, old in enumerate(kept)}
    masks = {new_row[r]: m for r, m in saved.masks.items() if r in new_row}
    stack = np.stack(pixels) if pixels else np.zeros((0, size, size, channels), np.uint8)
    images = ImageSet(stack, [saved.paths[r] for r in kept], saved.splits[rows], saved.labels[rows], masks,
                      np.array(shapes, np.int32).reshape(-1, 2))
    return Restored(images, missing, rows)


def restore(engine: Engine, model: AnyAutoencoder, session: Session, restored: Restored | None) -> None:
    """Put a session into ``engine``: its model (trained), score kind, task and, when given, its pictures
    with their saved codes and scores (so nothing needs to run before they are drawn)."""
    specs = session.info.get("denoise") or []
    noise = parse_specs(specs) if specs else ()
    latest, pixels = None, None
    if restored is not None and session.images is not None:
        k = restored.kept
        latest = (session.images.codes[k], session.images.errors[k], session.images.scores[k])
        measured = session.info.get("pixel_auroc")  # of all the pictures: with some gone, unknown
        pixels = float(measured) if measured is not None and len(k) == len(session.images.paths) else None
    engine.adopt(model, session.model_config, session.score, noise,
                 restored.images if restored is not None else None, latest,
                 trained=bool(session.info.get("trained", True)), heat_scale=session.heat_scale, pixel_auroc=pixels)
    epochs = session.info.get("epochs")
    engine.train_epochs = epochs if isinstance(epochs, int) and epochs >= 1 else None
    prefix = session.info.get("prefix")
    if session.model_config.ordered and isinstance(prefix, int):
        engine.set_prefix(prefix)
