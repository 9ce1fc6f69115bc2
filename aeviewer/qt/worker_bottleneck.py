"""The worker's commands of the bottleneck slider: another code length of an ordered model (the
selected picture at once, every picture once the slider rests), a kept model of another size, and
the compression report (the code against JPEG).

A mixin of ``qt.worker.TorchWorker``: they run on the worker thread, use its engine and report on
its ``result`` signal like every other command.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from aeviewer.qt.messages import MeasureCompression, Notice, SetPrefix, UseKept

RESCORE_DELAY = 0.3  # seconds the slider rests before every picture is scored at the new length


class BottleneckCommands:
    if TYPE_CHECKING:  # what they use of the worker
        _engine: Any
        _control: Any
        _rescore_at: float | None
        result: Any

        def _announce(self) -> None: ...

        def _refresh_focus(self) -> None: ...

    def _set_prefix(self, cmd: SetPrefix) -> None:
        """The selected picture at once; every picture's scores once the slider has rested a moment
        (a full pass takes longer than a slider move, and a dragged slider sends many)."""
        self._engine.set_prefix(cmd.k)
        self._refresh_focus()
        self._rescore_at = time.monotonic() + RESCORE_DELAY

    def _until_rescore(self) -> float | None:
        return None if self._rescore_at is None else max(0.0, self._rescore_at - time.monotonic())

    def _rescore_if_due(self) -> None:
        if self._rescore_at is not None and time.monotonic() >= self._rescore_at:
            self._rescore_at = None
            engine = self._engine
            self.result.emit(engine.refresh(np.arange(len(engine.images)), final=self._control is None))

    def _use_kept(self, cmd: UseKept) -> None:
        engine = self._engine
        if not engine.use_kept(cmd.size):
            self.result.emit(Notice(f"No model trained at {cmd.size} is kept: Train makes one."))
            return
        self._announce()
        unknown = np.flatnonzero(np.isnan(engine.latest()[2]))  # pictures added since, or another score kind
        self.result.emit(engine.refresh(unknown, final=True))
        self._refresh_focus()

    def _measure_compression(self, cmd: MeasureCompression) -> None:
        from aeviewer.core.compression_report import report

        self.result.emit(report(self._engine, cmd.row))
