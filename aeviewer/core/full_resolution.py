"""The Engine's full-resolution half: every picture kept at its own size for a tile model.

A tile model (``ModelConfig.patches``, see ``core.patches``) trains on random crops of the
pictures at their own size and scores each whole, in tiles; the pictures at full size are
read once from their files and kept here, for these very pictures at one scale and tile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aeviewer.core.patches import FullPictures, PatchCrops
from aeviewer.core.streaming import PictureStream

if TYPE_CHECKING:
    import numpy as np

    from aeviewer.core.config import ModelConfig, TrainConfig
    from aeviewer.core.data import ImageSet


class FullResolution:
    """A mixin: ``full_pictures`` and the stream of crops a tile model trains on."""

    if TYPE_CHECKING:  # what it uses of the engine
        model_config: ModelConfig
        images: ImageSet
        stream_paths: tuple[str, ...]

        @property
        def train_rows(self) -> np.ndarray: ...

    _full: FullPictures | None = None
    _full_key: tuple[ImageSet, float, int] | None = None  # the pictures, patch scale and tile they are for

    def _forget_full(self) -> None:
        """Let the full-size pictures go (new pictures: their memory goes with the old ones)."""
        self._full = self._full_key = None

    def full_pictures(self, scale: float | None = None) -> FullPictures:
        """Every picture at full size, at ``scale`` (the model's patch scale unless given): read once
        from the files and kept. Raises ValueError (and keeps what it had) when they would not fit."""
        scale = self.model_config.patch_scale if scale is None else scale
        if self._full is None or not self._same_key(scale):
            self._full = FullPictures.of(self.images, scale, self.model_config.image_size)
            self._full_key = self._key_for(scale)
        return self._full

    def prepare_full_resolution(self, config: ModelConfig) -> None:
        """For a run of ``config``: read the pictures at full size now if it is a tile model's. Raises
        ValueError with the reason, in words, when they cannot be kept (nothing changes then)."""
        if not config.patches:
            return
        if self.stream_paths:
            raise ValueError("Full resolution keeps every picture in memory at its own size: it cannot train "
                             "on a folder this large. Train at working size, or open fewer pictures.")
        try:
            self.full_pictures(config.patch_scale)
        except ValueError as exc:
            raise ValueError(f"Full resolution: {exc}.") from None

    def _full_added(self, before: ImageSet, added: ImageSet) -> None:
        """``added`` was appended to ``before`` (now ``self.images``): extend what is kept, if anything."""
        k, scale = self._full_key, self.model_config.patch_scale
        if self._full is None or k is None or k[0] is not before or k[1:] != (scale, self.model_config.image_size):
            self._forget_full()
            return
        self._full = self._full + FullPictures.of(added, scale, self.model_config.image_size)
        self._full_key = self._key_for(scale)

    def _same_key(self, scale: float) -> bool:
        """Whether the full-size pictures kept are of these very pictures, at this scale and tile."""
        k = self._full_key
        return k is not None and k[0] is self.images and k[1:] == (scale, self.model_config.image_size)

    def _key_for(self, scale: float) -> tuple[ImageSet, float, int]:
        return (self.images, scale, self.model_config.image_size)

    def patch_stream(self, config: TrainConfig) -> PictureStream:
        """Batches of random crops of the training pictures at full size (a tile model's training)."""
        train = self.full_pictures().subset(self.train_rows)
        crops = PatchCrops(train, self.model_config.image_size, seed=config.seed)
        return PictureStream(crops, config.batch_size, seed=config.seed, workers=0)
