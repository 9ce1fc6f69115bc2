"""The end of a tile model's run, per picture: its tiles through the networks and its patches measured.

    python scripts/bench_tiled_pass.py [--pictures 8] [--repeats 3] [--threads 2]

At the end of a tile model's run (core.live_training), every picture goes through
core.patches.score_full once at its own size: its tiles through the reconstructor, the
segmenter over the whole picture, and its 8x8 patches measured under the texture part's
Gaussian (core.texture). On 1,000 pictures of 1024x768 that pass took longer than the
training itself. This times the pass, milliseconds per picture (median of --repeats over
--pictures pictures of each size), as the code runs it now and with each of its two quick
ways turned back, in the same run:

- "before": the tiles through the model as trained (weights in PyTorch's default layout,
  activations writing new tensors), and the patches' distances as one convolution whose
  kernels are the whitening's rows;
- "quick copy": the tiles through a copy of the model with channels-last weights and its
  activations in place (patches.inference_copy);
- "bands": the distances as matrix products over bands of patch rows (PatchTexture.distances);
- "now": both, as `aeviewer train` and `aeviewer score` run.

The model is the one `aeviewer train` chooses for grey surfaces (128 px tiles, 16 numbers, the
synthetic method with its texture part), untrained: the time does not depend on the weights.
"""

from __future__ import annotations

import argparse
import statistics
import time
from unittest import mock

import numpy as np
import torch

from aeviewer.core import patches
from aeviewer.core.config import ModelConfig
from aeviewer.core.model import build_model
from aeviewer.core.patches import FullPictures, fit_texture, full_size, score_full
from aeviewer.core.scoring import COMBINED_SCORE
from aeviewer.core.texture import PatchTexture
from aeviewer.core.tile_parts import fit_parts

SIZES = ((360, 520), (620, 830), (768, 1024))  # (H, W): issue #9's largest tiles, 1024x768 at 0.81 and whole


def _pictures(rng: np.random.Generator, n: int, shape: tuple[int, int], tile: int) -> FullPictures:
    """``n`` grey pictures of a coarse random grain, at full size."""
    pictures = []
    for _ in range(n):
        coarse = rng.random((shape[0] // 4 + 1, shape[1] // 4 + 1))
        grain = np.kron(coarse, np.ones((4, 4)))[: shape[0], : shape[1]] * 0.6 + rng.random(shape) * 0.4
        pictures.append(full_size((grain * 255).astype(np.uint8)[..., None], 1.0, tile))
    return FullPictures(pictures, [shape] * n)


def _convolved(self: PatchTexture, x: torch.Tensor) -> torch.Tensor:
    return self._convolved(self._grey(x))


def _as_trained(model):
    return model.eval()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pictures", type=int, default=8)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    config = ModelConfig(image_size=128, channels=1, latent_dim=16, base_width=16, method="synthetic", patches=True)
    model = build_model(config, seed=0)
    cpu = torch.device("cpu")
    rng = np.random.default_rng(0)
    ways = {
        "before": (_as_trained, _convolved),
        "quick copy": (patches.inference_copy, _convolved),
        "bands": (_as_trained, PatchTexture.distances),
        "now": (patches.inference_copy, PatchTexture.distances),
    }
    print(f"ms per picture, median of {args.repeats} passes over {args.pictures} pictures, {args.threads} threads")
    print(f"{'picture':>10} " + " ".join(f"{w:>14}" for w in ways) + f" {'now / before':>13}")
    for shape in SIZES:
        pictures = _pictures(rng, args.pictures, shape, config.image_size)
        fit_texture(model, pictures, cpu, gaussian_only=True)
        parts = score_full(model, pictures, cpu, "mse", parts=True).parts
        assert parts is not None
        fit_parts(model, parts)
        ms = {}
        for name, (copy_of, distances) in ways.items():
            with mock.patch.object(patches, "inference_copy", copy_of), \
                    mock.patch.object(PatchTexture, "distances", distances):
                score_full(model, pictures, cpu, COMBINED_SCORE, parts=True)  # warm
                times = []
                for _ in range(args.repeats):
                    t0 = time.perf_counter()
                    score_full(model, pictures, cpu, COMBINED_SCORE, parts=True)
                    times.append((time.perf_counter() - t0) / args.pictures)
            ms[name] = 1000 * statistics.median(times)
        label = f"{shape[1]}x{shape[0]}"
        print(f"{label:>10} " + " ".join(f"{v:14.0f}" for v in ms.values()) + f" {ms['now'] / ms['before']:13.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
