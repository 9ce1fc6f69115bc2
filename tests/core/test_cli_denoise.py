"""`aeviewer train --denoise` and `aeviewer denoise`, end to end on tiny generated pictures."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from aeviewer.cli import main
from aeviewer.core.quality import psnr
from aeviewer.core.session import load_session


def _bars(rng, h=16, w=16):
    img = np.full((h, w), 40, np.uint8)
    for _ in range(3):
        i = rng.integers(0, min(h, w) - 3)
        if rng.random() < 0.5:
            img[i : i + 3] = 210
        else:
            img[:, i : i + 3] = 210
    return img


@pytest.fixture(scope="module")
def denoiser(tmp_path_factory):
    root = tmp_path_factory.mktemp("pics")
    rng = np.random.default_rng(0)
    for i in range(48):
        Image.fromarray(_bars(rng)).save(root / f"p{i:02d}.png")
    out = tmp_path_factory.mktemp("s") / "clean.aesession"
    code = main(["train", str(root), "--out", str(out), "--image-size", "16", "--channels", "1", "--latent", "8",
                 "--epochs", "30", "--batch-size", "8", "--lr", "3e-3", "--device", "cpu", "--arch", "skip",
                 "--denoise", "gaussian:0.15-0.3"])
    assert code == 0
    return out


def test_the_session_remembers_it_denoises(denoiser):
    _, session = load_session(denoiser)
    assert session.info["denoise"] == ["gaussian:0.15-0.3"]
    assert session.model_config.architecture == "skip"


def test_denoise_writes_pngs_with_the_same_names_and_reports_bad_files(denoiser, tmp_path, capsys):
    inputs = tmp_path / "in"
    inputs.mkdir()
    rng = np.random.default_rng(5)
    big = _bars(rng, 37, 53)  # odd-sized and bigger than the model's 16 px: tiled
    Image.fromarray(big).save(inputs / "big.png")
    Image.fromarray(_bars(rng)).save(inputs / "small.png")
    (inputs / "broken.png").write_bytes(b"not a png")
    out = tmp_path / "out"
    code = main(["denoise", str(denoiser), str(inputs), str(tmp_path / "missing.png"), "--out", str(out),
                 "--add-noise", "gaussian:0.25", "--device", "cpu"])
    assert code == 0
    err = capsys.readouterr().err
    assert "broken.png" in err and "missing.png" in err
    assert sorted(p.name for p in out.iterdir()) == ["big-noisy.png", "big.png", "small-noisy.png", "small.png"]
    cleaned = np.asarray(Image.open(out / "big.png"), np.float32)[..., None] / 255
    noisy = np.asarray(Image.open(out / "big-noisy.png"), np.float32)[..., None] / 255
    clean = big.astype(np.float32)[..., None] / 255
    assert cleaned.shape == clean.shape  # full size, not squashed to 16x16
    assert psnr(cleaned, clean) > psnr(noisy, clean) + 3


def test_denoise_of_already_noisy_pictures_and_nothing_readable(denoiser, tmp_path, capsys):
    pic = tmp_path / "photo.png"
    Image.fromarray(_bars(np.random.default_rng(1))).save(pic)
    assert main(["denoise", str(denoiser), str(pic), "--out", str(tmp_path / "o"), "--device", "cpu"]) == 0
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["photo.png"]
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"")
    assert main(["denoise", str(denoiser), str(bad), "--out", str(tmp_path / "o2"), "--device", "cpu"]) == 2
    assert "file is empty" in capsys.readouterr().err


def test_bad_noise_spec_is_one_clear_line(tmp_path, capsys):
    assert main(["train", str(tmp_path), "--out", str(tmp_path / "s"), "--denoise", "blur:3"]) == 2
    assert "unknown noise" in capsys.readouterr().err
