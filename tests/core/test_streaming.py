"""Training on pictures streamed from their files: bounded memory, the same model, bad files skipped."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aeviewer.cli import main
from aeviewer.core.session import load_session
from aeviewer.core.streaming import PictureFiles, PictureStream, should_stream
from tests.small_data import grey_mvtec


@pytest.fixture
def folder(tmp_path, rng):
    root = grey_mvtec(tmp_path / "data", rng, train=48)
    (root / "train" / "good" / "broken.png").write_text("not a picture")
    return root


def test_the_cache_holds_what_fits_and_keeps_it(folder):
    paths = sorted((folder / "train" / "good").glob("*.png"))
    files = PictureFiles(paths, 16, 1, cache_bytes=10 * 16 * 16)
    assert files.capacity == 10 and files.cache.shape == (10, 16, 16, 1)
    listed = list(files.paths)
    assert listed == [str(p) for p in paths]  # kept compactly, given back as they were
    good = next(i for i, p in enumerate(listed[:10]) if "broken" not in p)
    pixels, row, ok = files[good]
    assert ok and row == good and files.cached[good]
    (folder / "train" / "good" / paths[good].name).unlink()  # gone from disk: the cache still has it
    again, _, ok = files[good]
    assert ok and torch.equal(again, pixels)
    broken = listed.index(str(folder / "train" / "good" / "broken.png"))
    _, _, ok = files[broken]
    assert not ok and files.unreadable[broken]
    assert any("broken.png" in p and "not an image" in reason for p, reason in files.failures())


def test_an_epoch_deals_every_readable_picture_once(folder):
    paths = sorted((folder / "train" / "good").glob("*.png"))
    stream = PictureStream(PictureFiles(paths, 16, 1), batch_size=8, workers=1)
    try:
        for epoch in range(2):
            rows = torch.cat([r for r, _ in stream.epoch(epoch)]).tolist()
            assert sorted(rows) == [i for i, p in enumerate(stream.files.paths) if "broken" not in p]
    finally:
        stream.close()


def test_paths_are_kept_compactly_and_come_back_whole(tmp_path):
    from aeviewer.core.large_folders import PathList

    names = [tmp_path / "a.png", tmp_path / "ünïcode ü.png", "relative/x.png", tmp_path / ("long" * 60 + ".png")]
    kept = PathList(names)
    assert len(kept) == 4 and list(kept) == [str(n) for n in names] and kept[-1] == str(names[-1])
    with pytest.raises(IndexError):
        kept[4]
    assert list(PathList([])) == []


def test_streaming_is_for_what_would_not_fit():
    assert not should_stream(10_000, 64, 3, memory=24 << 30)
    assert should_stream(2_000_000, 64, 3, memory=24 << 30)


def test_a_streamed_run_trains_like_one_in_memory(folder, tmp_path, capsys):
    common = [str(folder), "--epochs", "12", "--latent", "4", "--batch-size", "8", "--device", "cpu"]
    assert main(["train", *common, "--out", str(tmp_path / "mem.aesession")]) == 0
    memory = capsys.readouterr()
    assert main(["train", *common, "--out", str(tmp_path / "stream.aesession"), "--stream", "--workers", "1"]) == 0
    streamed = capsys.readouterr()
    assert "streaming 49 training pictures from their files" in streamed.err
    assert "broken.png: not an image Pillow can read" in streamed.err
    assert "trained on 48 images" in streamed.out
    _, mem = load_session(tmp_path / "mem.aesession")
    _, st = load_session(tmp_path / "stream.aesession")
    assert st.info["streamed"] and not mem.info["streamed"]
    assert len(st.train_scores) == 49 and np.isnan(st.train_scores).sum() == 1  # every file scored
    auroc = float(streamed.out.split("test image AUROC: ")[1].split()[0])
    assert auroc >= 0.9 and "test image AUROC" in memory.out
    assert abs(st.checkpoint.losses[-5:].mean() - mem.checkpoint.losses[-5:].mean()) < \
        0.3 * mem.checkpoint.losses[-5:].mean()


def test_pages_of_a_folder_hold_every_picture_once_with_every_group_on_each():
    from aeviewer.core.large_folders import page_count, page_rows

    splits = np.array([0] * 1003 + [1] * 40 + [0] * 7 + [2] * 11, np.int8)  # splits need not be contiguous
    pages = page_count(splits, per_page=100)
    assert pages == 11
    seen = [page_rows(splits, k, per_page=100) for k in range(pages)]
    everything = np.concatenate(seen)
    np.testing.assert_array_equal(np.sort(everything), np.arange(len(splits)))  # each row once
    for rows in seen:
        assert len(rows) <= 100 + 3 and set(np.unique(splits[rows])) == {0, 1, 2}  # every split on every page
        assert np.all(np.diff(rows) > 0)  # in listed order
    assert page_count(splits[:0]) == 1 and len(page_rows(splits[:0], 0)) == 0  # an empty folder: one empty page
    with pytest.raises(IndexError):
        page_rows(splits, pages, per_page=100)
