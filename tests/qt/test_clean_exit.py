"""Closing the real app in the middle of training ends the process cleanly (a subprocess, as a person runs it)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import numpy as np
    from PIL import Image
    from PySide6.QtCore import QTimer
    from aeviewer.qt import app as a
    from aeviewer.qt.session_keeper import SessionKeeper

    scenario, scratch = sys.argv[1], Path(sys.argv[2])
    SessionKeeper.ask_to_save = lambda self: "discard"  # closing with unsaved work would ask
    qapp = a.prepare_app()
    window = a.create_window(a.parse_args(["--no-tour", "--device", "cpu", "--epochs", "1000"]))  # demo, training
    window.show()
    start = time.monotonic()
    closed = []
    if scenario == "loading":
        folder = scratch / "many"
        folder.mkdir()
        for i in range(3000):
            Image.fromarray(np.full((16, 16, 3), i % 255, np.uint8)).save(folder / f"p{i:04d}.png", compress_level=0)

    def close_when_ready():
        training = window.presenter.training and window.presenter.last_step is not None
        busy = {"training": training, "loading": window.loading and training, "saving": training}[scenario]
        if busy:
            if scenario == "saving":
                window.keeper.save_as(str(scratch / "s.aesession"))  # the save goes to the worker...
            closed.append(time.monotonic())
            window.close()  # ...and the window closes in the middle of it
            qapp.quit()
        elif scenario == "loading" and training and not window.loading:
            window.open_paths([str(scratch / "many")])
        elif time.monotonic() - start > 120:
            print("never got busy")
            qapp.quit()

    timer = QTimer()
    timer.timeout.connect(close_when_ready)
    timer.start(20)
    code = qapp.exec()
    print("exit", code, "busy when closed:", bool(closed), "seconds to close:", round(time.monotonic() - closed[0], 2)
          if closed else None)
    sys.exit(code)
    """
)


@pytest.mark.parametrize("scenario", ["training", "loading", "saving"])
def test_closing_in_the_middle_exits_cleanly_within_2_s(tmp_path, scenario):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "AEVIEWER_DATA_DIR": str(tmp_path / "data")}
    out = subprocess.run([sys.executable, "-c", SCRIPT, scenario, str(tmp_path)], capture_output=True, text=True,
                         timeout=240, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "exit 0 busy when closed: True" in out.stdout, out.stdout + out.stderr[-2000:]
    seconds = float(out.stdout.split("seconds to close:")[1].split()[0])
    assert seconds < 2.0, out.stdout
    if scenario == "saving":  # the save in flight was finished, whole, before the process ended
        from aeviewer.core.session import read_header

        assert read_header(tmp_path / "s.aesession")["format"].startswith("aeviewer")  # whole: checks pass
        assert not list(tmp_path.glob("*.part*")), "no half-written file is left"
    for bad in ("QThread: Destroyed", "Fatal Python error", "Traceback"):
        assert bad not in out.stderr, out.stderr[-3000:]
    assert not list((tmp_path / "data").glob("autosave-*")), "a clean exit leaves no autosave"
