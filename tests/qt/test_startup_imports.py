"""PyTorch takes over a second to import: the window must leave it to the worker thread."""

from __future__ import annotations

import os
import subprocess
import sys


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
