"""MNIST one-class anomaly detection, through the same code path as `aeviewer train` / `score`.

    python scripts/bench_oneclass.py [--data ../shared/data/mnist] [--epochs 30] [--score mse]
                                     [--latent 16] [--digits 0,1,...]

Protocol (../shared/data/mnist/README.md): images 0..7999 are the training pool,
8000..9999 the test set. For each digit d, train only on the pool images of d,
score all 2,000 test images (d normal, every other digit anomalous) and report
the ROC AUC. The images are written as PNG files and handed to the real CLI, so
decoding, layout detection, training, the session file and scoring are the ones
a user runs.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from mnist_data import DEFAULT_DATA, POOL, load_mnist
from PIL import Image

from aeviewer.cli import main as cli
from aeviewer.core.metrics import auroc
from aeviewer.core.scoring import DEFAULT_SCORE, SCORES

DCAE = 89.7
DEEP_SVDD = [98.0, 99.7, 91.7, 91.9, 94.9, 88.5, 98.3, 94.6, 93.9, 96.5]


def write_pngs(folder: Path, images: np.ndarray, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for img, name in zip(images, names, strict=True):
        Image.fromarray(img).save(folder / f"{name}.png")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--latent", type=int, default=16)
    p.add_argument("--score", default=DEFAULT_SCORE, choices=sorted(SCORES))
    p.add_argument("--digits", default="0,1,2,3,4,5,6,7,8,9")
    args = p.parse_args()

    images, labels = load_mnist(args.data)
    pool_x, pool_y = images[:POOL], labels[:POOL]
    test_x, test_y = images[POOL:], labels[POOL:]
    digits = [int(d) for d in args.digits.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_pngs(tmp / "test", test_x, [f"{i:04d}_{y}" for i, y in enumerate(test_y)])
        for d in digits:
            train_dir = tmp / f"train{d}"
            sel = np.flatnonzero(pool_y == d)
            write_pngs(train_dir, pool_x[sel], [f"{i:04d}" for i in sel])
            session = tmp / f"d{d}.aesession"
            t0 = time.perf_counter()
            code = cli(["train", str(train_dir), "--out", str(session), "--image-size", "28", "--channels", "1",
                        "--latent", str(args.latent), "--epochs", str(args.epochs), "--score", args.score,
                        "--device", "cpu", "--seed", "0"])
            seconds = time.perf_counter() - t0
            if code != 0:
                print(f"digit {d}: training failed", file=sys.stderr)
                return 1
            out = tmp / f"scores{d}.csv"
            cli(["score", str(session), str(tmp / "test"), "--csv", str(out), "--device", "cpu"])
            with out.open() as fh:
                got = {Path(r["path"]).stem: float(r["score"]) for r in csv.DictReader(fh)}
            names = [f"{i:04d}_{y}" for i, y in enumerate(test_y)]
            scores = np.array([got[n] for n in names])
            value = 100 * auroc(scores, (test_y != d).astype(np.int8))
            rows.append((d, len(sel), value, seconds))
            print(f"digit {d}: AUROC {value:.1f} in {seconds:.0f} s", file=sys.stderr)

    print(f"\nMNIST one-class, {args.epochs} epochs, latent {args.latent}, score {args.score} "
          f"(CPU, same code path as `aeviewer train`/`score`)\n")
    print("| digit | train images | AUROC | Deep SVDD | train s |")
    print("|------:|-------------:|------:|----------:|--------:|")
    for d, n, value, seconds in rows:
        print(f"| {d} | {n} | {value:.1f} | {DEEP_SVDD[d]:.1f} | {seconds:.0f} |")
    mean = statistics.mean(r[2] for r in rows)
    print(f"| mean | | **{mean:.1f}** | {statistics.mean(DEEP_SVDD[d] for d in digits):.1f} | "
          f"{statistics.median(r[3] for r in rows):.0f} (median) |")
    print(f"\npublished means: DCAE {DCAE}, Deep SVDD {statistics.mean(DEEP_SVDD):.1f}; "
          "target: >= 95.0, <= 60 s a digit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
