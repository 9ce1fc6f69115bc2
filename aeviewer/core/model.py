"""The autoencoders: a small convolutional encoder, a linear bottleneck, a mirror decoder.

Two architectures share that shape:

- ``bottleneck``: everything the decoder knows passes through the code of
  ``latent_dim`` numbers. It compresses, and it can only rebuild what it has
  learned is normal, which is what anomaly detection needs.
- ``skip``: a U-Net. Each decoder stage also receives the encoder's features at
  its resolution, and the output is the input plus a learned correction. Fine
  detail goes around the bottleneck, so it gives the best pictures when
  denoising, but it compresses nothing and would rebuild an anomaly too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

import numpy as np
import torch
from torch import nn

from aeviewer.core.config import ModelConfig
from aeviewer.core.ordered import keep_first


class Autoencoder(nn.Module):
    """encode: image (B, C, H, W) in [0, 1] -> code (B, K); decode: code -> image.

    In eval mode the decoded image is clamped to [0, 1]; in train mode it is the
    raw output, so the loss keeps its gradient at the edges of the range.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.prefix: int | None = None  # an ordered model rebuilds from the first ``prefix`` numbers (eval)
        c = config.channels
        widths = [config.base_width * 2**i for i in range(config.stages)]
        enc: list[nn.Module] = []
        prev = c
        for w in widths:
            enc += [nn.Conv2d(prev, w, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
            prev = w
        if not widths:  # odd sizes: keep resolution, still convolve
            enc += [nn.Conv2d(c, config.base_width, 3, padding=1), nn.LeakyReLU(0.2)]
            prev = config.base_width
        self.spatial = config.image_size // 2 ** len(widths)
        self.deep_channels = prev
        flat = prev * self.spatial * self.spatial
        self.encoder = nn.Sequential(*enc, nn.Flatten(), nn.Linear(flat, config.latent_dim))

        self.expand = nn.Sequential(nn.Linear(config.latent_dim, flat), nn.LeakyReLU(0.2))
        dec: list[nn.Module] = []
        for w in reversed(widths[:-1]):
            dec += [nn.ConvTranspose2d(prev, w, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
            prev = w
        if widths:
            dec += [nn.ConvTranspose2d(prev, c, 4, stride=2, padding=1)]
        else:
            dec += [nn.Conv2d(prev, c, 3, padding=1)]
        # A linear output, not a sigmoid: on mostly dark images a sigmoid saturates
        # at 0 early and the model collapses to a black picture. Eval mode clamps.
        self.decoder = nn.Sequential(*dec)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        h = self.expand(z).view(-1, self.deep_channels, self.spatial, self.spatial)
        out = self.decoder(h) + 0.5  # start from mid-grey: as fast as a sigmoid, without its dead zone
        return out if self.training else out.clamp(0.0, 1.0)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(reconstruction, code); the code is whole, the reconstruction uses its first ``prefix`` numbers."""
        z = self.encode(x)
        if self.prefix is not None and self.prefix < z.shape[1]:
            return self.decode(keep_first(z, self.prefix)), z
        return self.decode(z), z


class SkipAutoencoder(nn.Module):
    """A U-Net with the same linear code at the bottom: encode(x) -> (B, K) as before,
    and forward(x) -> (image, code), where the image is x plus a correction built
    from the code and the encoder's features at every resolution."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        c, w0 = config.channels, config.base_width
        act = lambda: nn.LeakyReLU(0.2)  # noqa: E731
        self.stem = nn.Sequential(nn.Conv2d(c, w0, 3, padding=1), act(), nn.Conv2d(w0, w0, 3, padding=1), act())
        self.down = nn.ModuleList()
        prev = w0
        widths = config.widths
        for w in widths:
            self.down.append(nn.Sequential(
                nn.Conv2d(prev, w, 4, stride=2, padding=1), act(), nn.Conv2d(w, w, 3, padding=1), act()
            ))
            prev = w
        self.spatial = config.image_size // 2 ** len(widths)
        self.deep_channels = prev
        flat = prev * self.spatial * self.spatial
        self.to_code = nn.Sequential(nn.Flatten(), nn.Linear(flat, config.latent_dim))
        self.expand = nn.Sequential(nn.Linear(config.latent_dim, flat), act())
        self.up = nn.ModuleList()
        self.merge = nn.ModuleList()
        skip_widths = ([w0, *widths[:-1]]) if widths else []  # features waiting at each resolution on the way up
        for w_in, w_skip in zip(reversed(widths), reversed(skip_widths), strict=True):
            # The deepest stage also gets its own features back, beside the code.
            self.up.append(nn.Sequential(nn.ConvTranspose2d(w_in, w_skip, 4, stride=2, padding=1), act()))
            self.merge.append(nn.Sequential(nn.Conv2d(2 * w_skip, w_skip, 3, padding=1), act()))
        self.deep_merge = nn.Sequential(nn.Conv2d(2 * prev, prev, 3, padding=1), act())
        self.out = nn.Conv2d(w0, c, 3, padding=1)

    def _features(self, x: torch.Tensor) -> list[torch.Tensor]:
        feats = [self.stem(x)]
        for stage in self.down:
            feats.append(stage(feats[-1]))
        return feats

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.to_code(self._features(x)[-1])

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feats = self._features(x)
        z = self.to_code(feats[-1])
        h = self.expand(z).view(-1, self.deep_channels, self.spatial, self.spatial)
        h = self.deep_merge(torch.cat([h, feats[-1]], 1))
        for up, merge, skip in zip(self.up, self.merge, reversed(feats[:-1]), strict=True):
            h = merge(torch.cat([up(h), skip], 1))
        out = x + self.out(h)
        return (out if self.training else out.clamp(0.0, 1.0)), z


if TYPE_CHECKING:
    from aeviewer.core.defect_model import DefectModel

# What build_model makes: encode(x) -> code, forward(x) -> (image, code), and .config.
AnyAutoencoder = Union[Autoencoder, SkipAutoencoder, "DefectModel"]


def _construct(config: ModelConfig) -> AnyAutoencoder:
    if config.method == "synthetic":
        from aeviewer.core.defect_model import DefectModel

        return DefectModel(config)
    return SkipAutoencoder(config) if config.architecture == "skip" else Autoencoder(config)


def build_model(config: ModelConfig, seed: int | None = None) -> AnyAutoencoder:
    if seed is not None:
        gen_state = torch.random.get_rng_state()
        torch.manual_seed(seed)
        try:
            return _construct(config)
        finally:
            torch.random.set_rng_state(gen_state)
    return _construct(config)


def resolve_device(choice: str = "auto") -> torch.device:
    """'auto' picks CUDA when torch sees a GPU, else the CPU."""
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice == "cuda" and not torch.cuda.is_available():
        raise ValueError("CUDA was chosen but torch sees no GPU")
    if choice not in ("cpu", "cuda"):
        raise ValueError(f"unknown device {choice!r}: use auto, cpu or cuda")
    return torch.device(choice)


def to_tensor(images_uint8, device: torch.device) -> torch.Tensor:
    """uint8 (N, H, W, C) numpy -> float (N, C, H, W) in [0, 1] on ``device``."""
    t = torch.from_numpy(np.require(images_uint8, requirements="W")).to(device)  # read-only arrays are copied
    return t.permute(0, 3, 1, 2).float().div_(255.0).contiguous()
