"""Decoding files (and drawing the demo) off the GUI thread.

A ``Loader`` lives in the GUI thread and runs jobs on a small pool of plain
Python threads, reporting through its own signals, which Qt queues to the GUI
thread. Plain threads (not QRunnables) keep Qt object lifetimes out of the
picture: nothing Qt-owned is ever destroyed on a loader thread.

Connect the signals to methods of a QObject, not lambdas: PySide runs a lambda
in the emitting thread.
"""

from __future__ import annotations

import itertools
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal

from aeviewer.core.data import LoadResult

THREAD_PREFIX = "aeviewer-load"
Job = Callable[[Callable[[int, int], None], Callable[[], bool]], LoadResult]


class Loader(QObject):
    progress = Signal(int, int, int)  # job id, done, total
    loaded = Signal(int, object)  # job id, LoadResult
    failed = Signal(int, str)  # job id, traceback
    cancelled = Signal(int)  # job id: it stopped early and its result was dropped

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix=THREAD_PREFIX)
        self._ids = itertools.count(1)
        self._cancel = threading.Event()
        self._running: dict[int, Future] = {}
        self._stops: dict[int, threading.Event] = {}  # one per job: Cancel stops that one only

    def start(self, job: Job) -> int:
        """Run ``job(progress, cancelled) -> LoadResult`` in the background; returns its id."""
        job_id = next(self._ids)
        stop = self._stops[job_id] = threading.Event()
        self._running[job_id] = self._pool.submit(self._run, job_id, job, stop)
        return job_id

    def _run(self, job_id: int, job: Job, stop: threading.Event) -> None:
        def cancelled() -> bool:
            return self._cancel.is_set() or stop.is_set()

        try:
            result = job(lambda done, total: self.progress.emit(job_id, done, total), cancelled)
        except Exception:
            self.failed.emit(job_id, traceback.format_exc())
            return
        if stop.is_set():
            self.cancelled.emit(job_id)
        elif not self._cancel.is_set():
            self.loaded.emit(job_id, result)

    def cancel(self, job_id: int) -> None:
        """Stop a job between two files; it reports ``cancelled`` instead of a result."""
        stop = self._stops.get(job_id)
        if stop is not None:
            stop.set()

    def forget(self, job_id: int) -> None:
        self._running.pop(job_id, None)
        self._stops.pop(job_id, None)

    def shutdown(self) -> None:
        """Cancel what is running (it stops between files) and wait for the threads."""
        self._cancel.set()
        self._pool.shutdown(wait=True, cancel_futures=True)


def running_loader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX) and t.is_alive()]
