"""Training throughput of the app's worker path vs a bare PyTorch loop, and GUI latency.

    python scripts/bench_training.py [--epochs 4] [--repeats 5] [--latency-seconds 15]

1. Throughput: the same model, data, batch size and torch threads, trained
   (a) by a bare PyTorch loop and (b) through the app's worker thread with live
   snapshots flowing to a receiver on the GUI thread, (c) as (b) with flips and
   quarter turns, as the demo trains. Runs alternate; medians.
2. GUI event-loop latency: the real main window (offscreen) trains the demo with
   live updates while a 10 ms timer measures how late each tick fires.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import torch


def bare_loop(images: np.ndarray, latent: int, epochs: int, batch: int, lr: float) -> float:
    """Plain PyTorch: shuffle, forward, MSE, backward, step. Returns images/s."""
    from aeviewer.core.config import ModelConfig
    from aeviewer.core.model import build_model, to_tensor

    model = build_model(ModelConfig(latent_dim=latent), seed=0)
    model.to(memory_format=torch.channels_last).train()  # as core.training does
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    data = to_tensor(images, torch.device("cpu")).contiguous(memory_format=torch.channels_last)
    n = len(data)
    gen = torch.Generator().manual_seed(0)
    t0 = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen)
        for b in range(0, n, batch):
            x = data[order[b : b + batch]].contiguous(memory_format=torch.channels_last)
            recon, _ = model(x)
            loss = ((recon - x) ** 2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            float(loss.detach())
    return n * epochs / (time.perf_counter() - t0)


def worker_path(
    app, dataset, latent: int, epochs: int, batch: int, lr: float, augment: bool = False
) -> tuple[float, int]:
    """The app's path: WorkerThread + Engine + throttled snapshots to the GUI thread.

    images/s = images trained by the last live snapshot / its arrival time after
    training started, both as seen on the GUI thread.
    """
    from aeviewer.core.config import ModelConfig
    from aeviewer.core.training import TrainConfig
    from aeviewer.qt.worker import WorkerThread

    wt = WorkerThread(ModelConfig(latent_dim=latent), "cpu")
    got = {"snapshots": 0, "start": None, "end": None, "live": (0.0, 0)}
    w = wt.worker

    def on_snapshot(snap) -> None:
        got["snapshots"] += 1
        if not snap.evaluation.final:  # the last one adds a one-off full evaluation: not throughput
            got["live"] = (time.perf_counter(), snap.step.images_seen)

    w.snapshot.connect(on_snapshot)
    w.training_started.connect(lambda _m: got.__setitem__("start", time.perf_counter()))
    w.training_finished.connect(lambda _e: got.__setitem__("end", time.perf_counter()))
    wt.start()
    w.submit("set_images", dataset.images, dataset.splits)
    w.submit("inspect", int(len(dataset) - 1))  # a selected image refreshes live, as in the window
    w.submit("train", TrainConfig(epochs=epochs, batch_size=batch, learning_rate=lr, augment=augment))
    while got["end"] is None:
        app.processEvents()
        time.sleep(0.002)
    wt.shutdown()
    t_live, seen = got["live"]
    return seen / (t_live - got["start"]), got["snapshots"]


def gui_latency(app, seconds: float) -> np.ndarray:
    """Lateness (ms) of a 10 ms timer while the real window trains the demo."""
    from aeviewer.qt.app import create_window, parse_args
    from PySide6.QtCore import QTimer

    window = create_window(parse_args(["--epochs", "1000"]))
    window.resize(1400, 860)
    window.show()
    gc.freeze()  # as aeviewer.qt.app.main does
    end = time.monotonic() + 120
    while not window.training and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.005)
    lateness: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        lateness.append((now - last[0]) * 1000 - 10.0)
        last[0] = now

    timer = QTimer()
    timer.setTimerType(timer.timerType().PreciseTimer)
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    window.close()
    return np.maximum(np.array(lateness[1:]), 0.0)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--latent", type=int, default=16)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--latency-seconds", type=float, default=15.0)
    args = p.parse_args()

    from aeviewer.core.demos import banana_imageset
    from aeviewer.qt.app import prepare_app
    from aeviewer.qt.worker import default_torch_threads

    app = prepare_app()
    torch.set_num_threads(default_torch_threads())  # the worker's setting, for a fair baseline
    dataset = banana_imageset()
    train = dataset.images[dataset.splits == 0]
    lr = 2e-3
    print(f"torch {torch.__version__}, {torch.get_num_threads()} torch thread(s) in both paths "
          f"({os.cpu_count()} cores; the app leaves one to the GUI), CPU; "
          f"{len(train)} training images 64x64x3, {len(dataset) - len(train)} side images, "
          f"batch {args.batch}, {args.epochs} epochs a run, {args.repeats} runs each (alternating)")

    bare, worker, augmented, snaps = [], [], [], []
    bare_loop(train, args.latent, 1, args.batch, lr)  # warm-up
    for _ in range(args.repeats):
        bare.append(bare_loop(train, args.latent, args.epochs, args.batch, lr))
        rate, n = worker_path(app, dataset, args.latent, args.epochs, args.batch, lr)
        worker.append(rate)
        snaps.append(n)
        augmented.append(worker_path(app, dataset, args.latent, args.epochs, args.batch, lr, augment=True)[0])
    b, w, a = statistics.median(bare), statistics.median(worker), statistics.median(augmented)
    print()
    print("| path                          | images/s (median) | runs                      |")
    print("|-------------------------------|------------------:|---------------------------|")
    print(f"| bare PyTorch loop (baseline)  | {b:17.0f} | {' '.join(f'{v:.0f}' for v in bare):25} |")
    print(f"| app worker (live snapshots)   | {w:17.0f} | {' '.join(f'{v:.0f}' for v in worker):25} |")
    print(f"| app worker, augmentation on   | {a:17.0f} | {' '.join(f'{v:.0f}' for v in augmented):25} |")
    print(f"\nratio worker / bare: {w / b:.2f}  (target >= 0.90); with augmentation (the demo's setting; "
          f"one more encoder pass a batch for the scatter): {a / b:.2f}; "
          f"snapshots per run: {statistics.median(snaps):.0f}")

    lat = gui_latency(app, args.latency_seconds)
    print()
    print("| GUI event loop, 10 ms timer while training the demo | p50 ms | p99 ms | max ms | ticks |")
    print("|-----------------------------------------------------|-------:|-------:|-------:|------:|")
    print(f"| lateness of each tick                               | {np.percentile(lat, 50):6.1f} | "
          f"{np.percentile(lat, 99):6.1f} | {lat.max():6.1f} | {len(lat):5d} |")
    print("targets: p99 < 20 ms, max < 100 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
