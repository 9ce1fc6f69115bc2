"""Training throughput of every path a person uses against a bare PyTorch loop, and GUI latency.

    python scripts/bench_training.py [--epochs 4] [--cli-epochs 10] [--repeats 3] [--only TEXT]
                                     [--latency-seconds 20] [--no-latency]

1. Throughput. Each case trains the same model on the same pictures with the same
   settings (batch, rate, noise, augmentation, torch threads) two ways, alternating,
   and reports medians:
   - the bare loop: shuffle, (augment, add noise,) forward, MSE, backward, step;
   - the app's path: the window's worker thread with live snapshots flowing to a
     receiver on the GUI thread, or the real ``aeviewer train`` command in a child
     process (its own "trained ... in X s", which includes the final evaluation of every
     picture: a fixed cost, so the command's cases run --cli-epochs, nearer its default 40).
   Pictures: the banana demo (64x64 colour) and, when ../shared/data/mnist is there,
   8,000 MNIST digits (28x28 grey).
2. GUI event-loop latency: the real main window (offscreen) trains the demo with live
   updates while a 10 ms timer measures how late each tick fires.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import torch
from PySide6.QtCore import QObject, Signal

sys.path.insert(0, str(Path(__file__).resolve().parent))


@dataclass
class Case:
    name: str
    pictures: str
    images: np.ndarray  # the training pictures, uint8 (N, H, W, C)
    path: str  # "worker" or "cli"
    denoise: str = ""  # a noise spec, or "" to reconstruct
    arch: str = "bottleneck"
    augment: bool = False
    bare: list[float] = field(default_factory=list)
    app: list[float] = field(default_factory=list)


def _train_config(case: Case, epochs: int):
    from aeviewer.core.config import LEARNING_RATES, TrainConfig
    from aeviewer.core.noise_kinds import parse_specs

    return TrainConfig(epochs=epochs, learning_rate=LEARNING_RATES[case.arch], augment=case.augment,
                       denoise=parse_specs(case.denoise) if case.denoise else ())


def _model_config(case: Case):
    from aeviewer.core.config import ModelConfig

    _, size, _, channels = case.images.shape
    return ModelConfig(image_size=size, channels=channels, latent_dim=16, architecture=case.arch)


def bare_loop(case: Case, epochs: int, threads: int) -> float:
    """Plain PyTorch with the case's settings. Returns images/s."""
    from aeviewer.core.model import build_model, to_tensor
    from aeviewer.core.noise import corrupt, make_generator
    from aeviewer.core.training import augment_batch

    torch.set_num_threads(threads)
    config = _train_config(case, epochs)
    model = build_model(_model_config(case), seed=0)
    model.to(memory_format=torch.channels_last).train()  # as core.training does
    opt = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    data = to_tensor(case.images, torch.device("cpu")).contiguous(memory_format=torch.channels_last)
    noise = make_generator(torch.device("cpu"), 1) if config.denoise else None
    n = len(data)
    gen = torch.Generator().manual_seed(0)
    t0 = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen)
        for b in range(0, n, config.batch_size):
            x = data[order[b : b + config.batch_size]].contiguous(memory_format=torch.channels_last)
            if config.augment:
                x = augment_batch(x, gen)
            x_in = corrupt(x, config.denoise, noise) if noise is not None else x
            recon, _ = model(x_in)
            loss = ((recon - x) ** 2).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            float(loss.detach())
    return n * epochs / (time.perf_counter() - t0)


class GuiRelay(QObject):
    """Re-emits the worker's results on the GUI thread and hands them to ``receive`` there."""

    result = Signal(object)

    def __init__(self, receive) -> None:
        super().__init__()
        self.result.connect(receive)


def worker_path(app, case: Case, epochs: int) -> float:
    """The window's path: WorkerThread + Engine + throttled snapshots to the GUI thread.

    images/s = images trained by the last live snapshot / its arrival time after
    training started, both as seen on the GUI thread.
    """
    from aeviewer.core.data import ImageSet, Split
    from aeviewer.core.results import Snapshot, TrainingEnd, TrainingStarted
    from aeviewer.qt.messages import Inspect, Retrain, SetImages
    from aeviewer.qt.worker import WorkerThread

    wt = WorkerThread(_model_config(case), "cpu")
    got: dict = {"start": None, "end": None, "live": (0.0, 0)}

    def on_result(r) -> None:
        now = time.perf_counter()
        if isinstance(r, TrainingStarted):
            got["start"] = now
        elif isinstance(r, TrainingEnd):
            got["end"] = now
        elif isinstance(r, Snapshot) and r.results is not None and not r.results.final:
            got["live"] = (now, r.step.images_seen)  # the last one adds a one-off full evaluation

    relay = GuiRelay(on_result)
    wt.worker.result.connect(relay.result)  # queued to the GUI thread, as the window receives them
    wt.start()
    n = len(case.images)
    wt.worker.submit(SetImages(ImageSet(case.images, [f"p{i}" for i in range(n)], np.full(n, Split.TRAIN))))
    wt.worker.submit(Inspect(n - 1))  # a selected picture refreshes live, as in the window
    wt.worker.submit(Retrain(_train_config(case, epochs), _model_config(case)))
    while got["end"] is None:
        app.processEvents()
        time.sleep(0.002)
    wt.shutdown()
    t_live, seen = got["live"]
    return seen / (t_live - got["start"])


def cli_path(case: Case, epochs: int, folder: Path) -> float:
    """The real `aeviewer train` in a child process; its own reported training time."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "aeviewer", "train", str(folder), "--out", f"{out}/s.aesession",
               "--epochs", str(epochs), "--image-size", str(case.images.shape[1]),
               "--channels", str(case.images.shape[3]), "--arch", case.arch, "--device", "cpu",
               "--method", "reconstruct"]  # the bare loop's model (64 px pictures would get the synthetic method)
        if case.denoise:
            cmd += ["--denoise", case.denoise]
        if case.augment:
            cmd += ["--augment"]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    seconds = float(re.search(r"trained on \d+ images in ([\d.]+) s", done.stdout).group(1))
    return len(case.images) * epochs / seconds


def write_folder(images: np.ndarray, folder: Path) -> Path:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for i, img in enumerate(images):
        Image.fromarray(img[..., 0] if img.shape[2] == 1 else img).save(folder / f"{i:05d}.png")
    return folder


def gui_latency(app, seconds: float) -> np.ndarray:
    """Lateness (ms) of a 10 ms timer while the real window trains the demo."""
    from PySide6.QtCore import QTimer

    from aeviewer.qt.app import create_window, parse_args

    window = create_window(parse_args(["--no-tour", "--epochs", "1000"]))
    window.resize(1400, 860)
    window.show()
    gc.freeze()  # as aeviewer.qt.app.main does
    end = time.monotonic() + 120
    while not window.presenter.training and time.monotonic() < end:
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
    p.add_argument("--epochs", type=int, default=4, help="epochs of a window run")
    p.add_argument("--cli-epochs", type=int, default=10, help="epochs of an `aeviewer train` run")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--only", default="", help="run only the cases whose name contains this")
    p.add_argument("--latency-seconds", type=float, default=20.0)
    p.add_argument("--no-latency", action="store_true")
    args = p.parse_args()

    from aeviewer.core.demos import banana_imageset
    from aeviewer.qt.app import prepare_app
    from aeviewer.qt.worker import default_torch_threads

    app = prepare_app()
    cli_threads = torch.get_num_threads()  # what a child process gets by default
    worker_threads = default_torch_threads()  # the window leaves one core to the GUI
    demo = banana_imageset()
    bananas = demo.images[demo.splits == 0]
    cases = [
        Case("window: reconstruct", "demo 64x64 colour", bananas, "worker"),
        Case("window: reconstruct, flips and turns (the demo)", "demo 64x64 colour", bananas, "worker", augment=True),
        Case("window: denoise, U-Net", "demo 64x64 colour", bananas, "worker", "gaussian:0.1-0.5", "skip"),
        Case("aeviewer train", "demo 64x64 colour", bananas, "cli"),
    ]
    try:
        from mnist_data import POOL, load_mnist

        digits = load_mnist()[0][:POOL, :, :, None].copy()
        cases += [
            Case("aeviewer train --denoise", "8,000 MNIST 28x28 grey", digits, "cli", "gaussian:0.1-0.5"),
            Case("window: denoise", "8,000 MNIST 28x28 grey", digits, "worker", "gaussian:0.1-0.5"),
        ]
    except FileNotFoundError:
        print("(no ../shared/data/mnist here: the MNIST cases are left out)")

    cases = [c for c in cases if args.only in c.name]
    print(f"torch {torch.__version__}, CPU, {os.cpu_count()} cores; torch threads: {worker_threads} in the "
          f"window's worker (one core left to the GUI), {cli_threads} in `aeviewer train`; each bare loop uses "
          f"its path's. {args.epochs} epochs a window run, {args.cli_epochs} a command's; {args.repeats} runs each, "
          "alternating; medians.")
    with tempfile.TemporaryDirectory() as tmp:
        folders = {}
        for case in cases:
            if case.path == "cli" and case.pictures not in folders:
                folders[case.pictures] = write_folder(case.images, Path(tmp) / str(len(folders)))
        for case in cases:
            threads = worker_threads if case.path == "worker" else cli_threads
            epochs = args.epochs if case.path == "worker" else args.cli_epochs
            bare_loop(case, 1, threads)  # warm-up
            for _ in range(args.repeats):
                case.bare.append(bare_loop(case, epochs, threads))
                torch.set_num_threads(worker_threads)
                if case.path == "worker":
                    case.app.append(worker_path(app, case, epochs))
                else:
                    case.app.append(cli_path(case, epochs, folders[case.pictures]))
            print(f"  {case.name} ({case.pictures}): bare {statistics.median(case.bare):.0f}, "
                  f"app {statistics.median(case.app):.0f} images/s", flush=True)

    print()
    print("| path | pictures | bare loop (img/s) | app (img/s) | ratio | app runs |")
    print("|------|----------|------------------:|------------:|------:|----------|")
    for c in cases:
        b, a = statistics.median(c.bare), statistics.median(c.app)
        print(f"| {c.name} | {c.pictures} | {b:.0f} | {a:.0f} | **{a / b:.2f}** | "
              f"{' '.join(f'{v:.0f}' for v in c.app)} |")
    print("\ntarget: every ratio >= 0.90")

    if not args.no_latency:
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
