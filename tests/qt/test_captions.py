from __future__ import annotations

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
