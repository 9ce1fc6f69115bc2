"""Two small clocks that keep side work from slowing training down."""

from __future__ import annotations

import time
from collections.abc import Callable


class Budget:
    """Schedules a side job so that it takes about ``fraction`` of the wall time."""

    def __init__(self, fraction: float, clock: Callable[[], float] = time.perf_counter) -> None:
        self.fraction = fraction
        self._clock = clock
        self._next = -float("inf")

    def due(self) -> bool:
        return self._clock() >= self._next

    def spent(self, seconds: float) -> None:
        self._next = self._clock() + seconds / self.fraction


class Pacer(Budget):
    """Says yes at most once per ``interval`` seconds (a budget whose every turn costs ``interval``)."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.perf_counter) -> None:
        super().__init__(1.0, clock)
        self.interval = interval

    def due(self) -> bool:
        if not super().due():
            return False
        self.spent(self.interval)
        return True
