"""The model and its images in one place, with the live-training bookkeeping.

An ``Engine`` is what the GUI's worker thread (and the CLI) drive. It knows
nothing of Qt: it trains, scores, projects and inspects, and produces immutable
``Snapshot``s for whoever draws them.

Live updates cost almost nothing: every training batch already computes codes
and errors for its images, so those are recorded as they go by. Only the images
that are not trained on (test, dropped) need extra forward passes, and those
run on a time budget so that watching never slows training by much.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from aeviewer.core.config import ModelConfig
from aeviewer.core.data import Split, fit_within, read_picture
from aeviewer.core.denoising import DenoiseResult, denoise_picture
from aeviewer.core.inference import Inspection, inspect, score_images
from aeviewer.core.model import Autoencoder, build_model, resolve_device
from aeviewer.core.noise_kinds import NoiseSpec
from aeviewer.core.projection import StableProjection
from aeviewer.core.scoring import DEFAULT_SCORE, SCORES
from aeviewer.core.training import RunControl, Step, TrainConfig, batch_scores, train_steps

SNAPSHOTS_PER_SECOND = 20
SIDE_EVAL_BUDGET = 0.03  # fraction of training time spent scoring non-training images
BATCH_SCORE_BUDGET = 0.02  # ... and scoring training batches with a score other than MSE
MAX_SHOWN_SIDE = 1024  # denoised pictures in the compare panel are at most this big (saving is full size)


@dataclass(frozen=True)
class Evaluation:
    """Every image under one model: a score and a 2-D point each."""

    model_id: int
    errors: np.ndarray  # (N,) float32, mean squared error; NaN where not yet known
    scores: np.ndarray  # (N,) float32, anomaly score of ``score_kind``; NaN where not yet known
    score_kind: str
    points: np.ndarray  # (N, 2) float32; NaN where not yet known
    heat_scale: float  # top of the fixed difference colour scale
    final: bool  # False while training is in progress (the numbers are moving)


@dataclass(frozen=True)
class Snapshot:
    """What the views draw during training."""

    model_id: int
    step: Step
    losses: np.ndarray  # loss of every batch so far
    evaluation: Evaluation


class Pacer:
    """Says yes at most once per ``interval`` seconds."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.perf_counter) -> None:
        self.interval = interval
        self._clock = clock
        self._last = -float("inf")

    def due(self) -> bool:
        now = self._clock()
        if now - self._last >= self.interval:
            self._last = now
            return True
        return False


class Budget:
    """Schedules a side job so that it takes about ``fraction`` of the wall time."""

    def __init__(self, fraction: float, clock: Callable[[], float] = time.perf_counter) -> None:
        self.fraction = fraction
        self._clock = clock
        self._next = -float("inf")

    def due(self) -> bool:
        return self._clock() >= self._next

    def spent(self, seconds: float) -> None:
        self._next = self._clock() + seconds / self.fraction


class Engine:
    """One model, its images and their latest scores."""

    def __init__(self, model_config: ModelConfig | None = None, device: str = "auto", seed: int = 0) -> None:
        self.seed = seed
        self.model_config = model_config or ModelConfig()
        self.device: torch.device = resolve_device(device)
        self.images = np.zeros(
            (0, self.model_config.image_size, self.model_config.image_size, self.model_config.channels), np.uint8
        )
        self.splits = np.zeros(0, np.int8)
        self.model_id = 0
        self.trained = False
        self.score_kind = DEFAULT_SCORE
        self.train_noise: tuple[NoiseSpec, ...] = ()  # what the model learns to remove; () = reconstruct
        self.test_noise: NoiseSpec | None = None  # added before denoising an image; None = already noisy
        self.sources: dict[int, str] = {}  # full-size files behind dropped images, for denoising
        self._picture_cache: tuple[tuple, np.ndarray] | None = None
        self.model: Autoencoder = self._new_model()

    # -- data -----------------------------------------------------------------
    def set_images(self, images: np.ndarray, splits: np.ndarray) -> None:
        """Replace all images; the model stays, the scores are forgotten."""
        self._check_shape(images)
        self.images = np.ascontiguousarray(images)
        self.splits = np.asarray(splits, np.int8).copy()
        self.sources = {}
        self._picture_cache = None
        self._forget_scores()

    def add_images(self, images: np.ndarray, splits: np.ndarray, sources: list[str | None] | None = None) -> range:
        """Append images; ``sources`` are their files, read again at full size when denoising."""
        self._check_shape(images)
        start = len(self.images)
        for i, src in enumerate(sources or []):
            if src:
                self.sources[start + i] = src
        self.images = np.concatenate([self.images, images])
        self.splits = np.concatenate([self.splits, np.asarray(splits, np.int8)])
        k = self.model_config.latent_dim
        self._codes = np.concatenate([self._codes, np.full((len(images), k), np.nan, np.float32)])
        self._errors = np.concatenate([self._errors, np.full(len(images), np.nan, np.float32)])
        self._scores = np.concatenate([self._scores, np.full(len(images), np.nan, np.float32)])
        return range(start, len(self.images))

    def _check_shape(self, images: np.ndarray) -> None:
        c = self.model_config
        want = (c.image_size, c.image_size, c.channels)
        if images.dtype != np.uint8 or images.shape[1:] != want:
            raise ValueError(f"images must be uint8 of shape (N, {want[0]}, {want[1]}, {want[2]})")

    @property
    def train_rows(self) -> np.ndarray:
        return np.flatnonzero(self.splits == Split.TRAIN)

    # -- model ----------------------------------------------------------------
    def rebuild(
        self,
        model_config: ModelConfig | None = None,
        device: str | None = None,
        train_noise: tuple[NoiseSpec, ...] | None = None,
    ) -> None:
        """A fresh, untrained model (new size, device or task); scores are forgotten."""
        if train_noise is not None:
            self.train_noise = tuple(train_noise)
        if model_config is not None:
            if (model_config.image_size, model_config.channels) != (
                self.model_config.image_size,
                self.model_config.channels,
            ) and len(self.images):
                raise ValueError("the working image size cannot change while images are loaded")
            self.model_config = model_config
        if device is not None:
            self.device = resolve_device(device)
        self.model = self._new_model()

    def _new_model(self) -> Autoencoder:
        self.model_id += 1
        self.trained = False
        model = build_model(self.model_config, seed=self.seed).to(self.device)
        model.eval()
        self._projection = StableProjection()
        self._forget_scores()
        return model

    def _forget_scores(self) -> None:
        n, k = len(self.images), self.model_config.latent_dim
        self._codes = np.full((n, k), np.nan, np.float32)
        self._errors = np.full(n, np.nan, np.float32)
        self._scores = np.full(n, np.nan, np.float32)
        self._heat_scale = 1.0

    # -- inference ------------------------------------------------------------
    def evaluate(self) -> Evaluation:
        """Score every image with the current model (a full pass)."""
        self._score_rows(np.arange(len(self.images)))
        return self._evaluation(final=True)

    def _score_rows(self, rows: np.ndarray) -> None:
        if len(rows) == 0:
            return
        train = self.train_rows
        heat_local = np.flatnonzero(np.isin(rows, train))
        scores = score_images(self.model, self.images[rows], self.device, heat_rows=heat_local, kind=self.score_kind)
        self._codes[rows] = scores.codes
        self._errors[rows] = scores.errors
        self._scores[rows] = scores.scores
        if scores.heat_scale is not None:
            self._heat_scale = scores.heat_scale

    def refresh(self, rows: range | np.ndarray, final: bool) -> Evaluation:
        """Score just ``rows`` (say, images that were just added) and report everything."""
        self._score_rows(np.asarray(rows, np.int64))
        return self._evaluation(final)

    def _evaluation(self, final: bool) -> Evaluation:
        known = np.flatnonzero(~np.isnan(self._errors))
        points = np.full((len(self.images), 2), np.nan, np.float32)
        if len(known):
            fit = np.flatnonzero(np.isin(known, self.train_rows))
            points[known] = self._projection.fit_transform(self._codes[known], fit)
        return Evaluation(
            self.model_id, self._errors.copy(), self._scores.copy(), self.score_kind, points, self._heat_scale, final
        )

    def set_score_kind(self, kind: str) -> Evaluation:
        """Score every image the new way (a full pass)."""
        if kind not in SCORES:
            raise ValueError(f"unknown score {kind!r}: use one of {', '.join(SCORES)}")
        self.score_kind = kind
        return self.evaluate()

    @property
    def denoising(self) -> bool:
        return bool(self.train_noise)

    def inspect(self, index: int) -> Inspection:
        if not 0 <= index < len(self.images):
            raise IndexError(f"no image {index}")
        if not self.denoising:
            return inspect(self.model, self.images, index, self.device, self.model_id)
        result = self.denoise(index, max_side=MAX_SHOWN_SIDE)
        return Inspection(
            model_id=self.model_id,
            index=index,
            input=result.noisy,
            recon=result.output,
            difference=result.residual,
            error=result.error,
            denoising=True,
            clean=result.clean,
            quality=result.quality(),
            noise=result.noise.describe() if result.noise is not None else "",
        )

    def picture(self, index: int, max_side: int | None = None) -> np.ndarray:
        """Image ``index`` as float (H, W, C): its file at full size when it has one, else the working image.

        The last picture read is kept, so refreshing the selected image during training reads no file.
        """
        key = (index, max_side, self.sources.get(index))
        if self._picture_cache is not None and self._picture_cache[0] == key:
            return self._picture_cache[1]
        pixels = self.images[index]
        if key[2] is not None:
            try:
                pixels = read_picture(key[2], self.model_config.channels)
            except ValueError:
                pass  # gone or changed since it was loaded: the working copy still stands
        if max_side is not None:
            pixels = fit_within(pixels, max_side)
        picture = pixels.astype(np.float32) / 255.0
        self._picture_cache = (key, picture)
        return picture

    def denoise(
        self, index: int, max_side: int | None = None, progress: Callable[[int, int], None] | None = None
    ) -> DenoiseResult:
        """Image ``index`` with the test noise added (or as it is, when there is none), cleaned by the model.

        The noise is seeded by the index, so the same image shows the same noise every time.
        ``progress(tiles_done, tiles)`` is called as the tiles are cleaned.
        """
        picture = self.picture(index, max_side)
        return denoise_picture(self.model, picture, self.device, self.test_noise, seed=index, progress=progress)

    # -- training -------------------------------------------------------------
    def _live_scorer(self, clock: Callable[[], float]):
        """Scores of training batches for the live histogram, on a time budget (MSE is free)."""
        if self.score_kind == "mse":
            return None
        budget = Budget(BATCH_SCORE_BUDGET, clock)
        kind = self.score_kind

        def scorer(inputs, recons):
            if not budget.due():
                return None
            t0 = clock()
            scores = batch_scores(inputs, recons, kind)
            budget.spent(clock() - t0)
            return scores

        return scorer

    def train(
        self,
        config: TrainConfig,
        control: RunControl | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> Iterator[Snapshot | None]:
        """Train on the TRAIN images; yield after every batch.

        Yields a ``Snapshot`` at most SNAPSHOTS_PER_SECOND times a second (and
        always after the last batch, with a full evaluation), else ``None``.
        """
        rows = self.train_rows
        if len(rows) == 0:
            raise ValueError("there are no training images: add some, or open the demo")
        self.train_noise = tuple(config.denoise)
        pacer, budget = Pacer(1.0 / SNAPSHOTS_PER_SECOND, clock), Budget(SIDE_EVAL_BUDGET, clock)
        losses: list[float] = []
        last: Step | None = None
        self.trained = False
        scorer = self._live_scorer(clock)
        for step in train_steps(self.model, self.images[rows], config, self.device, control, scorer):
            last = step
            losses.append(step.loss)
            self._codes[rows[step.rows]] = step.codes
            self._errors[rows[step.rows]] = step.errors
            if self.score_kind == "mse":
                self._scores[rows[step.rows]] = step.errors
            elif step.scores is not None:  # else side evaluations refresh them
                self._scores[rows[step.rows]] = step.scores
            side = np.flatnonzero(self.splits != Split.TRAIN)  # images may arrive mid-run
            if len(side) and budget.due():
                t0 = clock()
                self._score_rows(np.concatenate([side, rows[:32]]))  # a few train rows fix the heat scale
                budget.spent(clock() - t0)
            if pacer.due():
                yield Snapshot(self.model_id, step, np.array(losses, np.float32), self._evaluation(final=False))
            else:
                yield None
        if last is None:
            return
        stopped = control is not None and control.stop_requested
        self.trained = not stopped
        yield Snapshot(self.model_id, last, np.array(losses, np.float32), self.evaluate())
