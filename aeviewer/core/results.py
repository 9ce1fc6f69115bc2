"""What the torch thread hands to whoever draws: immutable, numpy only, no torch.

Every result that belongs to one model carries that model's ``model_id`` (its
generation), so a result that arrives after the model was replaced can be
dropped in one place (the window's presenter).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from aeviewer.core.config import ModelConfig
from aeviewer.core.data import ImageSet
from aeviewer.core.evaluation import Evaluation
from aeviewer.core.noise_kinds import NoiseSpec
from aeviewer.core.working_size import cut, mask_at, maybe_cut


class Interrupted(Exception):  # noqa: N818 (not an error: the app is closing)
    """Work given up because the app is closing (not an error to report)."""


class DeviceMemoryError(RuntimeError):
    """The device ran out of memory even with one picture a batch: only another device helps."""


@dataclass(frozen=True)
class OutOfMemory:
    """A run ended because the device ran out of memory at the smallest batch (the window offers the CPU)."""

    model_id: int
    text: str


@dataclass(frozen=True)
class Step:
    """What one batch did. ``compute_seconds`` excludes time spent paused."""

    epoch: int  # 0-based
    epochs: int
    batch: int  # 0-based, within the epoch
    batches_per_epoch: int
    loss: float
    images_seen: int
    images_total: int
    compute_seconds: float
    rows: np.ndarray | None = None  # which training images this batch held (recorded runs only)
    codes: np.ndarray | None = None  # codes (b, K) of the first b <= B of them (b < B with augmentation)
    errors: np.ndarray | None = None  # their mean squared errors (B,)
    scores: np.ndarray | None = None  # their anomaly scores of the kind asked for, when cheap here
    restarts: int = 0  # how often the run started again after a collapse
    recoveries: int = 0  # how often the weights went back after the loss blew up
    note: str = ""  # what happened, when something did (a restart, a recovery)

    @property
    def fraction_done(self) -> float:
        return self.images_seen / max(self.images_total, 1)

    @property
    def images_per_second(self) -> float:
        return self.images_seen / self.compute_seconds if self.compute_seconds > 0 else 0.0

    @property
    def seconds_left(self) -> float:
        rate = self.images_per_second
        return (self.images_total - self.images_seen) / rate if rate > 0 else float("inf")


@dataclass(frozen=True)
class ImageResults:
    """Every image under one model: its error, its score (with the evaluation) and its 2-D point."""

    model_id: int
    errors: np.ndarray  # (N,) float32, mean squared error; NaN where not yet known
    points: np.ndarray  # (N, 2) float32; NaN where not yet known
    heat_scale: float  # top of the fixed difference colour scale
    final: bool  # False while training is in progress (the numbers are moving)
    evaluation: Evaluation  # scores of the chosen kind, threshold, flags, AUROC, ...
    prefix: int | None = None  # an ordered model's code length these are for (None: the whole code)
    explained: tuple[float, float] | None = None  # the plot axes' shares of the codes' variance (PCA)

    @property
    def scores(self) -> np.ndarray:
        return self.evaluation.scores

    @property
    def score_kind(self) -> str:
        return self.evaluation.score_kind


@dataclass(frozen=True)
class Snapshot:
    """What the views draw during training."""

    model_id: int
    step: Step
    losses: np.ndarray  # loss of every batch so far
    results: ImageResults | None  # None while nobody watches (live=False); the last one always has them


@dataclass(frozen=True)
class Inspection:
    """One image in detail, for the compare panel."""

    model_id: int
    index: int
    input: np.ndarray  # (H, W, C) float32 in [0, 1]
    recon: np.ndarray  # (H, W, C) float32 in [0, 1]
    difference: np.ndarray  # (H, W) float32
    error: float
    # Denoising: ``input`` is what the model saw (noisy), ``recon`` its output,
    # ``difference`` the residual; ``clean`` the original when noise was added.
    denoising: bool = False
    clean: np.ndarray | None = None
    quality: dict[str, float] | None = None  # PSNR / SSIM of input and output against clean
    noise: str = ""  # which test noise was added, in words; "" when none
    learned: np.ndarray | None = None  # (H, W) in [0, 1]: the learned defect map, for models that have one
    prefix: int | None = None  # an ordered model's code length this was rebuilt from (None: the whole code)
    # (H, W) in [0, 1]: where the learned map or its small patches are unusual (core.unusual_maps.unusual_places),
    # for a tile model of a surface, whose combined score has the patches as a part; else None
    texture_map: np.ndarray | None = None

    @property
    def texture(self) -> bool:
        """The combined score has a texture part (core.texture)."""
        return self.texture_map is not None

    @property
    def followed(self) -> float:
        """How closely the reconstruction follows the input: the correlation of their grey values (1: every
        change; near 0: flat, as a tile model's reconstruction of a fine texture is). 1 for a flat input."""
        x, r = self.input.mean(axis=-1).ravel(), self.recon.mean(axis=-1).ravel()
        if x.size < 2 or float(x.std()) < 1e-6:
            return 1.0
        if float(r.std()) < 1e-6:
            return 0.0
        return float(np.corrcoef(x, r)[0, 1])

    def layout(self, shown: str) -> str:
        """What the compare panel shows it in (``ModelReady.layout``), given the one ``shown`` now: a
        tile model's map of unusual places stays in place, empty, until its texture part is fitted."""
        if self.denoising:
            return "denoise"
        if self.learned is None:
            return "reconstruct"
        return "surface" if self.texture or shown == "surface" else "defects"

    def within(self, box: tuple[int, int, int, int]) -> Inspection:
        """The same pictures cut to ``box`` (top, left, height, width): a working-size picture's
        own part of its square, without the filling (core.working_size.content_box)."""
        if box[:2] == (0, 0) and box[2:] == self.difference.shape:
            return self
        return replace(self, input=cut(self.input, box), recon=cut(self.recon, box),
                       difference=cut(self.difference, box), clean=maybe_cut(self.clean, box),
                       learned=maybe_cut(self.learned, box), texture_map=maybe_cut(self.texture_map, box))


def as_shown(ins: Inspection, images: ImageSet) -> tuple[Inspection, np.ndarray | None]:
    """``ins`` as the compare panel draws it, with its picture's defect mask on it (None without one):
    a picture at working size without its square's filling, a tile model's at its own size."""
    mask = images.masks.get(ins.index)
    if ins.difference.shape == images.images.shape[1:3]:
        box = images.box(ins.index)
        return ins.within(box), maybe_cut(mask, box)
    if mask is not None and mask.shape != ins.difference.shape:
        mask = mask_at(mask, ins.difference.shape) > 0
    return ins, mask


@dataclass(frozen=True)
class ModelReady:
    """A new model exists (fresh weights): what it is and where it runs."""

    model_id: int
    config: ModelConfig
    device: str
    cuda_available: bool
    train_noise: tuple[NoiseSpec, ...]
    score_kind: str = "local"  # what its pictures are scored by (core.scoring.SCORES)
    prefix: int | None = None  # an ordered model's code length in use (None: the whole code)
    trained: bool = False  # a kept model shown again, or one from a session: no training needed
    kept_sizes: tuple[int, ...] = ()  # other sizes of trained models like this one, shown again at once
    # its combined score has a texture part (core.texture), or will once trained: a tile model of a surface
    # trained on synthetic defects (not one from a session saved before the part, which scores without it)
    texture: bool = False

    @property
    def code_length(self) -> int:
        return self.prefix or self.config.latent_dim

    @property
    def denoising(self) -> bool:
        return bool(self.train_noise)

    @property
    def layout(self) -> str:
        """What the compare panel shows for it: 'reconstruct', 'denoise', 'defects', or 'surface' for a
        model whose score has a texture part (core.texture)."""
        if self.denoising:
            return "denoise"
        if self.config.method != "synthetic":
            return "reconstruct"
        return "surface" if self.texture else "defects"


@dataclass(frozen=True)
class TrainingStarted:
    """The model ``model_id`` has begun training (its first snapshots follow)."""

    model_id: int


@dataclass(frozen=True)
class TrainingEnd:
    """A training run is over: finished, stopped by a person, or failed; ``trained`` if it finished."""

    model_id: int
    reason: str  # "done", "stopped", "error", or "cancelled" (stopped before it began)
    trained: bool


@dataclass(frozen=True)
class CompressionReport:
    """What the Compression tab draws, for one model at one code length."""

    model_id: int
    prefix: int | None
    input_values: int
    model_points: tuple  # core.compression.Point per code size (one for a model trained at one size)
    jpeg_points: tuple  # core.compression.Point per JPEG quality
    pictures: int  # how many pictures the curves are over
    which: str  # which pictures, in words
    row: int | None = None
    ladder: tuple = ()  # (k, picture (S, S, C) float, PSNR) for the selected picture
    reason: str = ""  # why there is nothing to draw (a U-Net, no pictures)


@dataclass(frozen=True)
class Decoded:
    """The decoder's picture for a position in the latent plot that no picture need have."""

    model_id: int
    prefix: int | None
    x: float
    y: float
    picture: np.ndarray  # (H, W, C) float in [0, 1]
    how: str  # how the position became a code, in words


@dataclass(frozen=True)
class Walked:
    """Pictures decoded along the straight line between two pictures' codes."""

    model_id: int
    prefix: int | None
    start: int
    end: int
    pictures: np.ndarray  # (steps, H, W, C) float in [0, 1]; the first and last are the two reconstructions


@dataclass(frozen=True)
class Codes:
    """Every picture's code at the shown length (for a map of them other than PCA)."""

    model_id: int
    prefix: int | None
    codes: np.ndarray  # (N, k) float32, NaN rows where not known yet
