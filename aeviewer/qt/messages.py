"""What the window and the torch thread say to each other: typed, frozen, torch-free.

Commands go down a queue to the worker; results come back up one signal. The
results that belong to one model (``core.results``) carry its ``model_id``; the
ones here belong to the worker as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from aeviewer.core.config import ModelConfig, TrainConfig
from aeviewer.core.data import ImageSet
from aeviewer.core.noise_kinds import NoiseSpec

# -- commands (GUI -> worker) ----------------------------------------------------------


@dataclass(frozen=True)
class Command:
    doing: ClassVar[str] = "working"  # for messages: "Something went wrong while <doing>"
    exclusive: ClassVar[bool] = False  # ends a training run: it needs the model to itself


@dataclass(frozen=True)
class SetImages(Command):
    """Replace every picture (the demo, a dataset)."""

    images: ImageSet
    doing: ClassVar[str] = "loading the images"
    exclusive: ClassVar[bool] = True


@dataclass(frozen=True)
class AddImages(Command):
    """Add pictures (dropped ones); training goes on."""

    images: ImageSet
    doing: ClassVar[str] = "adding the images"


@dataclass(frozen=True)
class Retrain(Command):
    """A fresh model with these settings, trained from scratch."""

    train: TrainConfig
    model: ModelConfig | None = None  # None: the current size and architecture
    device: str | None = None  # None: the current device
    doing: ClassVar[str] = "training"
    exclusive: ClassVar[bool] = True


@dataclass(frozen=True)
class Inspect(Command):
    """Show this picture in the compare panel, and keep it fresh while training."""

    row: int
    doing: ClassVar[str] = "inspecting the image"


@dataclass(frozen=True)
class SetScoreKind(Command):
    kind: str
    doing: ClassVar[str] = "scoring the images"


@dataclass(frozen=True)
class SetTestNoise(Command):
    noise: NoiseSpec | None  # None: the picture is noisy already
    doing: ClassVar[str] = "adding the test noise"


@dataclass(frozen=True)
class SaveDenoised(Command):
    row: int
    path: str
    doing: ClassVar[str] = "saving the denoised picture"


@dataclass(frozen=True)
class Shutdown(Command):
    exclusive: ClassVar[bool] = True


# -- results that belong to no one model (worker -> GUI) ------------------------------------


@dataclass(frozen=True)
class ImagesChanged:
    """The engine's pictures now; ``added`` is the rows just appended (None: all replaced)."""

    images: ImageSet
    added: range | None = None


@dataclass(frozen=True)
class Failed:
    doing: str
    details: str  # the traceback

    @property
    def last_line(self) -> str:
        lines = self.details.strip().splitlines()
        return lines[-1] if lines else "unknown error"


@dataclass(frozen=True)
class Notice:
    """Something a person should know that is no error (shown in the status bar)."""

    text: str


@dataclass(frozen=True)
class SaveProgress:
    done: int
    total: int


@dataclass(frozen=True)
class Saved:
    path: str
