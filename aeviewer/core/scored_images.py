"""The Engine's scoring half: every picture's latest code, error and score, and whole passes over them.

A pass goes a chunk at a time, asking ``interrupted`` between chunks (closing the window never waits
for 100,000 pictures) and, for whole passes, telling ``scoring`` how far it has come (a tile model
scores each picture whole at its own size: opening a session of 1,000 large pictures takes minutes).
Between two chunks, and between two pictures of a tile model's, ``beside`` runs what may run beside
the pass (the window inspects the picture a person clicks meanwhile, rather than after the pass).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from aeviewer.core.data import Split
from aeviewer.core.evaluation import evaluate
from aeviewer.core.inference import pixel_auroc, score_images
from aeviewer.core.patches import pixel_rows, score_full
from aeviewer.core.results import ImageResults, Interrupted
from aeviewer.core.scoring import SCORES
from aeviewer.core.unusual_maps import full_pixel_auroc

if TYPE_CHECKING:
    import torch

    from aeviewer.core.config import ModelConfig
    from aeviewer.core.data import ImageSet
    from aeviewer.core.model import AnyAutoencoder
    from aeviewer.core.patches import FullPictures
    from aeviewer.core.projection import StableProjection

SCORE_CHUNK = 2048  # pictures scored between two looks at ``interrupted``


class Pass(NamedTuple):
    """What a pass over some pictures leaves beside their scores (``ScoredImages._score_rows``)."""

    maps: dict[int, np.ndarray]  # a tile model's maps of where pictures are unusual, by row, where asked for
    parts: np.ndarray | None  # (N, PARTS): a tile model's combined-score parts, where asked for


class ScoredImages:
    """A mixin: the engine's latest results for every picture, and the passes that make them."""

    if TYPE_CHECKING:  # what it uses of the engine
        model: AnyAutoencoder
        model_config: ModelConfig
        model_id: int
        images: ImageSet
        device: torch.device
        trained: bool
        score_kind: str
        score_asked: str | None
        prefix: int | None
        _projection: StableProjection
        interrupted: Callable[[], bool]
        scoring: Callable[[int, int], None]
        beside: Callable[[], None]

        @property
        def train_rows(self) -> np.ndarray: ...

        @property
        def code_length(self) -> int: ...

        def full_pictures(self, scale: float | None = None) -> FullPictures: ...

    _codes: np.ndarray  # (N, K) latest code of every image; NaN where not yet known
    _errors: np.ndarray  # (N,) latest mean squared error
    _scores: np.ndarray  # (N,) latest anomaly score of ``score_kind``

    def _forget_scores(self) -> None:
        n, k = len(self.images), self.model_config.latent_dim
        self._codes = np.full((n, k), np.nan, np.float32)
        self._errors = np.full(n, np.nan, np.float32)
        self._scores = np.full(n, np.nan, np.float32)
        self._heat_scale = 1.0
        self._pixels: float | None = None  # pixel AUROC of this model on these images, once measured

    def latest(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copies of every picture's latest code, error and score (NaN where not known yet)."""
        return self._codes.copy(), self._errors.copy(), self._scores.copy()

    @property
    def heat_scale(self) -> float:
        return self._heat_scale

    @property
    def pixel_auroc(self) -> float | None:
        """The pixel AUROC of this model on these pictures' defect masks, once measured (None: not)."""
        return self._pixels

    @property
    def has_scores(self) -> bool:
        """Whether every picture has a score (after opening a session that kept them, say)."""
        return bool(len(self._scores)) and not np.isnan(self._scores).any()

    # -- passes ---------------------------------------------------------------
    def evaluate(self, scored: np.ndarray | None = None) -> ImageResults:
        """Score every image with the current model (a full pass), but the rows of ``scored``, whose
        scores are current already; with defect masks, the pixel AUROC too (a tile model's maps kept
        from the same pass)."""
        test = self.images.indices(Split.TEST)
        masked = bool(self.images.masks) and self.trained
        keep = pixel_rows(self.images, test) if masked and self.model_config.patches else []
        rows = np.arange(len(self.images))
        rows = rows if scored is None else np.setdiff1d(rows, scored)
        maps = self._score_rows(rows, unusual=test[keep], report=True, done=len(self.images) - len(rows)).maps
        self._pixels = None
        if masked and not self.model_config.patches:
            self._pixels = pixel_auroc(self.model, self.images.images, self.images.labels, self.images.masks, test,
                                       self.device)
        elif keep:
            self._pixels = full_pixel_auroc(self.images, test, {k: maps[int(test[k])] for k in keep})
        return self._results(final=True)

    def _score_rows(self, rows: np.ndarray, unusual: np.ndarray | None = None, report: bool = False,
                    parts: bool = False, done: int = 0, total: int | None = None) -> Pass:
        """Codes, errors and scores of ``rows``, a chunk at a time: between two chunks ``interrupted``
        is asked, so that closing the window never waits for 100,000 pictures to be scored, and, with
        ``report``, ``scoring`` is told how many are done (counting ``done`` scored before, of ``total``
        in all: by default these rows and those). A tile model's
        maps of where the pictures of ``unusual`` are unusual come back, by row, and with ``parts`` its
        pictures' combined-score parts (``core.tile_parts``), in the order of ``rows``."""
        total = done + len(rows) if total is None else total
        heat_done = False
        maps: dict[int, np.ndarray] = {}
        measured: list[np.ndarray] = []
        for start in range(0, len(rows), SCORE_CHUNK):
            if self._between_pictures():
                raise Interrupted("scoring was interrupted")
            if report:
                self.scoring(done + start, total)
            chunk = rows[start : start + SCORE_CHUNK]
            heat_local = np.flatnonzero(np.isin(chunk, self.train_rows)) if not heat_done else None
            if self.model_config.patches:
                wanted = np.flatnonzero(np.isin(chunk, unusual)) if unusual is not None and len(unusual) else ()
                # each picture whole at its own size (0.1 s for a 500 px one here): say how far it has come
                told = (lambda k, at=done + start: self.scoring(at + k, total)) if report else None
                scores = score_full(self.model, self.full_pictures().subset(chunk), self.device, self.score_kind,
                                    heat_local if heat_local is not None else (), interrupted=self._between_pictures,
                                    unusual=wanted, progress=told, parts=parts)
                maps.update({int(chunk[k]): m for k, m in scores.maps.items()})
                if scores.parts is not None:
                    measured.append(scores.parts)
            else:
                scores = score_images(
                    self.model, self.images.images[chunk], self.device, heat_rows=heat_local, kind=self.score_kind
                )
            self._codes[chunk] = scores.codes
            self._errors[chunk] = scores.errors
            self._scores[chunk] = scores.scores
            if scores.heat_scale is not None:
                self._heat_scale = scores.heat_scale
                heat_done = True
        if report:
            self.scoring(done + len(rows), total)
        return Pass(maps, np.concatenate(measured) if measured else None)

    def refresh(self, rows: range | np.ndarray, final: bool) -> ImageResults:
        """Score just ``rows`` (say, images that were just added) and report everything."""
        self._score_rows(np.asarray(rows, np.int64), report=True)
        return self._results(final)

    def _results(self, final: bool) -> ImageResults:
        known = np.flatnonzero(~np.isnan(self._codes).any(axis=1))  # a picture's point needs its code
        points = np.full((len(self.images), 2), np.nan, np.float32)
        if len(known):
            fit = np.flatnonzero(self.images.splits[known] == Split.TRAIN)
            codes = self._codes[known][:, : self.code_length]  # an ordered model's first k numbers
            points[known] = self._projection.fit_transform(codes, fit)
        scores = self._scores.copy()
        ev = evaluate(scores, self.images.splits, self.images.labels, self.score_kind, pixel_auroc=self._pixels)
        return ImageResults(self.model_id, self._errors.copy(), points, self._heat_scale, final, ev, self.prefix,
                            self._projection.explained if self.code_length > 2 else None)

    def _between_pictures(self) -> bool:
        """Run what may run beside a pass, then say whether to give it up."""
        self.beside()
        return self.interrupted()

    def set_score_kind(self, kind: str) -> ImageResults:
        """Score every image the new way (a full pass)."""
        if kind not in SCORES:
            raise ValueError(f"unknown score {kind!r}: use one of {', '.join(SCORES)}")
        if SCORES[kind].learned and self.model_config.method != "synthetic":
            raise ValueError("the learned score needs a model trained on synthetic defects")
        self.score_kind = self.score_asked = kind
        return self.evaluate()
