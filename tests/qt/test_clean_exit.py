"""Closing the real app in the middle of training ends the process cleanly (a subprocess, as a person runs it)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys, time
    from PySide6.QtCore import QTimer
    from aeviewer.qt import app as a
    from aeviewer.qt.session_keeper import SessionKeeper

    SessionKeeper.ask_to_save = lambda self: "discard"  # closing with unsaved work would ask
    qapp = a.prepare_app()
    window = a.create_window(a.parse_args(["--device", "cpu", "--epochs", "1000"]))  # the demo, training
    window.show()
    start = time.monotonic()

    def close_when_training():
        if window.presenter.training and window.presenter.last_step is not None:
            window.close()  # in the middle of a run of 1,000 epochs
            qapp.quit()
        elif time.monotonic() - start > 120:
            print("never started training")
            qapp.quit()

    timer = QTimer()
    timer.timeout.connect(close_when_training)
    timer.start(20)
    code = qapp.exec()
    print("exit", code, "training was on:", window.presenter.training or window.presenter.last_step is not None)
    sys.exit(code)
    """
)


def test_closing_mid_training_exits_cleanly(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "AEVIEWER_DATA_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=240, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "exit 0 training was on: True" in out.stdout, out.stdout + out.stderr[-2000:]
    for bad in ("QThread: Destroyed", "Fatal Python error", "Traceback"):
        assert bad not in out.stderr, out.stderr[-3000:]
    assert not list(tmp_path.glob("autosave-*")), "a clean exit leaves no autosave"
