"""Regression guard: PySide6 6.12.0 on Python < 3.12 aborts live plots.

Its QPainter.setPen/setBrush drop a reference they do not own; after a few
thousand repaints Python dies with "Fatal Python error: none_dealloc". The
dependency spec excludes that release; this test repaints the app's own live
plots thousands of times, in a child process so an abort is reported as a
failure instead of killing the test run. (Checked: under PySide6 6.12.0 on
Python 3.11 it fails, with a bool_dealloc abort within the 3000 repaints.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

REPAINTS = 3000

SCRIPT = textwrap.dedent(
    f"""
    import os
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import numpy as np
    from PySide6.QtWidgets import QApplication
    from aeviewer.qt.latent_view import LatentView
    from aeviewer.qt.plots import LossPlot

    app = QApplication([])
    latent, loss = LatentView(), LossPlot()
    for w in (latent, loss):
        w.resize(320, 240)
        w.show()
    rng = np.random.default_rng(0)
    splits = rng.integers(0, 3, 200).astype(np.int8)
    for i in range({REPAINTS}):
        latent.set_points(rng.normal(size=(200, 2)).astype(np.float32), splits)
        latent.select(i % 200)
        loss.set_losses(np.exp(-np.arange(i % 300 + 1) / 100.0), 300)
        latent.plot.viewport().repaint()
        loss.viewport().repaint()
    print("repainted", {REPAINTS})
    """
)


def test_thousands_of_live_plot_repaints_do_not_abort():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=600)
    # 6.12.0 dies with "Fatal Python error: none_dealloc" (or bool_dealloc) here
    assert "Fatal Python error" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"repainted {REPAINTS}" in proc.stdout
