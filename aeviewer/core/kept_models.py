"""Models trained at one code size, kept so that moving the slider back to their size shows them at once.

When a trained model of one size (not an ordered one) is replaced by a new model,
it is kept here with the scores it had, keyed by everything that makes two models
comparable: the configuration (size, architecture, method, picture shape) and
what it learned to remove. New pictures make the kept models' codes partial (their
rows are unknown until scored); other pictures altogether make them useless, and
they are dropped. At most MAX_KEPT are kept, the oldest going first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from aeviewer.core.config import ModelConfig
from aeviewer.core.model import AnyAutoencoder
from aeviewer.core.noise_kinds import NoiseSpec

MAX_KEPT = 8


@dataclass
class Kept:
    model: AnyAutoencoder
    config: ModelConfig
    train_noise: tuple[NoiseSpec, ...]
    codes: np.ndarray
    errors: np.ndarray
    scores: np.ndarray
    score_kind: str
    heat_scale: float

    def padded(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Codes, errors and scores for ``n`` pictures (the ones added since are unknown: NaN)."""
        extra = n - len(self.errors)
        if extra <= 0:
            return self.codes[:n], self.errors[:n], self.scores[:n]
        return (np.concatenate([self.codes, np.full((extra, self.codes.shape[1]), np.nan, np.float32)]),
                np.concatenate([self.errors, np.full(extra, np.nan, np.float32)]),
                np.concatenate([self.scores, np.full(extra, np.nan, np.float32)]))


class KeptModels:
    def __init__(self) -> None:
        self._kept: OrderedDict[tuple, Kept] = OrderedDict()

    @staticmethod
    def _key(config: ModelConfig, train_noise: tuple[NoiseSpec, ...]) -> tuple:
        return (config, tuple(train_noise))

    def keep(self, entry: Kept) -> None:
        key = self._key(entry.config, entry.train_noise)
        self._kept.pop(key, None)
        self._kept[key] = entry
        while len(self._kept) > MAX_KEPT:
            self._kept.popitem(last=False)

    def sizes(self, like: ModelConfig, train_noise: tuple[NoiseSpec, ...]) -> tuple[int, ...]:
        """Code sizes kept for models like ``like`` (all but the size equal) learning the same task."""
        return tuple(sorted(e.config.latent_dim for e in self._kept.values() if self._matches(e, like, train_noise)))

    def take(self, like: ModelConfig, train_noise: tuple[NoiseSpec, ...], size: int) -> Kept | None:
        for key, e in self._kept.items():
            if e.config.latent_dim == size and self._matches(e, like, train_noise):
                return self._kept.pop(key)
        return None

    @staticmethod
    def _matches(e: Kept, like: ModelConfig, train_noise: tuple[NoiseSpec, ...]) -> bool:
        from dataclasses import replace

        return replace(e.config, latent_dim=like.latent_dim) == like and e.train_noise == tuple(train_noise)

    def clear(self) -> None:
        self._kept.clear()

    def forget_pictures(self) -> None:
        """Other pictures are shown (another page of the same folder): the models stay, their codes and
        scores become unknown (``padded`` gives NaN for every picture until they are scored again)."""
        for e in self._kept.values():
            e.codes, e.errors, e.scores = e.codes[:0], e.errors[:0], e.scores[:0]

    def __len__(self) -> int:
        return len(self._kept)
