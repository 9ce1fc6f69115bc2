"""A one-line training progress bar for the terminal."""

from __future__ import annotations

import math
import sys
import time


class ProgressBar:
    """One line on stderr, redrawn at most ten times a second (plain lines when not a terminal)."""

    def __init__(self, stream=None, width: int = 30) -> None:
        self.stream = sys.stderr if stream is None else stream  # looked up now: a quiet rank has redirected it
        self.width = width
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self._last = 0.0
        self._epoch = -1
        self._done = False
        self._tenth = -1  # the last tenth of a pass said, off a terminal

    def update(self, step) -> None:
        now = time.monotonic()
        done = step.images_seen >= step.images_total
        if done and self._done:
            return  # the final evaluation's snapshot repeats the last step
        self._done = done
        if self.tty:
            if now - self._last < 0.1 and not done:
                return
            self._last = now
            filled = int(self.width * step.fraction_done)
            bar = "#" * filled + "-" * (self.width - filled)
            left = "" if not math.isfinite(step.seconds_left) else f", {step.seconds_left:4.0f} s left"
            self.stream.write(
                f"\r[{bar}] epoch {step.epoch + 1}/{step.epochs} loss {step.loss:.5f} "
                f"{step.images_per_second:5.0f} img/s{left}"
            )
            if done:
                self.stream.write("\n")
        elif done:
            self.stream.write(f"done: {step.epochs} epochs, loss {step.loss:.5f}\n")
        elif step.epoch != self._epoch:
            self._epoch = step.epoch
            self.stream.write(f"epoch {step.epoch + 1}/{step.epochs} loss {step.loss:.5f}\n")
        self.stream.flush()

    def scoring(self, done: int, total: int) -> None:
        """The final pass over the pictures (the engine's ``scoring``): at full size, 1,000 large pictures
        take minutes, which a silent terminal would not explain. A terminal's line is redrawn at most ten
        times a second; otherwise a line at each tenth."""
        if total <= 0:
            return
        now, tenth = time.monotonic(), 10 * done // total
        last = done >= total
        if self.tty:
            if now - self._last < 0.1 and not last:
                return
            self._last = now
            self.stream.write(f"\rscoring the pictures: {done:,} of {total:,}" + ("\n" if last else ""))
        else:
            if tenth == self._tenth:
                return
            self._tenth = tenth
            self.stream.write(f"scoring the pictures: {done:,} of {total:,}\n")
        self.stream.flush()
