"""Settings and choices, without torch: the window and the CLI's parser read them.

PyTorch takes over a second to import; the window imports this module on the
GUI thread and leaves torch to the worker thread (a test checks, through a
retrain). Every list of choices (devices, architectures, scores, noises) is
spelled out here once; the window's combo boxes and the CLI's options are
built from these.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from aeviewer.core.noise_kinds import NOISES, NoiseSpec
from aeviewer.core.scoring import DEFAULT_SCORE, SCORES

DEVICES = ("auto", "cpu", "cuda")
NOISE_KINDS = tuple(NOISES)
SCORE_KINDS = tuple(SCORES)

MAX_STAGES = 4
MIN_SPATIAL = 4
ARCHITECTURES = {
    "bottleneck": "Bottleneck: everything passes through the code",
    "skip": "Skip connections (U-Net): detail goes around the code",
}
METHODS = {
    "reconstruct": "Reconstruct: the difference between a picture and its reconstruction",
    "synthetic": "Learned from synthetic defects: a second network finds the differences that matter",
}
# Adam's rate for each. The U-Net's loss blew up at 2e-3 on the banana demo (denoising,
# batch ~180); at 1e-3 it trained smoothly and reached a lower loss.
LEARNING_RATES = {"bottleneck": 2e-3, "skip": 1e-3}
# The synthetic method's loss (reconstruction plus the segmenter's) blew up at 2e-3 on both
# ELPV sets (the guard rolled back to 6e-4); it starts lower.
SYNTHETIC_LEARNING_RATE = 1e-3


def learning_rate(architecture: str, method: str = "reconstruct") -> float:
    """Adam's starting rate for a model of this architecture and method."""
    return SYNTHETIC_LEARNING_RATE if method == "synthetic" else LEARNING_RATES[architecture]


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild the same network."""

    image_size: int = 64
    channels: int = 3
    latent_dim: int = 16
    base_width: int = 16
    architecture: str = "bottleneck"
    method: str = "reconstruct"  # "synthetic": trained with pasted defects, plus a defect segmenter
    # Ordered code (nested dropout): any first k of the latent_dim numbers is a usable code, so one
    # model serves every code size up to latent_dim (core.ordered).
    ordered: bool = False
    # Full resolution (core.patches): the model is a tile model of image_size, trained on random crops
    # of the pictures at patch_scale of their own size; pictures are scored whole, in overlapping tiles.
    patches: bool = False
    patch_scale: float = 1.0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}: use one of {', '.join(METHODS)}")
        if self.method == "synthetic" and self.architecture != "bottleneck":
            raise ValueError("the synthetic method rebuilds through the bottleneck: a U-Net would copy defects")
        if self.ordered and (self.architecture != "bottleneck" or self.method != "reconstruct"):
            raise ValueError("an ordered code is for the bottleneck model that reconstructs")
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"unknown architecture {self.architecture!r}: use one of {', '.join(ARCHITECTURES)}")
        if self.channels not in (1, 3):
            raise ValueError("channels must be 1 or 3")
        if self.latent_dim < 1:
            raise ValueError("latent_dim must be at least 1")
        if self.image_size < 8:
            raise ValueError("image_size must be at least 8")
        if not 0.05 <= self.patch_scale <= 1.0:
            raise ValueError("the patch scale must be between 0.05 and 1 (1: the pictures' own size)")
        if self.patches and self.ordered:
            raise ValueError("an ordered code is for whole pictures at working size, not patches")

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

    def to_dict(self) -> dict[str, int | str | float | bool]:
        return asdict(self)


@dataclass(frozen=True)
class TrainConfig:
    """How to train: the loop's settings, the task (denoise noise) and augmentation."""

    epochs: int = 40
    batch_size: int = 64
    learning_rate: float = LEARNING_RATES["bottleneck"]
    seed: int = 0
    denoise: tuple[NoiseSpec, ...] = ()  # empty: reconstruct; else noisy in, clean out
    augment: bool = False  # show each batch flipped and/or turned by quarter turns (orientation-free pictures)

    def __post_init__(self) -> None:
        object.__setattr__(self, "denoise", tuple(self.denoise))
        if self.epochs < 1:
            raise ValueError("epochs must be at least 1")
        if self.batch_size < 1:
            raise ValueError("batch size must be at least 1")
        if not (0 < self.learning_rate < 1):
            raise ValueError("learning rate must be between 0 and 1")


__all__ = [
    "ARCHITECTURES", "DEFAULT_SCORE", "DEVICES", "LEARNING_RATES", "METHODS", "NOISE_KINDS", "SCORE_KINDS",
    "ModelConfig", "TrainConfig", "learning_rate",
]

ORDERED_SIZE = 64  # the numbers an ordered model keeps (core.ordered): the slider's range when it is in use
SESSION_SUFFIX = ".aesession"  # a session file (core.session): the model, and from the window its pictures
