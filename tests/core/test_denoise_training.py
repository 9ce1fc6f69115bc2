"""Training noisy-to-clean, the skip architecture, and what happens when a run collapses."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from aeviewer.core.config import ModelConfig
from aeviewer.core.inference import run_model
from aeviewer.core.model import build_model
from aeviewer.core.noise import add_noise
from aeviewer.core.noise_kinds import NoiseSpec
from aeviewer.core.quality import psnr
from aeviewer.core.training import BlowUpGuard, CollapseWatch, TrainConfig, output_spread, train_steps
from aeviewer.core.training.guards import MAX_RECOVERIES, MAX_RESTARTS

CPU = torch.device("cpu")


def _stripes(n: int, size: int = 16, seed: int = 0) -> np.ndarray:
    """Learnable pictures: a bright bar at a random row or column."""
    rng = np.random.default_rng(seed)
    imgs = np.full((n, size, size, 1), 30, np.uint8)
    for img in imgs:
        i = rng.integers(2, size - 4)
        if rng.random() < 0.5:
            img[i : i + 3] = 220
        else:
            img[:, i : i + 3] = 220
    return imgs


@pytest.mark.parametrize(("architecture", "width", "epochs"), [("bottleneck", 16, 40), ("skip", 8, 25)])
def test_a_denoiser_learns_to_remove_gaussian_noise(architecture, width, epochs):
    images = _stripes(64)
    model = build_model(ModelConfig(16, 1, latent_dim=8, base_width=width, architecture=architecture), seed=0)
    config = TrainConfig(epochs=epochs, batch_size=16, learning_rate=3e-3, denoise=(NoiseSpec("gaussian", 0.2, 0.3),))
    steps = list(train_steps(model, images, config, CPU))
    assert all(s.restarts == 0 for s in steps)
    clean = _stripes(32, seed=9).astype(np.float32) / 255
    noisy = add_noise(clean, NoiseSpec("gaussian", 0.25, 0.25), seed=5)
    cleaned = run_model(model, noisy, CPU)
    assert np.mean(psnr(cleaned, clean)) > np.mean(psnr(noisy, clean)) + 3


def test_the_skip_model_starts_as_the_identity_and_keeps_detail():
    """Its output is input + correction, so fine detail need not squeeze through the code."""
    model = build_model(ModelConfig(16, 1, latent_dim=1, architecture="skip"), seed=0)
    images = np.random.default_rng(0).integers(0, 256, (64, 16, 16, 1), dtype=np.uint8)  # pure detail
    list(train_steps(model, images, TrainConfig(epochs=10, batch_size=16), CPU))
    bottleneck = build_model(ModelConfig(16, 1, latent_dim=1), seed=0)
    list(train_steps(bottleneck, images, TrainConfig(epochs=10, batch_size=16), CPU))
    x = images.astype(np.float32) / 255
    assert np.mean(psnr(run_model(model, x, CPU), x)) > np.mean(psnr(run_model(bottleneck, x, CPU), x)) + 10


def test_output_spread_tells_a_constant_picture_from_real_outputs():
    targets = torch.rand(16, 1, 8, 8)
    assert output_spread(targets.clone(), targets) == pytest.approx(1.0)
    assert output_spread(torch.full_like(targets, 0.3), targets) == 0.0


def test_collapse_watch_waits_for_the_warmup_and_a_run_of_low_spreads():
    watch = CollapseWatch(warmup=5, threshold=0.05, patience=3)
    assert not any(watch.collapsed(0.0) for _ in range(5))  # still warming up
    assert watch.collapsed(0.0)  # past warm-up and low for 6 in a row
    watch = CollapseWatch(warmup=0, threshold=0.05, patience=3)
    assert not any(watch.collapsed(s) for s in (0.01, 0.01, 0.5, 0.01, 0.01))  # a good batch resets


class _Constant(nn.Module):
    """A 'model' that ignores its input: the picture of a collapsed denoiser."""

    def __init__(self) -> None:
        super().__init__()
        self.image = nn.Parameter(torch.zeros(1, 1, 16, 16))
        self.code = nn.Linear(1, 2)

    def forward(self, x):
        return self.image.expand(len(x), -1, -1, -1) + 0.5, self.code(torch.ones(len(x), 1))


def test_a_collapsed_run_restarts_at_a_lower_rate_then_says_so():
    images = _stripes(32)
    config = TrainConfig(epochs=80, batch_size=8, learning_rate=1e-2, denoise=(NoiseSpec("gaussian", 0.3, 0.3),))
    steps = list(train_steps(_Constant(), images, config, CPU))
    restarts = [s.restarts for s in steps]
    assert restarts[0] == 0 and restarts[-1] == MAX_RESTARTS
    assert restarts == sorted(restarts)
    first_restart = next(s for s in steps if s.restarts == 1)
    assert "collapsed" in first_restart.note and "0.003" in first_restart.note
    assert "still" in steps[-1].note
    assert steps[-1].epoch == config.epochs - 1  # the last attempt runs to the end


def test_blow_up_guard_compares_with_the_lowest_loss_so_far():
    model = nn.Linear(2, 2)
    guard = BlowUpGuard(model, factor=20)
    assert not any(guard.blew_up(v) for v in (0.5, 0.1, 0.05, 0.2, 0.9))  # ups and downs are normal
    assert guard.blew_up(1.5)  # 30x the lowest
    assert guard.blew_up(float("nan"))
    before = model.weight.detach().clone()
    guard.epoch_done(model, 0)
    with torch.no_grad():
        model.weight.fill_(1e6)
    guard.restore(model)
    assert torch.equal(model.weight, before) and guard.epoch == 1


def test_a_run_whose_loss_blows_up_goes_back_and_slows_down():
    images = _stripes(32)
    model = build_model(ModelConfig(16, 1, latent_dim=4, base_width=8), seed=0)
    steps = list(train_steps(model, images, TrainConfig(epochs=12, batch_size=8, learning_rate=0.5), CPU))
    recovered = [s for s in steps if s.recoveries]
    assert recovered, "a learning rate of 0.5 should blow up"
    assert "blew up" in recovered[0].note and "lowered the learning rate" in recovered[0].note
    assert max(s.recoveries for s in steps) <= MAX_RECOVERIES
    assert all(np.isfinite(p.detach().numpy()).all() for p in model.parameters())
