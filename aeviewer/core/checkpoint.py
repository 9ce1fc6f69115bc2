"""A training run's session, written while it runs: to resume it, and to watch it from a window.

``aeviewer train`` hands a ``Checkpointer`` to the loop as its ``on_epoch``: every
``every`` epochs (and at the end) rank 0 writes the session, atomically, with a
``Checkpoint``: the epochs done, the batch losses, Adam's state and a sample of the
pictures (at most ``core.large_folders.SAMPLE_PICTURES`` of each split, the same rows every time) with
their codes and scores under the model as it is. ``--resume`` reads it back
(``resume_from``); File > Follow a training run in the window shows it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from aeviewer.core.data import Split
from aeviewer.core.distributed import SINGLE, World
from aeviewer.core.evaluation import default_threshold
from aeviewer.core.inference import score_images
from aeviewer.core.large_folders import sample_rows
from aeviewer.core.session import Checkpoint, SavedImages, Session, SessionError, save_session
from aeviewer.core.training.loop import Resume

if TYPE_CHECKING:
    from aeviewer.core.engine import Engine
    from aeviewer.core.training.loop import Trainer

MAX_LOSSES = 4096  # batch losses kept in a checkpoint (thinned evenly beyond that)
DEFAULT_EVERY = 5  # epochs between two checkpoints
MIN_SECONDS = 20.0  # ... and at least this long: a run of a few seconds has nothing to resume or follow


def thinned(losses: list[float] | np.ndarray, most: int = MAX_LOSSES) -> np.ndarray:
    """At most ``most`` of the losses, evenly spread, the last one always kept."""
    values = np.asarray(losses, np.float32)
    if len(values) <= most:
        return values
    return values[np.linspace(0, len(values) - 1, most).round().astype(np.int64)]


@dataclass
class Checkpointer:
    """Writes the run's session every ``every`` epochs; ``info`` is what the session says of the run."""

    path: str
    engine: Engine
    epochs: int
    info: dict[str, Any]
    every: int = DEFAULT_EVERY
    world: World = SINGLE
    losses: list[float] = field(default_factory=list)  # from earlier in a resumed run
    written: int = 0  # checkpoints written by this process
    _last: float = field(default_factory=time.monotonic)  # the start, or the last checkpoint

    def __call__(self, trainer: Trainer, epoch: int) -> None:
        done = epoch + 1
        if not self.world.main or self.every <= 0 or done % self.every or done >= self.epochs:
            return  # the last epoch's session is the final one, written after the evaluation
        if time.monotonic() - self._last < MIN_SECONDS:
            return  # (scoring the sample cost a short run 7 % of its time)
        self.write(trainer, done)
        self._last = time.monotonic()

    def write(self, trainer: Trainer, done: int) -> None:
        sample, heat = picture_sample(self.engine)
        train_scores = sample.scores[sample.splits == Split.TRAIN]
        session = self.session((default_threshold(train_scores), train_scores, heat), finished=False, done=done,
                               losses=[*self.losses, *trainer.losses], learning_rate=trainer.learning_rate,
                               optimiser=trainer.optimiser.state_dict(), sample=sample)
        save_session(self.path, self.engine.model, session)
        self.written += 1

    def session(self, threshold_scores: tuple[float, np.ndarray, float], finished: bool, done: int,
                losses: list[float], learning_rate: float, optimiser: dict | None,
                sample: SavedImages | None = None) -> Session:
        """The run's session as it stands: the model, the run's info, the checkpoint and its sample."""
        threshold, train_scores, heat = threshold_scores
        engine = self.engine
        return Session(
            model_config=engine.model_config, score=engine.score_kind, threshold=threshold, heat_scale=heat,
            train_scores=train_scores, info={**self.info, "world_size": self.world.size, "epochs_done": done},
            checkpoint=Checkpoint(
                epochs_done=done, epochs=self.epochs, world_size=self.world.size, finished=finished,
                written=time.time(), learning_rate=learning_rate, losses=thinned(losses),
                optimiser=optimiser, sample=sample if sample is not None else picture_sample(engine)[0],
            ),
        )


def usable_kind(engine: Engine) -> str:
    """The engine's score kind, or worst patch while the combined score's yardsticks are not yet measured."""
    if engine.score_kind == "combined":
        stats = getattr(engine.model, "score_stats", None)
        if stats is None or bool(stats.isnan().any()):
            return "local"
    return engine.score_kind


def picture_sample(engine: Engine) -> tuple[SavedImages, float]:
    """A sample of the engine's pictures (all stored in the file) with their codes and scores now, and the
    heat scale of its training pictures."""
    images = engine.images
    rows = sample_rows(images.splits)
    train = np.flatnonzero(images.splits[rows] == Split.TRAIN)
    scores = score_images(engine.model, images.images[rows], engine.device, heat_rows=train, kind=usable_kind(engine))
    new_row = {int(r): i for i, r in enumerate(rows)}
    saved = SavedImages(
        paths=[images.paths[r] for r in rows], splits=images.splits[rows], labels=images.labels[rows],
        stored_rows=np.arange(len(rows), dtype=np.int64), stored=images.images[rows],
        codes=scores.codes, errors=scores.errors, scores=scores.scores,
        masks={new_row[r]: m for r, m in images.masks.items() if r in new_row}, shapes=images.shapes[rows],
    )
    return saved, scores.heat_scale or 1.0


def resume_from(session: Session) -> Resume:
    """Where to go on from, or a SessionError saying why this session cannot be resumed."""
    cp = session.checkpoint
    if cp is not None and cp.finished:
        raise SessionError(f"this run finished all its {cp.epochs} epochs: there is nothing to resume")
    if cp is None or cp.optimiser is None:
        raise SessionError("this session has no checkpoint to resume from (it was not written by aeviewer train)")
    return Resume(epochs_done=cp.epochs_done, optimiser=cp.optimiser, learning_rate=cp.learning_rate)
