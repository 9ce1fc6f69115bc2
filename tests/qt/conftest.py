from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal
import pytest

from aeviewer.core.config import ModelConfig
from aeviewer.core.data import ImageSet, Split
from aeviewer.core.demos import banana_imageset


@pytest.fixture
def window(qtbot):
    """The real main window, its worker up, no demo and no autostart; checked for leaked threads after."""
    from aeviewer.qt.main_window import MainWindow
    from aeviewer.qt.worker import running_threads

    win = MainWindow(ModelConfig(latent_dim=8), device="cpu", autostart=False, epochs=3)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitUntil(lambda: win.model_id > 0, timeout=30_000)  # the worker is up
    yield win
    win.close()
    assert not running_threads()


@pytest.fixture(scope="session")
def small_demo() -> ImageSet:
    """A few bananas at the app's working size: enough to train for a moment."""
    return banana_imageset(n_train=48, n_test=6, size=64, seed=3)


@pytest.fixture
def fresh_demo(small_demo) -> ImageSet:
    """A copy each test may extend."""
    return ImageSet(small_demo.images.copy(), list(small_demo.paths), small_demo.splits.copy(),
                    small_demo.labels.copy())


@pytest.fixture
def tiny_set() -> ImageSet:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (20, 64, 64, 3), dtype=np.uint8)
    return ImageSet(images, [f"img{i}" for i in range(20)], [Split.TRAIN] * 16 + [Split.TEST] * 4)


class GuiSide(QObject):
    """The worker's signals, re-emitted on the GUI thread, as the window receives them.

    pytest-qt's blockers are not QObjects, so a worker signal connected straight
    to them runs in the worker thread and races with the waiting event loop.
    Signal-to-signal connections to this QObject are queued to the GUI thread.
    """

    ready = Signal(object)
    snapshot = Signal(object)
    evaluated = Signal(object)
    inspected = Signal(object)
    training_started = Signal(int)
    training_finished = Signal(object)
    failed = Signal(str, str)

    def __init__(self, worker) -> None:
        super().__init__()
        for name in ("ready", "snapshot", "evaluated", "inspected", "training_started",
                     "training_finished", "failed"):
            getattr(worker, name).connect(getattr(self, name))
