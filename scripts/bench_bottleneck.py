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

from aeviewer.core.choices import batch_size
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
    batch = batch_size(config.method, config.ordered, len(images.indices(Split.TRAIN)))  # as the app chooses it
    for _ in engine.train(TrainConfig(epochs=epochs, augment=augment, seed=seed, batch_size=batch), live=False):
        pass
    return engine, time.perf_counter() - t0


def test_error(engine: Engine, images: ImageSet) -> float:
    return float(np.mean(engine.evaluate().errors[images.indices(Split.TEST)]))


def psnr(mse: float) -> float:
    return 10 * np.log10(1.0 / max(mse, 1e-12))


def slider_latency(moves: int) -> None:
    """In the real window, training the demo: seconds from a slider move to the compare panel drawn at
    the new length; against the time the same model took to train (what moving the slider cost before)."""
    import os
    import random

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from aeviewer.qt.app import create_window, parse_args, prepare_app

    app = prepare_app()
    window = create_window(parse_args(["--no-tour", "--device", "cpu", "--epochs", "1000"]))
    window.resize(1400, 860)
    window.show()

    def pump_until(cond, seconds: float) -> bool:
        end = time.monotonic() + seconds
        while not cond() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.001)
        return cond()

    assert pump_until(lambda: window.presenter.training, 120)
    window.controls.kind.setCurrentIndex(window.controls.kind.findData(True))  # one ordered model: a retrain
    assert pump_until(lambda: window.presenter.training and window.presenter.model_config.ordered
                      and window.presenter.inspection is not None, 120)
    pump_until(lambda: False, 3.0)
    presenter = window.presenter
    drawn: list[tuple[float, int | None]] = []
    original = presenter._draw_inspection

    def recorded(ins):
        original(ins)
        window.views.compare.repaint()  # painted now, not at the next event loop turn
        drawn.append((time.perf_counter(), ins.prefix))

    presenter._draw_inspection = recorded
    latencies = []
    rng = random.Random(0)
    k = 16
    for _ in range(moves):
        k = rng.choice([n for n in range(1, 65) if n != k])
        t0 = time.perf_counter()
        window.controls.slider.setValue(k)
        want = None if k >= 64 else k
        def shown(want=want, t0=t0):
            return next((t - t0 for t, p in drawn if p == want and t >= t0), None)

        if pump_until(lambda shown=shown: shown() is not None, 10):
            latencies.append(shown())
        pump_until(lambda: False, 0.15)
    step = presenter.last_step
    window.keeper.ask_to_save = lambda: "discard"
    window.close()
    ms = np.array(latencies) * 1000
    per_image = step.compute_seconds / max(step.images_seen, 1) if step is not None else float("nan")
    retrain = per_image * len(window.images.indices(Split.TRAIN)) * DEMO_EPOCHS
    print(f"\nslider to compare panel, real window training the demo ({len(ms)} moves): median {np.median(ms):.0f} ms, "
          f"p99 {np.percentile(ms, 99):.0f} ms, max {ms.max():.0f} ms; a retrain at the demo's settings "
          f"(what letting go of the slider cost before): about {retrain:.0f} s")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sets", default="demo,mnist")
    p.add_argument("--sizes", default="2,4,8,16,32")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--latency-moves", type=int, default=60, help="slider moves in the real window (0: skip)")
    args = p.parse_args()
    sizes = [int(k) for k in args.sizes.split(",")]
    if args.latency_moves:
        slider_latency(args.latency_moves)
    for name in [s for s in args.sets.split(",") if s]:
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
