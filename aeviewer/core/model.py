"""The autoencoder: a small convolutional encoder, a linear bottleneck, a mirror decoder."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

MAX_STAGES = 4
MIN_SPATIAL = 4


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild the same network."""

    image_size: int = 64
    channels: int = 3
    latent_dim: int = 16
    base_width: int = 16

    def __post_init__(self) -> None:
        if self.channels not in (1, 3):
            raise ValueError("channels must be 1 or 3")
        if self.latent_dim < 1:
            raise ValueError("latent_dim must be at least 1")
        if self.image_size < 8:
            raise ValueError("image_size must be at least 8")

    @property
    def stages(self) -> int:
        """Halvings of the image: as many as divide it evenly, down to about 4x4."""
        n = 0
        while (
            n < MAX_STAGES
            and self.image_size % (2 ** (n + 1)) == 0
            and self.image_size // 2 ** (n + 1) >= MIN_SPATIAL
        ):
            n += 1
        return n

    @property
    def input_values(self) -> int:
        return self.image_size * self.image_size * self.channels

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


class Autoencoder(nn.Module):
    """encode: image (B, C, H, W) in [0, 1] -> code (B, K); decode: code -> image.

    In eval mode the decoded image is clamped to [0, 1]; in train mode it is the
    raw output, so the loss keeps its gradient at the edges of the range.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
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
        z = self.encode(x)
        return self.decode(z), z


def build_model(config: ModelConfig, seed: int | None = None) -> Autoencoder:
    if seed is not None:
        gen_state = torch.random.get_rng_state()
        torch.manual_seed(seed)
        try:
            return Autoencoder(config)
        finally:
            torch.random.set_rng_state(gen_state)
    return Autoencoder(config)


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
    t = torch.from_numpy(images_uint8).to(device)
    return t.permute(0, 3, 1, 2).float().div_(255.0).contiguous()
