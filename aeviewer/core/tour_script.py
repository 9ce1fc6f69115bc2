"""The guided first run's script: its chapters, when each is ready, and what each says.

A chapter says only what the current model shows. Each one waits for evidence
(the code's quality curve, the rotten bananas' scores, the denoiser's decibels)
and says what it waits for, with progress, until then. Everything here is plain
data in and out, so it is tested without a window; ``qt.tour`` drives the real
window from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aeviewer.core.evaluation import Evaluation

CHAPTERS = ("compression", "anomalies", "denoising")
TITLES = {"compression": "Compression", "anomalies": "Anomalies", "denoising": "Denoising"}

WARM_UP_EPOCHS = 2.0  # the first chapter waits until the model has seen its pictures this often
CURVE_SPREAD_DB = 4.0  # ... and the longest code rebuilds this much better than the shortest
ANOMALY_AUROC = 0.90  # the second waits until rotten bananas rank above ripe ones this well
FLAGGED_SHARE = 0.5  # ... and at least this share of them is above the threshold
DENOISE_GAIN_DB = 8.0  # the third waits until the denoiser gains this much on the noisy banana (visibly clean)


@dataclass(frozen=True)
class Status:
    """Where a chapter stands: ``ready`` with its ``text``, or waiting with a ``note`` on why. A ready
    chapter that is still ``settling`` says what is true already, and its note what comes next."""

    ready: bool
    text: str = ""
    note: str = ""
    settling: bool = False


@dataclass(frozen=True)
class Progress:
    """How far the shown model's training is: ``epochs_done`` counts passes over the training pictures."""

    phase: str  # "untrained", "training", "trained", "stopped", "failed"
    epochs_done: float = 0.0
    epochs: int = 0

    def words(self) -> str:
        if self.phase == "training":
            return f"epoch {min(int(self.epochs_done) + 1, max(self.epochs, 1))} of {self.epochs}"
        return {"untrained": "training has not started", "trained": "training is over",
                "stopped": "training was stopped", "failed": "training failed"}.get(self.phase, self.phase)


def _waiting(progress: Progress, what: str) -> Status:
    if progress.phase in ("stopped", "failed", "untrained"):
        return Status(False, note=f"{what} ({progress.words()}: press Train in the Training group).")
    return Status(False, note=f"{what} ({progress.words()}).")


def compression(ordered: bool, input_values: int, code_size: int, progress: Progress,
                curve: list[tuple[int, float]]) -> Status:
    """Chapter 1. ``curve``: (numbers kept, PSNR in dB) of an ordered model, from the Compression tab."""
    if not ordered:
        return Status(False, note="Preparing one model for every code size (ordered code)…")
    if progress.epochs_done < WARM_UP_EPOCHS:
        return _waiting(progress, "The model is looking at the ripe bananas for the first time")
    squeeze = (f"The encoder squeezes each banana's {input_values:,} pixel values into at most {code_size} "
               f"numbers; the decoder rebuilds it from those alone.")
    points = sorted(curve)
    spread = points[-1][1] - points[0][1] if len(points) >= 2 else 0.0
    if len(points) < 2 or spread < CURVE_SPREAD_DB:
        return Status(True, settling=True, text=(
            f"{squeeze} The model is still learning: watch the reconstruction sharpen."), note=(
            f"The slider starts moving once longer codes rebuild the bananas clearly better than short ones "
            f"({spread:.1f} of {CURVE_SPREAD_DB:.0f} dB between the shortest and the longest so far)."))
    (few, low), (many, high) = points[0], points[-1]
    numbers = "1 number rebuilds" if few == 1 else f"{few} numbers rebuild"
    return Status(True, text=(
        f"{squeeze} Watch the slider: {numbers} the bananas at {low:.1f} dB, {many} at {high:.1f} dB (the "
        f"Compression tab sets that beside JPEG)."))


def rotten_rows(ev: Evaluation) -> np.ndarray:
    """Held-back pictures labelled anomalous that have a score."""
    return np.flatnonzero((ev.labels == 1) & (ev.splits != 0) & np.isfinite(ev.scores))


def rotten_to_show(ev: Evaluation | None) -> int | None:
    """The rotten banana with the highest score: the clearest case."""
    if ev is None:
        return None
    rows = rotten_rows(ev)
    return int(rows[np.argmax(ev.scores[rows])]) if len(rows) else None


def anomalies(ev: Evaluation | None, progress: Progress) -> Status:
    """Chapter 2: rotten bananas found by their reconstruction error."""
    if ev is None or ev.ranking is None:
        return _waiting(progress, "Waiting for the first scores of the held-back bananas")
    rows = rotten_rows(ev)
    flagged = int(ev.flags[rows].sum())
    auroc = ev.ranking.auroc
    shown = rotten_to_show(ev)
    if auroc < ANOMALY_AUROC or flagged < FLAGGED_SHARE * len(rows) or shown is None:
        return _waiting(progress, f"Waiting for the model to tell rotten bananas from ripe ones: {flagged} of "
                                  f"{len(rows)} above the threshold so far, AUROC {auroc:.2f}")
    times = float(ev.scores[shown]) / ev.threshold if ev.threshold > 0 else float("inf")
    return Status(True, text=(
        f"Most anomalous first: {flagged} of the {len(rows)} rotten bananas are above the threshold, the "
        f"selected one at {times:.1f}× it. The decoder has only seen ripe bananas, so it gives this one back "
        f"ripe and the difference lights up where it is rotten."))


def denoising(denoising_model: bool, noisy_db: float | None, clean_db: float | None, progress: Progress) -> Status:
    """Chapter 3: a noisy banana comes back clean. ``noisy_db`` and ``clean_db``: PSNR of the noisy
    input and of the denoiser's output against the clean original."""
    if not denoising_model:
        return Status(False, note="Starting a denoiser: noisy bananas in, clean ones as targets…")
    if noisy_db is None or clean_db is None:
        return _waiting(progress, "Training a denoiser")
    if clean_db - noisy_db < DENOISE_GAIN_DB:
        return _waiting(progress, f"Training a denoiser: the noisy banana is at {noisy_db:.1f} dB, the output "
                                  f"at {clean_db:.1f} dB so far")
    return Status(True, text=(
        f"This model learns from bananas given fresh noise each time, with the clean ones as targets. Noise "
        f"takes the selected banana to {noisy_db:.1f} dB and the model gives it back at {clean_db:.1f} dB; "
        f"drop a noisy picture of yours to clean it."))
