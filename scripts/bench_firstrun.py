"""The first five minutes, measured: seconds from launch to each tour chapter being ready.

    python scripts/bench_firstrun.py [--runs 3] [--shots DIR]

Each run is a fresh process with a fresh settings folder, as a first launch is: the real
window (offscreen), the demo, the tour. A chapter is ready when it stops waiting (see
core.tour_script); the script then presses Next, as a reader would. Printed: per chapter
the median seconds from launch (and each run's), plus the rotten-banana AUROC at the moment
chapter 2 appears. Chapter 1 shows as soon as the model has seen the bananas twice,
and plays the slider once long codes rebuild them clearly better than short ones.
The issue's target for chapter 1 is 20 s on this 2-core CPU.
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def one_run(shots: str | None) -> dict:
    """In this process: launch, play the tour, report times (seconds since the process started)."""
    started = float(os.environ["AEVIEWER_BENCH_T0"])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from tour_walk import walk

    from aeviewer.qt.app import create_window, parse_args, prepare_app

    app = prepare_app()
    window = create_window(parse_args([]))  # a first launch: the tour starts by itself
    window.resize(1400, 860)
    window.show()
    out = {"window": time.time() - started, **walk(app, window, started, shots)}
    window.close()
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--shots", help="also save the window at each chapter into this folder")
    p.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        print(json.dumps(one_run(args.shots)))
        return 0
    rows = []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "AEVIEWER_DATA_DIR": home, "AEVIEWER_BENCH_T0": str(time.time()),
                   "QT_QPA_PLATFORM": "offscreen"}
            cmd = [sys.executable, __file__, "--one"] + (["--shots", args.shots] if args.shots and i == 0 else [])
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
            if done.returncode != 0:
                print(done.stderr[-3000:], file=sys.stderr)
                return 1
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"run {i + 1}: {rows[-1]}", file=sys.stderr)

    def cell(key: str, fmt: str) -> str:
        values = [r[key] for r in rows if r.get(key) is not None]
        if not values:
            return "not reached"
        each = ", ".join(fmt.format(r[key]) if r.get(key) is not None else "–" for r in rows)
        return f"{fmt.format(statistics.median(values))} ({each})"

    print(f"| first launch, {args.runs} run(s) | median (each run) |")
    print("|---|---|")
    print(f"| window shown, s | {cell('window', '{:.1f}')} |")
    print(f"| chapter 1 shown (compression), s | {cell('compression', '{:.1f}')} |")
    print(f"| chapter 1 plays the slider, s | {cell('slider', '{:.1f}')} |")
    print(f"| chapter 2 ready (anomalies), s | {cell('anomalies', '{:.1f}')} |")
    print(f"| rotten-banana AUROC when chapter 2 appears | {cell('auroc', '{:.3f}')} |")
    print(f"| chapter 3 ready (denoising), s | {cell('denoising', '{:.1f}')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
