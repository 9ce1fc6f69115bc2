"""Stop and pause flags that steer a training run from any thread."""

from __future__ import annotations

import threading


class RunControl:
    """Stop and pause flags, safe to set from any thread.

    They are ``threading.Event``s, checked by the loop between batches: a queued
    Qt slot would not run while the loop keeps its thread busy.
    """

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._resume = threading.Event()
        self._resume.set()

    def stop(self) -> None:
        self._stop.set()
        self._resume.set()  # a paused run must wake up to notice the stop

    def pause(self) -> None:
        if not self._stop.is_set():
            self._resume.clear()

    def resume(self) -> None:
        self._resume.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._resume.is_set()

    def wait_while_paused(self, timeout: float) -> bool:
        """Block up to ``timeout`` s while paused; True once running again."""
        return self._resume.wait(timeout)
