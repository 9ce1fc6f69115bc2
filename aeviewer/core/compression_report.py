"""The Compression tab's numbers for an engine's model: its rate-distortion points, JPEG's, and the ladder.

Measured on a sample of pictures (the held-back ones when there are any, else the
training ones), so a report stays quick enough to refresh while training runs.
The JPEG curve depends only on the pictures and is kept until they change.
"""

from __future__ import annotations

import numpy as np

from aeviewer.core.compression import CodeRange, ladder_pictures, model_curve
from aeviewer.core.data import Split
from aeviewer.core.engine import Engine
from aeviewer.core.ordered import ladder
from aeviewer.core.rate_distortion import jpeg_curve
from aeviewer.core.results import CompressionReport

SAMPLE = 96

_jpeg_cache: dict[tuple, tuple] = {}


def _sample(engine: Engine) -> tuple[np.ndarray, str]:
    images = engine.images
    rows = images.indices(Split.TEST)
    which = "held-back pictures"
    if not len(rows):
        rows, which = images.indices(Split.TRAIN), "training pictures"
    if not len(rows):
        rows, which = np.arange(len(images)), "pictures"
    if len(rows) > SAMPLE:
        rows = rows[np.linspace(0, len(rows) - 1, SAMPLE).astype(np.int64)]
    return rows, which


def report(engine: Engine, row: int | None) -> CompressionReport:
    config = engine.model_config
    empty = CompressionReport(engine.model_id, engine.prefix, config.input_values, (), (), 0, "", row)
    if config.architecture != "bottleneck":
        return _with(empty, reason="A U-Net passes detail around its code: it compresses nothing. "
                                   "Choose the Bottleneck model to see compression.")
    rows, which = _sample(engine)
    codes, _errors, _scores = engine.latest()
    train = engine.train_rows
    known = codes[train][np.isfinite(codes[train]).all(axis=1)] if len(train) else codes[:0]
    if not len(rows) or not len(known):
        return _with(empty, reason="No codes yet: the curves appear once the model has seen its pictures.")
    code_range = CodeRange.of(known)
    pictures = engine.images.images[rows]
    key = (id(engine.images), tuple(rows[:4]), len(rows))
    if key not in _jpeg_cache:
        _jpeg_cache.clear()
        _jpeg_cache[key] = tuple(jpeg_curve(pictures))
    model = engine.model
    sizes = sorted({*ladder(config.latent_dim), engine.code_length}) if config.ordered else None
    points = tuple(model_curve(model, pictures, engine.device, code_range, sizes))
    steps: tuple = ()
    if row is not None and config.ordered and 0 <= row < len(engine.images):
        steps = tuple(ladder_pictures(model, engine.images.images[row], engine.device, code_range))
    return CompressionReport(engine.model_id, engine.prefix, config.input_values, points, _jpeg_cache[key],
                             len(rows), which, row, steps)


def _with(r: CompressionReport, reason: str) -> CompressionReport:
    from dataclasses import replace

    return replace(r, reason=reason)
