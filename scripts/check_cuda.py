"""The CUDA path, checked against the CPU with the same seeds. Needs a CUDA GPU; no Qt.

    python scripts/check_cuda.py [--epochs 3] [--device cuda]

(``--device cpu`` runs the same comparisons CPU against CPU: a dry run of this script.)

Runs the core as the window and the CLI do, once on the CPU and once on CUDA, and
compares:

1. Training, through ``core.engine.Engine``: the banana demo (reconstruct, live
   bookkeeping as in the window), a denoiser (bottleneck, Gaussian noise, as
   ``aeviewer train --denoise``) and the U-Net denoiser. Final loss and the test
   pictures' AUROC must agree within TRAIN_LOSS_REL and AUROC_ABS: floating-point
   sums differ between the devices, and denoising noise is drawn on the device, from
   another random stream, so the runs are alike but not equal.
2. Inference with the same weights (the CPU-trained ones, copied to the GPU): codes,
   reconstructions and every score kind of the demo's pictures, the pixel AUROC with
   defect masks, and a 1000x700 picture cleaned in tiles by the U-Net. These must
   agree within PIXEL_ABS / SCORE_REL: the GPU convolves in TF32 by default.

Prints one table and the speed of each run; exits 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from aeviewer.core.config import LEARNING_RATES, ModelConfig, TrainConfig
from aeviewer.core.data import ImageSet, Split
from aeviewer.core.demos import banana_imageset
from aeviewer.core.denoising import clean_picture
from aeviewer.core.engine import Engine
from aeviewer.core.inference import anomaly_scores, pixel_auroc, score_images
from aeviewer.core.model import build_model
from aeviewer.core.noise_kinds import parse_specs
from aeviewer.core.scoring import SCORES

TRAIN_LOSS_REL = 0.15  # final training loss, CPU against CUDA
AUROC_ABS = 0.08
PIXEL_ABS = 2e-3  # same weights: largest difference of any output pixel in [0, 1]
SCORE_REL = 2e-2  # same weights: largest relative difference of any score


@dataclass
class Row:
    what: str
    cpu: float
    cuda: float
    limit: str
    ok: bool


def _train(device: str, images: ImageSet, config: ModelConfig, train: TrainConfig, live: bool):
    engine = Engine(config, device, seed=0)
    engine.set_images(images)
    t0 = time.perf_counter()
    final = None
    for snap in engine.train(train, live=live):
        if snap is not None and snap.results is not None:
            final = snap
    _sync(torch.device(device))
    seconds = time.perf_counter() - t0
    return engine, final, len(images.indices(Split.TRAIN)) * train.epochs / seconds


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _auroc(snapshot) -> float:
    ranking = snapshot.results.evaluation.ranking
    return ranking.auroc if ranking is not None else float("nan")


def _masked(images: ImageSet) -> ImageSet:
    """The demo with a mask for each rotten banana: where it is darkest (a stand-in for a drawn mask)."""
    masks = {}
    for row in np.flatnonzero(images.labels == 1):
        grey = images.images[row].mean(axis=-1)
        masks[int(row)] = grey < np.percentile(grey, 10)
    return ImageSet(images.images, images.paths, images.splits, images.labels, masks)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--device", default="cuda", help="the device compared with the CPU")
    args = p.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("CUDA is not available here: nothing to check.")
        return 2
    name = torch.cuda.get_device_name(0) if args.device == "cuda" else args.device
    print(f"torch {torch.__version__}, {name}, CUDA {torch.version.cuda}; "
          f"TF32 convolutions {'on' if torch.backends.cudnn.allow_tf32 else 'off'}")
    demo = _masked(banana_imageset(n_train=256, n_test=32, seed=1))
    gauss = parse_specs("gaussian:0.1-0.5")
    runs = {
        "demo, reconstruct (window)": (ModelConfig(latent_dim=16), TrainConfig(epochs=args.epochs, augment=True), True),
        "demo, denoise, bottleneck (CLI)": (ModelConfig(latent_dim=16),
                                            TrainConfig(epochs=args.epochs, denoise=gauss), False),
        "demo, denoise, U-Net (CLI)": (ModelConfig(latent_dim=16, architecture="skip"),
                                       TrainConfig(epochs=args.epochs, denoise=gauss,
                                                   learning_rate=LEARNING_RATES["skip"]), False),
    }
    rows: list[Row] = []
    speeds: list[tuple[str, float, float]] = []
    trained: dict[str, Engine] = {}
    for name, (config, train, live) in runs.items():
        cpu_engine, cpu, cpu_rate = _train("cpu", demo, config, train, live)
        _, gpu, gpu_rate = _train(args.device, demo, config, train, live)
        trained[name] = cpu_engine
        speeds.append((name, cpu_rate, gpu_rate))
        loss_c, loss_g = float(cpu.losses[-1]), float(gpu.losses[-1])
        rel = abs(loss_c - loss_g) / max(loss_c, 1e-12)
        rows.append(Row(f"{name}: final loss", loss_c, loss_g, f"rel {TRAIN_LOSS_REL:g}", rel <= TRAIN_LOSS_REL))
        if not train.denoise:
            a_c, a_g = _auroc(cpu), _auroc(gpu)
            rows.append(Row(f"{name}: test AUROC", a_c, a_g, f"abs {AUROC_ABS:g}", abs(a_c - a_g) <= AUROC_ABS))

    # Same weights on both devices.
    cpu_dev, gpu_dev = torch.device("cpu"), torch.device(args.device)
    recon_engine = trained["demo, reconstruct (window)"]
    gpu_model = build_model(recon_engine.model_config).to(gpu_dev)
    gpu_model.load_state_dict(recon_engine.model.state_dict())
    gpu_model.eval()
    s_c = score_images(recon_engine.model, demo.images, cpu_dev)
    s_g = score_images(gpu_model, demo.images, gpu_dev)
    code_diff = float(np.abs(s_c.codes - s_g.codes).max() / max(np.abs(s_c.codes).max(), 1e-12))
    rows.append(Row("same weights: codes (largest, relative)", 0.0, code_diff, f"rel {SCORE_REL:g}",
                    code_diff <= SCORE_REL))
    for kind in SCORES:
        c = anomaly_scores(recon_engine.model, demo.images, cpu_dev, kind)
        g = anomaly_scores(gpu_model, demo.images, gpu_dev, kind)
        rel = float(np.max(np.abs(c - g) / np.maximum(np.abs(c), 1e-6)))
        rows.append(Row(f"same weights: {kind} scores (largest, relative)", 0.0, rel, f"rel {SCORE_REL:g}",
                        rel <= SCORE_REL))
    test = demo.indices(Split.TEST)
    px_c = pixel_auroc(recon_engine.model, demo.images, demo.labels, demo.masks, test, cpu_dev)
    px_g = pixel_auroc(gpu_model, demo.images, demo.labels, demo.masks, test, gpu_dev)
    rows.append(Row("same weights: pixel AUROC", px_c, px_g, "abs 0.005", abs(px_c - px_g) <= 0.005))

    unet_engine = trained["demo, denoise, U-Net (CLI)"]
    gpu_unet = build_model(unet_engine.model_config).to(gpu_dev)
    gpu_unet.load_state_dict(unet_engine.model.state_dict())
    gpu_unet.eval()
    rng = np.random.default_rng(0)
    picture = np.clip(rng.normal(0.5, 0.2, (700, 1000, 3)), 0, 1).astype(np.float32)
    t0 = time.perf_counter()
    out_c = clean_picture(unet_engine.model, picture, cpu_dev)
    tiles_cpu = time.perf_counter() - t0
    t0 = time.perf_counter()
    out_g = clean_picture(gpu_unet, picture, gpu_dev)
    _sync(gpu_dev)
    tiles_gpu = time.perf_counter() - t0
    diff = float(np.abs(out_c - out_g).max())
    rows.append(Row("same weights: U-Net, 1000x700 in tiles (largest pixel)", 0.0, diff, f"abs {PIXEL_ABS:g}",
                    diff <= PIXEL_ABS and out_g.shape == picture.shape))

    print()
    print(f"| check | CPU | {args.device} | tolerance | |")
    print("|-------|----:|-----:|-----------|-|")
    for r in rows:
        print(f"| {r.what} | {r.cpu:.5g} | {r.cuda:.5g} | {r.limit} | {'ok' if r.ok else '**MISMATCH**'} |")
    print()
    print(f"| run | CPU images/s | {args.device} images/s |")
    print("|-----|-------------:|--------------:|")
    for name, c, g in speeds:
        print(f"| {name} | {c:.0f} | {g:.0f} |")
    print(f"| 1000x700 picture in tiles (U-Net), seconds | {tiles_cpu:.2f} | {tiles_gpu:.3f} |")
    bad = [r.what for r in rows if not r.ok]
    print(f"\n{len(rows) - len(bad)} of {len(rows)} checks agree" + (f"; MISMATCH: {', '.join(bad)}" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
