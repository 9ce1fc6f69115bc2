"""Back from the latent plot: the projection's inverse and pictures decoded from places in the plot."""

from __future__ import annotations

import numpy as np
import pytest

from aeviewer.core.config import ModelConfig
from aeviewer.core.demos import banana_imageset
from aeviewer.core.engine import Engine
from aeviewer.core.latent_decoding import decode_at, decode_codes
from aeviewer.core.projection import StableProjection


def test_the_inverse_maps_plot_positions_back_onto_the_plane_through_the_mean():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(200, 6)).astype(np.float32) * [5, 3, 0.1, 0.1, 0.1, 0.1]
    p = StableProjection()
    points = p.fit_transform(codes)
    back = p.inverse(points)
    assert back.shape == codes.shape
    assert np.allclose(p.fit_transform(back), points, atol=1e-4)  # a position comes back to itself
    assert np.allclose(back.mean(axis=0), codes.mean(axis=0), atol=1e-4)
    assert np.abs(back - codes).max() < 0.6  # the two big directions are kept; the small ones are at the mean


def test_short_codes_are_their_own_positions():
    p = StableProjection()
    p.fit_transform(np.zeros((3, 1), np.float32))
    assert p.inverse(np.array([[2.0, 7.0]])).tolist() == [[2.0]]
    p.fit_transform(np.zeros((3, 2), np.float32))
    assert p.inverse(np.array([[2.0, 7.0]])).tolist() == [[2.0, 7.0]]
    with pytest.raises(ValueError):
        StableProjection().inverse(np.zeros((1, 2)))


@pytest.fixture(scope="module")
def engine():
    e = Engine(ModelConfig(latent_dim=8), device="cpu", seed=0)
    e.set_images(banana_imageset(n_train=24, n_test=4, size=64, seed=1))
    e.evaluate()  # codes, and the projection fitted on them
    return e


def test_a_place_in_the_plot_decodes_to_a_picture_of_the_pictures_shape(engine):
    d = decode_at(engine, 0.5, -0.25)
    assert d.picture.shape == (64, 64, 3) and d.picture.dtype == np.float32
    assert d.picture.min() >= 0.0 and d.picture.max() <= 1.0
    assert (d.x, d.y, d.model_id) == (0.5, -0.25, engine.model_id)
    assert "principal axes" in d.how


def test_decoding_a_pictures_own_code_gives_its_reconstruction(engine):
    from aeviewer.core.inference import run_model

    codes = engine.latest()[0][:2]
    pictures = engine.images.images[:2].astype(np.float32) / 255
    assert np.allclose(decode_codes(engine, codes), run_model(engine.model, pictures, engine.device), atol=1e-5)


def test_an_ordered_models_short_code_is_decoded_as_its_first_numbers():
    e = Engine(ModelConfig(latent_dim=16, ordered=True), device="cpu", seed=0)
    e.set_images(banana_imageset(n_train=16, n_test=2, size=64, seed=1))
    e.set_prefix(4)
    e.evaluate()
    assert decode_at(e, 0.0, 0.0).picture.shape == (64, 64, 3)


def test_a_model_trained_on_synthetic_defects_decodes_through_its_reconstructor():
    # It answered "a U-Net passes detail around its code" before: its reconstructor is a bottleneck.
    from aeviewer.core.inference import run_model

    e = Engine(ModelConfig(image_size=32, latent_dim=4, method="synthetic"), device="cpu", seed=0)
    e.set_images(banana_imageset(n_train=8, n_test=2, size=32, seed=1))
    e.evaluate()
    assert decode_at(e, 0.0, 0.0).picture.shape == (32, 32, 3)
    pictures = e.images.images[:2].astype(np.float32) / 255
    assert np.allclose(decode_codes(e, e.latest()[0][:2]), run_model(e.model, pictures, e.device), atol=1e-5)


def test_a_unet_cannot_decode_from_a_code_alone():
    e = Engine(ModelConfig(latent_dim=8, architecture="skip"), device="cpu", seed=0)
    e.set_images(banana_imageset(n_train=8, n_test=2, size=64, seed=1))
    e.evaluate()
    with pytest.raises(ValueError, match="U-Net"):
        decode_at(e, 0.0, 0.0)


def test_the_axes_say_their_share_of_the_variance():
    rng = np.random.default_rng(1)
    codes = rng.normal(size=(5000, 4)).astype(np.float32) * [5, 3, 1, 1]
    p = StableProjection()
    p.fit_transform(codes)
    assert p.explained is not None
    assert abs(p.explained[0] - 25 / 36) < 0.02 and abs(p.explained[1] - 9 / 36) < 0.02


def test_a_walk_starts_and_ends_at_the_two_reconstructions(engine):
    from aeviewer.core.inference import run_model
    from aeviewer.core.latent_decoding import walk

    w = walk(engine, 0, 3, steps=6)
    assert w.pictures.shape == (6, 64, 64, 3) and (w.start, w.end) == (0, 3)
    ends = run_model(engine.model, engine.images.images[[0, 3]].astype(np.float32) / 255, engine.device)
    assert np.allclose(w.pictures[0], ends[0], atol=1e-5) and np.allclose(w.pictures[-1], ends[1], atol=1e-5)
    assert not np.allclose(w.pictures[2], w.pictures[0])  # the middle is somewhere between
    with pytest.raises(ValueError):
        walk(engine, 2, 2)
