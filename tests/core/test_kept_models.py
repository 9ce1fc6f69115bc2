"""Models trained at one size are kept: going back to their size shows them again, without training."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from aeviewer.core.config import ModelConfig, TrainConfig
from aeviewer.core.data import ImageSet, Split
from aeviewer.core.engine import Engine


def _engine(rng) -> Engine:
    pictures = rng.integers(0, 256, (12, 16, 16, 1), dtype=np.uint8)
    engine = Engine(ModelConfig(image_size=16, channels=1, latent_dim=4), "cpu")
    engine.set_images(ImageSet(pictures, [f"p{i}" for i in range(12)], [Split.TRAIN] * 10 + [Split.TEST] * 2))
    return engine


def _train(engine: Engine) -> None:
    for _ in engine.train(TrainConfig(epochs=2, batch_size=4), live=False):
        pass


def test_a_trained_model_is_kept_and_comes_back_as_it_was(rng):
    engine = _engine(rng)
    _train(engine)
    four, scores = engine.model, engine.latest()[2].copy()
    engine.rebuild(replace(engine.model_config, latent_dim=6))
    assert engine.kept_sizes == (4,)
    _train(engine)
    six = engine.model
    assert engine.use_kept(4)
    assert engine.model is four and engine.trained and engine.model_config.latent_dim == 4
    np.testing.assert_array_equal(engine.latest()[2], scores)
    assert engine.kept_sizes == (6,)  # the one it replaced is kept in its turn
    assert engine.use_kept(6) and engine.model is six
    assert not engine.use_kept(5)


def test_kept_models_are_for_the_same_pictures_and_task(rng):
    engine = _engine(rng)
    _train(engine)
    engine.rebuild(replace(engine.model_config, latent_dim=6))
    assert engine.kept_sizes == (4,)
    engine.rebuild(replace(engine.model_config, architecture="skip"))
    assert engine.kept_sizes == ()  # a U-Net is no stand-in for a bottleneck model
    engine.rebuild(replace(engine.model_config, architecture="bottleneck"))
    assert engine.kept_sizes == (4,)
    engine.add_images(ImageSet(np.zeros((2, 16, 16, 1), np.uint8), ["a", "b"], [Split.DROPPED] * 2))
    assert engine.use_kept(4)
    assert np.isnan(engine.latest()[2][-2:]).all() and not np.isnan(engine.latest()[2][:12]).any()
    engine.set_images(engine.images)
    assert engine.kept_sizes == ()  # other pictures: nothing kept applies


def test_an_untrained_or_ordered_model_is_not_kept(rng):
    engine = _engine(rng)
    engine.rebuild(replace(engine.model_config, latent_dim=6))  # the first was never trained
    assert engine.kept_sizes == ()
    engine.rebuild(replace(engine.model_config, latent_dim=8, ordered=True))
    _train(engine)
    engine.rebuild(replace(engine.model_config, latent_dim=4, ordered=False))
    assert engine.kept_sizes == ()


def test_another_page_of_a_streamed_folder_keeps_the_models_and_scores_the_new_pictures(rng):
    engine = _engine(rng)
    with_page = ImageSet(engine.images.images, engine.images.paths, engine.images.splits)
    engine.set_images(with_page, stream_paths=("a.png", "b.png"))  # as if the folder were read from its files
    _train(engine)
    four = engine.model
    engine.rebuild(replace(engine.model_config, latent_dim=6))
    _train(engine)
    page = ImageSet(rng.integers(0, 256, (5, 16, 16, 1), dtype=np.uint8), [f"q{i}" for i in range(5)],
                    [Split.TRAIN] * 3 + [Split.TEST] * 2)
    engine.show_page(page)
    assert engine.images is page and engine.stream_paths == ("a.png", "b.png") and engine.kept_sizes == (4,)
    assert np.isnan(engine.latest()[2]).all()  # the scores were of the other page
    assert engine.use_kept(4) and engine.model is four
    assert len(engine.latest()[2]) == 5 and np.isnan(engine.latest()[2]).all()  # measured again when shown
    engine.refresh(np.arange(5), final=True)
    assert np.isfinite(engine.latest()[2]).all()
    engine.set_images(page)  # other pictures altogether: the kept models go
    assert engine.kept_sizes == ()
