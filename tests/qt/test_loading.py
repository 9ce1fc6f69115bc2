"""Loading a folder in the background: progress, Cancel, and a window that stays as it was."""

from __future__ import annotations

import numpy as np
from PIL import Image

from .conftest import show_images


def test_cancel_stops_a_folder_load_and_adds_nothing(qtbot, window, fresh_demo, tmp_path):
    show_images(qtbot, window, fresh_demo)
    for i in range(300):
        Image.fromarray(np.full((16, 16, 3), i % 255, np.uint8)).save(tmp_path / f"p{i:03d}.png")
    n = len(window.images)
    window.open_paths([str(tmp_path)])
    assert window.views.load_cancel.isVisible() and window.views.load_bar.isVisible()
    with qtbot.waitSignal(window.opener.cancelled, timeout=10_000):
        window.views.load_cancel.click()
    assert not window.views.load_cancel.isVisible() and not window.views.load_bar.isVisible()
    assert "cancelled" in window.statusBar().currentMessage()
    qtbot.wait(300)
    assert len(window.images) == n  # nothing of the cancelled load arrived
    window.open_paths([str(tmp_path)])  # and the next load is not cancelled by the last one
    qtbot.waitUntil(lambda: len(window.images) == n + 300, timeout=30_000)


def test_the_demo_is_not_offered_for_cancelling(qtbot, window):
    window.load_demo()
    assert window.views.load_bar.isVisible() and not window.views.load_cancel.isVisible()
    qtbot.waitUntil(lambda: not window.loading, timeout=30_000)
