"""core.evaluation: the one place for threshold, flags, histogram, AUROC, ROC, counts, pixel AUROC."""

from __future__ import annotations

import math

import numpy as np
import pytest

from aeviewer.core.data import Split
from aeviewer.core.evaluation import default_threshold, evaluate

T, S = Split.TRAIN, Split.TEST


def _case():
    # 4 training images, then 5 labelled test images (2 normal, 3 anomalous) and one unlabelled.
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.15, 0.5, 0.45, 0.6, 0.35, 9.0], np.float32)
    splits = np.array([T, T, T, T, S, S, S, S, S, Split.DROPPED], np.int8)
    labels = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, -1], np.int8)
    return scores, splits, labels


def test_auroc_and_counts_match_a_hand_computed_case():
    scores, splits, labels = _case()
    ev = evaluate(scores, splits, labels, "mse", threshold=0.4)
    # Normal test scores 0.15, 0.5; anomalous 0.45, 0.6, 0.35. Pairs (anomalous > normal):
    # 0.45 beats 0.15 only, 0.6 beats both, 0.35 beats 0.15: 4 of 6.
    assert ev.ranking is not None and ev.ranking.auroc == pytest.approx(4 / 6)
    c = ev.counts
    assert (c.true_positive, c.false_positive, c.true_negative, c.false_negative) == (2, 1, 1, 1)
    assert list(np.flatnonzero(ev.flags)) == [5, 6, 7, 9]  # every image above 0.4, labelled or not
    assert ev.flagged == 4 and ev.user_threshold and ev.threshold == pytest.approx(0.4)  # given, not the rule
    assert ev.ranking.fpr[0] == 0 and ev.ranking.tpr[-1] == 1


def test_the_default_threshold_is_the_99th_percentile_of_the_training_scores():
    scores, splits, labels = _case()
    ev = evaluate(scores, splits, labels, "mse")
    assert ev.threshold == pytest.approx(np.percentile([0.1, 0.2, 0.3, 0.4], 99))
    assert not ev.user_threshold
    assert default_threshold(np.array([np.nan, np.nan])) == math.inf  # nothing known yet: nothing flagged
    assert not evaluate(np.full(3, np.nan), [T, T, S], [0, 0, 1], "mse").flags.any()


def test_moving_the_threshold_keeps_the_ranking_and_the_pixel_auroc():
    scores, splits, labels = _case()
    ev = evaluate(scores, splits, labels, "local", pixel_auroc=0.87)
    moved = ev.with_threshold(0.0)
    assert moved.user_threshold and moved.flags[:9].all()
    assert moved.ranking is ev.ranking and moved.pixel_auroc == 0.87
    assert moved.counts.recall == 1.0
    back = moved.with_threshold(None)
    assert not back.user_threshold and back.threshold == ev.threshold


def test_the_histogram_counts_every_known_score_once_and_reaches_the_threshold():
    scores, splits, labels = _case()
    ev = evaluate(scores, splits, labels, "mse").with_threshold(20.0)
    h = ev.histogram
    assert h.train.sum() == 4 and h.rest.sum() == 6  # the outlier (9.0) lands in the last bin
    assert h.edges[-1] >= 20.0


def test_far_out_scores_go_to_the_last_bar_and_leave_the_training_scores_room():
    """Defects scoring 100 times the normal spread squeezed every training score into one of 40 bars
    (ELPV poly), where the threshold is dragged; now the bars span the training scores and their
    neighbourhood, the rest counted in the last bar. Dragging inside the range does not move it."""
    rng = np.random.default_rng(0)
    train, normal, defects = rng.normal(0, 1, 600), rng.normal(0.5, 1, 200), rng.uniform(5, 300, 400)
    scores = np.concatenate([train, normal, defects]).astype(np.float32)
    splits = np.array([T] * 600 + [S] * 600, np.int8)
    labels = np.array([0] * 800 + [1] * 400, np.int8)
    ev = evaluate(scores, splits, labels, "combined")
    h = ev.histogram
    assert h.train.sum() == 600 and h.rest.sum() == 600  # every score counted once
    assert np.count_nonzero(h.train) >= 10  # before: 1
    assert h.edges[-1] < 50 and h.beyond == int((scores >= h.edges[-1]).sum()) > 300
    assert h.edges[0] <= scores.min() and h.edges[-1] >= ev.threshold
    dragged = ev.with_threshold(ev.threshold + 2.0).histogram
    assert np.array_equal(dragged.edges, h.edges)
    far = ev.with_threshold(200.0).histogram  # a line dragged far out stays on the plot
    assert far.edges[-1] >= 200.0


def test_the_histogram_reaches_a_threshold_below_zero():
    """Standardised scores (the combined score) can all be negative: the range still ends past them."""
    scores = np.array([-3.0, -2.5, -2.2, -2.0, -1.8], np.float32)
    ev = evaluate(scores, np.array([T, T, T, S, S], np.int8), np.array([0, 0, 0, 0, 1], np.int8), "combined")
    h = ev.histogram
    assert h.train.sum() == 3 and h.rest.sum() == 2 and h.beyond == 0
    assert h.edges[-1] > scores.max() and h.edges[-1] >= ev.threshold


def test_without_labels_there_is_no_ranking_and_bad_input_is_refused():
    ev = evaluate(np.array([0.1, 0.2, 0.3]), [T, S, S], [-1, -1, -1], "mse")
    assert ev.ranking is None and ev.counts is None
    with pytest.raises(ValueError, match="same length"):
        evaluate(np.zeros(3), [T, S], [0, 1, 1], "mse")


def test_the_engine_reports_a_pixel_auroc_with_masks_and_keeps_it():
    from aeviewer.core.config import ModelConfig, TrainConfig
    from aeviewer.core.data import ImageSet
    from aeviewer.core.engine import Engine

    rng = np.random.default_rng(0)
    images = rng.integers(90, 110, (14, 16, 16, 1), dtype=np.uint8)
    images[12:, 4:8, 4:8] = 255  # two anomalies with a bright square, and their masks
    mask = np.zeros((16, 16), bool)
    mask[4:8, 4:8] = True
    data = ImageSet(images, [f"i{i}" for i in range(14)], [T] * 10 + [S] * 4, [0] * 12 + [1] * 2, {12: mask, 13: mask})
    engine = Engine(ModelConfig(image_size=16, channels=1, latent_dim=2), "cpu")
    engine.set_images(data)
    assert engine.evaluate().evaluation.pixel_auroc is None  # untrained: not measured
    final = [s for s in engine.train(TrainConfig(epochs=5, batch_size=5)) if s is not None][-1]
    pixels = final.results.evaluation.pixel_auroc
    assert pixels is not None and pixels > 0.9  # the square is where the error is
    later = engine.refresh([0], final=True).evaluation  # a later partial refresh keeps it
    assert later.pixel_auroc == pixels
