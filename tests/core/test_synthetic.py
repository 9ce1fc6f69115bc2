"""Synthetic defects, the method that learns from them, and the settings chosen from the pictures."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from aeviewer.core.choices import Survey, choose
from aeviewer.core.config import ModelConfig, TrainConfig
from aeviewer.core.data import ImageSet, Split
from aeviewer.core.model import build_model
from aeviewer.core.synthetic import blob_masks, line_masks, paste_defects, perlin, smooth_max

CPU = torch.device("cpu")


def test_the_masks_say_exactly_where_the_pictures_changed():
    x = torch.rand(64, 1, 48, 48) * 0.2 + 0.4
    out, masks = paste_defects(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and masks.shape == (64, 1, 48, 48)
    assert out.min() >= 0 and out.max() <= 1
    changed = (out - x).abs() > 1e-6
    assert not changed[masks == 0].any()  # nothing changes outside a mask ...
    assert ((out - x).abs()[masks == 1] > 0.02).all()  # ... and everything inside one visibly changed
    has_defect = masks.flatten(1).amax(1) > 0
    assert 0.3 < has_defect.float().mean() < 0.7  # about half of a batch stays clean


def test_the_same_seed_pastes_the_same_defects():
    x = torch.rand(8, 3, 32, 32)
    a = paste_defects(x, torch.Generator().manual_seed(5))
    b = paste_defects(x, torch.Generator().manual_seed(5))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_blobs_vary_in_size_and_lines_are_thin():
    g = torch.Generator().manual_seed(1)
    noise = perlin(4, 64, 64, 4, g, CPU)
    assert noise.shape == (4, 64, 64) and noise.abs().max() < 1.0
    blobs = blob_masks(32, 64, 64, g, CPU).flatten(1).mean(1)
    assert (blobs > 0).all() and blobs.min() < 0.05 < 0.15 < blobs.max()
    lines = line_masks(32, 64, 64, g, CPU).flatten(1).mean(1)
    assert (lines > 0).all() and lines.max() < 0.08


def test_a_learned_maps_score_is_its_largest_window_mean_edges_included(rng):
    maps = torch.from_numpy(rng.random((2, 1, 23, 31), dtype=np.float32))
    maps[1, 0, 0, 30] = 40.0  # a corner: its window there is a quarter inside the picture
    k, r = 9, 4

    def window(m, i, j):  # the part of the window centred on (i, j) inside the picture
        return m[0, max(0, i - r) : i + r + 1, max(0, j - r) : j + r + 1]

    means = [[float(window(m, i, j).double().mean()) for i in range(23) for j in range(31)] for m in maps]
    brute = torch.tensor([max(each) for each in means], dtype=torch.float64)
    torch.testing.assert_close(smooth_max(maps, k), brute, rtol=1e-5, atol=1e-6)


def test_a_learned_score_near_certainty_keeps_what_its_log_odds_need(rng):
    """The combined score counts the learned part in log odds, which near 1 live in 1 - p: the window
    means keep it as the map has it (float32 sums of 81 probabilities near 1 moved it by 0.4)."""
    from aeviewer.core.inference import log_odds

    maps = torch.from_numpy(1 - rng.random((1, 1, 48, 64), dtype=np.float32) * np.float32(4e-6))
    exact = torch.nn.functional.avg_pool2d(maps.double(), 9, stride=1, padding=4, count_include_pad=False).max()
    assert abs(float(log_odds(smooth_max(maps, 9))[0] - log_odds(exact))) < 1e-3


def test_the_synthetic_method_trains_both_networks_and_scores_by_the_learned_map():
    """Mechanics only: finding real defects takes a thousand steps or more (scripts/bench_realdata.py)."""
    from aeviewer.core.engine import Engine

    rng = np.random.default_rng(0)
    pictures = np.clip(rng.normal(140, 8, (30, 32, 32, 1)), 0, 255).astype(np.uint8)
    engine = Engine(ModelConfig(image_size=32, channels=1, latent_dim=8, method="synthetic"), "cpu")
    engine.set_images(ImageSet(pictures, [f"p{i}" for i in range(30)], [Split.TRAIN] * 25 + [Split.TEST] * 5))
    before = {k: v.clone() for k, v in engine.model.state_dict().items()}
    ticks = iter(range(10**6))
    snaps = [s for s in engine.train(TrainConfig(epochs=2, batch_size=10), clock=lambda: next(ticks) * 10.0)
             if s is not None]  # a slow clock: every side evaluation is due
    after = engine.model.state_dict()
    for part in ("reconstructor.", "segmenter."):  # both halves learn
        assert any(not torch.equal(before[k], after[k]) for k in after if k.startswith(part))
    final = snaps[-1]
    assert final.results.evaluation.score_kind == "combined"  # its own score unless asked (README, Quality)
    assert np.isfinite(final.results.evaluation.scores).all()
    live = [s.results.evaluation.scores[25:] for s in snaps[:-1] if s.results is not None]
    assert live and all(np.isfinite(t).all() for t in live)  # mid-run too, by yardsticks measured as it learns
    learned = engine.set_score_kind("learned").scores
    assert np.isfinite(learned).all() and (learned >= 0).all() and (learned <= 1).all()
    learned = engine.inspect(27).learned  # the map, shown beside the difference
    assert learned is not None and learned.shape == (32, 32) and 0 <= learned.min() <= learned.max() <= 1


def test_the_segmenters_loss_trains_the_segmenter_and_leaves_the_reconstruction_to_its_own():
    # With the segmenter's gradient in it, the reconstruction drifted towards a flat grey and ELPV's
    # worst patch lost 0.03-0.14 (DefectModel.training_logits).
    from aeviewer.core.defect_model import segmentation_loss
    from aeviewer.core.model import build_model

    model = build_model(ModelConfig(image_size=32, channels=1, latent_dim=4, method="synthetic"), seed=0).train()
    x = torch.rand(4, 1, 32, 32)
    recon, _ = model(x)
    segmentation_loss(model.training_logits(x, recon), (torch.rand(4, 1, 32, 32) > 0.9).float()).backward()
    assert all(p.grad is None for p in model.reconstructor.parameters())
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.segmenter.parameters())


def test_a_synthetic_session_round_trips(tmp_path):
    from aeviewer.core.inference import anomaly_scores
    from aeviewer.core.model import build_model
    from aeviewer.core.session import Session, load_session, save_session

    config = ModelConfig(image_size=32, channels=1, latent_dim=4, method="synthetic")
    model = build_model(config, seed=0).eval()
    save_session(tmp_path / "s.aesession", model, Session(config, score="learned", threshold=0.5))
    loaded, session = load_session(tmp_path / "s.aesession")
    assert session.model_config.method == "synthetic" and session.score == "learned"
    pictures = np.random.default_rng(0).integers(0, 255, (5, 32, 32, 1), dtype=np.uint8)
    assert np.allclose(anomaly_scores(model, pictures, CPU, "learned"),
                       anomaly_scores(loaded, pictures, CPU, "learned"), atol=1e-6)


def test_the_learned_score_needs_a_learned_map():
    from aeviewer.core.inference import anomaly_scores
    from aeviewer.core.model import build_model

    model = build_model(ModelConfig(image_size=16, channels=1, latent_dim=2))
    with pytest.raises(ValueError, match="synthetic defects"):
        anomaly_scores(model, np.zeros((2, 16, 16, 1), np.uint8), CPU, "learned")
    with pytest.raises(ValueError, match="would copy defects"):
        ModelConfig(method="synthetic", architecture="skip")


def _save(path, array):
    Image.fromarray(array).save(path)
    return path


def test_settings_are_chosen_from_the_pictures_and_explained(tmp_path):
    rng = np.random.default_rng(0)
    grey = [_save(tmp_path / f"g{i}.png", rng.integers(0, 255, (300, 300), dtype=np.uint8)) for i in range(5)]
    rgb_grey = [_save(tmp_path / f"r{i}.png", np.repeat(rng.integers(0, 255, (90, 120, 1), dtype=np.uint8), 3, 2))
                for i in range(3)]
    colour = [_save(tmp_path / f"c{i}.png", rng.integers(0, 255, (28, 28, 3), dtype=np.uint8)) for i in range(3)]

    big = choose(Survey.of(grey), train_pictures=500)
    assert (big.method, big.channels, big.size) == ("synthetic", 1, 128)
    assert big.epochs == 100 and "grey" in big.describe() and "128 px" in big.describe()
    assert choose(Survey.of(rgb_grey), 100).channels == 1  # grey stored as RGB is still grey
    small = choose(Survey.of(colour), 800)
    assert (small.method, small.channels, small.size, small.epochs) == ("reconstruct", 3, 28, 40)
    given = choose(Survey.of(grey), 500, method="reconstruct", channels=3, size=64, epochs=7)
    assert (given.method, given.channels, given.size, given.epochs, given.reasons) == ("reconstruct", 3, 64, 7, [])


def test_the_combined_score_adds_both_parts_in_their_training_spreads(tmp_path):
    """Trained, the model keeps each part's mean and spread over its training pictures (in its weights,
    so sessions and exports carry them); the combined score is the two parts in those units, added,
    the learned part in log odds."""
    from aeviewer.core.config import TrainConfig
    from aeviewer.core.data import ImageSet, Split
    from aeviewer.core.engine import Engine
    from aeviewer.core.inference import anomaly_scores
    from aeviewer.core.session import Session, load_session, save_session

    rng = np.random.default_rng(0)
    pictures = rng.integers(90, 160, (24, 32, 32, 1), dtype=np.uint8)
    engine = Engine(ModelConfig(image_size=32, channels=1, latent_dim=4, method="synthetic"), "cpu")
    engine.set_images(ImageSet(pictures, [f"p{i}" for i in range(24)], [Split.TRAIN] * 24))
    assert np.isnan(anomaly_scores(engine.model, pictures, engine.device, "combined")).all()  # not trained yet
    for _ in engine.train(TrainConfig(epochs=2, batch_size=8), live=False):
        pass
    stats = engine.model.score_stats.numpy()
    assert engine.model.score_odds.item() == 1.0
    probability = anomaly_scores(engine.model, pictures, engine.device, "learned").astype(np.float64)
    learned = np.log(probability / (1 - probability))
    local = anomaly_scores(engine.model, pictures, engine.device, "local")
    np.testing.assert_allclose(stats, [learned.mean(), learned.std(), local.mean(), local.std()], rtol=1e-4)
    both = anomaly_scores(engine.model, pictures, engine.device, "combined")
    # (the score reads the learned part in float64, ``probability`` here is float32's)
    np.testing.assert_allclose(both, (learned - stats[0]) / stats[1] + (local - stats[2]) / stats[3], rtol=1e-4,
                               atol=1e-4)
    assert abs(float(both.mean())) < 1e-3  # on the training pictures themselves: centred
    save_session(tmp_path / "s.aesession", engine.model, Session(engine.model_config, score="combined"))
    loaded, _session = load_session(tmp_path / "s.aesession")
    np.testing.assert_array_equal(loaded.score_stats.numpy(), stats)
    assert loaded.score_odds.item() == 1.0


def test_the_learned_part_keeps_its_resolution_near_certainty():
    """Counted in log odds, a learned score of 0.999 stands well above normal pictures at 0.95 when training
    pictures spread 0.1 around 0.8; counted as it is, less than one spread. Probabilities of exactly 0 and 1
    give finite scores."""
    from aeviewer.core.inference import Yardsticks, combined, log_odds

    training = torch.tensor([0.65, 0.75, 0.8, 0.85, 0.9], dtype=torch.float64)
    local = torch.zeros(4, dtype=torch.float64)
    learned = torch.tensor([0.95, 0.999, 0.0, 1.0], dtype=torch.float64)
    for odds, values in ((1.0, log_odds(training)), (0.0, training)):
        stats = torch.tensor([values.mean(), values.std(), 0.0, 1.0], dtype=torch.float64)
        yard = Yardsticks(stats, torch.zeros(5, dtype=torch.float64), torch.tensor([odds]))
        normal, defect, low, high = combined(learned, local, yard).tolist()
        assert np.isfinite([low, high]).all() and low < normal < defect <= high
        assert (defect - normal > 1.5) == bool(odds)


def test_a_session_written_before_the_log_odds_keeps_its_yardsticks_of_the_probability(tmp_path, rng):
    """Its score_stats were measured on the learned score itself: it goes on counting the part that way."""
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    from aeviewer.core.inference import anomaly_scores
    from aeviewer.core.session import Session, load_session, save_session

    model = build_model(ModelConfig(image_size=32, channels=1, latent_dim=4, method="synthetic"), seed=0)
    model.score_stats.copy_(torch.tensor([0.2, 0.05, 0.01, 0.004]))
    path = save_session(tmp_path / "new.aesession", model, Session(model.config, score="combined"))
    with safe_open(str(path), "pt") as f:
        meta = f.metadata()
    old = {k: v for k, v in load_file(str(path)).items() if k != "model.score_odds"}
    save_file(old, str(tmp_path / "old.aesession"), metadata=meta)
    loaded, _ = load_session(tmp_path / "old.aesession")
    assert loaded.score_odds.item() == 0.0
    pictures = rng.integers(0, 256, (3, 32, 32, 1), dtype=np.uint8)
    device = torch.device("cpu")
    learned = anomaly_scores(loaded, pictures, device, "learned")
    local = anomaly_scores(loaded, pictures, device, "local")
    np.testing.assert_allclose(anomaly_scores(loaded, pictures, device, "combined"),
                               (learned - 0.2) / 0.05 + (local - 0.01) / 0.004, rtol=1e-4, atol=1e-4)
