"""The end of a tile model's run (core.tile_parts): the training pictures are measured for the
combined score's yardsticks by the same pass that scores them, and the scores are those of
measuring first and scoring after."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aeviewer.core import patches
from aeviewer.core.config import TrainConfig
from aeviewer.core.data import Split
from aeviewer.core.texture import PatchTexture
from aeviewer.core.tile_parts import LOCAL, PARTS, combined_of_parts, fit_parts, pass_parts
from tests.core.test_patches import _engine, wide_mvtec


@pytest.fixture(scope="module")
def wide_set(tmp_path_factory):
    return wide_mvtec(tmp_path_factory.mktemp("wide") / "data", np.random.default_rng(7))


def test_the_end_of_a_run_tiles_every_picture_once_and_scores_as_measuring_then_scoring_would(
        wide_set, monkeypatch):
    engine = _engine(wide_set, method="synthetic")
    assert engine.score_kind == "combined"
    tiled: list[tuple[int, int]] = []
    real = patches.tiled_passes

    def counted(model, pictures, device, maps=True):
        tiled.extend(pictures.shapes)
        return real(model, pictures, device, maps)

    monkeypatch.setattr(patches, "tiled_passes", counted)
    measured: list[tuple[int, ...]] = []  # the texture part's pass over a picture's patches (core.texture)
    real_logs = PatchTexture._logs

    def logs_counted(self, x):
        measured.append(tuple(x.shape))
        return real_logs(self, x)

    monkeypatch.setattr(PatchTexture, "_logs", logs_counted)
    told: list[tuple[int, int]] = []
    engine.scoring = lambda done, total: told.append((done, total))
    final = None
    for snap in engine.train(TrainConfig(epochs=1, batch_size=8, learning_rate=1e-3), live=False):
        final = snap if snap is not None else final
    assert final is not None and final.results is not None
    n = len(engine.images)
    assert len(tiled) == n  # the training pictures measured and scored in one pass (2 passes before)
    assert len(measured) == n  # and their texture too (3 passes over a training picture's patches before)
    assert told[0] == (0, n) and told[-1] == (n, n)  # one count over both halves of the end
    assert [d for d, _ in told] == sorted(d for d, _ in told)
    model = engine.model
    stats, sizes = model.score_stats.clone(), model.score_sizes.clone()
    texture = {name: buffer.clone() for name, buffer in model.texture.named_buffers()}
    assert torch.isfinite(stats).all() and model.texture.fitted
    at_end = final.results.evaluation.scores.copy()
    assert np.isfinite(at_end).all()
    # measured on their own first (as before), then every picture scored in those yardsticks
    train = engine.train_rows
    patches.fit_full_stats(model, engine.full_pictures().subset(train), torch.device("cpu"))
    torch.testing.assert_close(model.score_stats, stats)
    torch.testing.assert_close(model.score_sizes, sizes)
    for name, buffer in model.texture.named_buffers():  # the texture fitted in one pass, bit for bit
        assert torch.equal(buffer, texture[name]), name
    again = engine.evaluate().evaluation.scores
    np.testing.assert_allclose(at_end, again, rtol=1e-5, atol=1e-5)
    assert (at_end[engine.images.indices(Split.TEST)] != 0).any()


def test_a_pictures_combined_score_counted_from_its_parts_follows_the_yardsticks(wide_set):
    engine = _engine(wide_set, method="synthetic")
    for _ in engine.train(TrainConfig(epochs=1, batch_size=8, learning_rate=1e-3), live=False):
        pass
    model, device = engine.model, torch.device("cpu")
    full = engine.full_pictures().subset(engine.train_rows)
    parts = np.array([pass_parts(p, model) for p in patches.tiled_passes(model, full, device)])
    assert parts.shape == (len(full), PARTS)
    direct = np.array([patches.pass_score(p, "combined", model.config.image_size, model)
                       for p in patches.tiled_passes(model, full, device)])
    np.testing.assert_array_equal(combined_of_parts(model, parts), direct)  # the same numbers, bit for bit
    higher = parts.copy()
    higher[:, LOCAL] += 1.0  # every worst patch one higher
    fit_parts(model, higher)
    shifted = combined_of_parts(model, parts)
    assert (shifted < direct).all()  # the same pictures, now below the training pictures' usual worst patch


def test_an_end_of_run_given_up_leaves_the_texture_part_as_it_was(wide_set):
    """Closing the window during the final pass: the texture keeps the fit it had (a Gaussian without its
    spreads would drop the part from every score of a session saved on the way out)."""
    from aeviewer.core.results import Interrupted

    engine = _engine(wide_set, method="synthetic")
    for _ in engine.train(TrainConfig(epochs=1, batch_size=8, learning_rate=1e-3), live=False):
        pass
    before = {name: buffer.clone() for name, buffer in engine.model.texture.named_buffers()}
    assert engine.model.texture.fitted
    seen: list[int] = []

    def given_up_after_a_few() -> bool:
        seen.append(1)
        return len(seen) > 4

    engine.interrupted = given_up_after_a_few
    with pytest.raises(Interrupted):
        for _ in engine.train(TrainConfig(epochs=1, batch_size=8, learning_rate=1e-3), live=False):
            pass
    assert seen  # the pass began
    for name, buffer in engine.model.texture.named_buffers():
        assert torch.equal(buffer, before[name]), name
