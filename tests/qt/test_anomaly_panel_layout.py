"""The Anomalies tab fits its room: its histogram, words and ROC never draw over one another."""

from __future__ import annotations

import numpy as np

from aeviewer.core.data import Split
from aeviewer.core.evaluation import evaluate


def _full_evaluation():
    """Scores with labelled test pictures and defect masks: every line of the summary is there."""
    rng = np.random.default_rng(0)
    splits = np.array([Split.TRAIN] * 60 + [Split.TEST] * 40, np.int8)
    labels = np.array([0] * 80 + [1] * 20, np.int8)
    scores = rng.normal(0.02, 0.005, 100).astype(np.float32) + labels * 0.01
    return evaluate(scores, splits, labels, "local", pixel_auroc=0.91)


def test_the_anomalies_tab_draws_nothing_over_anything_in_a_small_window(qtbot, window):
    window.resize(1200, 800)  # smaller than the window's first size (1400x860)
    window.tabs.setCurrentWidget(window.views.anomalies)
    panel = window.views.anomalies
    panel.show_evaluation(_full_evaluation())
    qtbot.waitUntil(lambda: panel.roc.isVisible() and "pixel AUROC" in panel.summary.text())

    def laid_out() -> bool:  # every line of the words shows, and nothing overlaps
        hist, words, roc = (w.geometry() for w in (panel.histogram, panel.summary, panel.roc))
        return (words.height() >= panel.summary.heightForWidth(words.width())
                and hist.bottom() < words.top() and words.bottom() < roc.top() <= roc.bottom() <= panel.height())

    qtbot.waitUntil(laid_out, timeout=2000)
