"""The headless commands, end to end, on a tiny generated dataset."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from PIL import Image

from aeviewer.cli import main
from aeviewer.core.session import load_session


def _square(rng, size=16):
    img = np.zeros((size, size), np.uint8)
    y, x = rng.integers(0, size - 6, 2)
    img[y : y + 6, x : x + 6] = 230
    return img


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """normal/: a bright square; defect/: the square plus a bright stripe."""
    root = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(0)
    (root / "normal").mkdir()
    (root / "defect").mkdir()
    for i in range(40):
        Image.fromarray(_square(rng)).save(root / "normal" / f"n{i:02d}.png")
    for i in range(8):
        img = _square(rng)
        img[:, 2 * (i % 6) : 2 * (i % 6) + 3] = 255
        Image.fromarray(img).save(root / "defect" / f"d{i}.png")
    (root / "defect" / "broken.png").write_bytes(b"\x89PNG not really")
    return root


@pytest.fixture(scope="module")
def session_file(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("s") / "model.aesession"
    code = main(["train", str(dataset), "--out", str(out), "--image-size", "16", "--channels", "1",
                 "--latent", "4", "--epochs", "25", "--batch-size", "8", "--device", "cpu", "--seed", "1"])
    assert code == 0
    return out


def test_train_writes_a_session_without_pickle(session_file, capsys):
    _model, session = load_session(session_file)
    assert session.model_config.latent_dim == 4 and session.model_config.channels == 1
    assert np.isfinite(session.threshold) and len(session.train_scores) == 32
    assert session.threshold == pytest.approx(np.percentile(session.train_scores, 99))
    assert session.info["epochs"] == 25
    assert session_file.read_bytes()[:8] != b"\x80\x04\x95"  # not a pickle


def test_score_writes_one_row_per_readable_image(session_file, dataset, tmp_path, capsys):
    out = tmp_path / "scores.csv"
    code = main(["score", str(session_file), str(dataset), str(tmp_path / "missing.png"),
                 "--csv", str(out), "--device", "cpu"])
    assert code == 0
    err = capsys.readouterr().err
    assert "broken.png" in err and "missing.png" in err  # reported per file, with a reason
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 48
    assert set(rows[0]) == {"path", "score", "threshold", "is_anomaly", "label"}
    labels = {r["label"] for r in rows}
    assert labels == {"0", "1"}
    for r in rows:
        assert int(r["is_anomaly"]) == int(float(r["score"]) > float(r["threshold"]))
    defect = np.mean([float(r["score"]) for r in rows if r["label"] == "1"])
    normal = np.mean([float(r["score"]) for r in rows if r["label"] == "0"])
    assert defect > normal


def test_evaluate_prints_the_same_numbers_as_json(session_file, dataset, capsys):
    assert main(["evaluate", str(session_file), str(dataset), "--json", "--device", "cpu"]) == 0
    numbers = json.loads(capsys.readouterr().out)
    assert numbers["test_images"] == 16 and numbers["anomalous"] == 8
    assert numbers["image_auroc"] > 0.8
    assert main(["evaluate", str(session_file), str(dataset), "--device", "cpu"]) == 0
    text = capsys.readouterr().out
    assert f"image AUROC  {numbers['image_auroc']:.4f}" in text


def test_nothing_readable_is_an_error(session_file, tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_text("nope")
    assert main(["score", str(session_file), str(bad), "--csv", str(tmp_path / "o.csv")]) == 2
    assert "none of the inputs" in capsys.readouterr().err
    assert main(["score", str(bad), str(bad), "--csv", str(tmp_path / "o.csv")]) == 2
    assert "not an aeviewer session" in capsys.readouterr().err


def test_evaluate_needs_labels(session_file, tmp_path, capsys):
    flat = tmp_path / "flat"
    flat.mkdir()
    Image.new("L", (16, 16)).save(flat / "a.png")
    assert main(["evaluate", str(session_file), str(flat)]) == 2
    assert "labelled test images" in capsys.readouterr().err


def test_mvtec_round_trip_reports_pixel_auroc(tmp_path, capsys):
    rng = np.random.default_rng(2)
    root = tmp_path / "toy"
    for sub in ("train/good", "test/good", "test/stripe", "ground_truth/stripe"):
        (root / sub).mkdir(parents=True)
    for i in range(32):
        Image.fromarray(_square(rng)).save(root / "train" / "good" / f"{i:03d}.png")
    for i in range(4):
        Image.fromarray(_square(rng)).save(root / "test" / "good" / f"{i:03d}.png")
        img, mask = _square(rng), np.zeros((16, 16), np.uint8)
        img[:, 10:13] = 255
        mask[:, 10:13] = 255
        Image.fromarray(img).save(root / "test" / "stripe" / f"{i:03d}.png")
        Image.fromarray(mask).save(root / "ground_truth" / "stripe" / f"{i:03d}_mask.png")
    out = tmp_path / "toy.aesession"
    assert main(["train", str(root), "--out", str(out), "--image-size", "16", "--channels", "1",
                 "--latent", "4", "--epochs", "20", "--batch-size", "8", "--device", "cpu"]) == 0
    said = capsys.readouterr().err.splitlines()  # the final pass says how far it has come
    passes = [line for line in said if line.startswith("scoring the pictures:")]
    assert passes[0] == "scoring the pictures: 0 of 40" and passes[-1] == "scoring the pictures: 40 of 40"
    assert main(["evaluate", str(out), str(root), "--json", "--device", "cpu"]) == 0
    numbers = json.loads(capsys.readouterr().out)
    assert 0.5 < numbers["pixel_auroc"] <= 1.0
    assert numbers["pixel_map"] == "the squared error"  # a reconstructing model's map: said in words
    # the session keeps its pictures, final scores and pixel AUROC: opened, nothing is scored again
    from aeviewer.core.engine import Engine
    from aeviewer.core.session import load_session
    from aeviewer.core.session_state import read_pictures, restore

    model, session = load_session(out)
    assert session.images is not None and len(session.images.paths) == 40
    assert session.info["pixel_auroc"] == pytest.approx(numbers["pixel_auroc"], abs=1e-6)

    def opened() -> Engine:
        engine = Engine(session.model_config, "cpu")
        c = session.model_config
        restore(engine, model, session, read_pictures(session.images, c.image_size, c.channels))
        return engine

    engine = opened()
    assert engine.has_scores and engine.refresh([], final=True).evaluation.pixel_auroc == session.info["pixel_auroc"]
    np.testing.assert_allclose(engine.latest()[2], session.images.scores)
    (root / "test" / "good" / "000.png").unlink()  # a picture gone: its pixel AUROC is not the session's
    engine = opened()
    assert len(engine.images) == 39 and engine.refresh([], final=True).evaluation.pixel_auroc is None
    assert np.isfinite(engine.latest()[2]).all()


def test_score_can_score_another_way_than_the_session_and_then_applies_no_threshold(session_file, dataset,
                                                                                     tmp_path, capsys):
    out = tmp_path / "mse.csv"
    assert main(["score", str(session_file), str(dataset), "--csv", str(out), "--score", "mse",
                 "--device", "cpu"]) == 0
    rows = list(csv.DictReader(out.open()))
    assert rows and all(r["threshold"] == "" and r["is_anomaly"] == "" for r in rows)
    assert "no threshold applies" in capsys.readouterr().err
    # the learned score needs a model trained on synthetic defects: one clear line, exit 2
    assert main(["score", str(session_file), str(dataset), "--csv", str(out), "--score", "learned"]) == 2
    assert "synthetic defects" in capsys.readouterr().err


def test_the_progress_of_a_pass_is_said_a_tenth_at_a_time_off_a_terminal():
    import io

    from aeviewer.cli.progress import ProgressBar

    out = io.StringIO()
    bar = ProgressBar(out)
    for done in range(1001):
        bar.scoring(done, 1000)
    lines = out.getvalue().splitlines()
    assert lines[0] == "scoring the pictures: 0 of 1,000" and lines[-1] == "scoring the pictures: 1,000 of 1,000"
    assert len(lines) == 11
