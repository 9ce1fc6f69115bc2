"""MNIST denoising: aeviewer's models against classical filters, PSNR and SSIM.

    python scripts/bench_denoise.py [--data ../shared/data/mnist] [--epochs 15] [--latent 128]
                                    [--width 16] [--test 2000] [--noise gaussian:0.05-0.55]

Protocol (../shared/data/mnist/README.md): train on the pool (images 0..7999,
all digits), test on images 8000..9999. Gaussian noise of sigma 0.1, 0.2, 0.3
and 0.5 is added to images scaled to [0, 1] and clipped to [0, 1]; PSNR uses a
data range of 1. Each aeviewer model is trained once, on a range of strengths
(as `aeviewer train --denoise gaussian:0.05-0.55` does, with the same training
loop), and then cleans every sigma. The classical filters get their best
setting per sigma, chosen on the test images themselves (an advantage the
models do not have): the Gaussian blur's width and non-local means' h.

Needs scikit-image for non-local means (`pip install scikit-image`).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch
from mnist_data import DEFAULT_DATA, POOL, load_mnist
from scipy import ndimage

from aeviewer.core.config import LEARNING_RATES, ModelConfig
from aeviewer.core.inference import run_model
from aeviewer.core.model import build_model
from aeviewer.core.noise_kinds import parse_specs
from aeviewer.core.quality import psnr, ssim
from aeviewer.core.training import TrainConfig, output_spread, train_steps

SIGMAS = (0.1, 0.2, 0.3, 0.5)
BLUR_WIDTHS = (0.5, 0.7, 0.9, 1.1, 1.4, 1.8)
NLM_H = (0.2, 0.4, 0.8, 1.2)  # times sigma, each with and without telling it sigma


def add_gaussian(clean: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(clean + rng.normal(0.0, sigma, clean.shape), 0.0, 1.0).astype(np.float32)


def measure(out: np.ndarray, clean: np.ndarray) -> tuple[float, float]:
    """Mean PSNR and mean SSIM over images (N, H, W, 1)."""
    return float(np.mean(psnr(out, clean))), float(np.mean(ssim(out, clean)))


def best_of(candidates, clean):
    """The candidate output with the highest mean PSNR: (psnr, ssim, setting)."""
    best = None
    for setting, out in candidates:
        p, s = measure(out, clean)
        if best is None or p > best[0]:
            best = (p, s, setting)
    return best


def nl_means(noisy: np.ndarray, sigma: float):
    from skimage.restoration import denoise_nl_means

    for factor in NLM_H:
        for told in (True, False):  # clipping makes the noise non-Gaussian: either may win
            out = np.stack([
                denoise_nl_means(img[..., 0], h=factor * sigma, sigma=sigma if told else 0.0, patch_size=5,
                                 patch_distance=6, fast_mode=True)[..., None]
                for img in noisy
            ]).astype(np.float32)
            yield f"h={factor:g} sigma" + ("" if told else ", sigma not given"), out


def train(arch: str, pool: np.ndarray, args) -> tuple[torch.nn.Module, float, list[str]]:
    config = ModelConfig(image_size=28, channels=1, latent_dim=args.latent, base_width=args.width, architecture=arch)
    model = build_model(config, seed=0)
    lr = args.lr or LEARNING_RATES[arch]
    tc = TrainConfig(epochs=args.epochs, batch_size=64, learning_rate=lr, seed=0, denoise=parse_specs(args.noise))
    t0 = time.perf_counter()
    notes = set()
    for step in train_steps(model, pool, tc, torch.device("cpu")):
        if step.note:
            notes.add(step.note)
        if step.batch == 0:
            print(f"  {arch}: epoch {step.epoch + 1}/{step.epochs} loss {step.loss:.4f}", file=sys.stderr)
    return model, time.perf_counter() - t0, sorted(notes)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=type(DEFAULT_DATA), default=DEFAULT_DATA)
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--latent", type=int, default=128)
    p.add_argument("--width", type=int, default=16)
    p.add_argument("--lr", type=float, default=None,
                   help="default: each architecture's own (core.config.LEARNING_RATES)")
    p.add_argument("--test", type=int, default=2000, help="how many of the 2,000 test images to use")
    p.add_argument("--noise", default="gaussian:0.05-0.55", help="training noise for both models")
    p.add_argument("--skip-nlm", action="store_true", help="leave out non-local means (slow; needs scikit-image)")
    p.add_argument("--models", default="bottleneck,skip", help="which aeviewer models to train")
    args = p.parse_args()
    torch.manual_seed(0)

    images, _ = load_mnist(args.data)
    pool = images[:POOL, :, :, None]
    clean = images[POOL : POOL + args.test, :, :, None].astype(np.float32) / 255.0

    models = {}
    for arch in args.models.split(","):
        models[arch] = train(arch, pool, args)

    rows = []  # (sigma, method, psnr, ssim, note)
    for i, sigma in enumerate(SIGMAS):
        noisy = add_gaussian(clean, sigma, seed=100 + i)
        rows.append((sigma, "noisy input", *measure(noisy, clean), ""))
        blur = best_of(((f"width {w}", ndimage.gaussian_filter(noisy, (0, w, w, 0))) for w in BLUR_WIDTHS), clean)
        rows.append((sigma, "best Gaussian blur", blur[0], blur[1], blur[2]))
        rows.append((sigma, "median 3x3", *measure(ndimage.median_filter(noisy, size=(1, 3, 3, 1)), clean), ""))
        if not args.skip_nlm:
            nlm = best_of(nl_means(noisy, sigma), clean)
            rows.append((sigma, "non-local means", nlm[0], nlm[1], nlm[2]))
        labels = (("bottleneck", f"aeviewer bottleneck (latent {args.latent})"), ("skip", "aeviewer skip (U-Net)"))
        for arch, label in labels:
            if arch not in models:
                continue
            out = run_model(models[arch][0], noisy, torch.device("cpu"))
            spread = output_spread(torch.from_numpy(out), torch.from_numpy(clean))
            rows.append((sigma, label, *measure(out, clean), f"output spread {spread:.2f}"))
        print(f"sigma {sigma} done", file=sys.stderr)

    print(f"\nMNIST denoising, {args.test} test images, models trained {args.epochs} epochs on the "
          f"{POOL}-image pool with {args.noise} (CPU)\n")
    print("| sigma | method | PSNR dB | SSIM | note |")
    print("|------:|--------|--------:|-----:|------|")
    for sigma, method, pv, sv, note in rows:
        print(f"| {sigma:g} | {method} | {pv:.2f} | {sv:.3f} | {note} |")
    for arch, (_, seconds, notes) in models.items():
        print(f"\n{arch}: trained in {seconds:.0f} s" + ("; " + " ".join(notes) if notes else ""))
    at = {m: pv for s, m, pv, _, _ in rows if s == 0.3}
    skip = at.get("aeviewer skip (U-Net)", float("nan"))
    nlm = at.get("non-local means", float("nan"))
    print(f"\ntargets at sigma 0.3: skip >= 22 dB ({skip:.2f}) and >= non-local means + 3 dB ({nlm + 3:.2f}); "
          "bottleneck above the noisy input at every sigma")
    return 0


if __name__ == "__main__":
    sys.exit(main())
