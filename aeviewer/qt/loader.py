"""Decoding files (and drawing the demo) off the GUI thread.

A ``LoadTask`` runs on the global QThreadPool and reports through signals of a
small QObject that lives in the GUI thread. It can be cancelled; the window
waits for running tasks when it closes.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from aeviewer.core.data import LoadResult


class LoadSignals(QObject):
    progress = Signal(int, int)  # done, total
    loaded = Signal(object)  # LoadResult
    failed = Signal(str)  # traceback


class LoadTask(QRunnable):
    """Runs ``job(progress, cancelled) -> LoadResult`` in the thread pool."""

    def __init__(self, job: Callable[[Callable[[int, int], None], Callable[[], bool]], LoadResult]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the window holds it until it reports
        self.signals = LoadSignals()
        self._job = job
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        try:
            result = self._job(self.signals.progress.emit, self._cancel.is_set)
        except Exception:
            self.signals.failed.emit(traceback.format_exc())
            return
        if not self._cancel.is_set():
            self.signals.loaded.emit(result)


def start(task: LoadTask) -> None:
    QThreadPool.globalInstance().start(task)


def wait_all(timeout_ms: int = 5000) -> bool:
    return QThreadPool.globalInstance().waitForDone(timeout_ms)
