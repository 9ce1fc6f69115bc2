"""The training loop as a plain generator, and the control flags that steer it.

``train_steps`` yields one immutable ``Step`` per batch. The consumer decides
what happens between batches: the GUI worker serves inference requests and
pauses simply by not pulling the next step; the CLI just iterates. Stopping is a
``threading.Event`` checked before every batch, so a stop lands within one batch.

With ``TrainConfig.denoise`` set, each batch's inputs are corrupted on the fly
(fresh noise every batch) while the clean images stay the target. A denoiser
trained on mean squared error can collapse to one constant picture for every
input (the blurry average is a cheap minimum); ``CollapseWatch`` notices and
the run starts again from fresh weights at a lower learning rate. The other
classic failure, the loss blowing up (Adam on an unnormalised network at too
high a rate), is caught by ``BlowUpGuard``: the weights go back to the end of
the last epoch and the learning rate comes down.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from aeviewer.core.model import Autoencoder, to_tensor
from aeviewer.core.noise import corrupt, make_generator
from aeviewer.core.noise_kinds import NoiseSpec
from aeviewer.core.scoring import LIGHTNESS_EPS, LOCAL_SHARE, patch_window


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 40
    batch_size: int = 64
    learning_rate: float = 2e-3
    seed: int = 0
    denoise: tuple[NoiseSpec, ...] = ()  # empty: reconstruct; else noisy in, clean out
    augment: bool = False  # show each batch flipped and/or turned by quarter turns (orientation-free pictures)

    def __post_init__(self) -> None:
        object.__setattr__(self, "denoise", tuple(self.denoise))
        if self.epochs < 1:
            raise ValueError("epochs must be at least 1")
        if self.batch_size < 1:
            raise ValueError("batch size must be at least 1")
        if not (0 < self.learning_rate < 1):
            raise ValueError("learning rate must be between 0 and 1")


class RunControl:
    """Stop and pause flags, safe to set from any thread."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._resume = threading.Event()
        self._resume.set()

    def stop(self) -> None:
        self._stop.set()
        self._resume.set()  # a paused run must wake up to notice the stop

    def pause(self) -> None:
        if not self._stop.is_set():
            self._resume.clear()

    def resume(self) -> None:
        self._resume.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._resume.is_set()

    def wait_while_paused(self, timeout: float) -> bool:
        """Block up to ``timeout`` s while paused; True once running again."""
        return self._resume.wait(timeout)


@dataclass(frozen=True)
class Step:
    """What one batch did. ``compute_seconds`` excludes time spent paused."""

    epoch: int  # 0-based
    epochs: int
    batch: int  # 0-based, within the epoch
    batches_per_epoch: int
    loss: float
    images_seen: int
    images_total: int
    compute_seconds: float
    rows: np.ndarray  # which training images this batch held
    codes: np.ndarray  # their codes (B, K), a by-product of the forward pass
    errors: np.ndarray  # their mean squared errors (B,)
    scores: np.ndarray | None = None  # their anomaly scores of the kind asked for, when cheap here
    restarts: int = 0  # how often the run started again after a collapse
    recoveries: int = 0  # how often the weights went back after the loss blew up
    note: str = ""  # what happened, when something did (a restart, a recovery)

    @property
    def fraction_done(self) -> float:
        return self.images_seen / max(self.images_total, 1)

    @property
    def images_per_second(self) -> float:
        return self.images_seen / self.compute_seconds if self.compute_seconds > 0 else 0.0

    @property
    def seconds_left(self) -> float:
        rate = self.images_per_second
        return (self.images_total - self.images_seen) / rate if rate > 0 else float("inf")


def _box_mean(t: torch.Tensor, k: int) -> torch.Tensor:
    """k x k box mean of (B, C, H, W) with reflected edges, from running sums (cheap for any k)."""
    pad = k // 2
    c = F.pad(t, (pad, pad, pad, pad), mode="reflect")
    c = torch.cat([torch.zeros_like(c[:, :, :1]), c.cumsum(2)], 2)
    c = c[:, :, k:] - c[:, :, :-k]
    c = torch.cat([torch.zeros_like(c[:, :, :, :1]), c.cumsum(3)], 3)
    return (c[:, :, :, k:] - c[:, :, :, :-k]) / (k * k)


def batch_scores(inputs: torch.Tensor, recons: torch.Tensor, kind: str) -> torch.Tensor | None:
    """Anomaly scores of a batch (B, C, H, W) on the device, for the kinds that are cheap here.

    Same numbers as core.scoring's numpy versions (a test checks); None for others.
    """
    diff = inputs - recons.clamp(0, 1)
    if kind == "mse":
        return (diff**2).mean(dim=(1, 2, 3))
    if kind == "local":
        lightness_diff = (inputs.clamp(0, 1) + LIGHTNESS_EPS).pow(1 / 3) - (recons.clamp(0, 1) + LIGHTNESS_EPS).pow(1 / 3)
        local_mean = _box_mean(lightness_diff, patch_window(inputs.shape[-2]))
        flat = (local_mean**2).mean(dim=1).flatten(1)
        k = max(1, int(round(LOCAL_SHARE * flat.shape[1])))
        return flat.topk(k, dim=1).values.mean(dim=1)
    return None


COLLAPSE_SPREAD = 0.05  # outputs vary less than 5 % as much as the targets do
COLLAPSE_WARMUP = 150  # batches (and at least two epochs): early on, every model draws the average picture
COLLAPSE_PATIENCE = 50  # batches in a row, after the warm-up
MAX_RESTARTS = 2
RESTART_LR_FACTOR = 0.3


SPREAD_IMAGES = 16  # output_spread looks at this many images of a batch, on a grid of about 16x16 pixels


def output_spread(recons: torch.Tensor, targets: torch.Tensor) -> float:
    """How much the outputs differ from image to image, relative to the targets (1 = as much).

    Measured on a sample (a few images, a coarse pixel grid): a collapsed model gives the
    same picture everywhere, so a sample shows it as well as the whole batch, at a
    fraction of the cost (the whole batch took 15 % of a training step).
    """
    if len(recons) < 2:
        return 1.0
    step = max(1, recons.shape[-1] // 16)
    recons = recons[:SPREAD_IMAGES, :, ::step, ::step]
    targets = targets[:SPREAD_IMAGES, :, ::step, ::step]
    target = float(targets.std(dim=0).mean())
    return float(recons.std(dim=0).mean()) / target if target > 1e-6 else 1.0


class CollapseWatch:
    """Says a run has collapsed once every batch for ``patience`` batches past the warm-up
    has produced (nearly) the same picture for every input. A young model passes through
    that stage on its way (the average picture is the first thing it learns), so the
    warm-up is generous."""

    def __init__(self, warmup: int, threshold: float = COLLAPSE_SPREAD, patience: int = COLLAPSE_PATIENCE) -> None:
        self.warmup = warmup
        self.threshold = threshold
        self.patience = patience
        self._seen = 0
        self._low = 0

    def collapsed(self, spread: float) -> bool:
        self._seen += 1
        self._low = self._low + 1 if spread < self.threshold else 0
        return self._seen > self.warmup and self._low >= self.patience


BLOW_UP_FACTOR = 20.0  # a batch loss this many times the lowest so far has blown up
MAX_RECOVERIES = 3


class BlowUpGuard:
    """Remembers the weights at the end of the last epoch; says when a batch's loss has blown up."""

    def __init__(self, model: torch.nn.Module, factor: float = BLOW_UP_FACTOR) -> None:
        self.factor = factor
        self.lowest = math.inf
        self.epoch = 0
        self._saved = self._copy(model)

    @staticmethod
    def _copy(model: torch.nn.Module) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in model.state_dict().items()}

    def blew_up(self, loss: float) -> bool:
        if not math.isfinite(loss):
            return True
        blown = loss > self.factor * self.lowest
        if not blown:
            self.lowest = min(self.lowest, loss)
        return blown

    def epoch_done(self, model: torch.nn.Module, epoch: int) -> None:
        self._saved = self._copy(model)
        self.epoch = epoch + 1

    def restore(self, model: torch.nn.Module) -> None:
        model.load_state_dict(self._saved)


def _reinitialise(model: torch.nn.Module, seed: int) -> None:
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        for m in model.modules():
            if hasattr(m, "reset_parameters"):
                m.reset_parameters()
    finally:
        torch.random.set_rng_state(state)


def augment_batch(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One of the eight flips and quarter turns of a square batch (B, C, H, W), drawn from ``generator``."""
    k, flip = torch.randint(4, (2,), generator=generator).tolist()
    if x.shape[-1] == x.shape[-2] and k:
        x = torch.rot90(x, k, dims=(2, 3))
    return x.flip(3) if flip % 2 else x


def train_steps(
    model: Autoencoder,
    images: np.ndarray,
    config: TrainConfig,
    device: torch.device,
    control: RunControl | None = None,
    batch_scorer: Callable[[torch.Tensor, torch.Tensor], torch.Tensor | None] | None = None,
) -> Iterator[Step]:
    """Train ``model`` on uint8 ``images`` (N, H, W, C); yield after every batch.

    The data moves to ``device`` once. Shuffling is seeded by ``config.seed``.
    ``batch_scorer(inputs, recons)`` may add anomaly scores to a step (see
    batch_scores); it decides itself when that is worth the time. When
    ``config.denoise`` is set, inputs are noisy copies and the loss compares with
    the clean images.
    """
    n = len(images)
    if n == 0:
        raise ValueError("there are no training images")
    # Channels-last: PyTorch's CPU convolutions run faster on it (U-Net 110 -> 151 images/s,
    # bottleneck 742 -> 834 on this machine); the numbers are the same.
    model.to(device=device, memory_format=torch.channels_last).train()
    data = to_tensor(images, device).contiguous(memory_format=torch.channels_last)
    noise_gen = make_generator(device, config.seed + 1) if config.denoise else None
    generator = torch.Generator(device="cpu").manual_seed(config.seed)
    batches = (n + config.batch_size - 1) // config.batch_size
    total = n * config.epochs
    learning_rate = config.learning_rate
    restarts = recoveries = 0
    note = ""
    try:
        while True:  # one pass per attempt; a collapse starts the next
            optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
            watch = CollapseWatch(warmup=max(2 * batches, COLLAPSE_WARMUP))
            guard = BlowUpGuard(model)
            seen = 0
            compute = 0.0
            collapsed = False
            for epoch in range(config.epochs):
                order = torch.randperm(n, generator=generator).to(device)
                for b in range(batches):
                    if control is not None and control.stop_requested:
                        return
                    t0 = time.perf_counter()
                    rows = order[b * config.batch_size : (b + 1) * config.batch_size]
                    x = plain = data[rows].contiguous(memory_format=torch.channels_last)
                    if config.augment:
                        x = augment_batch(x, generator)
                    x_in = corrupt(x, config.denoise, noise_gen) if noise_gen is not None else x
                    recon, z = model(x_in)
                    per_image = ((recon - x) ** 2).mean(dim=(1, 2, 3))
                    loss = per_image.mean()
                    optimiser.zero_grad(set_to_none=True)
                    loss.backward()
                    optimiser.step()
                    loss_value = float(loss.detach())  # syncs with the device
                    compute += time.perf_counter() - t0
                    scores = None
                    if batch_scorer is not None:
                        with torch.no_grad():
                            scores = batch_scorer(x_in, recon.detach())
                    seen += len(x)
                    if config.augment:  # the views place each image by its own, unturned code
                        with torch.no_grad():
                            z = model.encode(plain)
                    yield Step(
                        epoch, config.epochs, b, batches, loss_value, seen, total, compute,
                        rows=rows.cpu().numpy(),
                        codes=z.detach().cpu().numpy(),
                        errors=per_image.detach().cpu().numpy(),
                        scores=None if scores is None else scores.cpu().numpy(),
                        restarts=restarts,
                        recoveries=recoveries,
                        note=note,
                    )
                    if recoveries < MAX_RECOVERIES and guard.blew_up(loss_value):
                        recoveries += 1
                        learning_rate *= RESTART_LR_FACTOR
                        guard.restore(model)
                        optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
                        note = (
                            f"The loss blew up ({loss_value:.3g}, lowest {guard.lowest:.3g}); went back to the "
                            f"weights after epoch {guard.epoch} and lowered the learning rate to {learning_rate:.2g}."
                        )
                        continue
                    if watch.collapsed(output_spread(recon.detach(), x)):
                        if restarts < MAX_RESTARTS:
                            collapsed = True
                            break
                        note = (
                            f"The model still gives one picture for every input after {restarts} restarts: "
                            "try gentler noise, a lower learning rate or a wider bottleneck."
                        )
                if collapsed:
                    break
                guard.epoch_done(model, epoch)
            if not collapsed:
                return
            restarts += 1
            learning_rate *= RESTART_LR_FACTOR
            note = (
                f"The model collapsed to one picture for every input; started again "
                f"from fresh weights at learning rate {learning_rate:.2g} (restart {restarts})."
            )
            _reinitialise(model, config.seed + 1000 * restarts)
    finally:
        model.eval()
