from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QObject, Signal

from aeviewer.core.config import ModelConfig
from aeviewer.core.data import ImageSet, Split
from aeviewer.core.demos import banana_imageset


@pytest.fixture(autouse=True)
def _closing_discards(monkeypatch):
    """Closing a window with unsaved work asks (a modal question); tests answer "discard"
    unless they ask otherwise."""
    from aeviewer.qt.session_keeper import SessionKeeper

    monkeypatch.setattr(SessionKeeper, "ask_to_save", lambda self: "discard")


@pytest.fixture
def window(qtbot):
    """The real main window, its worker up, no demo and no autostart; checked for leaked threads after."""
    from aeviewer.qt.main_window import MainWindow
    from aeviewer.qt.worker import running_threads

    win = MainWindow(ModelConfig(latent_dim=8), device="cpu", autostart=False, epochs=3)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitUntil(lambda: win.presenter.model is not None, timeout=30_000)  # the worker is up
    yield win
    win.close()
    assert not running_threads()


def show_images(qtbot, win, images: ImageSet) -> None:
    """Replace the window's pictures and wait until the worker has them and they are scored."""
    win.set_images(images)
    qtbot.waitUntil(lambda: win.images is images and win.presenter.results is not None
                    and len(win.presenter.results.errors) == len(images), timeout=30_000)


@pytest.fixture(scope="session")
def small_demo() -> ImageSet:
    """A few bananas at the app's working size: enough to train for a moment."""
    return banana_imageset(n_train=48, n_test=6, size=64, seed=3)


@pytest.fixture
def fresh_demo(small_demo) -> ImageSet:
    """A copy each test may use."""
    return ImageSet(small_demo.images.copy(), list(small_demo.paths), small_demo.splits.copy(),
                    small_demo.labels.copy())


@pytest.fixture
def tiny_set() -> ImageSet:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (20, 64, 64, 3), dtype=np.uint8)
    return ImageSet(images, [f"img{i}" for i in range(20)], [Split.TRAIN] * 16 + [Split.TEST] * 4)


class GuiSide(QObject):
    """The worker's results, re-emitted on the GUI thread, as the window's presenter receives them.

    pytest-qt's blockers are not QObjects, so a worker signal connected straight
    to them runs in the worker thread and races with the waiting event loop.
    A signal-to-signal connection to this QObject is queued to the GUI thread.
    """

    result = Signal(object)

    def __init__(self, worker) -> None:
        super().__init__()
        self.seen: list[object] = []
        worker.result.connect(self.result)
        self.result.connect(self.seen.append)

    def of(self, kind: type) -> list:
        return [r for r in self.seen if isinstance(r, kind)]

    def wait_for(self, qtbot, kind: type, check=lambda r: True, timeout: int = 30_000):
        """The first result of ``kind`` from now on that passes ``check``."""
        start = len(self.seen)

        def found():
            return next((r for r in self.seen[start:] if isinstance(r, kind) and check(r)), None)

        qtbot.waitUntil(lambda: found() is not None, timeout=timeout)
        return found()
