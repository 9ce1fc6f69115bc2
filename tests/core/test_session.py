"""Session files: what the window saves and opens, written atomically, refused when not one."""

from __future__ import annotations

import json
import pickle
import struct

import numpy as np
import pytest
import torch
from PIL import Image

from aeviewer.core.config import ModelConfig, TrainConfig
from aeviewer.core.data import ImageSet, Split
from aeviewer.core.engine import Engine
from aeviewer.core.session import (
    FORMAT_VERSION,
    Session,
    SessionError,
    load_session,
    read_header,
    save_session,
)
from aeviewer.core.session_state import capture, read_pictures, restore


@pytest.fixture
def trained(tmp_path, rng):
    """An engine trained briefly on pictures that are partly files, partly in memory only."""
    folder = tmp_path / "pictures"
    folder.mkdir()
    pixels = rng.integers(0, 256, (10, 16, 16, 1), dtype=np.uint8)
    paths = []
    for i in range(10):
        if i < 6:  # six have a file; four (like the demo's) live nowhere else
            Image.fromarray(pixels[i, ..., 0]).save(folder / f"p{i}.png")
            paths.append(str(folder / f"p{i}.png"))
        else:
            paths.append(f"demo/p{i}")
    splits = [Split.TRAIN] * 8 + [Split.TEST] * 2
    labels = [0] * 9 + [1]
    masks = {9: np.eye(16, dtype=bool)}
    engine = Engine(ModelConfig(image_size=16, channels=1, latent_dim=3), "cpu")
    engine.set_images(ImageSet(pixels, paths, splits, labels, masks))
    for _ in engine.train(TrainConfig(epochs=2, batch_size=4), live=False):
        pass
    return engine


def test_window_session_round_trip(trained, tmp_path):
    path = save_session(tmp_path / "s.aesession", trained.model,
                        capture(trained, threshold=0.25, view={"selected": 3, "threshold": 0.25}))
    model, session = load_session(path)
    assert session.threshold == 0.25 and session.view == {"selected": 3, "threshold": 0.25}
    assert session.info["trained"] is True
    saved = session.images
    assert saved is not None and list(saved.stored_rows) == [6, 7, 8, 9]  # only those without a file
    restored = read_pictures(saved, 16, 1)
    assert restored.missing == []
    np.testing.assert_array_equal(restored.images.images, trained.images.images)
    assert restored.images.paths == trained.images.paths
    np.testing.assert_array_equal(restored.images.masks[9], trained.images.masks[9])
    fresh = Engine(ModelConfig(image_size=16, channels=1, latent_dim=3), "cpu")
    restore(fresh, model, session, restored)
    assert fresh.trained and fresh.has_scores
    for a, b in zip(fresh.latest(), trained.latest(), strict=True):
        np.testing.assert_array_equal(a, b)
    for (k, a), b in zip(fresh.model.state_dict().items(), trained.model.state_dict().values(), strict=True):
        assert torch.equal(a, b), k
    # What is drawn straight from the session matches a fresh pass of the restored model.
    before = fresh.refresh([], final=True).evaluation.scores
    np.testing.assert_allclose(fresh.evaluate().evaluation.scores, before, rtol=1e-4, atol=1e-6)


def test_a_missing_picture_is_listed_and_the_rest_open(trained, tmp_path):
    path = save_session(tmp_path / "s.aesession", trained.model, capture(trained, threshold=1.0))
    gone = trained.images.paths[2]
    (tmp_path / "pictures" / "p2.png").unlink()
    _model, session = load_session(path)
    restored = read_pictures(session.images, 16, 1)
    assert [f.path for f in restored.missing] == [gone]
    assert len(restored.images) == 9 and gone not in restored.images.paths
    assert list(restored.kept) == [0, 1, 3, 4, 5, 6, 7, 8, 9]
    assert set(restored.images.masks) == {8}  # the mask follows its picture to its new row


def test_a_failed_save_leaves_the_old_file_intact(trained, tmp_path, monkeypatch):
    path = save_session(tmp_path / "s.aesession", trained.model, capture(trained, threshold=1.0))
    before = path.read_bytes()

    def disk_full(tensors, filename, metadata=None):
        with open(filename, "wb") as fh:
            fh.write(b"half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("aeviewer.core.session.save_file", disk_full)
    with pytest.raises(OSError):
        save_session(path, trained.model, capture(trained, threshold=2.0))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pictures", "s.aesession"]  # no temporary left


def _session(tmp_path, trained):
    return save_session(tmp_path / "s.aesession", trained.model, capture(trained, threshold=1.0))


class _Bomb:
    """Unpickling this would create a file: the proof that something in a file ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_files_that_are_not_sessions_are_refused_without_running_anything(trained, tmp_path):
    good = _session(tmp_path, trained)
    data = good.read_bytes()
    cases = {
        "empty": (b"", "too short"),
        "text": (b"hello, this is not a model at all", "not an aeviewer session"),
        "truncated": (data[: len(data) - 100], "corrupt"),
        "damaged header": (data[:20] + b"\x00" * 40 + data[60:], "not an aeviewer session"),
    }
    marker = tmp_path / "ran"
    cases["pickle"] = (pickle.dumps(_Bomb(marker)), "not an aeviewer session")
    buf = tmp_path / "torch.pt"
    torch.save({"weights": torch.zeros(3), "bomb": _Bomb(marker)}, buf)
    cases["torch.save"] = (buf.read_bytes(), "not an aeviewer session")
    for name, (content, words) in cases.items():
        f = tmp_path / f"{name}.aesession"
        f.write_bytes(content)
        with pytest.raises(SessionError, match=words):
            load_session(f)
    assert not marker.exists()


def _rewrite_header(path, change):
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    meta = json.loads(header["__metadata__"]["aeviewer"])
    change(meta, header)
    header["__metadata__"]["aeviewer"] = json.dumps(meta)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data[8 + n :])


def test_a_newer_format_says_so_and_an_older_one_opens(trained, tmp_path):
    path = _session(tmp_path, trained)
    _rewrite_header(path, lambda meta, _h: meta.update(format=f"aeviewer-session/{FORMAT_VERSION + 1}",
                                                      aeviewer="9.0"))
    with pytest.raises(SessionError, match="made by a newer aeviewer"):
        load_session(path)
    # Format 1 (sessions written before the window could save) holds the model alone.
    old = save_session(tmp_path / "old.aesession", trained.model, Session(trained.model_config, threshold=0.5))
    _rewrite_header(old, lambda meta, _h: meta.update(format="aeviewer-session/1"))
    _model, session = load_session(old)
    assert session.images is None and session.threshold == 0.5


def test_a_safetensors_file_of_someone_else_is_not_a_session(tmp_path):
    from safetensors.torch import save_file

    f = tmp_path / "weights.safetensors"
    save_file({"w": torch.zeros(2)}, str(f))
    with pytest.raises(SessionError, match="safetensors file but not an aeviewer session"):
        read_header(f)


def test_pictures_open_again_in_their_own_proportions(trained, tmp_path):
    """A session remembers each picture's own shape: a wide one read again from its file, and one
    kept in the session itself (it has no file), are both shown without their square's filling."""
    images = trained.images
    shapes = np.array(images.shapes)
    shapes[1] = (8, 24)  # read again from its file, which is square: the file's shape wins
    shapes[7] = (5, 15)  # kept in the session: its remembered shape
    trained.set_images(ImageSet(images.images, images.paths, images.splits, images.labels, images.masks, shapes))
    path = save_session(tmp_path / "s.aesession", trained.model, capture(trained, threshold=1.0))
    _model, session = load_session(path)
    restored = read_pictures(session.images, 16, 1).images
    assert restored.shown(1).shape == (16, 16, 1)
    assert restored.shown(7).shape == (5, 16, 1) and restored.box(7) == (5, 0, 5, 16)
    # shapes that do not line up with the picture list: a corrupt file, refused as one
    from dataclasses import replace as changed

    with pytest.raises(SessionError, match="inconsistent"):
        changed(session.images, shapes=np.zeros((3, 2), np.int32))
