"""How well scores separate normal from anomalous: ROC, AUROC, counts at a threshold.

Labels are 0 (normal) and 1 (anomalous); a higher score means more anomalous.
Written with numpy alone; ties are handled the way scikit-learn does (a tied
pair counts one half).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve: the chance an anomaly outscores a normal image."""
    scores = np.asarray(scores, np.float64)
    labels = np.asarray(labels)
    pos, neg = labels == 1, labels == 0
    n_pos, n_neg = int(pos.sum()), int(neg.sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores[pos | neg], kind="mergesort")
    ranks = np.empty(len(order), np.float64)
    sorted_scores = scores[pos | neg][order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    avg = first + (counts - 1) / 2.0 + 1.0
    ranks[order] = np.repeat(avg, counts)
    pos_ranks = ranks[labels[pos | neg] == 1]
    return float((pos_ranks.sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def roc_curve(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False-positive rate, true-positive rate and the thresholds (score >= t is flagged)."""
    scores = np.asarray(scores, np.float64)
    labels = np.asarray(labels)
    keep = (labels == 0) | (labels == 1)
    scores, labels = scores[keep], labels[keep]
    order = np.argsort(-scores, kind="mergesort")
    scores, labels = scores[order], labels[order]
    distinct = np.flatnonzero(np.diff(scores)) if len(scores) else np.zeros(0, int)
    ends = np.concatenate([distinct, [len(scores) - 1]]) if len(scores) else np.zeros(0, int)
    tps = np.cumsum(labels == 1)[ends]
    fps = np.cumsum(labels == 0)[ends]
    n_pos, n_neg = max(int((labels == 1).sum()), 1), max(int((labels == 0).sum()), 1)
    fpr = np.concatenate([[0.0], fps / n_neg])
    tpr = np.concatenate([[0.0], tps / n_pos])
    thresholds = np.concatenate([[np.inf], scores[ends]])
    return fpr, tpr, thresholds


@dataclass(frozen=True)
class Counts:
    """Confusion counts at one threshold (flagged = score above the threshold)."""

    true_positive: int
    false_positive: int
    true_negative: int
    false_negative: int

    @property
    def precision(self) -> float:
        flagged = self.true_positive + self.false_positive
        return self.true_positive / flagged if flagged else float("nan")

    @property
    def recall(self) -> float:
        actual = self.true_positive + self.false_negative
        return self.true_positive / actual if actual else float("nan")


def counts_at(scores: np.ndarray, labels: np.ndarray, threshold: float) -> Counts:
    flagged = np.asarray(scores) > threshold
    labels = np.asarray(labels)
    pos, neg = labels == 1, labels == 0
    return Counts(
        true_positive=int((flagged & pos).sum()),
        false_positive=int((flagged & neg).sum()),
        true_negative=int((~flagged & neg).sum()),
        false_negative=int((~flagged & pos).sum()),
    )
