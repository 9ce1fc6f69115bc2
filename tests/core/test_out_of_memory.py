"""Out of device memory mid-training: the run goes on in smaller batches, says so, and never crashes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aeviewer.core.config import ModelConfig
from aeviewer.core.model import Autoencoder
from aeviewer.core.training import TrainConfig, train_steps


class SmallMemory(Autoencoder):
    """A model on a 'device' that holds at most ``limit`` pictures at a time (simulated on the CPU)."""

    limit = 4

    def forward(self, x):
        if len(x) > self.limit:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        return super().forward(x)


def _pictures(n=20):
    return np.random.default_rng(0).integers(0, 256, (n, 16, 16, 1), dtype=np.uint8)


def test_the_batch_halves_until_it_fits_and_every_picture_is_still_seen():
    model = SmallMemory(ModelConfig(image_size=16, channels=1, latent_dim=3))
    steps = list(train_steps(model, _pictures(), TrainConfig(epochs=2, batch_size=16), torch.device("cpu")))
    assert steps[-1].images_seen == 40  # both epochs, every picture
    assert max(len(s.rows) for s in steps) == 4
    assert "ran out of memory" in steps[-1].note and "batches of 4 pictures (from 16)" in steps[-1].note
    assert all(np.isfinite(s.loss) for s in steps)


def test_out_of_memory_at_one_picture_a_batch_says_what_to_do():
    model = SmallMemory(ModelConfig(image_size=16, channels=1, latent_dim=3))
    model.limit = 0
    with pytest.raises(RuntimeError, match="train on the CPU"):
        list(train_steps(model, _pictures(), TrainConfig(epochs=1, batch_size=8), torch.device("cpu")))


def test_a_streamed_run_trains_on_each_loaded_batch_in_smaller_parts(tmp_path):
    """Batches from files (and a tile model's crops) come from a loader of a fixed batch size:
    after running out of memory each is split, and every picture is still seen."""
    from PIL import Image

    from aeviewer.core.streaming import PictureFiles, PictureStream

    paths = []
    for i, a in enumerate(_pictures()):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(a[..., 0]).save(paths[-1])
    stream = PictureStream(PictureFiles(paths, 16, 1), batch_size=16, workers=0)
    model = SmallMemory(ModelConfig(image_size=16, channels=1, latent_dim=3))
    steps = list(train_steps(model, stream, TrainConfig(epochs=2, batch_size=16), torch.device("cpu")))
    assert steps[-1].images_seen == 40 and max(len(s.rows) for s in steps) == 4
    assert "batches of 4 pictures (from 16)" in steps[-1].note
    assert steps[-1].batches_per_epoch == 5  # the progress counts the smaller batches
