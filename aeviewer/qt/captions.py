"""Every title and caption the window shows, as functions of a state (HTML for QLabels).

Nothing here touches a widget, so all of it is tested without a window.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aeviewer.core.data import Failure, ImageSet, Split
from aeviewer.core.evaluation import Evaluation, Histogram
from aeviewer.core.results import Inspection
from aeviewer.core.scoring import score_label

WARN = "#c26000"
FLAG = "#dc1e1e"
MAX_LISTED_FAILURES = 30
# Below this correlation with its input a reconstruction is called flat in the caption: measured on normal
# test tiles, the tile models of grass and gravel follow their pictures at r = 0.18 (their grain does not fit
# in 16 numbers), brick's at 0.79; before the reconstructor learned on its own, all of them at about 0.
FLAT_RECONSTRUCTION = 0.2


@dataclass(frozen=True)
class ModelState:
    """What the shown model is and where its training stands."""

    latent_dim: int
    architecture: str = "bottleneck"
    phase: str = "untrained"  # "untrained", "training", "trained", "stopped", "failed"
    epoch: int | None = None  # 0-based, while training
    epochs: int | None = None
    paused: bool = False
    removes: str = ""  # the noise a denoising model learns to remove, in words
    ordered: bool = False  # one model for every code size (core.ordered)
    used: int | None = None  # an ordered model: how many of its numbers rebuild the pictures

    @property
    def shown_length(self) -> int:
        return self.used or self.latent_dim


def format_number(value: float) -> str:
    return "…" if math.isnan(value) else f"{value:.3g}"


def model_state_text(s: ModelState) -> str:
    numbers = f"{s.latent_dim} number{'s' if s.latent_dim != 1 else ''}"
    if s.architecture == "skip":
        code = f"U-Net, {numbers} at the bottom"
    elif s.ordered:
        code = f"ordered model, first {s.shown_length} of {s.latent_dim} numbers"
    else:
        code = f"model trained at {numbers}"
    if s.phase == "training":
        where = f", epoch {s.epoch + 1} of {s.epochs}" if s.epoch is not None else ""
        text = f"{code} · <span style='color:{WARN}'>model in training{where}{' (paused)' if s.paused else ''}</span>"
    elif s.phase == "trained":
        task = f" to remove {html.escape(s.removes)}" if s.removes else ""
        text = f"{code} · trained{task}"
    elif s.phase in ("stopped", "failed"):
        what = "training stopped early" if s.phase == "stopped" else "training failed"
        text = f"{code} · <span style='color:{WARN}'>{what}</span>"
    else:
        text = f"{code} · <span style='color:{WARN}'>untrained</span>"
    return text


def latent_title(s: ModelState, how: str | None = None) -> str:
    """``how`` the points were made when not the usual way (a t-SNE map, say)."""
    how = how or ("drawn directly" if s.shown_length <= 2 else "projected with PCA")
    return f"<b>Latent space</b> · each point is one image's code ({how}) · {model_state_text(s)}"


def gallery_title(n: int) -> str:
    return f"<b>Images</b> ({n:,}) · select one to compare"


def counts_text(images: ImageSet) -> str:
    c = {s: int((images.splits == s).sum()) for s in Split}
    return f"{c[Split.TRAIN]:,} train · {c[Split.TEST]:,} test · {c[Split.DROPPED]:,} dropped"


def denoise_caption(inspection: Inspection, tile: int) -> str:
    """Size (and whether it went through in tiles), the test noise, and PSNR / SSIM before and after."""
    h, w = inspection.input.shape[:2]
    size = f"{w}×{h} px" + (" in tiles" if max(h, w) > tile else "")
    q = inspection.quality
    if q is None:
        return (f"cleaned as it is ({size}); no clean original to compare with, so the residual "
                "shows what the model removed")
    return (f"test noise: {html.escape(inspection.noise)} ({size})<br>"
            f"PSNR <b>{q['noisy_psnr']:.1f} → {q['psnr']:.1f} dB</b> · "
            f"SSIM <b>{q['noisy_ssim']:.2f} → {q['ssim']:.2f}</b> (noisy → denoised, against the clean original)")


def compare_caption(images: ImageSet, ins: Inspection, state: ModelState, tile: int,
                    evaluation: Evaluation | None, score_kind: str = "") -> str:
    """The line under the compare panel: which picture, how well it came back, the model's state.
    ``score_kind``: the model's score, for before its first evaluation (an opened session's pictures
    are still being scored)."""
    row = ins.index
    name = html.escape(os.path.basename(images.paths[row]) or images.paths[row])
    split = Split(int(images.splits[row])).label
    label = {0: " · labelled normal", 1: " · labelled anomalous"}.get(int(images.labels[row]), "")
    if state.phase == "untrained":
        what = (f"<span style='color:{WARN}'>the model is untrained, so its reconstruction is noise for now: "
                "press Train and it learns to rebuild the pictures; the difference then shows what it misses"
                "</span>")
    elif ins.denoising:
        what = denoise_caption(ins, tile)
    else:
        what = f"reconstruction error (MSE) <b>{format_number(ins.error)}</b>{score_text(evaluation, row, ins.texture)}"
        h, w = ins.input.shape[:2]
        if (h, w) not in ((tile, tile), images.box(row)[2:]):  # a tile model sees the picture whole, at its own size
            what += f" · at its own size, {w}x{h}, in tiles of {tile} px"
        if ins.learned is not None:
            kind = evaluation.score_kind if evaluation is not None else score_kind
            both = ("the learned defect map, the difference (worst patch) and how unlike the training pictures' "
                    "small patches its own are, added" if ins.texture else
                    "the learned defect map and the difference (worst patch), added")
            reads = {"learned": "the learned defect map", "combined": both}.get(
                kind, "the difference (the Anomalies tab can score by the learned map)")
            what += f" · learned map peak <b>{float(ins.learned.max()):.2f}</b>; the score reads {reads}"
            if ins.texture_map is not None:
                what += (f" · unusual places peak <b>{float(ins.texture_map.max()):.2f}</b> (where the learned map "
                         "or the small patches stand out; 0.5: as unusual as a normal picture's most unusual place)")
            if ins.followed < FLAT_RECONSTRUCTION:
                r = round(ins.followed, 2) + 0.0  # never "-0.00"
                what += (f" · the reconstruction keeps little of this picture (it follows it at r = {r:.2f}: a short "
                         "code holds no fine texture), so the difference shows most of the picture and the learned "
                         "map" + (" and the unusual places" * ins.texture) + " tell more")
    state_text = model_state_text(state)
    return f"<b>{name}</b> ({split}{label}) · {what}<br>{state_text[0].upper()}{state_text[1:]}"


def score_text(ev: Evaluation | None, row: int, surface: bool = False) -> str:
    """The picture's score and flag; ``surface``: its combined score has a texture part, named."""
    if ev is None or row >= len(ev.scores):
        return ""
    flag = f" · <b style='color:{FLAG}'>⚑ flagged as unusual</b>" if ev.flags[row] else ""
    if ev.score_kind == "mse":
        return flag
    return f" · {score_label(ev.score_kind, surface).lower()} {format_number(float(ev.scores[row]))}{flag}"


def _share(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.2f}"


def histogram_axis_label(h: Histogram) -> tuple[str, str]:
    """The histogram's score axis and its tooltip: where far-out scores were counted in the last bar,
    both say so (the tooltip how many), or the training scores would be squeezed into one bar."""
    if not h.beyond:
        return "anomaly score", ""
    edge = format_number(float(h.edges[-1]))
    return (f"anomaly score (last bar ≥ {edge})",
            f"The last bar also counts the {h.beyond} images scoring above {edge}: drawn to their full "
            "range, the rest, with the threshold among them, would crowd into a few bars.")


def evaluation_summary(ev: Evaluation | None) -> str:
    """Threshold, flags and, with labels, AUROC, precision, recall and counts (and pixel AUROC)."""
    if ev is None:
        return ("No scores yet: they appear as a model trains, or once the model of an opened session has scored "
                "every picture (the status bar says how far).")
    how = "dragged by you" if ev.user_threshold else "99th pct."
    lines = [f"Threshold <b>{ev.threshold:.4g}</b> ({how}) · <b>{ev.flagged}</b> flagged"]
    scored, labelled = ev.labelled_test
    if ev.ranking is None or ev.counts is None:
        if scored < labelled:
            lines.append(f"Scoring the test images as the model trains: {scored} of {labelled} so far; "
                         "every one is scored when training ends.")
        else:
            lines.append("No labelled test images: open the demo, an MVTec folder or normal/anomaly "
                         "folders to see ROC and AUROC.")
        return "<br>".join(lines)
    c = ev.counts
    so_far = f" (on {scored} of {labelled} so far)" if scored < labelled else ""
    lines.append(
        f"Test AUROC <b>{ev.ranking.auroc:.3f}</b>{so_far} · precision {_share(c.precision)}"
        f" · recall {_share(c.recall)}<br>flagged: {c.true_positive} anomalous, {c.false_positive} normal"
        f"<br>passed: {c.true_negative} normal, {c.false_negative} anomalous"
    )
    if ev.pixel_auroc is not None:
        lines.append(f"Defect masks: pixel AUROC <b>{ev.pixel_auroc:.3f}</b> (where they are)")
    return "<br>".join(lines)


def failure_summary(failures: Sequence[Failure], limit: int = MAX_LISTED_FAILURES) -> str:
    lines = [f"{Path(f.path).name}: {f.reason}" for f in failures[:limit]]
    if len(failures) > limit:
        lines.append(f"… and {len(failures) - limit} more")
    return "\n".join(lines)


def skipped_text(failures: int, loaded: int) -> str:
    s = "s" if failures != 1 else ""
    return (f"{failures} file{s} could not be used and {'were' if failures != 1 else 'was'} skipped"
            f" ({loaded} image{'s' if loaded != 1 else ''} loaded). Nothing else was changed.")
