"""Compression measured honestly: an 8-bit code with a size in bytes, and JPEG on the same pictures."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from aeviewer.cli import main
from aeviewer.core.compression import CodeRange, ladder_pictures, model_curve
from aeviewer.core.config import ModelConfig
from aeviewer.core.demos import banana_imageset
from aeviewer.core.model import build_model
from aeviewer.core.rate_distortion import Point, comparison_text, jpeg_bytes_at, jpeg_curve


def test_jpeg_gets_bigger_and_better_with_quality():
    pictures = banana_imageset(n_train=6, n_test=1, size=64, seed=2).images[:6]
    curve = jpeg_curve(pictures, (5, 30, 90))
    assert [p.setting for p in curve] == [5, 30, 90]
    assert curve[0].bytes < curve[1].bytes < curve[2].bytes
    assert curve[0].psnr < curve[1].psnr < curve[2].psnr
    grey = jpeg_curve(pictures[..., :1], (50,))
    assert grey[0].bytes < curve[1].bytes * 2 and np.isfinite(grey[0].mse)


def test_an_8_bit_code_comes_back_within_half_a_step():
    codes = np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32)
    r = CodeRange.of(codes)
    z = torch.from_numpy(codes)
    step = torch.from_numpy((r.high - r.low) / 255)
    assert ((r.quantise(z) - z).abs() <= step / 2 + 1e-6).all()
    assert (r.quantise(z * 10) <= torch.from_numpy(r.high) + 1e-6).all()  # outside the range: clipped


def test_the_model_curve_has_a_point_per_size_and_the_ladder_a_picture_per_size():
    config = ModelConfig(image_size=16, channels=1, latent_dim=8, ordered=True)
    model = build_model(config, seed=0)
    pictures = np.random.default_rng(1).integers(0, 256, (5, 16, 16, 1), dtype=np.uint8)
    codes = model.encode(torch.from_numpy(pictures).permute(0, 3, 1, 2).float() / 255).detach().numpy()
    curve = model_curve(model, pictures, torch.device("cpu"), CodeRange.of(codes))
    assert [p.setting for p in curve] == [1, 2, 4, 8] and [p.bytes for p in curve] == [1, 2, 4, 8]
    steps = ladder_pictures(model, pictures[0], torch.device("cpu"))
    assert [k for k, _p, _v in steps] == [1, 2, 4, 8] and steps[0][1].shape == (16, 16, 1)
    one = build_model(ModelConfig(image_size=16, channels=1, latent_dim=3), seed=0)
    assert [p.setting for p in model_curve(one, pictures, torch.device("cpu"), CodeRange.of(codes[:, :3]))] == [3]
    unet = build_model(ModelConfig(image_size=16, channels=1, latent_dim=3, architecture="skip"), seed=0)
    with pytest.raises(ValueError, match="compresses nothing"):
        model_curve(unet, pictures, torch.device("cpu"), CodeRange.of(codes[:, :3]))


def test_the_comparison_in_words():
    jpeg = [Point(5, 700, 0.004), Point(50, 900, 0.001)]  # 24.0 and 30.0 dB
    assert "12,288 numbers in, 16 kept: 768x" in comparison_text(Point(16, 16, 0.002), jpeg, 12288)
    assert "16 bytes against JPEG's 800 at the same PSNR" in comparison_text(Point(16, 16, 0.002), jpeg, 12288)
    assert "already better" in comparison_text(Point(16, 16, 0.01), jpeg, 12288)
    assert jpeg_bytes_at(jpeg, 40.0) is None


def test_the_rd_command_prints_json_of_the_promised_shape(tmp_path, capsys):
    from PIL import Image

    from aeviewer.core.session import Session, save_session

    data = tmp_path / "data"
    (data / "train" / "good").mkdir(parents=True)
    (data / "test" / "good").mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(6):
        Image.fromarray(rng.integers(0, 256, (16, 16), dtype=np.uint8)).save(data / "train" / "good" / f"{i}.png")
        Image.fromarray(rng.integers(0, 256, (16, 16), dtype=np.uint8)).save(data / "test" / "good" / f"{i}.png")
    config = ModelConfig(image_size=16, channels=1, latent_dim=4, ordered=True)
    session = save_session(tmp_path / "s.aesession", build_model(config, seed=0), Session(config))
    assert main(["rd", str(session), str(data), "--json", "--device", "cpu"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [m["k"] for m in out["model"]] == [1, 2, 4] and set(out["model"][0]) == {"k", "bytes", "mse", "psnr"}
    assert [j["quality"] for j in out["jpeg"]][:2] == [1, 3] and out["pictures"] == 6

    unet = ModelConfig(image_size=16, channels=1, latent_dim=4, architecture="skip")
    session = save_session(tmp_path / "u.aesession", build_model(unet, seed=0), Session(unet))
    assert main(["rd", str(session), str(data), "--device", "cpu"]) == 2  # said, not a traceback
    assert "U-Net" in capsys.readouterr().err
