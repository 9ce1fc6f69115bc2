"""Settings chosen from the pictures (core.choices): a surface is looked at in tiles, objects whole."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from aeviewer.core.choices import LAYOUT_PICTURES, Survey, choose
from tests.small_data import surface_pictures


def _objects(tmp_path, rng, count: int = 24, side: int = 200) -> list:
    """Pictures of one kind of object in one place (a dark frame, a bright bar across), with grain."""
    paths = []
    for i in range(count):
        a = rng.normal(140, 20, (side, side))
        edge = side // 16
        a[:edge], a[-edge:], a[:, :edge], a[:, -edge:] = 30, 30, 30, 30
        a[side * 9 // 20 : side * 11 // 20] = 230
        paths.append(tmp_path / f"o{i}.png")
        Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(paths[-1])
    return paths


def test_a_surface_is_looked_at_in_tiles_at_its_own_resolution_and_says_so(tmp_path, rng):
    survey = Survey.of(surface_pictures(tmp_path, rng))
    assert survey.surface and survey.layout < 2
    chosen = choose(survey, train_pictures=300)
    assert chosen.method == "synthetic" and chosen.patches and chosen.patch_scale == 1.0
    assert chosen.size == 128 and "full resolution" in chosen.describe() and "tiles" in chosen.describe()


def test_objects_in_one_place_are_looked_at_whole(tmp_path, rng):
    survey = Survey.of(_objects(tmp_path, rng))
    assert not survey.surface and survey.layout > 10
    chosen = choose(survey, train_pictures=300)
    assert chosen.method == "synthetic" and not chosen.patches and "full resolution" not in chosen.describe()


def test_light_falling_off_across_a_surface_does_not_make_it_objects(tmp_path, rng):
    """Real photographs of a surface are lit unevenly, the same way in each: brighter on one side,
    darker at the corners. That shared lighting is no layout of objects."""
    for i, path in enumerate(surface_pictures(tmp_path, rng)):
        a = np.asarray(Image.open(path), np.float32)
        h, w = a.shape
        across = np.linspace(-1, 1, w)[None, :]
        out = np.linspace(-1, 1, h)[:, None] ** 2 + across**2
        light = (1 + 0.2 * across) * (1 - 0.15 * out) if i % 2 else 1 + 0.25 * across
        Image.fromarray(np.clip(a * light, 0, 255).astype(np.uint8)).save(path)
    survey = Survey.of(sorted(tmp_path.glob("s*.png")))
    assert survey.surface and survey.layout < 2
    assert choose(survey, train_pictures=300).patches


def test_objects_anywhere_on_a_plain_ground_are_not_a_surface(tmp_path, rng):
    """Objects that share no place (a grainy disc anywhere on a flat ground) share no layout either,
    but a picture of one is not alike all over, as a surface is."""
    paths = []
    for i in range(24):
        a = np.full((200, 200), 60.0)
        y, x = np.mgrid[0:200, 0:200]
        cy, cx = rng.integers(40, 160, 2)
        disc = (y - cy) ** 2 + (x - cx) ** 2 < 35**2
        a[disc] = rng.normal(190, 25, int(disc.sum()))
        paths.append(tmp_path / f"d{i}.png")
        Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(paths[-1])
    survey = Survey.of(paths)
    assert survey.layout < 2.5 and survey.patchy > 1
    assert not survey.surface and not choose(survey, train_pictures=300).patches


@pytest.mark.parametrize("why", ["asked", "reconstruct", "too few", "small", "too large for memory"])
def test_tiles_only_where_they_see_more(tmp_path, rng, monkeypatch, why):
    """Whole pictures when a person says so, for a reconstructing model, when too few pictures tell
    nothing about a layout, when the pictures are no larger than a tile, or too large for memory."""
    import aeviewer.core.choices as choices

    paths = surface_pictures(tmp_path, rng, count=LAYOUT_PICTURES - 1 if why == "too few" else 24)
    survey = Survey.of(paths)
    kwargs = {"asked": {"patches": False}, "reconstruct": {"method": "reconstruct"}}.get(why, {})
    if why == "small":
        kwargs = {"size": 320}  # tiles as large as the pictures: nothing to gain
    if why == "too large for memory":
        monkeypatch.setattr(choices, "should_stream", lambda *a: True)
    chosen = choose(survey, train_pictures=300, **kwargs)
    assert not chosen.patches and "full resolution" not in chosen.describe()


def test_small_objects_are_told_apart_by_reconstruction_and_a_small_surface_by_defects(tmp_path, rng):
    """Objects smaller than the synthetic method's working size (the banana demo's 64 px) reconstruct;
    a surface in pictures of that size still learns what defects look like."""
    small = choose(Survey.of(_objects(tmp_path, rng, side=64)), train_pictures=300)
    assert small.method == "reconstruct" and "whole-picture patterns" in small.describe()
    surface = Survey.of(surface_pictures(tmp_path, rng))
    assert surface.surface
    chosen = choose(replace(surface, short_side=96, long_side=160), train_pictures=300)
    assert chosen.method == "synthetic" and "a surface" in chosen.describe()


def test_the_epochs_say_how_much_is_seen_and_when_a_set_is_too_small_for_that(tmp_path, rng):
    survey = Survey.of(surface_pictures(tmp_path, rng))
    usual = choose(survey, train_pictures=500)  # 50 epochs of 500: what is aimed at
    assert usual.epochs == 50 and "(25,000 crops seen, one of each picture an epoch)" in usual.describe()
    assert "more pictures" not in usual.describe()
    few = choose(survey, train_pictures=26)  # a handful of pictures: the most epochs, still far fewer seen
    assert few.epochs == 80 and "(2,080 crops seen" in few.describe() and "more pictures would help" in few.describe()


def test_a_model_at_working_size_sees_twice_the_pictures_a_tile_model_sees_crops(tmp_path, rng):
    """A tile model's end pass over its pictures at full size can cost as much as its training; a model at
    working size has no such pass, and its learned map goes on improving (README, Real inspection pictures)."""
    survey = Survey.of(surface_pictures(tmp_path, rng))
    whole = choose(survey, train_pictures=500, patches=False)
    assert whole.epochs == 100 and "(50,000 pictures seen)" in whole.describe()
    assert choose(survey, train_pictures=500).epochs == 50  # tiles
    few = choose(survey, train_pictures=26, patches=False)
    assert few.epochs == 160 and "more pictures would help" in few.describe()


def test_the_survey_measures_the_pictures_mean_area(tmp_path):
    paths = []
    for i, (w, h) in enumerate([(100, 50), (300, 100)]):
        paths.append(tmp_path / f"{i}.png")
        Image.new("L", (w, h)).save(paths[-1])
    assert Survey.of(paths).area == pytest.approx((5_000 + 30_000) / 2)


def test_a_surface_too_large_to_keep_at_full_size_is_tiled_at_a_scale_that_fits(tmp_path, rng):
    """A tile model keeps every picture (training and test) at full size: a default run must not fail
    for want of memory, so the tiles are cut at a scale at which they fit, and it says so."""
    from aeviewer.core.choices import FULL_SHARE
    from aeviewer.core.large_folders import FULL_BUDGET_BYTES

    survey = replace(Survey.of(surface_pictures(tmp_path, rng)), area=1024 * 768)
    fits = choose(survey, train_pictures=900, kept=1_000)  # grey: 0.79 GB at full size
    assert fits.patches and fits.patch_scale == 1.0 and "fit in memory" not in fits.describe()
    colour = choose(survey, train_pictures=900, channels=3, kept=1_000)  # 2.4 GB: more than is kept
    assert colour.patches and 0.5 < colour.patch_scale < 1
    assert 1_000 * survey.area * 3 * colour.patch_scale**2 <= FULL_SHARE * FULL_BUDGET_BYTES
    assert f"shrunk to {colour.patch_scale:g} so that they fit in memory" in colour.describe()
    assert f"at {colour.patch_scale:g} of their size" in colour.describe()
    asked = choose(survey, train_pictures=900, channels=3, kept=1_000, patches=True)  # --patches: as told
    assert asked.patch_scale == 1.0
    whole = choose(survey, train_pictures=900, channels=3, kept=1_000, method="reconstruct")
    assert not whole.patches and whole.patch_scale == 1.0  # no tiles, no scale


def test_a_default_run_on_a_surface_too_large_to_keep_trains_at_the_scale_that_fits(tmp_path, rng, monkeypatch,
                                                                                      capsys):
    import aeviewer.core.choices as choices
    from aeviewer.cli import main
    from aeviewer.core import patches
    from aeviewer.core.session import load_session

    for split, count in (("train/good", 16), ("test/good", 4)):
        (tmp_path / "data" / split).mkdir(parents=True)
        surface_pictures(tmp_path / "data" / split, rng, count=count)
    budget = 600_000  # bytes: these 20 pictures take about 800,000 at full size
    monkeypatch.setattr(patches, "FULL_BUDGET_BYTES", budget)
    monkeypatch.setattr(choices, "FULL_BUDGET_BYTES", budget)
    out = tmp_path / "s.aesession"
    assert main(["train", str(tmp_path / "data"), "--out", str(out), "--epochs", "1", "--device", "cpu"]) == 0
    said = capsys.readouterr().err
    _, session = load_session(out)
    c = session.model_config
    assert c.patches and c.patch_scale < 1 and f"shrunk to {c.patch_scale:g} so that they fit in memory" in said


def test_the_train_commands_help_gives_the_epochs_choose_aims_at():
    """``aeviewer train --help`` says how much the synthetic method sees by default: the numbers are
    core.choices' own, so the words cannot fall behind them again."""
    import argparse

    from aeviewer.cli.parser import build_parser
    from aeviewer.core.choices import SYNTHETIC_PICTURES_SEEN, TILE_CROPS_SEEN

    train = next(a.choices["train"] for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    help_text = " ".join(train.format_help().split())
    assert f"about {SYNTHETIC_PICTURES_SEEN:,} pictures' worth" in help_text
    assert f"{TILE_CROPS_SEEN:,} crops' with --patches" in help_text
