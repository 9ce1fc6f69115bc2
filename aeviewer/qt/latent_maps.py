"""t-SNE and UMAP maps of the codes, computed off the GUI thread and animated from the points on show.

Choosing a map asks the worker for the codes, runs the map on a plain Python thread
(the torch thread keeps training), turns and scales the result onto the points on
show (core.embeddings.align) and moves the points there in half a second. A map is of
the codes at one moment: while one is shown, training goes on but the points stay
(Recompute draws a fresh map); PCA, live, comes back from the same menu.

Signals are connected to methods, not lambdas: PySide runs a lambda in the emitting thread.
"""

from __future__ import annotations

import itertools
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from aeviewer.core.embeddings import METHODS, align, embed
from aeviewer.core.results import Codes
from aeviewer.qt.messages import SendCodes

ANIMATION_STEPS = 12
ANIMATION_MS = 50


class LatentMaps(QObject):
    finished = Signal(int, object)  # job id, (N, 2) positions
    failed = Signal(int, str)  # job id, the error

    def __init__(self, links) -> None:
        super().__init__(links)
        self.links = links
        self.view = links.v.latent_view
        self.method = "pca"
        self.shown: np.ndarray | None = None  # the map's positions on show (None: PCA, live)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aeviewer-map")
        self._ids = itertools.count(1)
        self._job = 0
        self._started = 0.0
        self._count = 0
        self._epoch = ""
        self._clock = QTimer(self)
        self._clock.setInterval(500)
        self._clock.timeout.connect(self._tick)
        self._frames: list[np.ndarray] = []
        self._animation = QTimer(self)
        self._animation.setInterval(ANIMATION_MS)
        self._animation.timeout.connect(self._step)
        self.finished.connect(self._finished)
        self.failed.connect(self._failed)
        self.view.map_chosen.connect(self.choose)
        self.view.recompute.clicked.connect(self.recompute)

    @property
    def busy(self) -> bool:
        return self._clock.isActive()

    def choose(self, method: str) -> None:
        self.method = method
        self._job = 0  # a map still running is no longer wanted
        self._clock.stop()
        if method == "pca":
            self.shown = None
            self.view.show_map_state("")
            self.links.back_to_live()
            self.links.p.redraw_titles()
            return
        self.recompute()

    def recompute(self) -> None:
        if self.method == "pca" or self.links.p.model is None:
            return
        self.view.show_map_state(f"reading the codes for {METHODS[self.method][0]}…")
        self.links.p.submit(SendCodes())

    def codes_arrived(self, c: Codes) -> None:
        if self.method == "pca" or c.prefix != self.links.p.prefix:
            return
        self._job = job = next(self._ids)
        self._count = int(np.isfinite(c.codes).all(axis=1).sum())
        step = self.links.p.last_step
        self._epoch = f" at epoch {step.epoch + 1}" if step is not None else ""
        self._started = time.monotonic()
        self._clock.start()
        self._tick()
        method = self.method
        self._pool.submit(self._run, job, method, c.codes)

    def _run(self, job: int, method: str, codes: np.ndarray) -> None:
        """On the map thread, on one core: the torch thread trains on the others, and nested thread
        pools (OpenMP in scikit-learn, OpenBLAS) warned that they might hang."""
        from threadpoolctl import threadpool_limits

        try:
            with threadpool_limits(limits=1):
                points = embed(method, codes)
            self.finished.emit(job, points)
        except Exception as exc:  # a map that cannot be made is said, never fatal
            self.failed.emit(job, f"{exc}\n{traceback.format_exc(limit=3)}")

    def _tick(self) -> None:
        label = METHODS[self.method][0] if self.method in METHODS else ""
        self.view.show_map_state(f"computing {label} of {self._count:,} codes… "
                                 f"{time.monotonic() - self._started:.0f} s (PCA stays live meanwhile)")

    def _finished(self, job: int, points: np.ndarray) -> None:
        if job != self._job:
            return
        self._clock.stop()
        start = self.view._points.copy()
        target = align(points, start) if len(start) == len(points) else points
        self.shown = target
        self.links.map_shown()
        if len(start) == len(target):
            t = np.linspace(0.0, 1.0, ANIMATION_STEPS + 1)[1:, None, None]
            ease = t * t * (3 - 2 * t)
            self._frames = list(start[None] * (1 - ease) + np.nan_to_num(target, nan=0.0)[None] * ease)
            self._frames[-1] = target
            self._animation.start()
        else:
            self.view.set_points(target, self.links.p.images.splits)
        label = METHODS[self.method][0]
        self.view.set_map_axes(label)
        self.view.show_map_state(f"{label} of the codes{self._epoch} (not live while training goes on)")
        self.links.p.redraw_titles()

    def title_words(self) -> str | None:
        """How the plot's points were made, when not by PCA."""
        if self.shown is None or self.method not in METHODS:
            return None
        return f"mapped with {METHODS[self.method][0]}{self._epoch}"

    def _step(self) -> None:
        if not self._frames or self.shown is None:
            self._animation.stop()
            return
        self.view.set_points(self._frames.pop(0), self.links.p.images.splits)

    def _failed(self, job: int, error: str) -> None:
        if job != self._job:
            return
        self._clock.stop()
        self.view.show_map_state(f"no map: {error.splitlines()[0]}")

    def shutdown(self) -> None:
        self._job = 0
        self._clock.stop()
        self._animation.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)
