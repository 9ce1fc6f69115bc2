"""Pictures of different sizes scored alike (core.size_trend): each part of a tile model's score is
counted against training pictures of its size, so a big normal picture does not look unusual
only because it has more places for a maximum."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from aeviewer.core import size_trend
from aeviewer.core.config import ModelConfig
from aeviewer.core.model import build_model
from aeviewer.core.patches import FullPictures, fit_full_stats, full_size
from aeviewer.core.session import Session, load_session, save_session
from aeviewer.core.texture import PatchTexture


def test_the_fit_finds_the_rise_with_size_and_the_spread_around_it():
    rng = np.random.default_rng(0)
    places = rng.integers(1_000, 50_000, 200)
    noise = rng.normal(0, 0.1, (200, 2))
    values = np.stack([2 + 0.5 * np.log(places), np.full(200, 3.0)], axis=1) + noise
    stats, trend = size_trend.fit(values, places)
    assert trend[0] == pytest.approx(np.log(places).mean())
    assert (trend[1], trend[2]) == (pytest.approx(np.log(places.min())), pytest.approx(np.log(places.max())))
    assert trend[3] == pytest.approx(0.5, abs=0.05) and trend[4] == pytest.approx(0.0, abs=0.05)
    assert stats[0] == pytest.approx(values[:, 0].mean()) and stats[2] == pytest.approx(values[:, 1].mean())
    # the spread around the line is the noise's, not the much wider spread of the sizes' rise
    assert stats[1] == pytest.approx(0.1, abs=0.02)
    assert stats[1] < values[:, 0].std() / 3
    expected = size_trend.offset(torch.tensor(trend), 40_000, 0)
    assert float(expected) == pytest.approx(trend[3] * (math.log(40_000) - trend[0]))


def test_pictures_of_one_size_or_too_few_get_no_trend_and_the_plain_spread():
    values = np.array([[1.0, 2.0], [2.0, 2.5], [3.0, 4.0]] * 4)
    for places in (np.full(12, 4096), np.arange(1_000, 13_000, 1_000)[: size_trend.MIN_PICTURES - 1]):
        stats, trend = size_trend.fit(values[: len(places)], places)
        assert trend == [0.0] * 5
        assert stats[1] == pytest.approx(values[: len(places), 0].std())
        assert float(size_trend.offset(torch.tensor(trend), 10**6, 0)) == 0.0
    assert size_trend.offset(None, 10**6, 1) == 0.0


def test_a_falling_trend_is_held_at_zero_and_sizes_beyond_the_training_ones_count_as_the_nearest():
    places = np.geomspace(1_000, 100_000, 20)
    _, trend = size_trend.fit(-np.log(places)[:, None], places)
    assert trend[3] == 0.0  # more places cannot lower an expected maximum
    _, rising = size_trend.fit(np.log(places)[:, None], places)
    t = torch.tensor(rising)
    assert float(size_trend.offset(t, 10, 0)) == pytest.approx(float(size_trend.offset(t, 1_000, 0)))
    assert float(size_trend.offset(t, 10**9, 0)) == pytest.approx(float(size_trend.offset(t, 100_000, 0)))


def _rank_correlation(a: list[float], b: list[float]) -> float:
    return float(np.corrcoef(np.argsort(np.argsort(a)), np.argsort(np.argsort(b)))[0, 1])


def _grain(rng: np.random.Generator, h: int, w: int) -> torch.Tensor:
    return torch.from_numpy(rng.normal(0.5, 0.08, (1, 1, h, w)).astype(np.float32)).clamp(0, 1)


def _sizes(rng: np.random.Generator, n: int) -> list[tuple[int, int]]:
    return [(int(h), int(w)) for h, w in zip(rng.integers(24, 161, n), rng.integers(24, 161, n), strict=True)]


def test_the_texture_part_of_normal_pictures_no_longer_rises_with_their_size():
    rng = np.random.default_rng(0)
    train = [_grain(rng, h, w) for h, w in _sizes(rng, 150)]
    texture = PatchTexture()
    texture.fit(lambda: iter(train))
    assert float(texture.sizes[3 + 1]) > 0  # the most unusual neighbourhood is further off in a big picture
    test = _sizes(rng, 120)
    normal = [_grain(rng, h, w) for h, w in test]
    areas = [h * w for h, w in test]
    with torch.no_grad():
        scores = [float(texture.standardised(x)) for x in normal]
        fitted = texture.sizes.clone()
        texture.sizes.zero_()  # as before the trend
        plain = [float(texture.standardised(x)) for x in normal]
        texture.sizes.copy_(fitted)
    assert _rank_correlation(areas, plain) > 0.4  # the bias the trend takes out
    assert abs(_rank_correlation(areas, scores)) < 0.25
    # the place map counts each place in the same way: the scratch still lights it up
    scratched = _grain(rng, 40, 60)
    scratched[..., 20, 5:45] = 1.0
    assert float(texture.place_map(scratched)[0, 18:23, 5:45].mean()) > 0.9


def test_a_tile_models_yardsticks_follow_the_size_of_its_training_pictures_and_travel_with_it(tmp_path):
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    model = build_model(ModelConfig(image_size=16, channels=1, latent_dim=4, base_width=4, method="synthetic",
                                    patches=True))
    pictures = [rng.integers(90, 160, (h, w, 1), dtype=np.uint8) for h, w in _sizes(rng, 24)]
    full = FullPictures([full_size(p, 1.0, 16) for p in pictures], [p.shape[:2] for p in pictures])
    fit_full_stats(model, full, torch.device("cpu"))
    sizes = model.score_sizes.tolist()
    logs = [math.log(p.shape[0] * p.shape[1]) for p in pictures]
    assert sizes[:3] == pytest.approx([np.mean(logs), min(logs), max(logs)], rel=1e-5)
    assert model.texture.fitted and float(model.texture.sizes[1]) == pytest.approx(min(logs), rel=1e-5)
    path = save_session(tmp_path / "s.aesession", model, Session(model.config, score="combined"))
    loaded, _ = load_session(path)
    assert loaded.score_sizes.tolist() == pytest.approx(sizes)
    assert loaded.texture.sizes.tolist() == pytest.approx(model.texture.sizes.tolist())
