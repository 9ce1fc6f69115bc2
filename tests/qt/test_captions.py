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
