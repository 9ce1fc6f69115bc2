from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np

from aeviewer.qt.captions import denoise_caption


def test_denoise_caption_says_size_noise_and_quality():
    ins = SimpleNamespace(input=np.zeros((240, 320, 3)), noise="Gaussian (sigma 0.2)",
                          quality={"noisy_psnr": 15.0, "psnr": 28.26, "noisy_ssim": 0.04, "ssim": 0.581})
    text = denoise_caption(ins, tile=64)
    assert "320×240 px in tiles" in text and "Gaussian (sigma 0.2)" in text
    assert "15.0 → 28.3 dB" in text and "0.04 → 0.58" in text


def test_denoise_caption_without_a_clean_original():
    ins = SimpleNamespace(input=np.zeros((64, 64, 1)), noise="", quality=None)
    text = denoise_caption(ins, tile=64)
    assert "64×64 px)" in text and "tiles" not in text and "no clean original" in text


def test_the_caption_of_a_defect_model_says_which_map_the_score_reads():
    from aeviewer.core.data import ImageSet
    from aeviewer.core.evaluation import evaluate
    from aeviewer.core.results import Inspection
    from aeviewer.qt.captions import ModelState, compare_caption

    images = ImageSet(np.zeros((2, 8, 8, 1), np.uint8), ["a.png", "b.png"], [0, 1], [0, 1])
    learned = np.zeros((8, 8), np.float32)
    learned[2, 3] = 0.75
    ins = Inspection(1, 1, np.zeros((8, 8, 1)), np.zeros((8, 8, 1)), np.zeros((8, 8)), 0.01, learned=learned)
    state = ModelState(16, phase="trained")
    by_difference = compare_caption(images, ins, state, 8, evaluate(np.array([0.1, 0.2]), [0, 1], [0, 1], "local"))
    assert "peak <b>0.75</b>" in by_difference and "reads the difference" in by_difference
    by_map = compare_caption(images, ins, state, 8, evaluate(np.array([0.1, 0.2]), [0, 1], [0, 1], "learned"))
    assert "reads the learned defect map" in by_map
    both = evaluate(np.array([0.1, 0.2]), [0, 1], [0, 1], "combined")
    assert "small patches" not in compare_caption(images, ins, state, 8, both)
    unusual = np.full((8, 8), 0.25, np.float32)
    unusual[5, 5] = 0.93
    with_texture = dataclasses.replace(ins, texture_map=unusual)  # a tile model of a surface
    caption = compare_caption(images, with_texture, state, 8, both)
    assert "how unlike the training pictures' small patches" in caption
    assert "unusual places peak <b>0.93</b>" in caption
    assert "learned + patch + texture" in caption  # the score named with its third part
    # an opened session's pictures still being scored: no evaluation yet, the model's own score is named
    assert "reads the learned defect map, the difference" in compare_caption(images, with_texture, state, 8, None,
                                                                             "combined")


def test_a_defect_models_flat_reconstruction_is_called_flat_and_the_maps_named_instead():
    """A tile model's reconstruction of a fine texture is nearly flat: the caption says so, so that a grey
    picture beside the input and a difference that shows the whole texture do not look like a fault."""
    from aeviewer.core.data import ImageSet
    from aeviewer.core.evaluation import evaluate
    from aeviewer.core.results import Inspection
    from aeviewer.qt.captions import ModelState, compare_caption

    rng = np.random.default_rng(0)
    grain = rng.random((8, 8, 1)).astype(np.float32)
    images = ImageSet(np.zeros((2, 8, 8, 1), np.uint8), ["a.png", "b.png"], [0, 1], [0, 1])
    learned = np.zeros((8, 8), np.float32)
    flat = Inspection(1, 1, grain, np.full_like(grain, 0.5), np.zeros((8, 8)), 0.08, learned=learned,
                      texture_map=np.zeros((8, 8), np.float32))
    faithful = dataclasses.replace(flat, recon=np.clip(grain + 0.05 * rng.random(grain.shape), 0, 1))
    assert flat.followed == 0.0 and faithful.followed > 0.9
    state = ModelState(16, phase="trained")
    both = evaluate(np.array([0.1, 0.2]), [0, 1], [0, 1], "combined")
    said = compare_caption(images, flat, state, 8, both)
    assert "the reconstruction keeps little of this picture (it follows it at r = 0.00" in said
    assert "the learned map and the unusual places tell more" in said
    assert "keeps little" not in compare_caption(images, faithful, state, 8, both)


def test_the_summary_says_how_many_test_images_are_scored_while_a_model_trains():
    """A tile model scores its test pictures a few at a time: the summary says so instead of
    claiming there are no labelled test images, and an AUROC on part of them says it is partial."""
    from aeviewer.core.evaluation import evaluate
    from aeviewer.qt.captions import evaluation_summary

    splits, labels = [0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1]
    none_yet = evaluate(np.array([0.1, 0.2, np.nan, np.nan, np.nan, 0.9]), splits, labels, "local")
    text = evaluation_summary(none_yet)
    assert "Scoring the test images as the model trains: 1 of 4 so far" in text and "No labelled" not in text
    part = evaluation_summary(evaluate(np.array([0.1, 0.2, 0.3, np.nan, np.nan, 0.9]), splits, labels, "local"))
    assert "Test AUROC <b>1.000</b> (on 2 of 4 so far)" in part
    done = evaluation_summary(evaluate(np.array([0.1, 0.2, 0.3, 0.2, 0.8, 0.9]), splits, labels, "local"))
    assert "so far" not in done and "Test AUROC <b>1.000</b> ·" in done
    unlabelled = evaluation_summary(evaluate(np.array([0.1, 0.2]), [0, 1], [-1, -1], "local"))
    assert "No labelled test images" in unlabelled
