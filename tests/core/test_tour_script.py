"""The tour's chapters wait for evidence and claim only what the model shows."""

from __future__ import annotations

import numpy as np

from aeviewer.core import tour_script as script
from aeviewer.core.data import Split
from aeviewer.core.evaluation import evaluate

TRAINING = script.Progress("training", epochs_done=12.5, epochs=80)


def test_progress_in_words():
    assert script.Progress("training", 0.2, 80).words() == "epoch 1 of 80"
    assert script.Progress("training", 12.5, 80).words() == "epoch 13 of 80"
    assert "press Train" in script.compression(True, 100, 64, script.Progress("stopped", 1.0, 80), []).note


def test_compression_waits_for_an_ordered_model_and_a_warm_up():
    assert not script.compression(False, 12288, 16, TRAINING, [(1, 10.0), (16, 30.0)]).ready
    early = script.compression(True, 12288, 64, script.Progress("training", 0.5, 80), [(1, 10.0), (64, 30.0)])
    assert not early.ready and "epoch 1 of 80" in early.note


def test_compression_shows_early_and_plays_the_slider_once_long_codes_are_clearly_better():
    flat = script.compression(True, 12288, 64, TRAINING, [(1, 18.0), (2, 18.2), (64, 19.0)])
    assert flat.ready and flat.settling
    assert "12,288 pixel values" in flat.text and "still learning" in flat.text
    assert "1.0 of 4 dB" in flat.note
    clear = script.compression(True, 12288, 64, TRAINING, [(64, 23.4), (1, 18.5), (8, 21.0)])
    assert clear.ready and not clear.settling
    assert "1 number rebuilds the bananas at 18.5 dB, 64 at 23.4 dB" in clear.text


TRAIN_SCORES = tuple(np.linspace(0.05, 0.2, 100))


def _evaluation(rotten_scores, ripe_scores=(0.1,) * 6, train_scores=TRAIN_SCORES):
    scores = np.array([*train_scores, *ripe_scores, *rotten_scores], np.float32)
    tested = len(ripe_scores) + len(rotten_scores)
    splits = np.array([Split.TRAIN] * len(train_scores) + [Split.TEST] * tested)
    labels = np.array([0] * (len(train_scores) + len(ripe_scores)) + [1] * len(rotten_scores))
    return evaluate(scores, splits, labels, "local")


def test_anomalies_wait_until_rotten_bananas_rank_high_and_most_are_flagged():
    assert "first scores" in script.anomalies(None, TRAINING).note
    mixed = script.anomalies(_evaluation([0.08, 0.12, 0.3, 0.09]), TRAINING)
    assert not mixed.ready and "1 of 4 above the threshold" in mixed.note
    ev = _evaluation([0.5, 0.9, 0.4, 0.3])
    found = script.anomalies(ev, TRAINING)
    assert found.ready and "4 of the 4 rotten bananas" in found.text
    shown = script.rotten_to_show(ev)
    assert shown == 100 + 6 + 1  # the highest-scoring rotten banana
    assert f"the selected one at {0.9 / ev.threshold:.1f}× it" in found.text


def test_rotten_to_show_ignores_training_pictures_and_unscored_rows():
    ev = _evaluation([np.nan, 0.4])
    assert script.rotten_to_show(ev) == 100 + 6 + 1
    assert script.rotten_to_show(None) is None


def test_denoising_waits_for_a_clearly_cleaner_picture():
    assert "Starting a denoiser" in script.denoising(False, None, None, TRAINING).note
    assert not script.denoising(True, None, None, TRAINING).ready
    slight = script.denoising(True, 11.6, 15.0, TRAINING)
    assert not slight.ready and "11.6 dB" in slight.note and "15.0 dB" in slight.note
    clean = script.denoising(True, 11.6, 21.0, TRAINING)
    assert clean.ready and "11.6 dB" in clean.text and "21.0 dB" in clean.text


def test_every_chapter_has_a_title():
    assert set(script.TITLES) == set(script.CHAPTERS)
