"""What the benchmark scripts measure the same way: resident memory, and how late a GUI timer fires."""

from __future__ import annotations

import resource
import time


def rss_mb() -> float:
    """Resident memory of this process now, MB (Linux)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    """The most resident memory this process has had, MB (Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Lateness:
    """A GUI timer every ``interval_ms``; ``late_ms`` collects how late each firing was (the event loop's
    responsiveness). Start it, run the event loop, stop it."""

    def __init__(self, interval_ms: int = 5) -> None:
        from PySide6.QtCore import QTimer

        self.interval = interval_ms / 1000
        self.late_ms: list[float] = []
        self._expected = 0.0
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._fired)

    def _fired(self) -> None:
        now = time.perf_counter()
        self.late_ms.append(max(0.0, now - self._expected) * 1000)
        self._expected = now + self.interval

    def start(self) -> None:
        self._expected = time.perf_counter() + self.interval
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def summary(self) -> tuple[int, float, float, float]:
        """Firings, and the median, 99th percentile and largest lateness in ms."""
        import numpy as np

        a = np.array(self.late_ms) if self.late_ms else np.zeros(1)
        return len(self.late_ms), float(np.median(a)), float(np.percentile(a, 99)), float(a.max())


def pump(app, seconds: float, until=lambda: False) -> bool:
    """Run ``app``'s event loop for ``seconds`` or until ``until()``; whether it came true."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        if until():
            return True
        time.sleep(0.001)
    return bool(until())
