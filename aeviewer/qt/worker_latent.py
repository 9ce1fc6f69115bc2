"""The worker's commands that go back from the latent plot to pictures: decoding a place, walking
between two codes, and handing out the codes for a t-SNE or UMAP map.

A mixin of ``qt.worker.TorchWorker``: they run on the worker thread, use its engine and
report on its ``result`` signal like every other command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aeviewer.qt.messages import DecodePoint, Notice, SendCodes, WalkBetween


class LatentCommands:
    if TYPE_CHECKING:  # what they use of the worker
        _engine: Any
        result: Any

    def _decode_point(self, cmd: DecodePoint) -> None:
        from aeviewer.core.latent_decoding import decode_at

        try:
            self.result.emit(decode_at(self._engine, cmd.x, cmd.y))
        except ValueError as exc:  # a U-Net, or nothing projected yet
            self.result.emit(Notice(f"Nothing to decode there: {exc}."))

    def _walk(self, cmd: WalkBetween) -> None:
        from aeviewer.core.latent_decoding import walk

        try:
            self.result.emit(walk(self._engine, cmd.start, cmd.end))
        except ValueError as exc:
            self.result.emit(Notice(f"No walk: {exc}."))

    def _send_codes(self, _cmd: SendCodes) -> None:
        self.result.emit(self._engine.codes_shown())
