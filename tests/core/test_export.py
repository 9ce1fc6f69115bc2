"""Export: ONNX and TorchScript files that give aeviewer's own results, with sidecars that say how."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from aeviewer.cli import main
from aeviewer.core.config import ModelConfig
from aeviewer.core.export import PARITY_TOLERANCE, Parity, check_parity, export_onnx, export_torchscript
from aeviewer.core.model import build_model
from aeviewer.core.session import Session, save_session

pytest.importorskip("onnxruntime")

CASES = [
    (ModelConfig(image_size=32, channels=1, latent_dim=4), "local"),
    (ModelConfig(image_size=32, channels=3, latent_dim=4, method="synthetic"), "learned"),
    (ModelConfig(image_size=32, channels=1, latent_dim=4, method="synthetic"), "combined"),
    (ModelConfig(image_size=32, channels=3, latent_dim=4, architecture="skip"), "mse"),
    (ModelConfig(image_size=32, channels=1, latent_dim=4), "ssim"),  # scored outside the graph
]


@pytest.mark.parametrize(("config", "score"), CASES, ids=[f"{c.architecture}-{c.method}-{s}" for c, s in CASES])
def test_exported_models_give_aeviewers_results(config, score, tmp_path, rng):
    model = build_model(config, seed=1)
    if score == "combined":  # as training leaves it: the parts' means and spreads, the learned one's in log odds
        model.score_stats.copy_(torch.tensor([-1.4, 0.5, 0.01, 0.004]))
        model.score_odds.fill_(1.0)
        model.score_contrast.copy_(torch.tensor([-2.0, -3.0, -1.4, 0.7, 0.002]))  # its trend with contrast
    session = Session(config, score=score, threshold=0.05)
    pictures = _of_varied_contrast(rng, (5, 32, 32, config.channels))
    for fmt, export in (("onnx", export_onnx), ("torchscript", export_torchscript)):
        path, side = export(model, session, tmp_path / f"m.{fmt}")
        parity = check_parity(model, session, fmt, path, pictures)
        assert parity.ok, parity.describe()
        assert (parity.score is None) == (score == "ssim")
        meta = json.loads(side.read_text())
        assert meta["input_shape"] == ["batch", config.channels, 32, 32] and meta["threshold"] == 0.05
        assert meta["score"] == score and meta["score_in_graph"] == (score != "ssim")


def test_a_tile_models_texture_part_is_in_the_exported_score(tmp_path, rng):
    config = ModelConfig(image_size=32, channels=1, latent_dim=4, method="synthetic", patches=True)
    model = build_model(config, seed=1)
    model.score_stats.copy_(torch.tensor([-1.4, 0.5, 0.01, 0.004]))
    model.score_odds.fill_(1.0)
    model.score_contrast.copy_(torch.tensor([-2.0, -3.0, -1.4, 0.7, 0.002]))
    model.texture.fit(lambda: (torch.rand((1, 1, 32, 48)) * (0.05 + 0.08 * k) for k in range(12)))
    assert float(model.texture.contrast[3]) > 0  # the texture part's trend with contrast is in the graph too
    session = Session(config, score="combined", threshold=0.05)
    pictures = _of_varied_contrast(rng, (5, 32, 32, 1))
    for fmt, export in (("onnx", export_onnx), ("torchscript", export_torchscript)):
        path, _ = export(model, session, tmp_path / f"m.{fmt}")
        parity = check_parity(model, session, fmt, path, pictures)
        assert parity.ok, parity.describe()


def _of_varied_contrast(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """uint8 pictures around mid-grey, each with its own contrast: the graph measures each one's."""
    amplitude = np.linspace(20, 127, shape[0]).reshape(-1, *([1] * (len(shape) - 1)))
    return (128 + amplitude * rng.uniform(-1, 1, shape)).astype(np.uint8)


def test_parity_fails_loudly_above_the_tolerance():
    assert not Parity("onnx", 3, 2 * PARITY_TOLERANCE, 0.0).ok
    assert "FAILED" in Parity("onnx", 3, 0.0, 2 * PARITY_TOLERANCE).describe()


def test_the_export_command_writes_both_and_checks_them(tmp_path, capsys):
    config = ModelConfig(image_size=16, channels=1, latent_dim=3)
    session_path = save_session(tmp_path / "s.aesession", build_model(config, seed=0),
                                Session(config, score="local", threshold=0.2))
    assert main(["export", str(session_path), "--onnx", str(tmp_path / "m.onnx"),
                 "--torchscript", str(tmp_path / "m.pt")]) == 0
    out = capsys.readouterr().out
    assert out.count(": ok") == 2 and "made-up pictures" in out
    assert (tmp_path / "m.onnx.json").exists() and (tmp_path / "m.pt.json").exists()


def test_a_model_that_does_not_match_fails_the_export(tmp_path, capsys, monkeypatch):
    """If what was written differs from aeviewer's model (here: weights changed after export), exit 1."""
    config = ModelConfig(image_size=16, channels=1, latent_dim=3)
    session_path = save_session(tmp_path / "s.aesession", build_model(config, seed=0),
                                Session(config, score="mse", threshold=0.2))
    import aeviewer.core.export as export

    real = export.export_torchscript

    def export_another(model, session, path):
        return real(build_model(config, seed=5), session, path)

    monkeypatch.setattr(export, "export_torchscript", export_another)
    assert main(["export", str(session_path), "--torchscript", str(tmp_path / "m.pt")]) == 1
    assert "FAILED" in capsys.readouterr().out
