"""The two ways a run goes wrong, noticed between batches.

A denoiser trained on mean squared error can collapse to one constant picture
for every input (the blurry average is a cheap minimum): ``CollapseWatch``
notices, and the run starts again from fresh weights at a lower learning rate.
The loss can blow up (Adam on an unnormalised network at too high a rate):
``BlowUpGuard`` sends the weights back to the end of the last epoch and the
learning rate comes down.
"""

from __future__ import annotations

import math

import torch

COLLAPSE_SPREAD = 0.05  # outputs vary less than 5 % as much as the targets do
COLLAPSE_WARMUP = 150  # batches (and at least two epochs): early on, every model draws the average picture
COLLAPSE_PATIENCE = 50  # batches in a row, after the warm-up
MAX_RESTARTS = 2
RESTART_LR_FACTOR = 0.3
SPREAD_IMAGES = 16  # output_spread looks at this many images of a batch, on a grid of about 16x16 pixels
BLOW_UP_FACTOR = 20.0  # a batch loss this many times the lowest so far has blown up
MAX_RECOVERIES = 3


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


def reinitialise(model: torch.nn.Module, seed: int) -> None:
    """Fresh weights in place, drawn from ``seed``, leaving torch's global generator as it was."""
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        for m in model.modules():
            reset = getattr(m, "reset_parameters", None)
            if callable(reset):
                reset()
    finally:
        torch.random.set_rng_state(state)
