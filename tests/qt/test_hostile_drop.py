"""Dropping the hostile corpus on the window: a message lists what was skipped and why, the rest is
added, and the window goes on working."""

from __future__ import annotations

from ..hostile_corpus import build
from .conftest import show_images
from .test_window import _drop


def test_dropping_every_hostile_file_at_once_leaves_a_working_window(qtbot, window, fresh_demo, tmp_path):
    show_images(qtbot, window, fresh_demo)
    cases = build(tmp_path / "hostile", large=False)
    n = len(fresh_demo)
    assert _drop(window, [tmp_path / "hostile"])
    good = sum(c.loads for c in cases)
    qtbot.waitUntil(lambda: len(window.images) == n + good, timeout=60_000)
    box = window.last_message
    assert box is not None and "could not be used" in box.text()
    for case in cases:
        if not case.loads:
            assert case.path.name in box.informativeText(), case.name
    assert "first frame" in box.informativeText()
    window.select(n + good - 1)  # a dropped picture can be looked at
    qtbot.waitUntil(lambda: window.compare.shown_index == n + good - 1, timeout=10_000)
    window.controls.epochs.setValue(1)
    window.controls.train_button.click()  # and the model still trains
    qtbot.waitUntil(lambda: window.presenter.trained, timeout=60_000)
