"""Full resolution (core.patches): crops at the pictures' own size, whole pictures scored in tiles,
maps of the pictures' own size, and the same through the CLI and a saved session."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from aeviewer.core import patches
from aeviewer.core.config import ModelConfig, TrainConfig
from aeviewer.core.data import ImageSet, Split
from aeviewer.core.engine import Engine
from aeviewer.core.metrics import auroc
from aeviewer.core.patches import FullPictures, PatchCrops, full_size, tiled_pass
from aeviewer.core.session import Session, load_session, save_session
from aeviewer.core.working_size import mask_at, to_working_size

TILE = 16


def wide_mvtec(root: Path, rng: np.random.Generator, train: int = 24, good: int = 6, defect: int = 6) -> Path:
    """Grey 40x150 noise pictures; a defective one has a small bright square at its far right end,
    where a centre crop would never look and a 16 px working size would blur it away."""
    for split, n in (("train/good", train), ("test/good", good), ("test/defect", defect)):
        folder = root / split
        folder.mkdir(parents=True)
        for i in range(n):
            a = (rng.random((40, 150)) * 40 + 100).astype(np.uint8)
            if "defect" in split:
                y = int(rng.integers(2, 32))
                a[y : y + 5, 142:147] = 250
            Image.fromarray(a).save(folder / f"{i}.png")
    return root


class Identity(torch.nn.Module):
    """A 'model' that gives its tiles back: blending them must give the picture back exactly."""

    def __init__(self, tile: int) -> None:
        super().__init__()
        self.config = ModelConfig(image_size=tile, channels=1, latent_dim=2, patches=True)

    def forward(self, x):
        return x, x.mean(dim=(1, 2, 3))[:, None].repeat(1, 2)


def test_tiles_blend_back_into_the_whole_picture_at_its_own_size(rng):
    picture = rng.integers(0, 255, (37, 101, 1), dtype=np.uint8)
    full = full_size(picture, 1.0, TILE)
    p = tiled_pass(Identity(TILE), full, (37, 101), torch.device("cpu"))
    assert p.x.shape == p.recon.shape == (1, 1, 37, 101)
    np.testing.assert_allclose(p.recon.numpy(), p.x.numpy(), atol=1e-6)  # no seam, nothing lost
    np.testing.assert_allclose(p.x[0, 0].numpy() * 255, picture[..., 0], atol=1e-3)


def test_tiles_of_several_pictures_batched_together_give_each_its_own_results(rng):
    from aeviewer.core.model import build_model

    model = build_model(ModelConfig(image_size=TILE, channels=1, latent_dim=3, base_width=4, patches=True), seed=0)
    shapes = [(20, 40), (16, 16), (33, 70), (50, 18)]
    pictures = FullPictures([full_size(rng.integers(0, 255, (*s, 1), dtype=np.uint8), 1.0, TILE) for s in shapes],
                            shapes)
    together = list(patches.tiled_passes(model, pictures, torch.device("cpu")))
    assert [p.recon.shape[-2:] for p in together] == shapes
    for p, picture, shape in zip(together, pictures.pictures, shapes, strict=True):
        alone = tiled_pass(model, picture, shape, torch.device("cpu"))
        np.testing.assert_allclose(p.recon.numpy(), alone.recon.numpy(), atol=1e-5)
        np.testing.assert_allclose(p.code, alone.code, atol=1e-5)


def test_tiling_runs_a_quick_copy_and_leaves_the_model_as_it_was(rng):
    from aeviewer.core.model import build_model

    config = ModelConfig(image_size=TILE, channels=3, latent_dim=3, base_width=4, method="synthetic", patches=True)
    model = build_model(config, seed=0)
    model.train()
    picture = full_size(rng.integers(0, 255, (40, 57, 3), dtype=np.uint8), 1.0, TILE)
    p = tiled_pass(model, picture, (40, 57), torch.device("cpu"))
    # the model trained keeps its mode and its weights' layout (its optimizer and sessions expect them)
    assert model.training
    assert all(w.is_contiguous() for w in model.parameters())
    assert not any(getattr(layer, "inplace", False) for layer in model.modules())
    with torch.no_grad():  # the same results as the model itself gives, tile by tile
        model.eval()
        x = p.x[..., :TILE, :TILE]
        recon, _ = model(x)
        assert p.maps is not None
        np.testing.assert_allclose(p.recon[..., :8, :8].numpy(), recon.clamp(0, 1)[..., :8, :8].numpy(), atol=1e-5)
        np.testing.assert_allclose(p.maps.numpy(), model.defect_map(p.x, p.recon).numpy(), atol=1e-5)


def test_a_picture_smaller_than_a_tile_is_padded_and_its_maps_cropped_back(rng):
    picture = rng.integers(0, 255, (10, 30, 1), dtype=np.uint8)
    full = full_size(picture, 1.0, TILE)
    assert full.shape == (16, 30, 1)
    p = tiled_pass(Identity(TILE), full, (10, 30), torch.device("cpu"))
    assert p.recon.shape[-2:] == (10, 30)


def test_the_patch_scale_shrinks_pictures_before_tiling(rng):
    picture = rng.integers(0, 255, (80, 200, 1), dtype=np.uint8)
    assert full_size(picture, 0.5, TILE).shape == (40, 100, 1)


def test_crops_are_windows_of_the_picture_at_fresh_places(rng):
    pictures = [rng.integers(0, 255, (30, 70, 1), dtype=np.uint8) for _ in range(3)]
    crops = PatchCrops(FullPictures(pictures, [(30, 70)] * 3), TILE, seed=0)
    assert len(crops) == 3
    seen = set()
    for _ in range(10):
        pixels, rows, readable = crops.__getitems__([0, 1, 2])
        assert pixels.shape == (3, TILE, TILE, 1) and bool(readable.all())
        for crop, row in zip(pixels.numpy(), rows.tolist(), strict=True):
            windows = np.lib.stride_tricks.sliding_window_view(pictures[row][..., 0], (TILE, TILE))
            hits = np.argwhere((windows == crop[..., 0]).all(axis=(2, 3)))
            assert len(hits) >= 1  # the crop is a window of its own picture
            seen.add((row, *map(int, hits[0])))
    assert len(seen) > 6  # and not always the same one


def test_pictures_over_the_memory_budget_are_refused_with_a_reason(monkeypatch, rng):
    images = ImageSet(rng.integers(0, 255, (3, 16, 16, 1), dtype=np.uint8), ["a", "b", "c"], np.zeros(3))
    monkeypatch.setattr(patches, "FULL_BUDGET_BYTES", 500)
    with pytest.raises(ValueError, match="full resolution would take more than"):
        FullPictures.of(images, 1.0, TILE)


def test_scoring_reads_a_few_pictures_at_a_time_so_a_folder_larger_than_the_budget_is_scored(
        wide_set, monkeypatch):
    """``aeviewer score`` and ``evaluate`` need not hold a folder's pictures at full size all at once."""
    engine = _engine(wide_set, method="reconstruct")
    for _ in engine.train(TrainConfig(epochs=1, batch_size=8), live=False):
        pass
    test = engine.images.indices(Split.TEST)
    whole = patches.image_scores(engine.model, engine.images, torch.device("cpu"), "local", test)
    one_picture = max(p.nbytes for p in FullPictures.of(engine.images, 1.0, TILE, test).pictures)
    monkeypatch.setattr(patches, "FULL_BUDGET_BYTES", 2 * one_picture)  # two at full size, no more
    monkeypatch.setattr(patches, "SCORE_PICTURES", 2)
    with pytest.raises(ValueError, match="full resolution would take more than"):
        FullPictures.of(engine.images, 1.0, TILE, test)
    np.testing.assert_allclose(patches.image_scores(engine.model, engine.images, torch.device("cpu"), "local", test),
                               whole, rtol=1e-5, atol=1e-7)


def test_a_mask_goes_back_onto_the_picture_it_was_fitted_from():
    truth = np.zeros((40, 150), np.uint8)
    truth[10:20, 120:140] = 255
    working = to_working_size(truth[..., None], 32)[..., 0] > 127
    back = mask_at(working, (40, 150))
    assert back.shape == (40, 150)
    assert (back == (truth > 0)).mean() > 0.97


@pytest.fixture(scope="module")
def wide_set(tmp_path_factory):
    return wide_mvtec(tmp_path_factory.mktemp("wide") / "data", np.random.default_rng(5))


def _engine(wide_set: Path, method: str = "reconstruct") -> Engine:
    from aeviewer.cli.common import find_inputs, load_inputs

    images = load_inputs(find_inputs([str(wide_set)], Split.TRAIN), TILE, 1).result.images
    engine = Engine(ModelConfig(image_size=TILE, channels=1, latent_dim=4, base_width=8, method=method,
                                patches=True), "cpu", seed=1)
    engine.set_images(images)
    return engine


def test_a_tile_models_whole_pass_says_how_many_pictures_it_has_scored_after_each(wide_set):
    engine = _engine(wide_set)
    told: list[tuple[int, int]] = []
    engine.scoring = lambda done, total: told.append((done, total))
    engine.evaluate()  # as when a session opens: every picture, each whole at its own size
    n = len(engine.images)
    assert told[0] == (0, n) and told[-1] == (n, n)
    assert [d for d, _ in told[1:-1]] == list(range(1, n + 1))  # one report a picture, in order
    told.clear()
    engine.refresh(np.array([0, 1]), final=True)  # a few pictures: the same words, for two
    assert told[0] == (0, 2) and told[-1] == (2, 2)


def test_patch_training_finds_a_small_defect_at_the_end_of_a_wide_picture(wide_set):
    engine = _engine(wide_set)
    final = None
    for snap in engine.train(TrainConfig(epochs=12, batch_size=8, learning_rate=3e-3), live=False):
        if snap is not None and snap.results is not None:
            final = snap.results
    assert final is not None and final.evaluation.ranking is not None
    assert final.evaluation.ranking.auroc >= 0.9
    test = engine.images.indices(Split.TEST)
    ins = engine.inspect(int(test[-1]))
    assert ins.input.shape == (40, 150, 1) and ins.difference.shape == (40, 150)  # the picture's own size
    defect = engine.images.labels[test] == 1
    assert final.evaluation.scores[test][defect].mean() > final.evaluation.scores[test][~defect].mean()


def test_a_tile_models_training_places_every_training_picture_in_the_scatter_as_it_learns(wide_set):
    """Each batch of crops gives its pictures' points (the whole-picture scores come a few at a time)."""
    engine = _engine(wide_set)
    train = engine.images.indices(Split.TRAIN)
    steps = engine.train(TrainConfig(epochs=3, batch_size=8, learning_rate=3e-3), live=True)
    for _ in range(len(train) // 8 + 1):  # one epoch and a batch
        next(steps)
    codes, _errors, _scores = engine.latest()
    assert np.isfinite(codes[train]).all()
    steps.close()


def test_a_tile_models_first_side_evaluation_scores_the_test_pictures_not_only_training_ones(wide_set):
    """Whole pictures in tiles are scored a slice at a time: the test pictures (what the Anomalies tab
    ranks) come first, with a few training ones for the threshold, not after every training picture."""
    engine = _engine(wide_set)
    test, train = engine.images.indices(Split.TEST), engine.images.indices(Split.TRAIN)
    ticks = iter(range(10**6))
    steps = engine.train(TrainConfig(epochs=3, batch_size=8, learning_rate=3e-3), live=True,
                         clock=lambda: next(ticks) * 1000.0)  # every side evaluation is due
    next(steps)
    scores = engine.latest()[2]
    assert np.isfinite(scores[test]).all() and np.isfinite(scores[train]).sum() == 4
    steps.close()


def test_pictures_scored_in_turn_mix_the_folders_they_were_loaded_from():
    from aeviewer.core.live_training import spread

    rows = np.arange(40, 100)  # 30 normal test pictures, then 30 defective ones
    first = spread(rows)[:12]
    assert sorted(spread(rows)) == list(rows)
    assert 3 <= (first < 70).sum() <= 9


def test_the_synthetic_method_in_patches_gives_a_learned_map_of_the_pictures_size(wide_set, tmp_path):
    engine = _engine(wide_set, method="synthetic")
    for _ in engine.train(TrainConfig(epochs=1, batch_size=8, learning_rate=1e-3), live=False):
        pass
    ins = engine.inspect(0)
    assert ins.learned is not None and ins.learned.shape == (40, 150)
    assert np.isfinite(engine.model.score_stats.numpy()).all()  # the combined score's yardsticks, from tiles
    assert engine.model.texture.fitted  # and its texture part, from the whole training pictures
    again = engine.inspect(0)  # the window draws its map of unusual places beside the learned one
    assert again.texture and again.texture_map is not None and again.texture_map.shape == (40, 150)
    engine.set_score_kind("combined")
    scores = engine.latest()[2]
    assert np.isfinite(scores).all()
    rows = engine.images.indices(Split.TEST)
    path = save_session(tmp_path / "s.aesession", engine.model, Session(engine.model.config, score="combined"))
    loaded, _ = load_session(path)
    assert loaded.texture.fitted
    again = patches.image_scores(loaded, engine.images, torch.device("cpu"), "combined", rows)
    np.testing.assert_allclose(again, scores[rows], rtol=1e-4, atol=1e-4)


def test_the_cli_trains_on_patches_and_a_saved_session_scores_the_same(wide_set, tmp_path):
    out = tmp_path / "wide.aesession"
    run = subprocess.run([sys.executable, "-m", "aeviewer", "train", str(wide_set), "--out", str(out), "--patches",
                          "--image-size", str(TILE), "--latent", "4", "--epochs", "6", "--method", "reconstruct",
                          "--device", "cpu"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert f"learns from {TILE} px crops of each picture at its own size and scores it whole" in run.stderr
    assert "counted against training pictures of its size" not in run.stderr  # the raw worst patch: no yardsticks
    _, session = load_session(out)
    assert session.model_config.patches and session.model_config.image_size == TILE
    table = tmp_path / "scores.csv"
    scored = subprocess.run([sys.executable, "-m", "aeviewer", "score", str(out), str(wide_set / "test"), "--csv",
                             str(table), "--device", "cpu"], capture_output=True, text=True, timeout=300)
    assert scored.returncode == 0, scored.stderr[-2000:]
    assert f"each picture is scored whole at its own size, in tiles of {TILE} px" in scored.stderr
    # What score was given, in its terms: a labelled folder's training part means nothing to it.
    assert "12 pictures to score (6 labelled normal, 6 anomalous)" in scored.stderr
    assert "training images" not in scored.stderr
    with table.open() as fh:
        rows = list(csv.DictReader(fh))
    labels = [0 if "/test/good/" in r["path"] else 1 for r in rows]
    value = auroc([float(r["score"]) for r in rows], labels)
    printed = float(run.stdout.split("test image AUROC:")[1].split()[0])
    assert abs(value - printed) < 1e-3  # the same pictures, whole, the same way
    refused = subprocess.run([sys.executable, "-m", "aeviewer", "train", str(wide_set), "--out", str(tmp_path / "x"),
                              "--patch-scale", "0.5"], capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "--patch-scale is for --patches" in refused.stderr


def test_full_resolution_is_refused_for_a_streamed_folder_before_anything_changes(rng):
    images = ImageSet(rng.integers(0, 255, (4, 16, 16, 1), dtype=np.uint8), ["a", "b", "c", "d"],
                      np.zeros(4))
    engine = Engine(ModelConfig(image_size=TILE, channels=1, latent_dim=2), "cpu")
    engine.set_images(images, stream_paths=("a", "b", "c", "d"))
    before = engine.model_id
    with pytest.raises(ValueError, match="cannot train on a folder this large"):
        engine.prepare_full_resolution(ModelConfig(image_size=TILE, channels=1, latent_dim=2, patches=True))
    assert engine.model_id == before and not engine.model_config.patches


def test_with_masks_a_tile_models_evaluation_tiles_each_picture_once_and_reads_its_pixel_auroc_there(
        wide_set, monkeypatch):
    """The scores and the pixel AUROC come from one tiled pass (the window's evaluation and the CLI's);
    the AUROC is the one of the maps the window shows, picture by picture: for a surface, its unusual
    places (the learned map and the patches together)."""
    import dataclasses

    engine = _engine(wide_set, method="synthetic")
    for _ in engine.train(TrainConfig(epochs=1, batch_size=8, learning_rate=1e-3), live=False):
        pass
    test = engine.images.indices(Split.TEST)
    right_end = np.zeros((TILE, TILE), bool)
    right_end[:, TILE - 2:] = True  # the far right end, where the defects are drawn
    masked = dataclasses.replace(engine.images, masks={int(r): right_end for r in test
                                                       if engine.images.labels[r] == 1})
    engine.set_images(masked)
    tiled = []
    real = patches.tiled_passes

    def counted(model, pictures, device, maps=True):
        tiled.extend(pictures.shapes)
        return real(model, pictures, device, maps)

    monkeypatch.setattr(patches, "tiled_passes", counted)
    pixels = engine.evaluate().evaluation.pixel_auroc
    assert len(tiled) == len(masked)  # every picture once, the test pictures' maps kept on the way
    tiled.clear()
    scores, cli_pixels = patches.scores_and_pixels(engine.model, masked, torch.device("cpu"), "combined", test)
    assert len(tiled) == len(test) and len(scores) == len(test)
    shown = [engine.inspect(int(r)) for r in test]  # what the window draws, one picture at a time
    assert all(ins.texture_map is not None for ins in shown)
    maps = [ins.texture_map for ins in shown]
    truth = [mask_at(masked.masks[int(r)], m.shape) if int(r) in masked.masks else np.zeros(m.shape, np.int8)
             for r, m in zip(test, maps, strict=True)]
    expected = auroc(np.concatenate([m.ravel() for m in maps]), np.concatenate([t.ravel() for t in truth]))
    assert pixels is not None and cli_pixels is not None
    assert abs(pixels - expected) < 1e-4 and abs(cli_pixels - expected) < 1e-4
