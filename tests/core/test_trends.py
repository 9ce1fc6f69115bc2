"""Pictures of different sizes and contrasts scored alike (core.trends): each part of a synthetic model's
score is counted against training pictures of its size and contrast, so a big or a busy normal picture
does not look unusual only because it has more places for a maximum, or larger differences everywhere."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from aeviewer.core import trends
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
    stats, (trend,) = trends.fit(values, [np.log(places)])
    assert trend[0] == pytest.approx(np.log(places).mean())
    assert (trend[1], trend[2]) == (pytest.approx(np.log(places.min())), pytest.approx(np.log(places.max())))
    assert trend[3] == pytest.approx(0.5, abs=0.05) and trend[4] == pytest.approx(0.0, abs=0.05)
    assert stats[0] == pytest.approx(values[:, 0].mean()) and stats[2] == pytest.approx(values[:, 1].mean())
    # the spread around the line is the noise's, not the much wider spread of the sizes' rise
    assert stats[1] == pytest.approx(0.1, abs=0.02)
    assert stats[1] < values[:, 0].std() / 3
    expected = trends.offset(torch.tensor(trend), math.log(40_000), 0)
    assert float(expected) == pytest.approx(trend[3] * (math.log(40_000) - trend[0]))


def test_pictures_of_one_size_or_too_few_get_no_trend_and_the_plain_spread():
    values = np.array([[1.0, 2.0], [2.0, 2.5], [3.0, 4.0]] * 4)
    for places in (np.full(12, 4096), np.arange(1_000, 13_000, 1_000)[: trends.MIN_PICTURES - 1]):
        stats, (trend,) = trends.fit(values[: len(places)], [np.log(places)])
        assert trend == [0.0] * 5
        assert stats[1] == pytest.approx(values[: len(places), 0].std())
        assert float(trends.offset(torch.tensor(trend), math.log(10**6), 0)) == 0.0
    assert trends.offset(None, math.log(10**6), 1) == 0.0


def test_a_falling_trend_is_held_at_zero_and_sizes_beyond_the_training_ones_count_as_the_nearest():
    places = np.geomspace(1_000, 100_000, 20)
    _, (trend,) = trends.fit(-np.log(places)[:, None], [np.log(places)])
    assert trend[3] == 0.0  # more places cannot lower an expected maximum
    _, (rising,) = trends.fit(np.log(places)[:, None], [np.log(places)])
    t = torch.tensor(rising)
    assert float(trends.offset(t, math.log(10), 0)) == pytest.approx(float(trends.offset(t, math.log(1_000), 0)))
    assert float(trends.offset(t, math.log(10**9), 0)) == pytest.approx(float(trends.offset(t, math.log(100_000), 0)))


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


def test_the_fit_finds_both_rises_together_and_holds_a_falling_one_at_zero():
    rng = np.random.default_rng(0)
    places = np.log(rng.integers(1_000, 50_000, 300))
    contrast = np.log(rng.uniform(0.05, 0.3, 300))
    noise = rng.normal(0, 0.1, 300)
    values = np.stack([1 + 0.5 * places + 2.0 * contrast + noise, 1 + 0.5 * places - 2.0 * contrast + noise], 1)
    stats, (size, busy) = trends.fit(values, [places, contrast])
    assert size[3] == pytest.approx(0.5, abs=0.05) and size[4] == pytest.approx(0.5, abs=0.1)
    assert busy[3] == pytest.approx(2.0, abs=0.1) and busy[4] == 0.0  # less contrast cannot raise a maximum
    assert busy[:3] == pytest.approx([contrast.mean(), contrast.min(), contrast.max()])
    assert stats[1] == pytest.approx(0.1, abs=0.02)  # the spread left around the plane


def test_a_map_is_counted_picture_by_picture_in_its_own_contrast():
    stats = torch.tensor([1.0, 2.0])
    trend = torch.tensor([0.0, -1.0, 1.0, 3.0])
    maps = torch.ones((2, 4, 5))
    out = trends.standardised(maps, stats, 0, (trend, torch.tensor([0.5, -5.0], dtype=torch.float64)))
    assert out.shape == maps.shape and out.dtype == maps.dtype
    # (1 - 1 - 3 * 0.5) / 2 for the first; the second is beyond the training pictures: counted as their lowest
    assert out[0].unique().tolist() == [pytest.approx(-0.75)] and out[1].unique().tolist() == [pytest.approx(1.5)]


def _with_contrast(rng: np.random.Generator, n: int, size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Grey pictures of smooth shading and grain, each with its own contrast, and those contrasts."""
    amplitude = rng.uniform(8, 70, n)
    ramp = np.linspace(-1, 1, size)[None, :, None, None] * rng.uniform(-1, 1, (n, 1, 1, 1))
    grain = rng.normal(0, 1, (n, size, size, 1))
    pictures = np.clip(128 + amplitude[:, None, None, None] * (0.5 * grain + ramp), 0, 255).astype(np.uint8)
    return pictures, amplitude


def test_busy_normal_pictures_are_counted_against_busy_training_pictures(tmp_path):
    """A synthetic model's two parts rise with a picture's contrast (here an untrained one's difference does, the
    most); with the trend, the scores of normal pictures no longer follow their contrast."""
    from aeviewer.core.inference import anomaly_scores, fit_score_stats

    rng = np.random.default_rng(2)
    model = build_model(ModelConfig(image_size=32, channels=1, latent_dim=4, base_width=4, method="synthetic"), seed=0)
    device = torch.device("cpu")
    train, _ = _with_contrast(rng, 64)
    fit_score_stats(model, train, device)
    assert float(model.score_contrast[3 + 1]) > 0 and model.score_sizes.abs().sum() == 0
    test, amplitude = _with_contrast(rng, 60)
    scores = anomaly_scores(model, test, device, "combined")
    fitted = model.score_contrast.clone()
    model.score_contrast.zero_()  # as before the trend
    plain = anomaly_scores(model, test, device, "combined")
    model.score_contrast.copy_(fitted)
    assert _rank_correlation(list(amplitude), list(plain)) > 0.6
    assert abs(_rank_correlation(list(amplitude), list(scores))) < 0.3
    path = save_session(tmp_path / "s.aesession", model, Session(model.config, score="combined"))
    loaded, _ = load_session(path)
    np.testing.assert_allclose(anomaly_scores(loaded, test, device, "combined"), scores, rtol=1e-5)


def test_a_session_written_before_the_contrast_trend_scores_as_it_did(tmp_path):
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    from aeviewer.core.inference import anomaly_scores

    model = build_model(ModelConfig(image_size=32, channels=1, latent_dim=4, method="synthetic"), seed=0)
    model.score_stats.copy_(torch.tensor([0.2, 0.05, 0.01, 0.004]))
    model.score_odds.fill_(1.0)
    path = save_session(tmp_path / "new.aesession", model, Session(model.config, score="combined"))
    with safe_open(str(path), "pt") as f:
        meta = f.metadata()
    old = {k: v for k, v in load_file(str(path)).items() if "contrast" not in k}
    save_file(old, str(tmp_path / "old.aesession"), metadata=meta)
    loaded, _ = load_session(tmp_path / "old.aesession")
    assert loaded.score_contrast.abs().sum() == 0 and loaded.texture.contrast.abs().sum() == 0
    pictures, _ = _with_contrast(np.random.default_rng(3), 4)
    device = torch.device("cpu")
    np.testing.assert_array_equal(anomaly_scores(loaded, pictures, device, "combined"),
                                  anomaly_scores(model, pictures, device, "combined"))


def test_the_texture_part_of_busy_normal_pictures_no_longer_rises_with_their_contrast():
    rng = np.random.default_rng(4)
    amplitude = rng.uniform(0.07, 0.12, 150)  # contrasts 1.7-fold apart, as the brick pictures'
    train = [0.5 + a * torch.randn((1, 1, 48, 48)) for a in amplitude]
    texture = PatchTexture()
    texture.fit(lambda: iter(train))
    assert float(texture.contrast[3]) > 0 and float(texture.sizes[3]) == 0.0  # one size: no size trend
    test_amplitude = rng.uniform(0.07, 0.12, 80)
    test = [0.5 + a * torch.randn((1, 1, 48, 48)) for a in test_amplitude]
    with torch.no_grad():
        scores = [float(texture.standardised(x)) for x in test]
        fitted = texture.contrast.clone()
        texture.contrast.zero_()
        plain = [float(texture.standardised(x)) for x in test]
        texture.contrast.copy_(fitted)
    assert _rank_correlation(list(test_amplitude), plain) > 0.4
    assert abs(_rank_correlation(list(test_amplitude), scores)) < 0.25
