from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from aeviewer.core import data
from aeviewer.core.data import ImageSet, Split, decode_image, expand_paths, load_images
from aeviewer.core.working_size import to_working_size


def test_folder_loads_recursively_at_working_size(image_folder):
    result = load_images([image_folder], size=32, channels=3)
    assert len(result.images) == 3
    assert result.images.images.shape == (3, 32, 32, 3)
    assert result.images.images.dtype == np.uint8
    assert set(result.images.splits) == {Split.DROPPED}
    assert result.failures == []
    assert any(p.endswith("grey.bmp") for p in result.images.paths)


def test_greyscale_and_colour_conversions(image_folder):
    grey = decode_image(image_folder / "wide.png", 16, channels=1)
    colour = decode_image(image_folder / "nested" / "grey.bmp", 16, channels=3)
    assert grey.shape == (16, 16, 1)
    assert colour.shape == (16, 16, 3)
    assert np.array_equal(colour[..., 0], colour[..., 1])  # grey promoted to RGB


def test_a_wide_picture_is_kept_whole_not_cropped():
    img = np.full((40, 120, 1), 100, np.uint8)
    img[:, :8] = 255  # a bright mark at each end, where a centre crop would cut
    img[:, -8:] = 0
    out = to_working_size(img, 30)
    assert out.shape == (30, 30, 1)
    middle = out[15, :, 0]
    assert middle[0] > 200 and middle[-1] < 50  # both ends survive
    assert (out[0] == out[9]).all() and (out[-1] == out[-10]).all()  # the rest is the edge, repeated


def test_a_defect_at_the_end_of_a_wide_picture_raises_its_score():
    """The reason for no crop: a defect near an end of a long tile must be seen by the model."""
    from aeviewer.core.config import ModelConfig, TrainConfig
    from aeviewer.core.data import ImageSet, Split
    from aeviewer.core.engine import Engine

    rng = np.random.default_rng(0)
    wide = [np.clip(rng.normal(120, 6, (24, 96, 1)), 0, 255).astype(np.uint8) for _ in range(40)]
    defect = wide[-1].copy()
    defect[8:16, 84:94] = 255  # near the right end, outside the middle 24x24
    pictures = np.stack([to_working_size(p, 32) for p in [*wide, defect]])
    engine = Engine(ModelConfig(image_size=32, channels=1, latent_dim=4), "cpu")
    engine.set_images(ImageSet(pictures, [f"p{i}" for i in range(41)], [Split.TRAIN] * 39 + [Split.TEST] * 2))
    final = [s for s in engine.train(TrainConfig(epochs=15, batch_size=13)) if s is not None][-1]
    scores = final.results.scores
    assert scores[40] > 3 * scores[39]  # the picture with the defect against the same picture without


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.png", "empty"),
        ("text.png", "not an image"),
        ("truncated.png", "truncated"),
    ],
)
def test_bad_files_give_reasons(bad_files, name, reason):
    with pytest.raises(ValueError, match=reason):
        decode_image(bad_files / name, 32, 3)


def test_too_large_is_refused_before_decoding(image_folder, monkeypatch):
    monkeypatch.setattr(data, "MAX_PIXELS", 100)
    with pytest.raises(ValueError, match="too large"):
        decode_image(image_folder / "wide.png", 32, 3)


def test_bad_files_become_failures_and_good_ones_still_load(bad_files, image_folder, tmp_path):
    result = load_images(
        [bad_files, image_folder / "wide.png", tmp_path / "missing.png"], size=16, channels=3
    )
    assert len(result.images) == 1
    reasons = {f.path.rsplit("/", 1)[-1]: f.reason for f in result.failures}
    assert set(reasons) == {"empty.png", "text.png", "truncated.png", "missing.png"}
    assert "no such file" in reasons["missing.png"]


def test_empty_folder_is_reported(tmp_path):
    (tmp_path / "empty").mkdir()
    files, failures = expand_paths([tmp_path / "empty"])
    assert files == []
    assert "no image files" in failures[0].reason


def test_progress_and_cancel(image_folder):
    seen = []
    result = load_images([image_folder], 16, 3, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (3, 3) and len(result.images) == 3
    cancelled = load_images([image_folder], 16, 3, cancelled=lambda: True)
    assert len(cancelled.images) == 0


def test_imageset_validates_and_concatenates_without_changing_either():
    a = ImageSet(np.zeros((2, 8, 8, 3), np.uint8), ["a", "b"], [Split.TRAIN, Split.TEST])
    assert list(a.labels) == [-1, -1]
    mask = np.ones((8, 8), bool)
    b = ImageSet(np.ones((1, 8, 8, 3), np.uint8), ["c"], [Split.DROPPED], [1], {0: mask})
    both = a.concatenated(b)
    assert list(both.indices(Split.DROPPED)) == [2] and both.paths == ["a", "b", "c"]
    assert list(both.labels) == [-1, -1, 1] and both.masks[2] is mask  # rows renumbered
    assert len(a) == 2 and a.paths == ["a", "b"] and not a.masks  # the parts are as they were
    with pytest.raises(ValueError, match="does not match"):
        a.concatenated(ImageSet(np.ones((1, 4, 4, 3), np.uint8), ["d"], [Split.DROPPED]))
    with pytest.raises(ValueError, match="same length"):
        ImageSet(np.zeros((2, 8, 8, 3), np.uint8), ["a"], [0, 0])
    with pytest.raises(ValueError, match="uint8"):
        ImageSet(np.zeros((2, 8, 8, 3), np.float32), ["a", "b"], [0, 0])


def test_palette_and_alpha_images_decode(tmp_path):
    rgba = Image.new("RGBA", (20, 20), (255, 0, 0, 128))
    rgba.save(tmp_path / "alpha.png")
    Image.new("P", (20, 20)).save(tmp_path / "palette.gif")
    result = load_images([tmp_path], 8, 3)
    assert len(result.images) == 2 and not result.failures


def test_fit_within_keeps_the_aspect_and_leaves_small_pictures_alone():
    from aeviewer.core.working_size import fit_within

    big = np.zeros((300, 1200, 3), np.uint8)
    assert fit_within(big, 600).shape == (150, 600, 3)
    grey = np.zeros((40, 20, 1), np.uint8)
    assert fit_within(grey, 600) is grey
    assert fit_within(np.zeros((2000, 10, 1), np.uint8), 100).shape == (100, 1, 1)


def test_each_picture_keeps_its_own_shape_so_it_is_shown_without_the_filling(tmp_path):
    """The working square is filled by repeating a wide picture's edge; what a person is shown (the
    gallery's thumbnail, the compare panel) is the picture alone, in its own proportions."""
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (40, 120), dtype=np.uint8)).save(tmp_path / "wide.png")
    Image.fromarray(rng.integers(0, 256, (90, 30), dtype=np.uint8)).save(tmp_path / "tall.png")
    Image.fromarray(rng.integers(0, 256, (50, 50), dtype=np.uint8)).save(tmp_path / "square.png")
    images = load_images([tmp_path], size=30, channels=1).images
    by_name = {p.rsplit("/", 1)[-1]: i for i, p in enumerate(images.paths)}
    wide, tall, square = by_name["wide.png"], by_name["tall.png"], by_name["square.png"]
    assert images.shown(wide).shape == (10, 30, 1) and images.box(wide) == (10, 0, 10, 30)
    assert images.shown(tall).shape == (30, 10, 1) and images.box(tall) == (0, 10, 30, 10)
    assert images.shown(square).shape == (30, 30, 1)
    # the shown part is the picture itself: its rows differ, where the filling repeats one row
    assert not (images.shown(wide)[0] == images.shown(wide)[-1]).all()
    assert (images.images[wide, 0] == images.images[wide, 9]).all()
    # shapes follow their pictures through a subset and a concatenation
    part = images.subset(np.array([tall, wide]))
    assert part.shown(0).shape == (30, 10, 1) and part.shown(1).shape == (10, 30, 1)
    both = part.concatenated(images)
    assert both.shown(2 + wide).shape == (10, 30, 1)
    # a set made without shapes (the demo's, a session's copies) counts every picture as square
    plain = ImageSet(images.images, images.paths, images.splits)
    assert plain.shown(wide).shape == (30, 30, 1)
    with pytest.raises(ValueError, match="same length"):
        ImageSet(images.images, images.paths, images.splits, shapes=np.zeros((1, 2)))


def test_the_compare_panel_gets_a_working_size_picture_without_its_filling_and_a_tile_models_whole():
    from aeviewer.core.results import Inspection, as_shown

    pictures = np.zeros((2, 30, 30, 1), np.uint8)
    mask = np.zeros((30, 30), bool)
    mask[12:15, 3:6] = True
    images = ImageSet(pictures, ["wide", "other"], [Split.TEST] * 2, [1, 0], {0: mask},
                      np.array([[40, 120], [30, 30]]))
    square = np.random.default_rng(0).random((30, 30, 1), np.float32)
    ins = Inspection(0, 0, square, square, square[..., 0], 0.1, learned=square[..., 0])
    shown, shown_mask = as_shown(ins, images)
    assert shown.input.shape == (10, 30, 1) and shown.recon.shape == (10, 30, 1)
    assert shown.difference.shape == shown.learned.shape == shown_mask.shape == (10, 30)
    np.testing.assert_array_equal(shown.input, square[10:20])
    assert shown_mask.sum() == 9 and shown_mask[2:5, 3:6].all()  # the mask stays on what it marked
    # a tile model's inspection is the picture at its own size: kept, and the mask brought to it
    own = np.zeros((40, 120, 1), np.float32)
    whole, whole_mask = as_shown(Inspection(0, 0, own, own, own[..., 0], 0.1), images)
    assert whole.input.shape == (40, 120, 1) and whole_mask.shape == (40, 120) and whole_mask.any()
    # a square picture at working size is left as it is
    other = Inspection(0, 1, square, square, square[..., 0], 0.1)
    kept, no_mask = as_shown(other, images)
    assert kept is other and no_mask is None


def test_pictures_used_at_their_own_sizes_are_not_said_to_be_made_one_size(tmp_path):
    """A tile model scores each picture whole at its own size: a note that they were all made one working
    size would contradict the line that says so. A mix of grey and colour is still made alike, and said."""
    Image.fromarray(np.full((40, 90), 120, np.uint8)).save(tmp_path / "wide.png")
    Image.fromarray(np.full((60, 50, 3), 90, np.uint8)).save(tmp_path / "tall.png")
    entries = [data.Entry(tmp_path / "wide.png", Split.DROPPED), data.Entry(tmp_path / "tall.png", Split.DROPPED)]
    working = " ".join(data.load_entries(entries, 32, 1).notes)
    assert "2 sizes (50x60 to 90x40)" in working and "were all made 32x32 grey" in working
    own = data.load_entries(entries, 32, 1, own_sizes=True).notes
    assert own == ["pictures both grey and in colour were all made grey"]
    same_kind = [data.Entry(tmp_path / "wide.png", Split.DROPPED), data.Entry(tmp_path / "wide.png", Split.DROPPED)]
    assert data.load_entries(same_kind, 32, 1, own_sizes=True).notes == []
