"""Ordered codes: one model for every code size, without retraining."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aeviewer.core.config import ModelConfig, TrainConfig
from aeviewer.core.data import ImageSet, Split
from aeviewer.core.demos import banana_imageset
from aeviewer.core.engine import Engine
from aeviewer.core.model import build_model
from aeviewer.core.ordered import keep_first, ladder, random_prefixes


def test_numbers_beyond_k_have_no_effect_on_the_picture():
    model = build_model(ModelConfig(image_size=16, channels=1, latent_dim=8, ordered=True), seed=0).eval()
    x = torch.rand(3, 1, 16, 16)
    z = model.encode(x)
    other = z.clone()
    other[:, 5:] = torch.randn(3, 3) * 10  # anything at all beyond the first 5
    with torch.no_grad():
        a = model.decode(keep_first(z, 5))
        b = model.decode(keep_first(other, 5))
        model.prefix = 5
        c, code = model(x)
    assert torch.equal(a, b) and torch.equal(a, c)
    assert torch.equal(code, z)  # the code itself stays whole (the scatter shows its first k)
    per_row = keep_first(z, torch.tensor([1, 8, 3]))
    assert (per_row[0, 1:] == 0).all() and torch.equal(per_row[1], z[1]) and (per_row[2, 3:] == 0).all()


def test_random_lengths_and_the_ladder():
    k = random_prefixes(10_000, 64, torch.Generator().manual_seed(0), torch.device("cpu"))
    assert int(k.min()) == 1 and int(k.max()) == 64
    assert 0.08 < float((k == 1).float().mean()) < 0.2  # log-uniform: short codes get their share
    assert 0.22 < float((k == 64).float().mean()) < 0.3  # ... and a quarter use the whole code
    assert ladder(64) == [1, 2, 4, 8, 16, 32, 64] and ladder(12) == [1, 2, 4, 8, 12] and ladder(1) == [1]


@pytest.fixture(scope="module")
def ordered_engine():
    demo = banana_imageset(n_train=96, n_test=8, size=32, seed=1)
    engine = Engine(ModelConfig(image_size=32, channels=3, latent_dim=16, ordered=True), "cpu")
    engine.set_images(demo)
    for _ in engine.train(TrainConfig(epochs=30, batch_size=16), live=False):
        pass
    return engine


def test_a_briefly_trained_ordered_model_rebuilds_better_from_more_numbers(ordered_engine):
    errors = {}
    for k in (1, 4, 16):
        ordered_engine.set_prefix(k)
        errors[k] = float(np.nanmean(ordered_engine.evaluate().errors))
    assert errors[1] > errors[4] > errors[16], errors
    ordered_engine.set_prefix(None)


def test_choosing_a_length_neither_trains_nor_rebuilds(ordered_engine):
    model_id, model = ordered_engine.model_id, ordered_engine.model
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    ordered_engine.set_prefix(3)
    results = ordered_engine.evaluate()
    assert ordered_engine.model_id == model_id and ordered_engine.model is model and results.prefix == 3
    assert all(torch.equal(v, weights[k]) for k, v in model.state_dict().items())
    assert ordered_engine.inspect(0).prefix == 3 and ordered_engine.code_length == 3
    ordered_engine.set_prefix(16)  # the whole code
    assert ordered_engine.prefix is None and ordered_engine.model.prefix is None
    with pytest.raises(ValueError, match="1 to 16"):
        ordered_engine.set_prefix(17)


def test_a_model_trained_at_one_size_cannot_be_cut():
    engine = Engine(ModelConfig(image_size=16, channels=1, latent_dim=4), "cpu")
    engine.set_images(ImageSet(np.zeros((2, 16, 16, 1), np.uint8), ["a", "b"], [Split.TRAIN] * 2))
    with pytest.raises(ValueError, match="trained at one size"):
        engine.set_prefix(2)
