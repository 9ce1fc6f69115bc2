"""One ordered model against a dedicated model per code size, on the demo and on MNIST.

    python scripts/bench_bottleneck.py [--sets demo,mnist] [--sizes 2,4,8,16,32] [--seed 0]

For each set, one ordered model (64 numbers, nested dropout: core.ordered) and one
dedicated model per size k are trained the same number of epochs through the Engine the
window drives (the demo: the window's recipe, DEMO_EPOCHS epochs with flips and turns;
MNIST: the 8,000-digit pool of ../shared/data/mnist, 15 epochs, grey 28x28). Each is
then measured on the held-back pictures: mean squared error and PSNR, the ordered model
rebuilding from its first k numbers. The target (issue #10) is the ordered model within
10 % of the dedicated model's error at every k. Training seconds are printed too (each
dedicated model pays them again; the ordered model once).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aeviewer.core.config import ModelConfig, TrainConfig
from aeviewer.core.data import ImageSet, Split
from aeviewer.core.demos import DEMO_AUGMENT, DEMO_EPOCHS, banana_imageset
from aeviewer.core.engine import Engine
from aeviewer.core.ordered import ORDERED_SIZE


def mnist_set() -> ImageSet:
    from mnist_data import POOL, load_mnist

    images, _labels = load_mnist()
    pixels = images[..., None]
    splits = np.where(np.arange(len(images)) < POOL, Split.TRAIN, Split.TEST)
    return ImageSet(pixels, [f"mnist/{i}" for i in range(len(images))], splits, np.zeros(len(images), np.int8))


SETS = {
    "demo": (lambda: banana_imageset(), DEMO_EPOCHS, DEMO_AUGMENT),
    "mnist": (mnist_set, 15, False),
}


def train(images: ImageSet, config: ModelConfig, epochs: int, augment: bool, seed: int) -> tuple[Engine, float]:
    engine = Engine(config, "cpu", seed=seed)
    engine.set_images(images)
    t0 = time.perf_counter()
    for _ in engine.train(TrainConfig(epochs=epochs, augment=augment, seed=seed), live=False):
        pass
    return engine, time.perf_counter() - t0


def test_error(engine: Engine, images: ImageSet) -> float:
    return float(np.mean(engine.evaluate().errors[images.indices(Split.TEST)]))


def psnr(mse: float) -> float:
    return 10 * np.log10(1.0 / max(mse, 1e-12))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sets", default="demo,mnist")
    p.add_argument("--sizes", default="2,4,8,16,32")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    sizes = [int(k) for k in args.sizes.split(",")]
    for name in args.sets.split(","):
        make, epochs, augment = SETS[name]
        images = make()
        size, channels = images.size, images.channels
        ordered, ordered_s = train(images, ModelConfig(image_size=size, channels=channels,
                                                       latent_dim=ORDERED_SIZE, ordered=True), epochs, augment,
                                   args.seed)
        print(f"\n{name}: {len(images.indices(Split.TRAIN))} train, {len(images.indices(Split.TEST))} test, "
              f"{size}x{size}x{channels}, {epochs} epochs{' with flips and turns' if augment else ''}; "
              f"ordered model ({ORDERED_SIZE} numbers) trained in {ordered_s:.0f} s\n")
        print("| k | dedicated MSE | ordered MSE | ordered / dedicated | dedicated PSNR | ordered PSNR | dedicated s |")
        print("|--:|--:|--:|--:|--:|--:|--:|")
        for k in sizes:
            dedicated, seconds = train(images, ModelConfig(image_size=size, channels=channels, latent_dim=k),
                                       epochs, augment, args.seed)
            d = test_error(dedicated, images)
            ordered.set_prefix(k)
            o = test_error(ordered, images)
            print(f"| {k} | {d:.5f} | {o:.5f} | **{o / d:.2f}** | {psnr(d):.2f} | {psnr(o):.2f} | {seconds:.0f} |",
                  flush=True)
        ordered.set_prefix(None)
        print(f"| {ORDERED_SIZE} (whole) | | {test_error(ordered, images):.5f} | | | "
              f"{psnr(test_error(ordered, images)):.2f} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
