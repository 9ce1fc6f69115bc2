from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from aeviewer.core.config import ModelConfig
from aeviewer.core.model import build_model
from aeviewer.core.training import RunControl, TrainConfig, train_steps

CPU = torch.device("cpu")


def _blobs(n: int, size: int = 16, seed: int = 0) -> np.ndarray:
    """Simple learnable images: a bright square at a random place."""
    rng = np.random.default_rng(seed)
    imgs = np.zeros((n, size, size, 1), np.uint8)
    for img in imgs:
        y, x = rng.integers(0, size - 5, 2)
        img[y : y + 5, x : x + 5] = 255
    return imgs


def test_steps_cover_every_batch_and_loss_falls():
    images = _blobs(40)
    model = build_model(ModelConfig(image_size=16, channels=1, latent_dim=4), seed=0)
    steps = list(train_steps(model, images, TrainConfig(epochs=30, batch_size=8, learning_rate=3e-3), CPU))
    assert len(steps) == 30 * 5
    last = steps[-1]
    assert last.images_seen == last.images_total == 1200
    assert last.fraction_done == 1.0 and last.seconds_left == 0
    first_epoch = np.mean([s.loss for s in steps[:5]])
    last_epoch = np.mean([s.loss for s in steps[-5:]])
    assert last_epoch < 0.7 * first_epoch
    assert not model.training  # left in eval mode
    # each step reports which images it held, their codes and errors
    assert steps[0].rows.shape == (8,) and steps[0].codes.shape == (8, 4) and steps[0].errors.shape == (8,)
    assert sorted(np.concatenate([s.rows for s in steps[:5]])) == list(range(40))


def test_stop_lands_before_the_next_batch():
    control = RunControl()
    model = build_model(ModelConfig(image_size=16, channels=1, latent_dim=2))
    run = train_steps(model, _blobs(32), TrainConfig(epochs=100, batch_size=8), CPU, control)
    next(run)
    next(run)
    control.stop()
    assert list(run) == []


def test_no_images_is_an_error():
    model = build_model(ModelConfig(image_size=16, channels=1, latent_dim=2))
    with pytest.raises(ValueError, match="no training images"):
        next(train_steps(model, _blobs(0), TrainConfig(), CPU))


def test_seed_makes_runs_repeatable():
    def run() -> list[float]:
        model = build_model(ModelConfig(image_size=16, channels=1, latent_dim=2), seed=1)
        return [s.loss for s in train_steps(model, _blobs(16), TrainConfig(epochs=2, batch_size=8), CPU)]

    assert run() == run()


def test_run_control_pause_resume_and_stop_wakes_a_paused_run():
    c = RunControl()
    assert not c.paused and not c.stop_requested
    c.pause()
    assert c.paused and not c.wait_while_paused(0.01)
    c.resume()
    assert c.wait_while_paused(0.01)
    c.pause()
    woke = threading.Event()

    def waiter() -> None:
        c.wait_while_paused(5)
        woke.set()

    t = threading.Thread(target=waiter)
    t.start()
    c.stop()
    t.join(2)
    assert woke.is_set() and c.stop_requested
    c.pause()  # pausing a stopped run does nothing
    assert not c.paused


@pytest.mark.parametrize("kwargs", [{"epochs": 0}, {"batch_size": 0}, {"learning_rate": 0.0}])
def test_invalid_train_configs(kwargs):
    with pytest.raises(ValueError):
        TrainConfig(**kwargs)


def test_augment_batch_gives_one_of_the_eight_flips_and_turns():
    from aeviewer.core.training import augment_batch

    x = torch.arange(2 * 1 * 4 * 4, dtype=torch.float32).view(2, 1, 4, 4)
    dihedral = [torch.rot90(x, k, (2, 3)) for k in range(4)]
    dihedral += [t.flip(3) for t in dihedral]
    gen = torch.Generator().manual_seed(0)
    seen = set()
    for _ in range(200):
        out = augment_batch(x, gen)
        match = [i for i, t in enumerate(dihedral) if torch.equal(out, t)]
        assert len(match) == 1
        seen.add(match[0])
    assert seen == set(range(8))


def test_augmented_training_reports_codes_of_the_unturned_images():
    images = _blobs(16)
    model = build_model(ModelConfig(image_size=16, channels=1, latent_dim=4), seed=0)
    # seed 3: the batch is turned a quarter and flipped (seed 0 would draw the identity)
    config = TrainConfig(epochs=1, batch_size=16, learning_rate=1e-12, augment=True, seed=3)  # weights barely move
    (step,) = list(train_steps(model, images, config, CPU))
    with torch.no_grad():
        expected = model.encode(torch.from_numpy(images[step.rows]).permute(0, 3, 1, 2).float() / 255)
    np.testing.assert_allclose(step.codes, expected.numpy(), atol=1e-5)
