"""Render the real main window offscreen after training the demo, and save a PNG.

    python scripts/screenshot.py --out shot.png [--train-seconds N] [--denoise gaussian:0.1-0.5]
                                 [--arch skip] [--test-noise gaussian:0.3|none] [PATH...]
    python scripts/screenshot.py --tour --out DIR

--tour plays the guided first run on the demo and writes one PNG per chapter into DIR.

PATHs (images or folders) are dropped in as a user would, once the demo has loaded; a
session file (.aesession) among them opens in place of the demo, as `aeviewer SESSION` does.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from measuring import pump


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="PNG file to write")
    p.add_argument("--train-seconds", type=float, default=20.0, help="seconds of training before the shot")
    p.add_argument("--latent", type=int, default=16)
    p.add_argument("--select", type=int, default=None, help="gallery row to show in the compare panel")
    p.add_argument("--size", default="1400x860", help="window size, WxH")
    p.add_argument("--tab", choices=["loss", "anomalies", "compression"], default="loss",
                   help="which tab to show on the right")
    p.add_argument("--most-anomalous-first", action="store_true", help="sort the gallery by score")
    p.add_argument("--dataset", help="open this dataset folder (MVTec, normal/anomaly, flat) after the demo")
    p.add_argument("--denoise", help="switch to Denoise mode with this training noise, e.g. gaussian:0.1-0.5")
    p.add_argument("--arch", choices=["bottleneck", "skip"], default="bottleneck")
    p.add_argument("--test-noise", help="test noise for the compare panel, e.g. salt:0.1, or 'none'")
    p.add_argument("--tour", action="store_true", help="play the tour; --out is a folder for one PNG per chapter")
    p.add_argument("paths", nargs="*")
    args = p.parse_args()
    started = time.time()

    from aeviewer.qt.app import create_window, parse_args, prepare_app

    app = prepare_app()
    task = (["--denoise", args.denoise] if args.denoise else []) + ["--arch", args.arch]
    sessions = [p for p in args.paths if p.lower().endswith(".aesession")]
    args.paths = [p for p in args.paths if p not in sessions]
    tour = ["--tour"] if args.tour else ["--no-tour"]
    window = create_window(parse_args(["--latent", str(args.latent), *tour, *task, *sessions[:1]]))
    w, h = (int(v) for v in args.size.split("x"))
    window.resize(w, h)
    window.show()
    if args.tour:
        from tour_walk import walk

        os.makedirs(args.out, exist_ok=True)
        print(walk(app, window, started, args.out))
        window.close()
        return 0

    def pump_until(cond, timeout: float) -> bool:
        return pump(app, timeout, cond)

    if not pump_until(lambda: len(window.images) > 0 and (window.presenter.training or window.presenter.trained), 120):
        print("the demo did not start training, nor did a session open", file=sys.stderr)
    if args.test_noise:
        from aeviewer.core.noise_kinds import NoiseSpec

        window.task.set_test_noise(None if args.test_noise == "none" else NoiseSpec.parse(args.test_noise))
    if args.paths:
        window.open_paths(args.paths)
    if args.dataset:
        window.open_dataset(args.dataset)
        pump_until(lambda: not window.loading and window.presenter.training, 120)
    start = time.monotonic()
    pump_until(lambda: time.monotonic() - start >= args.train_seconds, args.train_seconds + 1)
    if args.paths:
        pump_until(lambda: not window.loading, 60)
    if args.select is not None:
        window.select(args.select)
    window.tabs.setCurrentIndex(["loss", "anomalies", "compression"].index(args.tab))
    if args.most_anomalous_first:
        window.sort_order.setCurrentIndex(1)
    pump_until(lambda: False, 1.0)  # let the last results arrive and draw
    window.grab().save(args.out)
    print(f"saved {args.out}")
    window.keeper.ask_to_save = lambda: "discard"  # a picture was taken; nothing to keep
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
