"""A folder of 100,000 files dropped on the window: progress, responsiveness, memory, Cancel.

    python scripts/bench_folder.py [--files 100000] [--junk 10000]

Writes FILES small PNGs (16x16, in 100 subfolders) and JUNK files that are not pictures
(text, JSON, and text named .png) into a temporary folder, then, in the real window
(offscreen, no demo, no training), drops the folder as a person would and measures until
the pictures are in: seconds, how late a 5 ms GUI timer fired (the event loop's
responsiveness; target p99 under 50 ms), and peak resident memory against the window's
before the drop (the pictures themselves take 12 KB each at 64x64 colour). Then drops it
again and presses Cancel after 2 s: seconds until loading has stopped.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from measuring import Lateness, peak_mb, pump, rss_mb


def make_folder(root: Path, files: int, junk: int) -> None:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    for i in range(files):
        sub = root / f"part-{i % 100:03d}"
        sub.mkdir(exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)).save(sub / f"p{i:06d}.png",
                                                                                compress_level=1)
    for i in range(junk):
        sub = root / f"part-{i % 100:03d}"
        kind = i % 3
        name = ("notes-{}.txt", "meta-{}.json", "fake-{}.png")[kind].format(i)
        (sub / name).write_text("not a picture " * 4)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--files", type=int, default=100_000)
    p.add_argument("--junk", type=int, default=10_000)
    args = p.parse_args()

    from PySide6.QtWidgets import QApplication

    from aeviewer.core.config import ModelConfig
    from aeviewer.qt.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "big"
        root.mkdir()
        t0 = time.perf_counter()
        make_folder(root, args.files, args.junk)
        print(f"wrote {args.files:,} pictures and {args.junk:,} other files in {time.perf_counter() - t0:.0f} s",
              file=sys.stderr)
        window = MainWindow(ModelConfig(), device="cpu", autostart=False)
        window.resize(1400, 860)
        window.show()
        pump(app, 60, lambda: window.presenter.model is not None)
        pump(app, 0.5)
        before = rss_mb()

        probe = Lateness(5)
        probe.start()
        t0 = time.perf_counter()
        window.open_paths([str(root)])
        progress_seen = 0
        end = time.monotonic() + 1800
        while time.monotonic() < end and len(window.images) < args.files:
            app.processEvents()
            progress_seen = max(progress_seen, window.views.load_bar.value())
            time.sleep(0.001)
        loaded_s = time.perf_counter() - t0
        probe.stop()
        _, median, p99, worst = probe.summary()
        box = window.last_message
        skipped = box.text() if box is not None else "no message"
        print(f"\n| {args.files:,} pictures + {args.junk:,} other files, dropped | |")
        print("|---|---|")
        print(f"| seconds until every picture was in the window | {loaded_s:.0f} |")
        print(f"| 5 ms GUI timer lateness while loading: median / p99 / max, ms | {median:.1f} / {p99:.1f} / "
              f"{worst:.0f} |")
        print(f"| progress bar reached | {progress_seen:,} files |")
        print(f"| resident memory before the drop, MB | {before:.0f} |")
        print(f"| peak resident memory, MB | {peak_mb():.0f} ({(peak_mb() - before) * 1024 / args.files:.1f} KB "
              f"a picture; the pictures themselves: 12 KB) |")
        print(f"| message | {skipped} |")

        window.open_paths([str(root)])
        start = time.monotonic()
        while time.monotonic() - start < 2.0:
            app.processEvents()
            time.sleep(0.005)
        t0 = time.perf_counter()
        window.views.load_cancel.click()
        while window.loading and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.005)
        print(f"| Cancel pressed 2 s into a second drop: seconds until loading stopped | "
              f"{time.perf_counter() - t0:.2f} |")
        window.keeper.ask_to_save = lambda: "discard"  # type: ignore[method-assign]
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
