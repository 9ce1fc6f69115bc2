"""The worker's commands that change which pictures there are: all of them replaced (the demo, a
dataset), another page of a folder read from its files, or some added (dropped ones).

Part of ``qt.worker.TorchWorker`` (a mixin of it). After a change the views get the engine's
pictures (``ImagesChanged``) and then their scores.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from aeviewer.qt.messages import AddImages, ImagesChanged, SetImages, ShowPage


class PictureCommands:
    if TYPE_CHECKING:  # what they use of the worker
        _engine: Any
        _control: Any
        result: Any

        def _announce(self) -> None: ...

    def _set_images(self, cmd: SetImages) -> None:
        model_id = self._engine.model_id
        self._engine.set_images(cmd.images, cmd.stream)
        if self._engine.model_id != model_id:  # pictures of another shape: a model of their shape
            self._announce()
        self.result.emit(ImagesChanged(self._engine.images))
        self.result.emit(self._engine.evaluate())

    def _show_page(self, cmd: ShowPage) -> None:
        self._engine.show_page(cmd.images)
        self.result.emit(ImagesChanged(self._engine.images))
        if self._control is None:
            self.result.emit(self._engine.evaluate())
        else:  # a streamed run scores its pictures in turn between steps (core.live_training)
            self.result.emit(self._engine.refresh(np.zeros(0, np.int64), final=False))

    def _add_images(self, cmd: AddImages) -> None:
        rows = self._engine.add_images(cmd.images)
        self.result.emit(ImagesChanged(self._engine.images, rows))
        self.result.emit(self._engine.refresh(rows, final=self._control is None))
