"""A model's settings, without torch: the window reads them on the GUI thread.

PyTorch takes over a second to import; the window imports this module at
start-up and leaves torch to the worker thread (a test checks).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

MAX_STAGES = 4
MIN_SPATIAL = 4
ARCHITECTURES = {
    "bottleneck": "Bottleneck: everything passes through the code",
    "skip": "Skip connections (U-Net): detail goes around the code",
}
# Adam's rate for each. The U-Net's loss blew up at 2e-3 on the banana demo (denoising,
# batch ~180); at 1e-3 it trained smoothly and reached a lower loss.
LEARNING_RATES = {"bottleneck": 2e-3, "skip": 1e-3}


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild the same network."""

    image_size: int = 64
    channels: int = 3
    latent_dim: int = 16
    base_width: int = 16
    architecture: str = "bottleneck"

    def __post_init__(self) -> None:
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"unknown architecture {self.architecture!r}: use one of {', '.join(ARCHITECTURES)}")
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

    @property
    def widths(self) -> list[int]:
        return [self.base_width * 2**i for i in range(self.stages)]

    def to_dict(self) -> dict[str, int | str]:
        return asdict(self)
