"""What the window and the torch thread say to each other: typed, frozen, torch-free.

Commands go down a queue to the worker; results come back up one signal. The
results that belong to one model (``core.results``) carry its ``model_id``; the
ones here belong to the worker as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from aeviewer.core.config import ModelConfig, TrainConfig
from aeviewer.core.data import ImageSet
from aeviewer.core.noise_kinds import NoiseSpec

# -- commands (GUI -> worker) ----------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """A request to the worker. Subclasses say what it is doing (for messages: "Something
    went wrong while <doing>") and whether it is exclusive (it ends a training run, since
    it needs the model to itself): ``class SetImages(Command, doing=..., exclusive=True)``."""

    doing: ClassVar[str] = "working"
    exclusive: ClassVar[bool] = False

    def __init_subclass__(cls, doing: str = "working", exclusive: bool = False, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.doing, cls.exclusive = doing, exclusive


@dataclass(frozen=True)
class SetImages(Command, doing="loading the images", exclusive=True):
    """Replace every picture (the demo, a dataset). ``stream``: a folder too large for memory, whose
    training files are decoded batch by batch while ``images`` is a sample of it (core.streaming)."""

    images: ImageSet
    stream: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShowPage(Command, doing="showing another page of the folder"):
    """Another page of the folder being read from its files (core.large_folders.page_rows) in place of
    the pictures shown; the model and a run training on the files go on."""

    images: ImageSet


@dataclass(frozen=True)
class AddImages(Command, doing="adding the images"):
    """Add pictures (dropped ones); training goes on."""

    images: ImageSet


@dataclass(frozen=True)
class Retrain(Command, doing="training", exclusive=True):
    """A fresh model with these settings, trained from scratch."""

    train: TrainConfig
    model: ModelConfig | None = None  # None: the current size and architecture
    device: str | None = None  # None: the current device
    prefix: int | None = None  # an ordered model: rebuild from its first ``prefix`` numbers


@dataclass(frozen=True)
class SetPrefix(Command, doing="changing the code size"):
    """An ordered model rebuilds from the first ``k`` numbers of its code: no retraining. The
    selected picture is redrawn first, then every picture is scored again."""

    k: int


@dataclass(frozen=True)
class DecodePoint(Command, doing="decoding a point of the latent plot"):
    """The decoder's picture for a position (x, y) in the latent plot."""

    x: float
    y: float


@dataclass(frozen=True)
class WalkBetween(Command, doing="walking between two pictures' codes"):
    """Pictures decoded along the line from picture ``start``'s code to picture ``end``'s."""

    start: int
    end: int


@dataclass(frozen=True)
class SendCodes(Command, doing="reading the codes"):
    """Every picture's code as the plot would use it (for a t-SNE or UMAP map)."""


@dataclass(frozen=True)
class UseKept(Command, doing="showing the kept model", exclusive=True):
    """Show again the trained model of ``size`` numbers that was kept when another replaced it."""

    size: int


@dataclass(frozen=True)
class MeasureCompression(Command, doing="measuring the compression"):
    """Bytes against error for the model's code and JPEG, and picture ``row`` rebuilt from 1, 2, 4, ...
    numbers (an ordered model)."""

    row: int | None


@dataclass(frozen=True)
class Inspect(Command, doing="inspecting the image"):
    """Show this picture in the compare panel, and keep it fresh while training."""

    row: int


@dataclass(frozen=True)
class SetScoreKind(Command, doing="scoring the images"):
    """Score every picture another way (a key of core.scoring.SCORES)."""

    kind: str


@dataclass(frozen=True)
class SetTestNoise(Command, doing="adding the test noise"):
    """The noise added before the denoiser cleans the selected picture (None: it is noisy already)."""

    noise: NoiseSpec | None


@dataclass(frozen=True)
class SaveDenoised(Command, doing="saving the denoised picture"):
    """Clean picture ``row`` at full size and write it to ``path`` as a PNG."""

    row: int
    path: str


@dataclass(frozen=True)
class SaveSession(Command, doing="saving the session"):
    """Write the model, the pictures and the view to ``path`` (atomically). ``change`` is the window's
    change count when it asked, so it knows whether anything changed since; an autosave leaves the
    window's own file and unsaved mark alone."""

    path: str
    threshold: float
    view: dict
    change: int = 0
    autosave: bool = False


@dataclass(frozen=True)
class OpenSession(Command, doing="opening the session", exclusive=True):
    """Replace the model, the pictures and the view with a session file's."""

    path: str
    autosave: bool = False  # a restored autosave: its pictures open, but it is no file of the person's
    follow: bool = False  # a training run's session, followed: its checkpoint's sample of pictures opens
    selected: int | None = None  # the picture to show once opened (following keeps the one on show)


@dataclass(frozen=True)
class ExportModel(Command, doing="exporting the model"):
    """Write the model as ``fmt`` ('onnx' or 'torchscript') with its sidecar, and check it on the pictures."""

    path: str
    fmt: str
    threshold: float


@dataclass(frozen=True)
class Shutdown(Command, exclusive=True):
    """End the worker's loop (after stopping any training)."""


# -- results that belong to no one model (worker -> GUI) ------------------------------------


@dataclass(frozen=True)
class ImagesChanged:
    """The engine's pictures now; ``added`` is the rows just appended (None: all replaced)."""

    images: ImageSet
    added: range | None = None


@dataclass(frozen=True)
class Failed:
    """A command (or the worker's loop) raised: what it was doing, and the traceback."""

    doing: str
    details: str  # the traceback

    @property
    def last_line(self) -> str:
        lines = self.details.strip().splitlines()
        return lines[-1] if lines else "unknown error"


@dataclass(frozen=True)
class Saving:
    """A denoised picture being saved: tiles cleaned so far, of all; ``path`` once it is written."""

    done: int
    total: int
    path: str = ""


@dataclass(frozen=True)
class Scoring:
    """A whole pass of the model over the pictures (an opened session, the end of training, a rescore):
    pictures scored so far, of all. Sent only for a pass that takes a while (qt.worker_reports.ScoringRelay)."""

    done: int
    total: int


@dataclass(frozen=True)
class SessionSaved:
    """A session file was written."""

    path: str
    change: int
    autosave: bool


@dataclass(frozen=True)
class SessionOpened:
    """A session file was opened: the model (its ModelReady came first) and its view."""

    model_id: int
    path: str
    threshold: float | None  # the threshold the person had dragged to (None: the default rule)
    view: dict
    missing: list  # core.data.Failure of pictures that could not be found or read
    trained: bool
    autosave: bool
    follow: bool = False
    epochs: int | None = None  # the epochs its model was last trained for, where the session says


@dataclass(frozen=True)
class RunFollowed:
    """Where a followed training run stands (from the checkpoint in its session file)."""

    model_id: int
    path: str
    epochs_done: int
    epochs: int
    losses: np.ndarray  # the run's batch losses, thinned
    written: float  # time.time() of the checkpoint
    finished: bool
    world_size: int


@dataclass(frozen=True)
class Exported:
    """A model was exported: the files written and the parity check's verdict in words."""

    paths: tuple[str, ...]
    parity: str
    ok: bool


@dataclass(frozen=True)
class Refused:
    """A request that could not be done for a reason a person can act on (not a bug)."""

    title: str
    text: str


@dataclass(frozen=True)
class Notice:
    """Something a person should know that is no error (shown in the status bar)."""

    text: str
