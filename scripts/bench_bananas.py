"""Rotten-banana AUROC on the built-in demo, trained the way the window trains it.

    python scripts/bench_bananas.py [--seeds 0,1,2] [--latent 16]

The window's demo: 512 ripe bananas to train on, 48 ripe and 48 rotten held
back; latent 16; DEMO_EPOCHS epochs with flips and quarter turns (DEMO_AUGMENT).
Each seed draws a fresh model and shuffling (the pictures stay the same). The
baseline row is the earlier default: 40 epochs, no augmentation. The last row
is the Bottleneck group's other choice: one ordered model (core.ordered) shown
from its first 16 numbers. Every score kind is measured on the same trained model. Uses the
same Engine the window's worker drives.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from aeviewer.core.choices import batch_size
from aeviewer.core.config import ORDERED_SIZE, ModelConfig
from aeviewer.core.data import Split
from aeviewer.core.demos import DEMO_AUGMENT, DEMO_EPOCHS, banana_imageset
from aeviewer.core.engine import Engine
from aeviewer.core.inference import anomaly_scores
from aeviewer.core.metrics import auroc
from aeviewer.core.scoring import SCORES
from aeviewer.core.training import TrainConfig


def measure(images, epochs: int, augment: bool, latent: int, seed: int,
            ordered: bool = False) -> tuple[dict[str, float], float]:
    """AUROC of each score kind; an ordered model (ORDERED_SIZE numbers) is scored from its first ``latent``."""
    config = ModelConfig(latent_dim=ORDERED_SIZE, ordered=True) if ordered else ModelConfig(latent_dim=latent)
    engine = Engine(config, device="cpu", seed=seed)
    engine.set_images(images)
    t0 = time.perf_counter()
    batch = batch_size(config.method, config.ordered, len(images.indices(Split.TRAIN)))  # as the app chooses
    for _ in engine.train(TrainConfig(epochs=epochs, augment=augment, seed=seed, batch_size=batch)):
        pass
    seconds = time.perf_counter() - t0
    if ordered:
        engine.set_prefix(latent)
    test = images.indices(Split.TEST)
    return {
        kind: auroc(anomaly_scores(engine.model, images.images[test], engine.device, kind), images.labels[test])
        for kind, score in SCORES.items()
        if not score.learned  # a reconstructing model has no learned map
    }, seconds


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--latent", type=int, default=16)
    args = p.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    images = banana_imageset()
    setups = [("baseline: 40 epochs, no augmentation", 40, False, False),
              (f"window: {DEMO_EPOCHS} epochs, augmentation {'on' if DEMO_AUGMENT else 'off'}, a model "
               f"trained at {args.latent}", DEMO_EPOCHS, DEMO_AUGMENT, False),
              (f"the window's other choice: one ordered model of {ORDERED_SIZE} numbers, its first {args.latent}",
               DEMO_EPOCHS, DEMO_AUGMENT, True)]
    rows = []
    for label, epochs, augment, ordered in setups:
        results = []
        for seed in seeds:
            values, seconds = measure(images, epochs, augment, args.latent, seed, ordered)
            results.append((values, seconds))
            print(f"{label}, seed {seed}: " + ", ".join(f"{k} {v:.3f}" for k, v in values.items())
                  + f" ({seconds:.0f} s)", file=sys.stderr)
        rows.append((label, results))

    kinds = [k for k, s in SCORES.items() if not s.learned]
    print("| training | " + " | ".join(SCORES[k].label for k in kinds) + " | train s |")
    print("|---" * (len(kinds) + 2) + "|")
    for label, results in rows:
        cells = []
        for k in kinds:
            vals = [r[0][k] for r in results]
            cells.append(f"{statistics.median(vals):.3f} ({min(vals):.3f}-{max(vals):.3f})")
        secs = statistics.median(r[1] for r in results)
        print(f"| {label} | " + " | ".join(cells) + f" | {secs:.0f} |")
    print("\ncells: median (min-max) over seeds; target: >= 0.99")
    return 0


if __name__ == "__main__":
    sys.exit(main())
