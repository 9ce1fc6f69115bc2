"""How unlike the training pictures' small patches a picture's own patches are.

A surface (brick, sand, cloth) looks alike everywhere, and a tile model's blurry
reconstruction misses every edge of its grain: a thin scratch's difference is small
beside the grain's, and the worst patch does not see it. The scratch's 8x8 patches
themselves, though, look like no patch of the training pictures. So a tile model also
keeps one Gaussian of grey 8x8 patches drawn from its training pictures (one serves
every place, since a surface has no layout); a patch's squared Mahalanobis distance
under it says how unusual it is, and a picture's texture score is the log of its
largest one. The combined score adds it, in its spread over the training pictures,
to the learned map and the worst patch (``core.inference.combined``).

Measured on the surfaces benchmark (README, *Surfaces of varied sizes*); objects and
cells (ELPV, bananas, MNIST) are not surfaces and do not use it: on ELPV's cells, where
defects are darker and smoother than the normal grain, it ranks them below normal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
import torch.nn.functional as F
from torch import nn

PATCH = 8  # patch side, px; 6 and 12 gave the same on the benchmark
SAMPLES = 60  # patches drawn from each training picture
SAMPLE_STRIDE = 3  # patches are drawn from this grid, so neighbours do not repeat each other
RIDGE = 1e-4  # added to the covariance's diagonal: a flat surface's patches are nearly alike


class PatchTexture(nn.Module):
    """A Gaussian of grey PATCH x PATCH patches; NaN until ``fit``. Buffers, so it travels with the weights."""

    mean: torch.Tensor
    whitening: torch.Tensor
    spread: torch.Tensor

    def __init__(self) -> None:
        super().__init__()
        d = PATCH * PATCH
        self.register_buffer("mean", torch.full((d,), float("nan")))
        # W with W^T W the inverse covariance: a patch's squared distance is |W (patch - mean)|^2
        self.register_buffer("whitening", torch.zeros((d, d)))
        self.register_buffer("spread", torch.full((2,), float("nan")))  # of the log score over training pictures

    @property
    def fitted(self) -> bool:
        return not bool(self.mean.isnan().any() or self.spread.isnan().any())

    @staticmethod
    def _grey(x: torch.Tensor) -> torch.Tensor:
        """(B, 1, H, W) of (B, C, H, W); a picture narrower than a patch gets its edge pixels repeated."""
        grey = x.float().mean(1, keepdim=True)
        h, w = grey.shape[-2:]
        if h < PATCH or w < PATCH:
            grey = F.pad(grey, (0, max(0, PATCH - w), 0, max(0, PATCH - h)), mode="replicate")
        return grey

    def distances(self, x: torch.Tensor) -> torch.Tensor:
        """Squared Mahalanobis distance of each patch of (B, C, H, W): (B, H - PATCH + 1, W - PATCH + 1).
        One convolution whose kernels are the rows of the whitening (four times quicker than the
        quadratic form of every patch; an exported graph computes it too)."""
        d = PATCH * PATCH
        kernels = self.whitening.view(d, 1, PATCH, PATCH)
        return F.conv2d(self._grey(x), kernels, -(self.whitening @ self.mean)).square().sum(1)

    def raw_scores(self, x: torch.Tensor) -> torch.Tensor:
        """(B,): the log of each picture's largest patch distance."""
        return self.distances(x).flatten(1).amax(1).clamp_min(1e-6).log()

    def standardised(self, x: torch.Tensor) -> torch.Tensor:
        """(B,): the texture score in units of its spread over the training pictures (NaN until fitted)."""
        return (self.raw_scores(x) - self.spread[0]) / self.spread[1]

    @torch.no_grad()
    def fit(self, pictures: Callable[[], Iterable[torch.Tensor]], seed: int = 0) -> None:
        """Fit the Gaussian to patches drawn from the training pictures, then measure the spread of
        their scores. ``pictures()`` gives them ((1, C, H, W) each, in [0, 1]); it is called twice,
        so that they need not all be held at once. Fewer than two patches change nothing."""
        gen = torch.Generator().manual_seed(seed)
        drawn = []
        for x in pictures():
            grey = self._grey(x)[0, 0].cpu().double()
            cols = grey.unfold(0, PATCH, SAMPLE_STRIDE).unfold(1, PATCH, SAMPLE_STRIDE).reshape(-1, PATCH * PATCH)
            drawn.append(cols[torch.randperm(len(cols), generator=gen)[:SAMPLES]])
        samples = torch.cat(drawn) if drawn else torch.zeros((0, PATCH * PATCH), dtype=torch.float64)
        if len(samples) < 2:
            return
        mean = samples.mean(0)
        centred = samples - mean
        cov = centred.T @ centred / (len(samples) - 1) + RIDGE * torch.eye(PATCH * PATCH, dtype=torch.float64)
        self.mean.copy_(mean.to(self.mean))
        # cov = L L^T, so cov^-1 = L^-T L^-1 and W = L^-1
        identity = torch.eye(PATCH * PATCH, dtype=torch.float64)
        whitening = torch.linalg.solve_triangular(torch.linalg.cholesky(cov), identity, upper=False)
        self.whitening.copy_(whitening.to(self.whitening))
        raw = torch.cat([self.raw_scores(x).cpu() for x in pictures()]).double()
        spread = raw.std() if len(raw) > 1 else torch.tensor(0.0, dtype=torch.float64)
        self.spread.copy_(torch.stack([raw.mean(), spread.clamp_min(1e-6)]).to(self.spread))
