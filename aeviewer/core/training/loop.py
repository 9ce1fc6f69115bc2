"""The training loop as a plain generator: fit -> attempt -> epoch -> step.

``train_steps`` yields one immutable ``Step`` per batch. The consumer decides
what happens between batches: the GUI worker serves inference requests and
pauses simply by not pulling the next step; the CLI just iterates. Stopping is a
``threading.Event`` checked before every batch, so a stop lands within one batch.

With ``TrainConfig.denoise`` set, each batch's inputs are corrupted on the fly
(fresh noise every batch) while the clean images stay the target. The guards
(``core.training.guards``) restart a collapsed run and roll back a blown-up one.

``record=True`` (a window is watching) adds to every step what the views need
anyway: which rows the batch held, their codes and errors, and live anomaly
scores from ``batch_scorer``. A run nobody watches (the CLI) skips all of it.

Under torchrun (``world``, see ``core.distributed``) the objective runs inside
DistributedDataParallel, each process trains on its share of every epoch, and the
loss the guards read is the mean over the processes. ``resume`` continues a run from
a checkpoint (its epoch, Adam's state and learning rate); ``on_epoch(trainer, epoch)``
is called after every finished epoch (the CLI writes checkpoints there).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from aeviewer.core.config import TrainConfig
from aeviewer.core.defect_model import DefectModel, segmentation_loss
from aeviewer.core.distributed import SINGLE, World, averaged, epoch_rows
from aeviewer.core.model import AnyAutoencoder, Autoencoder
from aeviewer.core.noise import corrupt, make_generator
from aeviewer.core.ordered import keep_first, random_prefixes
from aeviewer.core.results import DeviceMemoryError, Step
from aeviewer.core.streaming import PictureStream
from aeviewer.core.synthetic import paste_defects
from aeviewer.core.training.augment import augment_batch
from aeviewer.core.training.control import RunControl
from aeviewer.core.training.guards import (
    COLLAPSE_SPREAD,
    COLLAPSE_WARMUP,
    MAX_RECOVERIES,
    MAX_RESTARTS,
    RESTART_LR_FACTOR,
    BlowUpGuard,
    CollapseWatch,
    output_spread,
    reinitialise,
)

AUGMENTED_CODE_SAMPLE = 16  # pictures of an augmented batch whose unturned code is recorded

BatchScorer = Callable[[torch.Tensor, torch.Tensor], "torch.Tensor | None"]
FLOAT_COPY_BYTES = 256 << 20  # pictures whose floats would take less are made floats once
RANK_SEED_STRIDE = 7919  # each process draws its own noise and defects: seed + rank x this


@dataclass(frozen=True)
class Resume:
    """Where a checkpointed run stood: epochs done, Adam's state, the learning rate then."""

    epochs_done: int
    optimiser: dict[str, Any]
    learning_rate: float


class Objective(nn.Module):
    """The model and its loss as one module, so that DistributedDataParallel, which wraps a
    module's forward, sees every parameter the loss uses (the encoder and decoder called
    apart for an ordered code, the segmenter of the synthetic method)."""

    def __init__(self, model: AnyAutoencoder) -> None:
        super().__init__()
        self.model = model

    def forward(self, x_in: torch.Tensor, x: torch.Tensor, prefixes: torch.Tensor | None = None,
                mask: torch.Tensor | None = None):
        if prefixes is not None:  # an ordered code: each picture rebuilt from its first k numbers
            assert isinstance(self.model, Autoencoder)
            z = self.model.encode(x_in)
            recon = self.model.decode(keep_first(z, prefixes))
        else:
            recon, z = self.model(x_in)
        per_image = ((recon - x) ** 2).mean(dim=(1, 2, 3))
        loss = per_image.mean()
        if mask is not None:
            assert isinstance(self.model, DefectModel)
            loss = loss + segmentation_loss(self.model.training_logits(x_in, recon), mask)
        return recon, z, per_image, loss


class Trainer:
    """One training run of ``model`` on uint8 ``images`` (N, H, W, C), or on pictures streamed
    from their files (a ``core.streaming.PictureStream``); see ``train_steps``."""

    def __init__(
        self,
        model: AnyAutoencoder,
        images: np.ndarray | PictureStream,
        config: TrainConfig,
        device: torch.device,
        control: RunControl | None = None,
        batch_scorer: BatchScorer | None = None,
        record: bool = True,
        world: World = SINGLE,
        resume: Resume | None = None,
        on_epoch: Callable[[Trainer, int], None] | None = None,
    ) -> None:
        self.n = len(images)
        if self.n == 0:
            raise ValueError("there are no training images")
        self.model, self.config, self.device = model, config, device
        self.control, self.batch_scorer, self.record = control, batch_scorer, record
        self.world, self.resume, self.on_epoch = world, resume, on_epoch
        # Channels-last: PyTorch's CPU convolutions run faster on it (U-Net 110 -> 151 images/s,
        # bottleneck 742 -> 834 on this machine); the numbers are the same.
        model.to(device=device, memory_format=torch.channels_last)  # type: ignore[call-overload]  # torch's stub lacks it
        self.stream = images if isinstance(images, PictureStream) else None
        # Many pictures stay uint8 (N, H, W, C) on the device, a quarter of floats, and each batch becomes
        # floats as it is used (20,000 colour 64x64 ones: peak 2.6 -> 1.2 GB, 979 -> 1,744 img/s). A few
        # are made floats once: there a batch's gather beats its conversion (the demo: 6 % faster).
        # The numbers are the same either way.
        self.data = None
        if self.stream is None:
            pixels = torch.from_numpy(np.require(images, np.uint8, requirements="W")).to(device)
            self.data = pixels if pixels.numel() * 4 > FLOAT_COPY_BYTES else self._floats(pixels)
        self.objective: nn.Module = Objective(model)
        if world.distributed:  # broadcasts rank 0's weights now; averages the gradients in every backward
            from torch.nn.parallel import DistributedDataParallel

            self.objective = DistributedDataParallel(
                self.objective, device_ids=[device.index] if device.type == "cuda" else None)
        rank_seed = config.seed + RANK_SEED_STRIDE * world.rank
        self.noise_gen = make_generator(device, rank_seed + 1) if config.denoise else None
        # The synthetic method: defects pasted into half of every batch, and a segmenter to find them.
        self.defects = model if isinstance(model, DefectModel) else None
        self.defect_gen = make_generator(device, rank_seed + 2) if self.defects is not None else None
        if self.defect_gen is not None and config.denoise:
            raise ValueError("a model trained on synthetic defects does not denoise: choose one or the other")
        self.prefix_gen = (torch.Generator(device="cpu").manual_seed(rank_seed + 3)
                           if getattr(getattr(model, "config", None), "ordered", False) else None)
        self.generator = torch.Generator(device="cpu").manual_seed(config.seed)
        self.batch_size = config.batch_size  # smaller after the device runs out of memory
        self.share = self.stream.share if self.stream is not None else -(-self.n // world.size)  # an epoch's rows
        self.batches = (self.share + config.batch_size - 1) // config.batch_size
        self.total = self.n * config.epochs
        self.learning_rate = resume.learning_rate if resume is not None else config.learning_rate
        if resume is not None:
            if not 0 <= resume.epochs_done < config.epochs:
                raise ValueError(f"the checkpoint has {resume.epochs_done} of {config.epochs} epochs done: "
                                 "nothing is left to train (ask for more --epochs)")
            self.generator.manual_seed(config.seed + resume.epochs_done)
        self.restarts = self.recoveries = 0
        self.losses: list[float] = []  # every batch's loss (averaged over the processes)
        self.note = ""

    # -- fit: attempts until one is not a collapse ------------------------------------
    def fit(self) -> Iterator[Step]:
        self.model.train()
        try:
            while (yield from self._attempt()) == "collapsed":
                self.restarts += 1
                self.learning_rate *= RESTART_LR_FACTOR
                self.note = (
                    f"The model collapsed to one picture for every input; started again "
                    f"from fresh weights at learning rate {self.learning_rate:.2g} (restart {self.restarts})."
                )
                reinitialise(self.model, self.config.seed + 1000 * self.restarts)
        finally:
            self.model.eval()

    def _attempt(self) -> Generator[Step, None, str]:
        """One pass from the current weights: 'done', 'stopped' or 'collapsed'."""
        self.optimiser = torch.optim.Adam(self.model.parameters(), lr=self.learning_rate)
        first = 0
        if self.resume is not None and self.restarts == 0:  # a restart after a collapse starts from scratch
            self.optimiser.load_state_dict(self.resume.optimiser)
            first = self.resume.epochs_done
        # Random crops of pictures of one kind differ mostly in where their detail lies, which no blurry
        # model follows: a tile model's outputs look collapsed when they are not (ELPV mono: two false
        # restarts, ending at a rate of 9e-5), so its runs are not watched for a collapse.
        tiles = bool(getattr(getattr(self.model, "config", None), "patches", False))
        self.watch = CollapseWatch(warmup=max(2 * self.batches, COLLAPSE_WARMUP),
                                   threshold=0.0 if tiles else COLLAPSE_SPREAD)
        self.guard = BlowUpGuard(self.model)
        self.seen, self.compute = first * self.n, 0.0
        for epoch in range(first, self.config.epochs):
            outcome = yield from self._epoch(epoch)
            if outcome != "done":
                return outcome
            self.guard.epoch_done(self.model, epoch)
            if self.on_epoch is not None:
                self.on_epoch(self, epoch)
        return "done"

    def _epoch(self, epoch: int) -> Generator[Step, None, str]:
        if self.stream is not None:
            return (yield from self._streamed_epoch(epoch))
        if self.world.distributed:
            order = epoch_rows(self.n, epoch, self.config.seed, self.world).to(self.device)
        else:
            order = torch.randperm(self.n, generator=self.generator).to(self.device)
        start, b = 0, 0
        while start < len(order):
            if self.control is not None and self.control.stop_requested:
                return "stopped"
            rows = order[start : start + self.batch_size]
            try:
                step, spread = self._step(epoch, b, rows)
            except torch.cuda.OutOfMemoryError:
                if self.world.distributed:  # every process would have to agree on the new batch
                    raise
                self._shrink_batch()  # the same pictures again, in a smaller batch
                continue
            start, b = start + len(rows), b + 1
            yield step
            if self._collapsed(step, spread):
                return "collapsed"
        return "done"

    def _streamed_epoch(self, epoch: int) -> Generator[Step, None, str]:
        """The same, on batches decoded from the files (or a tile model's crops). The loader makes
        batches of the size it was given; after the device ran out of memory each is trained on in
        parts of the smaller size."""
        assert self.stream is not None
        b = 0
        for rows, pixels in self.stream.epoch(epoch):
            start = 0
            while start < len(rows):
                if self.control is not None and self.control.stop_requested:
                    return "stopped"
                part = slice(start, start + self.batch_size)
                try:
                    step, spread = self._step(epoch, b, rows[part], pixels[part].to(self.device, non_blocking=True))
                except torch.cuda.OutOfMemoryError:
                    if self.world.distributed:
                        raise
                    self._shrink_batch()
                    continue
                start, b = start + len(rows[part]), b + 1
                yield step
                if self._collapsed(step, spread):
                    return "collapsed"
        return "done"

    @staticmethod
    def _floats(pixels: torch.Tensor) -> torch.Tensor:
        """uint8 (B, H, W, C) -> floats (B, C, H, W) in [0, 1], channels-last (which that view already is)."""
        return pixels.permute(0, 3, 1, 2).float().div_(255.0).contiguous(memory_format=torch.channels_last)

    def _collapsed(self, step: Step, spread: float) -> bool:
        """After a step: roll a blown-up loss back; whether the run has collapsed (and may restart)."""
        if self.recoveries < MAX_RECOVERIES and self.guard.blew_up(step.loss):
            self._recover(step.loss)
            return False
        if self.watch.collapsed(spread):
            if self.restarts < MAX_RESTARTS:
                return True
            self.note = (
                f"The model still gives one picture for every input after {self.restarts} restarts: "
                "try gentler noise, a lower learning rate or a wider bottleneck."
            )
        return False

    # -- step: one batch ------------------------------------------------------------------
    def _step(self, epoch: int, batch: int, rows: torch.Tensor,
              pixels: torch.Tensor | None = None) -> tuple[Step, float]:
        """One batch: ``rows`` of the pictures in memory, or uint8 (B, H, W, C) ``pixels`` streamed."""
        t0 = time.perf_counter()
        if pixels is None:
            assert self.data is not None
            pixels = self.data[rows]
        x = pixels if pixels.is_floating_point() else self._floats(pixels)
        x = plain = x.contiguous(memory_format=torch.channels_last)  # a gather gives back the usual layout
        if self.config.augment:
            x = augment_batch(x, self.generator)
        x_in, recon, z, per_image, loss = self._objective(x)
        self.optimiser.zero_grad(set_to_none=True)
        loss.backward()
        self.optimiser.step()
        recon = recon.detach()
        # The guards read the mean over every process, so all of them decide alike (syncs with the device).
        loss_value, spread = averaged([float(loss.detach()), output_spread(recon, x)], self.world, self.device)
        self.compute += time.perf_counter() - t0
        self.seen += len(x) * self.world.size
        self.losses.append(loss_value)
        step = Step(
            epoch, self.config.epochs, batch, self.batches, loss_value, self.seen, self.total, self.compute,
            restarts=self.restarts, recoveries=self.recoveries, note=self.note,
        )
        if self.record:
            step = self._recorded(step, rows, plain, x_in, recon, z, per_image)
        return step, spread

    def _objective(self, x: torch.Tensor):
        """What the model sees, what it makes of it, and the loss: rebuild the clean picture from
        itself, from a noisy copy (denoising), or from a copy with synthetic defects, whose mask
        the segmenter must also find (the synthetic method)."""
        mask = None
        if self.defect_gen is not None:
            x_in, mask = paste_defects(x, self.defect_gen)
        elif self.noise_gen is not None:
            x_in = corrupt(x, self.config.denoise, self.noise_gen)
        else:
            x_in = x
        prefixes = None
        if self.prefix_gen is not None:
            assert isinstance(self.model, Autoencoder)
            prefixes = random_prefixes(len(x), self.model.config.latent_dim, self.prefix_gen, x.device)
        recon, z, per_image, loss = self.objective(x_in, x, prefixes, mask)
        return x_in, recon, z, per_image, loss

    @torch.no_grad()
    def _recorded(self, step: Step, rows, plain, x_in, recon, z, per_image) -> Step:
        """The step with what the views show: rows, codes, errors and (when cheap) scores.

        With augmentation the batch's codes are of turned pictures, and the views place each
        picture by its own, unturned code: those come from one more encoder pass, over a
        sample of the batch (a whole-batch pass cost 12 % of a step; each picture's point
        still moves every few epochs).
        """
        # An ordered code's batch was rebuilt from random code lengths: its errors say nothing about
        # the length shown, so only the codes are kept (side evaluations score the pictures).
        whole = self.prefix_gen is None
        scores = self.batch_scorer(x_in, recon) if self.batch_scorer is not None and whole else None
        codes = z
        if self.config.augment:
            codes = self.model.encode(plain[:AUGMENTED_CODE_SAMPLE])
        return Step(
            **{**step.__dict__,
               "rows": rows.cpu().numpy(),
               "codes": codes.detach().cpu().numpy(),
               "errors": per_image.detach().cpu().numpy() if whole else None,
               "scores": None if scores is None else scores.cpu().numpy()}
        )

    def _shrink_batch(self) -> None:
        """Out of memory on the device: half the batch, and say so; at one picture a batch, give up
        with a message that says what to do."""
        self.optimiser.zero_grad(set_to_none=True)
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        if self.batch_size <= 1:
            raise DeviceMemoryError("the GPU ran out of memory even with one picture a batch: "
                                    "train on the CPU (Device: CPU), or use smaller pictures")
        self.batch_size = max(1, self.batch_size // 2)
        self.batches = (self.share + self.batch_size - 1) // self.batch_size
        self.note = (f"The {self.device.type.upper()} ran out of memory: went on with batches of "
                     f"{self.batch_size} pictures (from {self.config.batch_size}).")

    def _recover(self, loss: float) -> None:
        self.recoveries += 1
        self.learning_rate *= RESTART_LR_FACTOR
        self.guard.restore(self.model)
        self.optimiser = torch.optim.Adam(self.model.parameters(), lr=self.learning_rate)
        self.note = (
            f"The loss blew up ({loss:.3g}, lowest {self.guard.lowest:.3g}); went back to the "
            f"weights after epoch {self.guard.epoch} and lowered the learning rate to {self.learning_rate:.2g}."
        )


def warm_up() -> None:
    """Pay PyTorch's one-off cost of a process's first optimizer now (it imports torch._dynamo:
    about 1 s on a 2-core CPU). The engine calls this when it starts, so that in the window
    the wait falls while the demo is drawn, not when Train is pressed."""
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])


def train_steps(*args, **kwargs) -> Iterator[Step]:
    """Train a model on uint8 images (N, H, W, C); yield a ``Step`` after every batch.

    Takes ``Trainer``'s arguments: model, images, config, device, and optionally a
    ``RunControl``, a ``batch_scorer(inputs, recons)`` that may add anomaly scores
    to recorded steps (see ``core.torch_scores``; it decides itself when
    that is worth the time) and ``record``. The data moves to the device once;
    shuffling is seeded by ``config.seed``.
    """
    return Trainer(*args, **kwargs).fit()
