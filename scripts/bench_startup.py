"""How long aeviewer takes to start: to a shown window, and to the first trained snapshot.

    python scripts/bench_startup.py [--runs 5]

Each run is a fresh interpreter that starts the app the way `aeviewer` does
(aeviewer.qt.app: prepare_app, create_window on the demo, show), offscreen, and
reports the seconds from its own launch to (1) the window painted, (2) the
first training snapshot drawn. The demo's pictures are drawn at the very first
start and kept in the user's data folder; the first-start rows use an empty
folder each run. Baselines measured in the same run: a bare interpreter,
`import PySide6.QtWidgets` and `import torch`, each in a fresh interpreter.
Medians over the runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = tempfile.mkdtemp(prefix="aeviewer-startup-")  # settings and autosaves of these runs, not the person's

CHILD = r"""
import json, sys, time
t_launch = float(sys.argv[1])
from aeviewer.qt import app as a
qapp = a.prepare_app()
window = a.create_window(a.parse_args(["--no-tour", "--device", "cpu"]))
window.resize(1400, 860)
marks = {}
from PySide6.QtCore import QObject, QEvent, QTimer
class Painted(QObject):
    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Paint and "window" not in marks:
            marks["window"] = time.time() - t_launch
        return False
f = Painted(); window.installEventFilter(f)
window.show()
def poll():
    if "window" in marks and "snapshot" not in marks and window.presenter.last_step is not None:
        marks["snapshot"] = time.time() - t_launch
        window.close(); qapp.quit()
timer = QTimer(); timer.timeout.connect(poll); timer.start(5)
QTimer.singleShot(120_000, qapp.quit)
qapp.exec()
print("MARKS " + json.dumps(marks))
"""


def launch(code: str, *args: str, data: str = DATA) -> tuple[float, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "AEVIEWER_DATA_DIR": data}
    t0 = time.time()
    done = subprocess.run([sys.executable, "-c", code, str(t0), *args], capture_output=True, text=True,
                          env=env, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return time.time() - t0, done.stdout


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    keys = ("python", "PySide6.QtWidgets", "torch", "window", "snapshot", "first window", "first snapshot")
    rows: dict[str, list[float]] = {k: [] for k in keys}
    for _ in range(args.runs):
        rows["python"].append(launch("pass")[0])
        rows["PySide6.QtWidgets"].append(launch("import PySide6.QtWidgets")[0])
        rows["torch"].append(launch("import torch")[0])
        for prefix, data in (("first ", tempfile.mkdtemp(prefix="aeviewer-first-")), ("", DATA)):
            _, out = launch(CHILD, data=data)
            marks = json.loads(next(line for line in out.splitlines() if line.startswith("MARKS "))[6:])
            rows[f"{prefix}window"].append(marks["window"])
            rows[f"{prefix}snapshot"].append(marks["snapshot"])
    print(f"median of {args.runs} runs, seconds from launch (fresh interpreter each)\n")
    print("| what | median s | min s | max s |")
    print("|---|---:|---:|---:|")
    names = {"python": "bare interpreter (baseline)", "PySide6.QtWidgets": "import PySide6.QtWidgets (baseline)",
             "torch": "import torch (baseline)", "window": "**aeviewer: window shown**",
             "snapshot": "**aeviewer: first training snapshot drawn**",
             "first window": "aeviewer's very first start (no demo drawn yet): window shown",
             "first snapshot": "aeviewer's very first start: first training snapshot drawn"}
    for key, values in rows.items():
        print(f"| {names[key]} | {statistics.median(values):.2f} | {min(values):.2f} | {max(values):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
