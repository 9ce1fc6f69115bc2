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


def test_far_out_scores_are_named_under_the_histogram_in_words_that_fit(qtbot, window):
    """Defects far above the normal scores are counted in the last bar; the axis says from where, the
    tooltip how many, and the longer label is centred under the plot, not cut off at the window's edge."""
    rng = np.random.default_rng(0)
    splits = np.array([Split.TRAIN] * 300 + [Split.TEST] * 300, np.int8)
    labels = np.array([0] * 400 + [1] * 200, np.int8)
    scores = np.concatenate([rng.normal(0, 1, 400), rng.uniform(5, 300, 200)]).astype(np.float32)
    window.tabs.setCurrentWidget(window.views.anomalies)
    panel = window.views.anomalies
    axis = panel.histogram.getAxis("bottom")
    panel.show_evaluation(evaluate(scores, splits, labels, "combined"))
    h = panel.evaluation.histogram
    qtbot.waitUntil(lambda: "last bar ≥" in axis.labelText)
    assert f"{h.beyond} images scoring above" in axis.toolTip()
    centre = axis.label.pos().x() + axis.label.boundingRect().width() / 2
    assert abs(centre - axis.size().width() / 2) < 2
    panel.show_evaluation(_full_evaluation())  # nothing far out: the plain words again
    assert axis.labelText == "anomaly score" and axis.toolTip() == ""
