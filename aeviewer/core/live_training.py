"""Training with the views live: the Engine's training half (core.engine holds the rest).

Every training batch already computes codes and errors for its images, so
those are recorded as they go by. Only the images that are not trained on
(test, dropped) need extra forward passes, and those run on a time budget so
that watching never slows training by much. A run nobody watches
(``live=False``, the CLI) records nothing and evaluates once, at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np
from threadpoolctl import threadpool_limits

from aeviewer.core.config import TrainConfig
from aeviewer.core.data import Split
from aeviewer.core.distributed import SINGLE, World
from aeviewer.core.inference import fit_score_stats
from aeviewer.core.pacing import Budget, Pacer
from aeviewer.core.patches import FullPictures, fit_full_stats, fit_texture
from aeviewer.core.results import Interrupted, Snapshot
from aeviewer.core.scoring import COMBINED_SCORE
from aeviewer.core.streaming import PictureStream
from aeviewer.core.tile_parts import combined_of_parts, fit_parts, fit_texture_spreads
from aeviewer.core.training import RunControl, batch_scores, train_steps
from aeviewer.core.training.loop import Resume, Trainer

if TYPE_CHECKING:
    import torch

    from aeviewer.core.config import ModelConfig
    from aeviewer.core.data import ImageSet
    from aeviewer.core.model import AnyAutoencoder
    from aeviewer.core.noise_kinds import NoiseSpec
    from aeviewer.core.results import ImageResults
    from aeviewer.core.scored_images import Pass

SNAPSHOTS_PER_SECOND = 10  # the window draws each view about ten times a second
SNAPSHOT_BUDGET = 0.02  # ... and a snapshot of many pictures (its PCA, its evaluation) may take this share
LIVE_STATS_PICTURES = 48  # training pictures the combined score's yardsticks are measured on mid-run
LIVE_STATS_TILED = 8  # ... by a tile model, which scores each whole in tiles (48 took 90 % of its side evaluation)
SIDE_EVAL_BUDGET = 0.02  # fraction of training time spent scoring non-training images
BATCH_SCORE_BUDGET = 0.01  # ... and scoring training batches with a score other than MSE
ORDERED_TRAIN_SLICE = 128  # training rows of an ordered model scored per side evaluation
PATCH_SLICE = 16  # pictures of a tile model (core.patches) scored whole per side evaluation


class Turn:
    """Slices of rows in turn: each from where the last left off, from the start again after the end."""

    def __init__(self) -> None:
        self.at = 0

    def take(self, rows: np.ndarray, k: int) -> np.ndarray:
        if self.at >= len(rows):
            self.at = 0
        part = rows[self.at : self.at + k]
        self.at += k
        return part


def spread(rows: np.ndarray) -> np.ndarray:
    """``rows`` in an order that mixes the folders they came from (a folder's pictures are loaded
    together): the first few scored of a test set then hold normal and defective ones both."""
    return rows[np.argsort((rows * 0.6180339887) % 1.0, kind="stable")]


class LiveTraining:
    """Engine's training methods (a mixin: they use the engine's model, pictures and scores)."""

    if TYPE_CHECKING:  # what they use of the engine
        model: AnyAutoencoder
        model_config: ModelConfig
        images: ImageSet
        device: torch.device
        model_id: int
        score_kind: str
        train_noise: tuple[NoiseSpec, ...]
        train_epochs: int | None
        trained: bool
        _codes: np.ndarray
        _errors: np.ndarray
        _scores: np.ndarray

        @property
        def train_rows(self) -> np.ndarray: ...
        def _results(self, final: bool) -> ImageResults: ...
        def _score_rows(self, rows: np.ndarray, unusual: np.ndarray | None = None, report: bool = False,
                        parts: bool = False, done: int = 0, total: int | None = None) -> Pass: ...
        def evaluate(self, scored: np.ndarray | None = None) -> ImageResults: ...
        def full_pictures(self, scale: float | None = None) -> FullPictures: ...
        def patch_stream(self, config: TrainConfig) -> PictureStream: ...

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
        live: bool = True,
        clock: Callable[[], float] = time.perf_counter,
        world: World = SINGLE,
        resume: Resume | None = None,
        on_epoch: Callable[[Trainer, int], None] | None = None,
        stream: PictureStream | None = None,
    ) -> Iterator[Snapshot | None]:
        """Train on the TRAIN images; yield after every batch.

        Yields a ``Snapshot`` at most SNAPSHOTS_PER_SECOND times a second (less when its
        results take more than SNAPSHOT_BUDGET of the time), else ``None``,
        and always one after the last batch, with a full evaluation. With ``live`` off
        (nobody draws), the snapshots before the last carry no results and cost nothing.
        ``world``, ``resume`` and ``on_epoch`` go to the loop (``core.training.loop``); under
        torchrun only rank 0 evaluates at the end (the others' last snapshot has no results).
        With a ``stream`` the training pictures come from their files (``core.streaming``) and
        the engine's own pictures are a sample, for the snapshots and the final evaluation.

        numpy's BLAS is held to one thread meanwhile: its threads spin after every call
        (the scatter's PCA), and spinning threads took the cores torch trains on (3.4x
        slower on 2 cores).
        """
        rows = self.train_rows
        if len(rows) == 0:
            raise ValueError("there are no training images: add some, or open the demo")
        self.train_noise, self.train_epochs = tuple(config.denoise), config.epochs
        pacer, budget = Pacer(1.0 / SNAPSHOTS_PER_SECOND, clock), Budget(SNAPSHOT_BUDGET, clock)
        losses: list[float] = []
        self.trained = False
        tiles = stream is None and self.model_config.patches
        if tiles:
            stream = self.patch_stream(config)  # random crops at full size, row i a crop of train row i
        with threadpool_limits(limits=1, user_api="blas"):
            pictures = self.images.images[rows] if stream is None else stream
            # A file stream's batches are of files, not of these pictures; a tile model's are crops of them.
            recorded = live and (stream is None or tiles)
            steps = train_steps(self.model, pictures, config, self.device, control,
                                self._live_scorer(clock) if recorded and not tiles else None, record=recorded,
                                world=world, resume=resume, on_epoch=on_epoch)
            record = None
            if live:
                record = (self._recorder(rows, clock) if stream is None
                          else self._tile_recorder(rows, clock) if tiles else self._sample_recorder(clock))
            step = None
            for step in steps:
                losses.append(step.loss)
                if record is not None:
                    record(step)
                if budget.due() and pacer.due():
                    t0 = clock()
                    results = self._results(final=False) if live else None
                    budget.spent(clock() - t0)
                    yield Snapshot(self.model_id, step, np.array(losses, np.float32), results)
                else:
                    yield None
            if step is None:
                return
            self.trained = not (control is not None and control.stop_requested)
            if not world.main:
                yield Snapshot(self.model_id, step, np.array(losses, np.float32), None)
                return
            yield Snapshot(self.model_id, step, np.array(losses, np.float32), self._final_results())

    def _final_results(self) -> ImageResults:
        """Every picture scored at the end of a run, the combined score's yardsticks measured again on all
        the training pictures (of the page on show now) first. A tile model's training pictures are
        measured by the pass that scores them (``core.tile_parts``), and their combined scores counted
        again in the new yardsticks: at full size a pass over 1,000 large pictures takes a minute."""
        train = self.train_rows
        if not self.model_config.patches or getattr(self.model, "score_stats", None) is None:
            self._fit_score_stats(train)
            return self.evaluate()
        # the texture's Gaussian first (a quick pass over patches drawn from them); its spreads, like the
        # yardsticks, from the numbers the scoring pass measures. A pass given up (the window closing)
        # leaves the texture as it was, not a Gaussian without its spreads.
        texture = getattr(self.model, "texture", None)
        before = {k: v.clone() for k, v in texture.state_dict().items()} if texture is not None else None
        gaussian = fit_texture(self.model, self.full_pictures().subset(train), self.device, gaussian_only=True)
        try:
            parts = self._score_rows(train, report=True, parts=True, total=len(self.images)).parts
        except Interrupted:
            if texture is not None and before is not None:
                texture.load_state_dict(before)
            raise
        if parts is not None:
            if gaussian:
                fit_texture_spreads(self.model, parts)
            fit_parts(self.model, parts)
            if self.score_kind == COMBINED_SCORE:
                self._scores[train] = combined_of_parts(self.model, parts)
        return self.evaluate(scored=train)

    def _score_live(self, rows: np.ndarray) -> None:
        """Score ``rows`` in the middle of a run. The combined score's yardsticks move as the model
        learns: they are measured again first, on a few training pictures (all of them at the end)."""
        if self.score_kind == COMBINED_SCORE:
            self._fit_score_stats(self.train_rows[: LIVE_STATS_TILED if self.model_config.patches
                                                  else LIVE_STATS_PICTURES], final=False)
        self._score_rows(rows)

    def _fit_score_stats(self, rows: np.ndarray, final: bool = True) -> None:
        if self.model_config.patches:
            fit_full_stats(self.model, self.full_pictures().subset(rows), self.device, refit_texture=final)
        else:
            fit_score_stats(self.model, self.images.images[rows], self.device)

    def _sample_recorder(self, clock: Callable[[], float]):
        """A streamed run (the engine's pictures are a sample of the files) or a tile model's: the
        pictures are scored a slice at a time, in turn, on a budget."""
        budget = Budget(SIDE_EVAL_BUDGET, clock)
        next_rows = self._in_turn(PATCH_SLICE if self.model_config.patches else ORDERED_TRAIN_SLICE)

        def record(_step) -> None:
            if budget.due():
                t0 = clock()
                self._score_live(next_rows())
                budget.spent(clock() - t0)

        return record

    def _in_turn(self, n: int) -> Callable[[], np.ndarray]:
        """``n`` rows at each call: first the pictures not trained on (the test pictures the Anomalies
        tab ranks), at least a quarter training pictures (whose scores set the threshold), each kind
        in turn from where the last call left off."""
        side_turn, train_turn = Turn(), Turn()

        def next_rows() -> np.ndarray:
            splits = self.images.splits  # pictures may arrive mid-run
            side = side_turn.take(spread(np.flatnonzero(splits != Split.TRAIN)), n - n // 4)
            return np.concatenate([side, train_turn.take(np.flatnonzero(splits == Split.TRAIN), n - len(side))])

        return next_rows

    def _tile_recorder(self, rows: np.ndarray, clock: Callable[[], float]):
        """A tile model trains on crops: each batch places its pictures in the scatter by the code of
        the crop it just saw (the final evaluation by the mean code of all their tiles), so every
        point moves as the model learns; errors and scores are of whole pictures only, a few in turn."""
        scored = self._sample_recorder(clock)

        def record(step) -> None:
            if step.codes is not None:
                self._codes[rows[step.rows[: len(step.codes)]]] = step.codes
            scored(step)

        return record

    def _recorder(self, rows: np.ndarray, clock: Callable[[], float]):
        """Keeps codes, errors and scores from each training batch; scores the other images on a budget."""
        budget = Budget(SIDE_EVAL_BUDGET, clock)

        turn = Turn()  # an ordered model's training rows are scored in turn, a slice per side evaluation

        def record(step) -> None:
            batch = rows[step.rows]
            self._codes[batch[: len(step.codes)]] = step.codes
            if step.errors is not None:  # None: an ordered code's batch, rebuilt from random lengths
                self._errors[batch] = step.errors
                if self.score_kind == "mse":
                    self._scores[batch] = step.errors
            if step.scores is not None:  # else side evaluations refresh them
                self._scores[batch] = step.scores
            side = np.flatnonzero(self.images.splits != Split.TRAIN)  # images may arrive mid-run
            if (len(side) or step.errors is None) and budget.due():
                t0 = clock()
                # an ordered model's training rows in turn, else a few that fix the heat scale
                chunk = turn.take(rows, ORDERED_TRAIN_SLICE) if step.errors is None else rows[:32]
                self._score_live(np.concatenate([side, chunk]))
                budget.spent(clock() - t0)

        return record
