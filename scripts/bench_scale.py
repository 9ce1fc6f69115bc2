"""Folders larger than memory: the real `aeviewer train`, streamed, against the in-memory path.

    python scripts/bench_scale.py [--big 200000] [--small 20000] [--folder DIR] [--cache-mb 256] [--rounds 3]

Writes a folder of small PNGs of the banana demo (64x64 colour; a few thousand drawn,
each written many times with its own faint noise, so no two files are alike), then trains
one epoch with the command a person runs, in a child process each:
- in memory (the default for a folder that fits) on ``--small`` pictures: the baseline;
- streamed (``--stream``) on the same ``--small`` pictures and on ``--big`` ones.
It samples the memory of the whole process tree (the command and its decoding processes;
proportional set size, so shared memory is counted once) every 0.2 s and prints peak memory
and pictures per second by the command's own clock: of the training loop alone (to its last
step), and with the reading before it included (listing the files, and decoding them all for
the in-memory path, a sample for the stream), since the stream decodes inside its loop.

The three runs are repeated ``--rounds`` times, in turn, and each round's ratios are taken
against the same round's baseline (this machine's speed moves with its load by more than
the ratios differ): the table gives the median of each figure and each ratio over the
rounds, and the lowest and highest ratio beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

DRAWN = 4000


def write_folder(root: Path, n: int) -> None:
    """``n`` PNGs in train/good, in subfolders of 10,000 (kept between runs: made once)."""
    done = root / f".written-{n}"
    if done.exists():
        return
    from aeviewer.core.demos import banana_imageset

    bananas = banana_imageset(n_train=DRAWN, n_test=0, size=64, seed=0).images
    rng = np.random.default_rng(0)
    for i in range(n):
        sub = root / "train" / "good" / f"{i // 10_000:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        noisy = np.clip(bananas[i % DRAWN].astype(np.int16) + rng.integers(-2, 3, (64, 64, 3)), 0, 255)
        Image.fromarray(noisy.astype(np.uint8)).save(sub / f"{i:06d}.png", compress_level=1)
        if (i + 1) % 20_000 == 0:
            print(f"  wrote {i + 1:,} of {n:,}", file=sys.stderr)
    done.touch()


def tree_pss_mb(root_pid: int) -> float:
    """Proportional set size of a process and all its descendants, MB (Linux)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        pid = frontier.pop()
        kids = [c for c, p in parents.items() if p == pid]
        tree.update(kids)
        frontier += kids
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total / 1024


def run_train(folder: Path, out: Path, extra: list[str]) -> dict:
    cmd = [sys.executable, "-m", "aeviewer", "train", str(folder), "--out", str(out), "--epochs", "1",
           "--checkpoint-every", "0", "--device", "cpu", "--latent", "16", "--method", "reconstruct", *extra]
    log = out.with_suffix(".log")
    t0 = time.perf_counter()
    with open(log, "w") as sink:
        child = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT)
        peak = 0.0
        while child.poll() is None:
            peak = max(peak, tree_pss_mb(child.pid))
            time.sleep(0.2)
    wall = time.perf_counter() - t0
    if child.returncode != 0:
        raise SystemExit(f"aeviewer train failed:\n{log.read_text()[-3000:]}")
    from aeviewer.core.session import read_header

    info = read_header(out)["info"]
    return {"peak_mb": peak, "wall_s": wall, "img_s": info["loop_images"] / info["loop_seconds"],
            "read_img_s": info["loop_images"] / (info["loop_seconds"] + info["read_seconds"]),
            "pictures": info["train_images"], "streamed": info["streamed"]}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--big", type=int, default=200_000)
    p.add_argument("--small", type=int, default=20_000)
    p.add_argument("--folder", default="/tmp/aeviewer-scale")
    p.add_argument("--cache-mb", type=int, default=256)
    p.add_argument("--rounds", type=int, default=3, help="the three runs, in turn, this many times")
    args = p.parse_args()
    base = Path(args.folder)
    small, big = base / f"small-{args.small}", base / f"big-{args.big}"
    print("writing the folders (once)…", file=sys.stderr)
    write_folder(small, args.small)
    write_folder(big, args.big)
    cache = ["--cache-mb", str(args.cache_mb)]
    runs = [
        (f"{args.small:,} pictures, in memory (baseline)", small, []),
        (f"{args.small:,} pictures, streamed", small, ["--stream", *cache]),
        (f"{args.big:,} pictures, streamed", big, ["--stream", *cache]),
    ]
    rounds: list[list[dict]] = []
    for k in range(max(1, args.rounds)):
        done = [run_train(folder, base / f"run{i}.aesession", extra) for i, (_, folder, extra) in enumerate(runs)]
        for r in done:
            r["vs"], r["read_vs"] = r["img_s"] / done[0]["img_s"], r["read_img_s"] / done[0]["read_img_s"]
        rounds.append(done)
        print(f"round {k + 1}: " + ", ".join(f"{r['img_s']:,.0f} / {r['read_img_s']:,.0f} img/s" for r in done),
              file=sys.stderr)

    def median(i: int, key: str) -> float:
        return float(np.median([done[i][key] for done in rounds]))

    def spread(i: int, key: str) -> str:
        values = [done[i][key] for done in rounds]
        return f"{median(i, key):.2f} ({min(values):.2f}-{max(values):.2f})"

    print(f"\none epoch of `aeviewer train` (64x64 colour, CPU), streaming cache {args.cache_mb} MB; "
          f"medians of {len(rounds)} rounds (ratios: lowest-highest)\n")
    print("| run | pictures | peak memory, MB (command + decoders) | training loop img/s | vs in memory "
          "| reading included, img/s | vs in memory | wall s |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    for i, (name, _, _) in enumerate(runs):
        print(f"| {name} | {rounds[0][i]['pictures']:,} | {median(i, 'peak_mb'):,.0f} | {median(i, 'img_s'):,.0f} "
              f"| {spread(i, 'vs')} | {median(i, 'read_img_s'):,.0f} | {spread(i, 'read_vs')} "
              f"| {median(i, 'wall_s'):.0f} |")
    print("\n" + json.dumps({name: [done[i] for done in rounds] for i, (name, _, _) in enumerate(runs)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
