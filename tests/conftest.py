"""Test set-up: offscreen Qt before any Qt import, small data, and no leaked threads."""

from __future__ import annotations

import gc
import os
import sys
import threading
import time

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

import numpy as np
import pytest
from PIL import Image


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def image_folder(tmp_path, rng):
    """A folder with a few real images of different kinds and sizes."""
    folder = tmp_path / "pictures"
    (folder / "nested").mkdir(parents=True)
    Image.fromarray(rng.integers(0, 255, (50, 80, 3), dtype=np.uint8)).save(folder / "wide.png")
    Image.fromarray(rng.integers(0, 255, (90, 40, 3), dtype=np.uint8)).save(folder / "tall.jpg", quality=90)
    Image.fromarray(rng.integers(0, 255, (64, 64), dtype=np.uint8)).save(folder / "nested" / "grey.bmp")
    (folder / "notes.txt").write_text("not an image")  # ignored by suffix when loading a folder
    return folder


@pytest.fixture
def bad_files(tmp_path, rng):
    """Files that must be refused, each for a different reason."""
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.png").write_bytes(b"")
    (folder / "text.png").write_text("this is not a picture")
    good = folder / "whole.png"
    Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(good)
    data = good.read_bytes()
    (folder / "truncated.png").write_bytes(data[: len(data) // 2])
    good.unlink()
    return folder


@pytest.fixture(autouse=True)
def _own_data_folder(tmp_path_factory, monkeypatch):
    """Autosaves and settings go to a folder of each test's own, never a person's real one."""
    monkeypatch.setenv("AEVIEWER_DATA_DIR", str(tmp_path_factory.mktemp("aeviewer-data")))


@pytest.fixture(scope="session", autouse=True)
def _collect_garbage_on_the_main_thread():
    """As the app does (aeviewer.qt.app.prepare_app): no collection from the torch thread."""
    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def _no_threads_left_running():
    """Fail any test that leaves a thread running: a worker QThread, a Python thread, a pool task."""
    before = set(threading.enumerate())
    yield
    gc.collect()
    if "aeviewer.qt.worker" in sys.modules:
        from aeviewer.qt.worker import running_threads

        left = running_threads()
        for t in left:  # do not let one leak break every later test
            t.quit()
            t.wait(5000)
        assert not left, f"test left {len(left)} worker thread(s) running"
    deadline = time.monotonic() + 5  # a thread that was told to stop gets a moment to end
    # QThreads that ran Python code appear as dummy entries that cannot be joined; the
    # worker registry above checks those.
    new = [t for t in threading.enumerate() if t not in before and not isinstance(t, threading._DummyThread)]
    for t in new:
        t.join(max(0.0, deadline - time.monotonic()))
    new = [t for t in new if t.is_alive()]
    assert not new, f"test left Python thread(s) running: {', '.join(t.name for t in new)}"
    if "PySide6.QtCore" in sys.modules:  # the core's tests also run where Qt is not installed (a GPU machine)
        from PySide6.QtCore import QThreadPool

        assert QThreadPool.globalInstance().waitForDone(5000), "test left thread-pool tasks running"
