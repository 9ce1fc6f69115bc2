"""Every hostile or odd file comes to a picture or a clear reason; nothing else is changed or lost."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aeviewer.core.data import load_images, read_picture

from ..hostile_corpus import build


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return folder, build(folder)


def test_each_case_loads_or_is_refused_with_its_reason(corpus):
    folder, cases = corpus
    result = load_images([folder], 64, 3)  # the whole folder, as a drop would (a symlink loop inside)
    loaded = set(result.images.paths)
    refused = {f.path: f.reason for f in result.failures}
    for case in cases:
        if case.loads:
            assert str(case.path) in loaded, case.name
        else:
            assert case.words in refused.get(str(case.path), ""), (case.name, refused.get(str(case.path)))
    assert len(loaded) == len({str(c.path) for c in cases if c.loads})  # the loop added nothing twice
    assert result.images.images.shape[1:] == (64, 64, 3)
    notes = " ".join(result.notes)
    assert "animated.gif (3 frames)" in notes and "pages.tif (3 frames)" in notes
    assert "were all made 64x64 colour" in notes and "both grey and colour" in notes


def test_high_depth_pictures_are_scaled_not_clipped_and_nan_is_harmless(corpus):
    folder, _ = corpus
    sixteen = read_picture(folder / "sixteen.png", 1)
    assert sixteen.max() > 200 and sixteen.min() < 50  # 0..65535 spread over 0..255, not clipped at 255
    floats = read_picture(folder / "float.tif", 1)
    assert floats.dtype == np.uint8 and floats.shape == (40, 40, 1)


def test_an_exif_rotated_photo_is_upright_and_a_huge_jpeg_is_read_smaller(corpus):
    folder, _ = corpus
    assert read_picture(folder / "rotated.jpg", 3).shape == (64, 48, 3)  # 64 wide, 48 high, turned upright
    assert read_picture(folder / "large.jpg", 3, max_side=128).shape[:2] == (750, 500)  # decoded at an eighth
    assert read_picture(folder / "large.jpg", 3).shape[:2] == (6000, 4000)


def test_unreadable_and_vanishing_files_get_their_own_reasons(tmp_path, monkeypatch):
    pictures = []
    for i in range(3):
        pictures.append(tmp_path / f"p{i}.png")
        Image.fromarray(np.full((8, 8, 3), 60 * i, np.uint8)).save(pictures[-1])

    def vanish(done, total):
        if done == 1:
            pictures[2].unlink()  # deleted while the folder loads

    result = load_images([tmp_path], 16, 3, progress=vanish)
    assert [Path(p).name for p in result.images.paths] == ["p0.png", "p1.png"]
    assert "removed while loading" in result.failures[0].reason

    real_open = Image.open

    def denied(path, *args, **kwargs):
        if str(path).endswith("p1.png"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(Image, "open", denied)
    result = load_images([tmp_path], 16, 3)
    assert [f.reason for f in result.failures] == ["cannot read file (permission denied)"]
