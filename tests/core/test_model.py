from __future__ import annotations

import pytest
import torch

from aeviewer.core.config import ModelConfig
from aeviewer.core.model import build_model, resolve_device, to_tensor


@pytest.mark.parametrize("latent", [1, 2, 16, 128])
def test_shapes_for_several_bottleneck_sizes(latent):
    model = build_model(ModelConfig(image_size=64, channels=3, latent_dim=latent)).eval()
    x = torch.rand(3, 3, 64, 64)
    with torch.no_grad():
        recon, z = model(x)
    assert z.shape == (3, latent)
    assert recon.shape == x.shape
    assert float(recon.min()) >= 0.0 and float(recon.max()) <= 1.0
    with torch.no_grad():
        assert torch.equal(model.encode(x), z)


@pytest.mark.parametrize(("size", "channels"), [(28, 1), (32, 1), (30, 3), (9, 1)])
def test_other_image_sizes_round_trip(size, channels):
    model = build_model(ModelConfig(image_size=size, channels=channels, latent_dim=4))
    recon, _ = model(torch.rand(2, channels, size, size))
    assert recon.shape == (2, channels, size, size)


def test_training_on_dark_images_does_not_collapse_to_black():
    """A sigmoid output used to saturate at 0 on mostly dark pictures."""
    import numpy as np

    from aeviewer.core.training import TrainConfig, train_steps

    rng = np.random.default_rng(2)
    images = np.zeros((32, 16, 16, 1), np.uint8)
    for img in images:
        y, x = rng.integers(0, 10, 2)
        img[y : y + 6, x : x + 6] = 230
    for seed in range(3):
        model = build_model(ModelConfig(image_size=16, channels=1, latent_dim=4), seed=seed)
        steps = list(train_steps(model, images, TrainConfig(epochs=20, batch_size=8, seed=seed), torch.device("cpu")))
        assert steps[-1].loss < 0.5 * steps[0].loss


def test_same_seed_same_weights():
    a = build_model(ModelConfig(latent_dim=3), seed=5)
    b = build_model(ModelConfig(latent_dim=3), seed=5)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)


@pytest.mark.parametrize(
    "kwargs", [{"channels": 2}, {"latent_dim": 0}, {"image_size": 4}]
)
def test_invalid_configs_are_refused(kwargs):
    with pytest.raises(ValueError):
        ModelConfig(**kwargs)


def test_input_values_counts_pixels():
    assert ModelConfig(image_size=64, channels=3).input_values == 12288


def test_device_choice():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="unknown device"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no GPU"):
            resolve_device("cuda")


def test_to_tensor_layout_and_range():
    import numpy as np

    imgs = np.zeros((2, 4, 5, 3), np.uint8)
    imgs[0, 1, 2, 0] = 255
    t = to_tensor(imgs, torch.device("cpu"))
    assert t.shape == (2, 3, 4, 5) and t.dtype == torch.float32
    assert float(t[0, 0, 1, 2]) == 1.0 and float(t.sum()) == 1.0


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_model_runs_on_cuda():
    model = build_model(ModelConfig(latent_dim=8)).to("cuda")
    recon, z = model(torch.rand(2, 3, 64, 64, device="cuda"))
    assert recon.is_cuda and z.shape == (2, 8)
