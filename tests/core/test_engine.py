from __future__ import annotations

import itertools

import numpy as np
import pytest

from aeviewer.core.config import ModelConfig
from aeviewer.core.data import ImageSet, Split
from aeviewer.core.engine import Engine
from aeviewer.core.pacing import Budget, Pacer
from aeviewer.core.training import RunControl, TrainConfig

SIZE = 16


def _engine(latent: int = 3, n_train: int = 24, n_test: int = 6) -> Engine:
    rng = np.random.default_rng(0)
    engine = Engine(ModelConfig(image_size=SIZE, channels=3, latent_dim=latent), device="cpu")
    images = rng.integers(0, 255, (n_train + n_test, SIZE, SIZE, 3), dtype=np.uint8)
    engine.set_images(_set(images, [Split.TRAIN] * n_train + [Split.TEST] * n_test))
    return engine


def _set(images, splits, paths=None) -> ImageSet:
    return ImageSet(images, paths or [f"img{i}" for i in range(len(images))], splits)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_pacer_and_budget_with_a_fake_clock():
    clock = FakeClock()
    pacer = Pacer(0.05, clock)
    assert pacer.due() and not pacer.due()
    clock.now = 0.06
    assert pacer.due()
    budget = Budget(0.1, clock)
    assert budget.due()
    budget.spent(0.2)  # a 0.2 s job at 10 % may run again 2 s later
    clock.now = 2.0
    assert not budget.due()
    clock.now = 2.07
    assert budget.due()


def test_training_yields_throttled_snapshots_and_a_final_evaluation():
    engine = _engine()
    clock = FakeClock()
    ticks = itertools.count()

    def tick() -> float:  # every call advances 10 ms: 5 calls per snapshot interval
        clock.now = next(ticks) * 0.01
        return clock.now

    out = list(engine.train(TrainConfig(epochs=4, batch_size=8), clock=tick))
    snaps = [s for s in out if s is not None]
    assert len(out) == 4 * 3 + 1
    assert 1 < len(snaps) < len(out)
    final = snaps[-1]
    assert final.results.final and not any(s.results.final for s in snaps[:-1])
    assert np.isfinite(final.results.errors).all()
    assert final.results.points.shape == (30, 2)
    assert len(final.losses) == 12 and final.step.images_seen == 96
    assert engine.trained


def test_live_snapshots_score_test_images_too():
    engine = _engine()
    snaps = [s for s in engine.train(TrainConfig(epochs=2, batch_size=8)) if s is not None]
    first = snaps[0].results
    assert np.isfinite(first.errors[24:]).all()  # side images scored in the first step


def test_stopping_leaves_a_consistent_but_untrained_model():
    engine = _engine()
    control = RunControl()
    run = engine.train(TrainConfig(epochs=50, batch_size=8), control)
    next(run)
    control.stop()
    rest = [s for s in run if s is not None]
    assert len(rest) == 1 and rest[0].results.final
    assert not engine.trained


def test_rebuild_changes_size_and_identity():
    engine = _engine(latent=3)
    old_id = engine.model_id
    engine.rebuild(ModelConfig(image_size=SIZE, channels=3, latent_dim=7))
    assert engine.model_id == old_id + 1
    assert engine.model.config.latent_dim == 7
    assert np.isnan(engine._errors).all()  # old scores belong to the old model
    engine.rebuild(ModelConfig(image_size=32, channels=1, latent_dim=5))  # the shape is the pictures'
    assert (engine.model.config.image_size, engine.model.config.channels, engine.model.config.latent_dim) == (
        SIZE, 3, 5)


def test_images_added_during_training_are_scored():
    engine = _engine()
    rng = np.random.default_rng(5)
    run = engine.train(TrainConfig(epochs=3, batch_size=8))
    next(run)
    rows = engine.add_images(_set(rng.integers(0, 255, (2, SIZE, SIZE, 3), dtype=np.uint8), [Split.DROPPED] * 2))
    live = engine.refresh(rows, final=False)
    assert np.isfinite(live.errors[list(rows)]).all() and not live.final
    final = [s for s in run if s is not None][-1]
    assert final.results.errors.shape == (32,)
    assert np.isfinite(final.results.points).all()


def test_inspect_returns_pictures_and_matching_error():
    engine = _engine()
    ev = engine.evaluate()
    ins = engine.inspect(25)
    assert ins.input.shape == ins.recon.shape == (SIZE, SIZE, 3)
    assert ins.difference.shape == (SIZE, SIZE)
    assert ins.error == pytest.approx(float(ev.errors[25]), rel=1e-4)
    with pytest.raises(IndexError):
        engine.inspect(999)


def test_no_training_images_is_a_clear_error():
    engine = _engine(n_train=0, n_test=4)
    with pytest.raises(ValueError, match="no training images"):
        next(engine.train(TrainConfig()))


def test_wrong_image_shape_is_refused():
    engine = _engine()
    with pytest.raises(ValueError, match="uint8 pictures shaped"):
        engine.add_images(_set(np.zeros((1, 8, 8, 3), np.uint8), [Split.DROPPED]))
    assert len(engine.images) == 30  # nothing half-added


def test_score_kind_changes_every_score_and_is_reported():
    engine = _engine()
    assert engine.evaluate().score_kind == "local"  # the default
    mse = engine.set_score_kind("mse")
    assert mse.score_kind == "mse" and np.allclose(mse.scores, mse.errors)
    local = engine.set_score_kind("local")
    assert local.score_kind == "local" and np.isfinite(local.scores).all()
    assert not np.allclose(local.scores, local.errors)
    with pytest.raises(ValueError, match="unknown score"):
        engine.set_score_kind("psychic")


def test_denoising_inspection_reads_a_dropped_file_at_full_size_once(tmp_path, monkeypatch):
    from PIL import Image

    import aeviewer.core.engine as engine_module
    from aeviewer.core.noise_kinds import NoiseSpec

    engine = _engine()
    engine.rebuild(train_noise=(NoiseSpec("gaussian", 0.1, 0.3),))
    photo = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (40, 70, 3), dtype=np.uint8)).save(photo)
    (row,) = engine.add_images(_set(np.zeros((1, SIZE, SIZE, 3), np.uint8), [Split.DROPPED], [str(photo)]))
    reads = []
    real_read = engine_module.read_picture
    monkeypatch.setattr(engine_module, "read_picture", lambda *a: reads.append(a) or real_read(*a))

    engine.test_noise = NoiseSpec("salt", 0.2, 0.2)
    first = engine.inspect(row)
    assert first.denoising and first.input.shape == (40, 70, 3) and first.clean is not None
    assert first.quality is not None and "Salt" in first.noise
    engine.test_noise = None  # the picture is noisy already
    second = engine.inspect(row)
    assert second.clean is None and second.quality is None and second.noise == ""
    assert len(reads) == 1  # the second inspection reused the picture
    assert engine.inspect(0).input.shape == (SIZE, SIZE, 3)  # training images have no file: working size


def test_augmented_training_places_pictures_by_their_own_codes_as_they_become_known():
    engine = _engine(n_train=40, n_test=0)
    clock = FakeClock()
    snaps = []
    for snap in engine.train(TrainConfig(epochs=3, batch_size=20, augment=True), clock=clock):
        clock.now += 1.0  # a second between batches, none within one: every batch is worth a snapshot
        if snap is not None:
            snaps.append(snap)
    after_one_epoch = next(s.results for s in snaps if s.step.epoch == 1)
    known = ~np.isnan(after_one_epoch.points).any(axis=1)
    assert 0 < known.sum() < 40  # a sample of each batch gets its unturned code ...
    assert np.isfinite(after_one_epoch.errors).all()  # ... while every trained picture has its error
    assert np.isfinite(snaps[-1].results.points).all()  # the final evaluation places every one
