"""How unlike the training pictures' small patches a picture's own patches are.

A surface (brick, sand, cloth) looks alike everywhere, and a tile model's blurry
reconstruction misses every edge of its grain: a thin scratch's difference is small
beside the grain's, and the worst patch does not see it. The scratch's 8x8 patches
themselves, though, look like no patch of the training pictures. So a tile model also
keeps one Gaussian of grey 8x8 patches drawn from its training pictures (one serves
every place, since a surface has no layout); a patch's squared Mahalanobis distance
under it says how unusual it is.

A defect can also be too regular: where the grain is wiped away (a smudge, a worn or
polished spot) the patches are flat, close to the mean patch, and their distances fall
below the usual ones, which a largest distance never notices. So the texture part has
two halves, each counted in its spread over the training pictures and added: the log of
the picture's largest patch distance (too irregular), and how far the mean log distance
over its most unusual neighbourhood of 9x9 patch places lies from the training pictures'
usual one, either way (too irregular or too regular). The combined score adds the part
to the learned map and the worst patch (``core.inference.combined``). Both halves are maxima
over a picture's places, so each is counted against training pictures of its size and contrast
(``core.trends``).

Measured on the surfaces benchmark (README, *Surfaces of varied sizes*); objects and
cells (ELPV, bananas, MNIST) are not surfaces and do not use it: on ELPV's cells, where
defects are darker and smoother than the normal grain, it ranks them below normal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aeviewer.core import trends
from aeviewer.core.torch_scores import window_means

PATCH = 8  # patch side, px; 6 and 12 gave the same on the benchmark
SAMPLES = 60  # patches drawn from each training picture
SAMPLE_STRIDE = 3  # patches are drawn from this grid, so neighbours do not repeat each other
RIDGE = 1e-4  # added to the covariance's diagonal: a flat surface's patches are nearly alike
NEIGHBOURHOOD = 9  # patch places whose log distances are averaged; 3 and 5 gave the same on the benchmark
BAND = 8  # rows of patch places whitened at a time (``distances``): 40 ms for 830x620 px, 55 ms with 32 or 128
RAW = 6  # numbers ``PatchTexture.raw`` keeps of a picture


class PatchTexture(nn.Module):
    """A Gaussian of grey PATCH x PATCH patches; NaN until ``fit``. Buffers, so it travels with the weights."""

    mean: torch.Tensor
    whitening: torch.Tensor
    usual: torch.Tensor
    spread: torch.Tensor
    sizes: torch.Tensor
    contrast: torch.Tensor

    def __init__(self) -> None:
        super().__init__()
        d = PATCH * PATCH
        self.register_buffer("mean", torch.full((d,), float("nan")))
        # W with W^T W the inverse covariance: a patch's squared distance is |W (patch - mean)|^2
        self.register_buffer("whitening", torch.zeros((d, d)))
        # mean and spread of a neighbourhood's mean log distance over the training pictures' places
        self.register_buffer("usual", torch.full((2,), float("nan")))
        # mean and spread over the training pictures of each half's picture score
        self.register_buffer("spread", torch.full((4,), float("nan")))
        # how each half's mean rises with a picture's places (core.trends); zeros: not at all
        self.register_buffer("sizes", trends.empty(2))
        # and with its contrast (core.trends); zeros: not at all, or a part fitted before
        self.register_buffer("contrast", trends.empty(2))

    @property
    def has_gaussian(self) -> bool:
        """Whether its Gaussian is fitted (``raw`` works), the spreads perhaps not yet."""
        return not bool(self.mean.isnan().any())

    @property
    def fitted(self) -> bool:
        return not bool(self.mean.isnan().any() or self.usual.isnan().any() or self.spread.isnan().any())

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
        On a CPU each patch's whitened vector W (patch - mean) is a matrix product of a band of BAND rows
        of patches at a time (four times quicker than the one convolution whose kernels are the
        whitening's rows, and a band's patches take a few MB); a GPU, and a traced graph (export), have
        the convolution."""
        grey = self._grey(x)
        if torch.jit.is_tracing() or grey.device.type != "cpu":
            return self._convolved(grey)
        b, _, h, w = grey.shape
        out = torch.empty((b, h - PATCH + 1, w - PATCH + 1), dtype=grey.dtype, device=grey.device)
        shift = -(self.whitening @ self.mean)
        for top in range(0, out.shape[1], BAND):
            patches = grey[:, 0, top : top + BAND + PATCH - 1].unfold(1, PATCH, 1).unfold(2, PATCH, 1)
            rows = patches.shape[1]
            whitened = torch.addmm(shift, patches.reshape(-1, PATCH * PATCH), self.whitening.T)
            out[:, top : top + rows] = whitened.square_().sum(1).view(b, rows, -1)
        return out

    def _convolved(self, grey: torch.Tensor) -> torch.Tensor:
        """``distances`` of (B, 1, H, W) as one convolution whose kernels are the rows of the whitening."""
        d = PATCH * PATCH
        kernels = self.whitening.view(d, 1, PATCH, PATCH)
        return F.conv2d(grey, kernels, -(self.whitening @ self.mean)).square().sum(1)

    def _logs(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, 1, H', W') log distances of every patch, and their means over neighbourhoods."""
        logs = self.distances(x).clamp_min(1e-6).log()[:, None]
        return logs, window_means(logs, min(NEIGHBOURHOOD, logs.shape[-2], logs.shape[-1]))

    def halves(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B,) each: the log of the largest patch distance, and the most unusual neighbourhood's
        distance from the usual mean log distance, in its spread."""
        logs, near = self._logs(x)
        off = ((near - self.usual[0]) / self.usual[1]).abs()
        return logs.flatten(1).amax(1), off.flatten(1).amax(1)

    def place_map(self, x: torch.Tensor) -> torch.Tensor:
        """(B, H, W) in [0, 1]: ``place_scores`` through a sigmoid: 0.5 where a place is as unusual as a
        typical training picture's most unusual one, towards 1 beyond."""
        return torch.sigmoid(self.place_scores(x))

    def place_scores(self, x: torch.Tensor) -> torch.Tensor:
        """(B, H, W): how unusual the patches around each place of (B, C, H, W) are. Each half per place,
        in its spread over the training pictures' scores (so 0 where a place is as unusual as a typical
        training picture's most unusual one), the larger of the two. The part's score adds the two
        halves' maxima."""
        h, w = x.shape[-2:]
        logs, near = self._logs(x)
        terms = self._terms(trends.places_of(x), trends.log_contrast(x))
        high = trends.standardised(logs, self.spread, 0, *terms)
        unusual = ((near - self.usual[0]) / self.usual[1]).abs()
        off = trends.standardised(unusual, self.spread, 1, *terms)
        grow = [logs.shape[-1] - off.shape[-1], logs.shape[-2] - off.shape[-2]]
        off = F.pad(off, (grow[0] // 2, grow[0] - grow[0] // 2, grow[1] // 2, grow[1] - grow[1] // 2), mode="replicate")
        # a place is a patch's centre: PATCH - 1 more pixels than places, split either side
        lead = (PATCH - 1) // 2
        both = F.pad(torch.maximum(high, off), (lead, PATCH - 1 - lead, lead, PATCH - 1 - lead), mode="replicate")
        return both[:, 0, :h, :w]

    def standardised(self, x: torch.Tensor) -> torch.Tensor:
        """(B,): the texture part, both halves in units of their spread over training pictures of their
        size, added (NaN until fitted)."""
        high, off = self.halves(x)
        return self._counted(high, off, trends.places_of(x), trends.log_contrast(x))

    def _terms(self, places: int, contrast: trends.Covariate) -> list[tuple[torch.Tensor, trends.Covariate]]:
        """The trends each half is counted in, with the pictures' covariates (``core.trends.standardised``)."""
        return [(self.sizes, trends.log_places(places)), (self.contrast, contrast)]

    def _counted(self, high: torch.Tensor, off: torch.Tensor, places: int, contrast: trends.Covariate) -> torch.Tensor:
        """The two halves' scores of pictures of ``places`` places and ``contrast`` (``core.trends.log_contrast``)
        in units of their spread, added."""
        terms = self._terms(places, contrast)
        return trends.standardised(high, self.spread, 0, *terms) + trends.standardised(off, self.spread, 1, *terms)

    @torch.no_grad()
    def raw(self, x: torch.Tensor) -> np.ndarray:
        """(RAW,) of one picture (1, C, H, W) under the fitted Gaussian: what both halves and the fit of
        their spreads need of it, from one pass over its patches (its largest log distance, its lowest
        and highest neighbourhood, and the sum, sum of squares and count of its neighbourhoods)."""
        logs, near = self._logs(x)
        wide = near.double()
        return np.array([float(logs.amax()), float(near.amin()), float(near.amax()), float(wide.sum()),
                         float(wide.square().sum()), near.numel()], np.float64)

    def standardised_raw(self, raw: np.ndarray, places: int, contrast: float) -> torch.Tensor:
        """``standardised`` of a picture of ``places`` places and ``contrast`` from its ``raw`` (the same number)."""
        high, low, top = (torch.tensor([v], dtype=self.usual.dtype, device=self.usual.device) for v in raw[:3])
        u = self.usual
        off = torch.maximum(((low - u[0]) / u[1]).abs(), ((top - u[0]) / u[1]).abs())
        return self._counted(high, off, places, torch.tensor([contrast], dtype=torch.float64, device=u.device))

    @torch.no_grad()
    def fit(self, pictures: Callable[[], Iterable[torch.Tensor]], seed: int = 0) -> None:
        """Fit the Gaussian to patches drawn from the training pictures (``fit_gaussian``), then the usual
        neighbourhood and the spread of both halves over them (``fit_spreads``). ``pictures()`` gives
        them ((1, C, H, W) each, in [0, 1]); it is called twice, so that they need not all be held at
        once."""
        if self.fit_gaussian(pictures(), seed):
            raws, places, contrasts = [], [], []
            for x in pictures():
                raws.append(self.raw(x))
                places.append(trends.places_of(x))
                contrasts.append(float(trends.log_contrast(x)[0]))
            self.fit_spreads(np.array(raws), np.array(places), np.array(contrasts))

    @torch.no_grad()
    def fit_gaussian(self, pictures: Iterable[torch.Tensor], seed: int = 0) -> bool:
        """Fit the Gaussian to SAMPLES patches drawn from each picture; whether there were enough (fewer
        than two patches change nothing). The spreads are NaN until ``fit_spreads``."""
        gen = torch.Generator().manual_seed(seed)
        drawn = []
        for x in pictures:
            grid = self._grey(x)[0, 0].cpu().unfold(0, PATCH, SAMPLE_STRIDE).unfold(1, PATCH, SAMPLE_STRIDE)
            # SAMPLES places of the grid, at random; only their patches are gathered
            chosen = torch.randperm(grid.shape[0] * grid.shape[1], generator=gen)[:SAMPLES]
            picked = grid[chosen // grid.shape[1], chosen % grid.shape[1]]
            drawn.append(picked.reshape(-1, PATCH * PATCH).double())
        samples = torch.cat(drawn) if drawn else torch.zeros((0, PATCH * PATCH), dtype=torch.float64)
        if len(samples) < 2:
            return False
        mean = samples.mean(0)
        centred = samples - mean
        cov = centred.T @ centred / (len(samples) - 1) + RIDGE * torch.eye(PATCH * PATCH, dtype=torch.float64)
        self.mean.copy_(mean.to(self.mean))
        # cov = L L^T, so cov^-1 = L^-T L^-1 and W = L^-1
        identity = torch.eye(PATCH * PATCH, dtype=torch.float64)
        whitening = torch.linalg.solve_triangular(torch.linalg.cholesky(cov), identity, upper=False)
        self.whitening.copy_(whitening.to(self.whitening))
        self.usual.fill_(float("nan"))
        self.spread.fill_(float("nan"))
        return True

    def fit_spreads(self, raws: np.ndarray, places: np.ndarray, contrasts: np.ndarray) -> None:
        """The usual neighbourhood and each half's spread (around its trends with the pictures' size and
        contrast, ``core.trends``) from the training pictures' ``raw`` (N, RAW), places (N,) and contrasts (N,:
        ``core.trends.log_contrast``)."""
        raws = np.asarray(raws, np.float64).reshape(-1, RAW)
        # summed in turn, as the pictures come (the same numbers as summing while they are read)
        total, squares, count = (sum(raws[:, k].tolist()) for k in (3, 4, 5))
        mean_near = total / count
        spread_near = max(1e-6, (max(0.0, squares / count - mean_near**2)) ** 0.5)
        self.usual.copy_(torch.tensor([mean_near, spread_near]))
        # the most unusual neighbourhood of a picture is its lowest or its highest
        off = np.maximum(raws[:, 2] - mean_near, mean_near - raws[:, 1]) / spread_near
        logs = trends.log_places(np.asarray(places).reshape(-1))
        stats, (size, contrast) = trends.fit(np.stack([raws[:, 0], off], axis=1), [logs, contrasts])
        self.spread.copy_(torch.tensor(stats))
        self.sizes.copy_(torch.tensor(size))
        self.contrast.copy_(torch.tensor(contrast))
