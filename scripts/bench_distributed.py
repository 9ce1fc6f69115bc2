"""Several processes against one: what the same `aeviewer train` learns under torchrun.

    python scripts/bench_distributed.py [--pictures 3000] [--epochs 10] [--processes 2] [--seeds 0 1 2] [--folder DIR]

Writes a folder of banana demo pictures (64x64 colour, seeded) and trains on it with the
command a person runs, once as one process (the baseline) and then under
``torchrun --standalone --nproc_per_node=N`` (gloo on this machine's CPU) in the ways a
person might set it up:
- the same options: each process takes ``--batch-size`` pictures a step, so an epoch is
  1/N of the steps;
- the learning rate raised N times, or sqrt(N) times (the usual rules for larger batches);
- each process given 1/N of the batch (the same pictures a step as one process);
- N times the epochs.
Each trained session is then scored on 500 other banana pictures, drawn with another seed:
their mean squared reconstruction error (lower is better), beside the training seconds by
the command's own clock; each run is repeated with every ``--seeds`` (the table gives medians,
and the range). On a 2-core machine N processes share the same two cores, so the
seconds say nothing about the speed of N machines; the errors say what a run learns.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image


def write_folder(root: Path, n: int) -> Path:
    from aeviewer.core.demos import banana_imageset

    if len(list(root.glob("*.png"))) != n:
        root.mkdir(parents=True, exist_ok=True)
        for i, picture in enumerate(banana_imageset(n_train=n, n_test=0, size=64, seed=0).images):
            Image.fromarray(picture).save(root / f"{i:05d}.png", compress_level=1)
    return root


def held_out_error(session: Path, pictures: np.ndarray) -> float:
    from aeviewer.core.inference import run_model
    from aeviewer.core.session import load_session

    model, _ = load_session(session, "cpu")
    x = pictures.astype(np.float32) / 255
    return float(((run_model(model, x, torch.device("cpu")) - x) ** 2).mean())


def train(folder: Path, out: Path, processes: int, extra: list[str]) -> float:
    """Seconds the command says it trained for."""
    command = [sys.executable, "-m", "aeviewer", "train", str(folder), "--out", str(out), "--device", "cpu", *extra]
    env = dict(os.environ)
    if processes > 1:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}",
                   "-m", *command[2:]]
        env["OMP_NUM_THREADS"] = "1"  # the processes share this machine's cores
    run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600)
    if run.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{run.stderr[-2000:]}")
    line = next(ln for ln in run.stdout.splitlines() if ln.startswith("trained on"))
    return float(line.split(" in ")[1].split(" s")[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pictures", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "aeviewer-distributed")
    args = parser.parse_args()
    from aeviewer.core.config import learning_rate
    from aeviewer.core.demos import banana_imageset

    n, epochs = args.processes, args.epochs
    folder = write_folder(args.folder / f"bananas-{args.pictures}", args.pictures)
    others = banana_imageset(n_train=500, n_test=0, size=64, seed=11).images
    lr, batch = learning_rate("bottleneck", "reconstruct"), 64
    runs = [
        ("one process (baseline)", 1, []),
        (f"{n} processes, the same options", n, []),
        (f"{n} processes, learning rate x{n}", n, ["--lr", f"{lr * n:g}"]),
        (f"{n} processes, learning rate x sqrt({n})", n, ["--lr", f"{lr * math.sqrt(n):g}"]),
        (f"{n} processes, --batch-size {batch // n} each", n, ["--batch-size", str(batch // n)]),
        (f"{n} processes, {n * epochs} epochs", n, ["--epochs", str(n * epochs)]),
    ]
    rows = []
    for name, processes, extra in runs:
        options = ["--epochs", str(epochs), "--batch-size", str(batch), "--lr", f"{lr:g}"]
        for flag in ("--epochs", "--batch-size", "--lr"):
            if flag in extra:
                k = options.index(flag)
                del options[k : k + 2]
        errors, seconds = [], []
        for seed in args.seeds:
            out = args.folder / f"run-{len(rows)}-{seed}.aesession"
            seconds.append(train(folder, out, processes, [*options, *extra, "--seed", str(seed)]))
            errors.append(held_out_error(out, others))
            print(f"{name}, seed {seed}: held-out MSE {errors[-1]:.5f}, {seconds[-1]:.0f} s", file=sys.stderr)
        rows.append((name, errors, seconds))
    base = float(np.median(rows[0][1]))
    print(f"\n{args.pictures:,} banana pictures, {epochs} epochs unless said, batch {batch}, learning rate {lr:g} "
          f"unless said; CPU, gloo; seeds {', '.join(map(str, args.seeds))}: median (lowest-highest)\n")
    print("| run | held-out MSE | against one process | train s |")
    print("|---|--:|--:|--:|")
    for name, errors, seconds in rows:
        e = np.array(errors)
        print(f"| {name} | {np.median(e):.5f} ({e.min():.5f}-{e.max():.5f}) | {np.median(e) / base:.2f}x | "
              f"{np.median(seconds):.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
