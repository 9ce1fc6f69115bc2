"""PyTorch takes over a second to import: the GUI thread must never do it, before or after a retrain."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap


def test_the_window_modules_do_not_import_torch():
    code = (
        "import sys\n"
        "import aeviewer.qt.app, aeviewer.qt.main_window\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


SCRIPT = textwrap.dedent(
    """
    import sys, threading, time
    import importlib.abc

    gui_thread_imports = []

    class Watch(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "torch" and threading.current_thread() is threading.main_thread():
                gui_thread_imports.append(name)
            return None  # only watching: the normal finders do the work

    sys.meta_path.insert(0, Watch())

    import numpy as np
    from PySide6.QtWidgets import QApplication
    from aeviewer.core.config import ModelConfig
    from aeviewer.core.data import ImageSet
    from aeviewer.qt.main_window import MainWindow
    from aeviewer.qt.session_keeper import SessionKeeper

    SessionKeeper.ask_to_save = lambda self: "discard"  # closing with unsaved work would ask
    app = QApplication([])
    win = MainWindow(ModelConfig(latent_dim=4), device="cpu", autostart=False, epochs=2)
    win.show()
    images = np.random.default_rng(0).integers(0, 255, (16, 64, 64, 3), dtype=np.uint8)
    win.set_images(ImageSet(images, [f"p{i}" for i in range(16)], [0] * 16))
    win.retrain()

    def pump_until(cond, seconds):
        end = time.monotonic() + seconds
        while not cond() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)
        return cond()

    assert pump_until(lambda: win.presenter.trained, 120), "the retrain did not finish"
    first = win.presenter.model.model_id
    win.views.settings.controls.slider.setValue(6)  # a model per size: the slider alone does not retrain
    win.views.settings.controls.kind.setCurrentIndex(1)  # one ordered model: a second retrain
    assert pump_until(lambda: win.presenter.model.model_id != first and win.presenter.model_config.ordered
                      and win.presenter.code_length == 6 and win.presenter.trained, 120)
    win.close()
    print("torch loaded:", "torch" in sys.modules, "| on the GUI thread:", sorted(set(gui_thread_imports)))
    """
)


def test_torch_loads_on_the_worker_thread_only_even_through_retrains():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr[-3000:]
    assert "torch loaded: True | on the GUI thread: []" in out.stdout, out.stdout
