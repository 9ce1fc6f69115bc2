"""Soak: the demo trains with live updates while the window is repainted 10,000 times; RSS sampled.

    python scripts/soak.py [--repaints 10000] [--bound-mb 50]

The real window (offscreen), the demo training (1,000 epochs, so it never ends first),
the event loop running, and the whole window repainted after every turn of it. Resident
memory is sampled every 500 repaints; the first 1,000 are a warm-up (caches fill, torch
allocates). Prints the samples and exits non-zero if memory grew by more than --bound-mb
after the warm-up, or if anything crashed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from measuring import rss_mb


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repaints", type=int, default=10_000)
    p.add_argument("--bound-mb", type=float, default=50.0)
    args = p.parse_args()
    os.environ.setdefault("AEVIEWER_DATA_DIR", tempfile.mkdtemp())

    from aeviewer.qt.app import create_window, parse_args, prepare_app

    app = prepare_app()
    window = create_window(parse_args(["--no-tour", "--device", "cpu", "--epochs", "1000"]))
    window.resize(1400, 860)
    window.show()
    end = time.monotonic() + 120
    while not window.presenter.training and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)
    samples: list[tuple[int, float, int]] = []
    t0 = time.perf_counter()
    for i in range(args.repaints + 1):
        app.processEvents()
        window.repaint()
        time.sleep(0.004)  # a screen refreshes at most so often; the rest of the time is the training's
        if i % 500 == 0:
            step = window.presenter.last_step
            samples.append((i, rss_mb(), step.epoch + 1 if step is not None else 0))
    seconds = time.perf_counter() - t0
    still_training = window.presenter.training
    window.keeper.ask_to_save = lambda: "discard"  # type: ignore[method-assign]
    window.close()
    print("| repaints | resident MB | epoch |")
    print("|--:|--:|--:|")
    for i, mb, epoch in samples:
        print(f"| {i:,} | {mb:.0f} | {epoch} |")
    warm = next(mb for i, mb, _ in samples if i >= 1000)
    growth = max(mb for i, mb, _ in samples if i >= 1000) - warm
    print(f"\n{args.repaints:,} repaints in {seconds:.0f} s ({args.repaints / seconds:.0f} a second) while training "
          f"(still training at the end: {still_training}); growth after the warm-up: {growth:+.0f} MB "
          f"(bound {args.bound_mb:.0f} MB)")
    return 0 if growth <= args.bound_mb and still_training else 1


if __name__ == "__main__":
    sys.exit(main())
