"""The model and its images in one place.

An ``Engine`` is what the GUI's worker thread and the CLI drive. It owns the
one ``ImageSet`` (pictures, paths, splits, labels, masks) and the model; it
trains (``core.live_training``, its training half), scores (``core.scored_images``), projects and
inspects, and hands out immutable results (``core.results``) for whoever draws
them. It knows nothing of Qt.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import torch

from aeviewer.core.config import ModelConfig
from aeviewer.core.data import ImageSet, Split, read_picture
from aeviewer.core.denoising import DenoiseResult, denoise_picture
from aeviewer.core.full_resolution import FullResolution
from aeviewer.core.inference import inspect
from aeviewer.core.kept_models import Kept, KeptModels
from aeviewer.core.live_training import LiveTraining
from aeviewer.core.model import AnyAutoencoder, build_model, resolve_device
from aeviewer.core.noise_kinds import NoiseSpec
from aeviewer.core.patches import inspect_full
from aeviewer.core.projection import StableProjection
from aeviewer.core.results import Codes, Inspection
from aeviewer.core.scored_images import ScoredImages
from aeviewer.core.scoring import DEFAULT_SCORE, SCORES, own_score
from aeviewer.core.training import warm_up
from aeviewer.core.working_size import fit_within

MAX_SHOWN_SIDE = 1024  # denoised pictures in the compare panel are at most this big (saving is full size)


class Engine(ScoredImages, LiveTraining, FullResolution):
    """One model, its images and their latest scores (``core.scored_images``)."""

    def __init__(self, model_config: ModelConfig | None = None, device: str = "auto", seed: int = 0) -> None:
        self.seed = seed
        self.model_config = model_config or ModelConfig()
        self.device: torch.device = resolve_device(device)
        self.images = ImageSet.empty(self.model_config.image_size, self.model_config.channels)
        self.model_id = 0
        self.trained = False
        self.score_kind = DEFAULT_SCORE
        self.score_asked: str | None = None  # the score a person chose (None: each model's own, own_score)
        self.prefix: int | None = None  # an ordered model's code length in use (None: the whole code)
        self.kept = KeptModels()  # trained models of other sizes, shown again at once (core.kept_models)
        self.train_noise: tuple[NoiseSpec, ...] = ()  # what the model learns to remove; () = reconstruct
        self.train_epochs: int | None = None  # how many epochs the model's last run was set to (None: unknown)
        self.test_noise: NoiseSpec | None = None  # added before denoising an image; None = already noisy
        self._picture_cache: tuple[tuple, np.ndarray] | None = None
        self.interrupted: Callable[[], bool] = lambda: False  # the window closing: give up long work
        self.scoring: Callable[[int, int], None] = lambda done, total: None  # a whole pass: scored, of all
        self.beside: Callable[[], None] = lambda: None  # between two pictures of a pass: what may run beside it
        self.stream_paths: tuple[str, ...] = ()  # training files streamed from disk; the pictures are a sample
        self.model: AnyAutoencoder = self._new_model()
        warm_up()

    # -- data -----------------------------------------------------------------
    def set_images(self, images: ImageSet, stream_paths: tuple[str, ...] = ()) -> None:
        """Replace all images; the scores are forgotten. The model stays, unless the pictures
        have another working size or channel count (a grey dataset after the colour demo):
        then a fresh model of their shape takes its place. With ``stream_paths`` training reads
        those files (``core.streaming``) and ``images`` is the sample the views show."""
        if not isinstance(images, ImageSet):
            raise ValueError("images must be an ImageSet")
        _, h, w, channels = images.images.shape
        if h != w:
            raise ValueError(f"pictures must be square at their working size, not {w}x{h}")
        self.stream_paths = tuple(stream_paths)
        self._replace_images(images)
        self.kept.clear()  # they were trained on other pictures
        if (h, channels) != (self.model_config.image_size, self.model_config.channels):
            self.model_config = replace(self.model_config, image_size=h, channels=channels)
            self.model = self._new_model()

    def show_page(self, images: ImageSet) -> None:
        """Another page of the folder read from its files (``core.large_folders.page_rows``) in place of
        the pictures shown: the model, its training files and the kept models stay (their scores are of
        the pictures that go, and are measured again). Safe between training steps: a streamed run
        trains on the files, and these pictures are only what the views show."""
        if not self.stream_paths:
            raise ValueError("only a folder read from its files has pages")
        self._check_shape(images)
        self._replace_images(images)
        self.kept.forget_pictures()

    def _replace_images(self, images: ImageSet) -> None:
        self.images = images
        self._picture_cache = None
        self._forget_full()
        self._forget_scores()

    def add_images(self, images: ImageSet) -> range:
        """Append images (their scores are unknown until refreshed); returns their rows."""
        self._check_shape(images)
        start = len(self.images)
        before = self.images
        self.images = self.images.concatenated(images)
        self._full_added(before, images)
        k, n = self.model_config.latent_dim, len(images)
        self._codes = np.concatenate([self._codes, np.full((n, k), np.nan, np.float32)])
        self._errors = np.concatenate([self._errors, np.full(n, np.nan, np.float32)])
        self._scores = np.concatenate([self._scores, np.full(n, np.nan, np.float32)])
        return range(start, len(self.images))

    def _check_shape(self, images: ImageSet) -> None:
        c = self.model_config
        want = (c.image_size, c.image_size, c.channels)
        if not isinstance(images, ImageSet) or images.images.shape[1:] != want:
            raise ValueError(f"images must be an ImageSet of uint8 pictures shaped {want}")

    @property
    def train_rows(self) -> np.ndarray:
        return self.images.indices(Split.TRAIN)

    def source(self, index: int) -> str | None:
        """The file behind a dropped picture, read again at full size when denoising."""
        return self.images.paths[index] if self.images.splits[index] == Split.DROPPED else None

    # -- model ----------------------------------------------------------------
    def rebuild(
        self,
        model_config: ModelConfig | None = None,
        device: str | None = None,
        train_noise: tuple[NoiseSpec, ...] | None = None,
    ) -> None:
        """A fresh, untrained model (new code size, architecture, method, device or task); scores
        are forgotten. Its picture size and channels are the pictures' (set_images changes them):
        a config of another shape, sent before the pictures arrived, cannot mismatch them."""
        self._keep_current()
        if train_noise is not None:
            self.train_noise = tuple(train_noise)
        if model_config is not None:
            self.model_config = replace(model_config, image_size=self.model_config.image_size,
                                        channels=self.model_config.channels)
        if device is not None:
            self.device = resolve_device(device)
        self.model = self._new_model()

    def _new_model(self) -> AnyAutoencoder:
        self.model_id += 1
        self.trained, self.train_epochs = False, None
        # Only a model trained on synthetic defects has a learned map to score by.
        asked, method = self.score_asked, self.model_config.method
        learned_only = asked is not None and SCORES[asked].learned and method != "synthetic"
        self.score_kind = own_score(method) if asked is None or learned_only else asked
        model = build_model(self.model_config, seed=self.seed).to(self.device)
        model.eval()
        if not self.model_config.ordered or (self.prefix or 0) >= self.model_config.latent_dim:
            self.prefix = None
        model.prefix = self.prefix
        self._projection = StableProjection()
        self._forget_scores()
        return model

    def adopt(
        self,
        model: AnyAutoencoder,
        config: ModelConfig,
        score_kind: str,
        train_noise: tuple[NoiseSpec, ...],
        images: ImageSet | None,
        latest: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
        trained: bool = True,
        heat_scale: float = 1.0,
        pixel_auroc: float | None = None,
    ) -> None:
        """Take over a model from a session (a new model id), with its pictures and their saved
        codes, errors and scores (and pixel AUROC) when given; without pictures the current ones stay,
        if they fit."""
        if images is None and self.images.images.shape[1:] != (config.image_size, config.image_size, config.channels):
            images = ImageSet.empty(config.image_size, config.channels)
        if images is not None:
            self.images = images
            self.stream_paths = ()
            self._picture_cache = None
            self._forget_full()
            self.kept.clear()
        self.model_config, self.score_kind, self.train_noise = config, score_kind, tuple(train_noise)
        self.model_id += 1
        self.model = model.to(self.device).eval()
        self._projection = StableProjection()
        self._forget_scores()
        self.trained = trained
        if latest is not None:
            self._codes, self._errors, self._scores = (np.array(a, np.float32) for a in latest)
            self._heat_scale = heat_scale
            self._pixels = pixel_auroc

    def _keep_current(self) -> None:
        if self.trained and not self.model_config.ordered:
            self.kept.keep(Kept(self.model, self.model_config, self.train_noise, *self.latest(), self.score_kind,
                                self._heat_scale))

    @property
    def kept_sizes(self) -> tuple[int, ...]:
        """Code sizes of kept trained models like this one (same pictures, architecture, task)."""
        return self.kept.sizes(self.model_config, self.train_noise)

    def use_kept(self, size: int) -> bool:
        """Show the kept model trained at ``size`` again (this one is kept in its place); False if none."""
        entry = self.kept.take(self.model_config, self.train_noise, size)
        if entry is None:
            return False
        self._keep_current()
        self.model_config, self.model = entry.config, entry.model.to(self.device).eval()
        self.model_id += 1
        self.prefix = None
        self._projection = StableProjection()
        self._forget_scores()
        self.trained = True
        self._codes, self._errors, scores = entry.padded(len(self.images))
        if entry.score_kind == self.score_kind:
            self._scores = scores
        self._heat_scale = entry.heat_scale
        return True

    def set_prefix(self, k: int | None) -> None:
        """Rebuild from the first ``k`` numbers of an ordered model's code (None: all of them); no
        retraining. Scores are refreshed by the next evaluation."""
        if not self.model_config.ordered:
            raise ValueError("only an ordered model can use part of its code: this one was trained at one size")
        size = self.model_config.latent_dim
        if k is not None and not 1 <= k <= size:
            raise ValueError(f"the code has {size} numbers: use 1 to {size}")
        self.prefix = None if k is None or k >= size else int(k)
        self.model.prefix = self.prefix
        self._projection = StableProjection()  # another number of coordinates: a fresh plane

    def codes_shown(self) -> Codes:
        """Every picture's code at the length the plot uses (NaN rows where not known yet)."""
        return Codes(self.model_id, self.prefix, self._codes[:, : self.code_length].copy())

    @property
    def projection(self) -> StableProjection:
        """How codes became the plot's points (the last fit), and back (``inverse``)."""
        return self._projection

    @property
    def code_length(self) -> int:
        """How many numbers of the code the reconstructions use."""
        return self.prefix or self.model_config.latent_dim

    @property
    def denoising(self) -> bool:
        return bool(self.train_noise)

    def inspect(self, index: int) -> Inspection:
        if not 0 <= index < len(self.images):
            raise IndexError(f"no image {index}")
        if not self.denoising and self.model_config.patches:
            full = self.full_pictures()
            return inspect_full(self.model, full.pictures[index], full.shapes[index], index, self.device,
                                self.model_id)
        if not self.denoising:
            return replace(inspect(self.model, self.images.images, index, self.device, self.model_id),
                           prefix=self.prefix)
        result = self.denoise(index, max_side=MAX_SHOWN_SIDE)
        return Inspection(
            model_id=self.model_id,
            index=index,
            input=result.noisy,
            recon=result.output,
            difference=result.residual,
            error=result.error,
            denoising=True,
            clean=result.clean,
            quality=result.quality(),
            noise=result.noise.describe() if result.noise is not None else "",
            prefix=self.prefix,
        )

    def picture(self, index: int, max_side: int | None = None) -> np.ndarray:
        """Image ``index`` as float (H, W, C): its file at full size when it has one, else the working image.

        The last picture read is kept, so refreshing the selected image during training reads no file.
        """
        key = (index, max_side, self.source(index))
        if self._picture_cache is not None and self._picture_cache[0] == key:
            return self._picture_cache[1]
        pixels = self.images.images[index]
        if key[2] is not None:
            with contextlib.suppress(ValueError):  # gone or changed since loaded: the working copy stands
                pixels = read_picture(key[2], self.model_config.channels)
        if max_side is not None:
            pixels = fit_within(pixels, max_side)
        picture = pixels.astype(np.float32) / 255.0
        self._picture_cache = (key, picture)
        return picture

    def denoise(
        self, index: int, max_side: int | None = None, progress: Callable[[int, int], None] | None = None
    ) -> DenoiseResult:
        """Image ``index`` with the test noise added (or as it is, when there is none), cleaned by the model.

        The noise is seeded by the index, so the same image shows the same noise every time.
        ``progress(tiles_done, tiles)`` is called as the tiles are cleaned.
        """
        picture = self.picture(index, max_side)
        return denoise_picture(self.model, picture, self.device, self.test_noise, seed=index, progress=progress)
