"""How well one model's scores separate normal from unusual: the one place for it.

An ``Evaluation`` is everything the Anomalies tab shows and ``aeviewer
evaluate`` prints: the threshold (the default rule, or one a person chose), which
images it flags, the histogram of training scores against the rest, and, where
the test images carry labels, AUROC, the ROC curve and the confusion counts at
the threshold, plus the pixel AUROC where defect masks exist. Widgets draw an
Evaluation they are given; they never compute one.

Moving the threshold changes only the flags, the counts and the histogram's
range, so ``with_threshold`` keeps the ranking numbers (AUROC, ROC, pixel AUROC)
and recomputes the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from aeviewer.core.data import Split
from aeviewer.core.metrics import Counts, auroc, counts_at, roc_curve

DEFAULT_PERCENTILE = 99.0  # the default threshold flags about 1 in 100 normal training images
BINS = 40
FOCUS_SPAN = 3.0  # the bars reach past the training scores' 99th percentile this many times its rise over the lowest


def default_threshold(train_scores: np.ndarray, percentile: float = DEFAULT_PERCENTILE) -> float:
    """A score above all but ``100 - percentile`` % of the training images'; inf when none is known."""
    finite = np.asarray(train_scores, np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return float("inf")
    return float(np.percentile(finite, percentile))


@dataclass(frozen=True)
class Histogram:
    """Scores binned on shared edges: training images against the rest. The bars span the training
    scores and what lies near them; scores further out are counted in the last bar (``beyond`` of them)."""

    edges: np.ndarray  # (BINS + 1,)
    train: np.ndarray  # (BINS,) counts
    rest: np.ndarray  # (BINS,) counts
    beyond: int = 0  # scores past the last edge, counted in the last bar

    @classmethod
    def of(cls, scores: np.ndarray, splits: np.ndarray, threshold: float) -> Histogram | None:
        known = np.isfinite(scores)
        if not known.any():
            return None
        values, train = scores[known].astype(np.float64), splits[known] == Split.TRAIN
        lo, top = float(values.min()), float(np.percentile(values, 99.5))
        if train.any():  # far-out scores would squeeze the training ones, and the threshold, into one bar
            usual = float(np.percentile(values[train], DEFAULT_PERCENTILE))
            top = min(top, usual + FOCUS_SPAN * (usual - lo))
        if math.isfinite(threshold):
            top = max(top, threshold)
        last = top + 0.05 * (top - lo) + 1e-12 * max(1.0, abs(top))
        edges = np.linspace(lo, last, BINS + 1)
        beyond = int((values >= last).sum())
        clipped = np.minimum(values, np.nextafter(last, lo))  # the far tail lands in the last bin
        return cls(edges, np.histogram(clipped[train], edges)[0], np.histogram(clipped[~train], edges)[0], beyond)


@dataclass(frozen=True)
class Ranking:
    """Threshold-free numbers over the labelled test images."""

    auroc: float
    fpr: np.ndarray
    tpr: np.ndarray


@dataclass(frozen=True)
class Evaluation:
    score_kind: str
    scores: np.ndarray  # (N,) float32, NaN where not yet known
    splits: np.ndarray  # (N,) int8
    labels: np.ndarray  # (N,) int8: 0 normal, 1 anomalous, -1 unknown
    threshold: float
    user_threshold: bool  # chosen by a person (else the default rule)
    flags: np.ndarray  # (N,) bool: above the threshold
    histogram: Histogram | None
    ranking: Ranking | None  # None without labelled test images of both kinds
    counts: Counts | None  # at the threshold, over the labelled test images
    pixel_auroc: float | None = None  # where the test images have defect masks

    @property
    def flagged(self) -> int:
        return int(self.flags.sum())

    @property
    def labelled_rows(self) -> np.ndarray:
        return labelled_test_rows(self.scores, self.splits, self.labels)

    @property
    def labelled_test(self) -> tuple[int, int]:
        """(scored, all) labelled test pictures: while a model trains, some may not be scored yet."""
        labelled = (self.splits != Split.TRAIN) & np.isin(self.labels, (0, 1))
        return int((labelled & np.isfinite(self.scores)).sum()), int(labelled.sum())

    def with_threshold(self, threshold: float | None) -> Evaluation:
        """The same scores at another threshold (None: back to the default rule)."""
        user = threshold is not None
        if threshold is None:
            threshold = default_threshold(self.scores[self.splits == Split.TRAIN])
        rows = self.labelled_rows
        return replace(
            self,
            threshold=float(threshold),
            user_threshold=user,
            flags=_flags(self.scores, threshold),
            histogram=Histogram.of(self.scores, self.splits, threshold),
            counts=counts_at(self.scores[rows], self.labels[rows], threshold) if self.ranking else None,
        )


def labelled_test_rows(scores: np.ndarray, splits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return np.flatnonzero((splits != Split.TRAIN) & np.isin(labels, (0, 1)) & np.isfinite(scores))


def _flags(scores: np.ndarray, threshold: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(scores, nan=-np.inf) > threshold


def evaluate(
    scores: np.ndarray,
    splits: np.ndarray,
    labels: np.ndarray,
    score_kind: str,
    threshold: float | None = None,
    pixel_auroc: float | None = None,
) -> Evaluation:
    """Evaluate ``scores`` at ``threshold`` (None: the 99th percentile of the training images' scores)."""
    scores = np.asarray(scores, np.float32)
    splits = np.asarray(splits, np.int8)
    labels = np.asarray(labels, np.int8)
    if not len(scores) == len(splits) == len(labels):
        raise ValueError("scores, splits and labels must have the same length")
    rows = labelled_test_rows(scores, splits, labels)
    truth = labels[rows]
    ranking = None
    if (truth == 0).any() and (truth == 1).any():
        fpr, tpr, _ = roc_curve(scores[rows], truth)
        ranking = Ranking(auroc(scores[rows], truth), fpr, tpr)
    base = Evaluation(
        score_kind, scores, splits, labels, math.inf, False, np.zeros(len(scores), bool), None, ranking, None,
        pixel_auroc,
    )
    return base.with_threshold(threshold)
