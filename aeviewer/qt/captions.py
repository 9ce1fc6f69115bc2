"""The words under the compare panel for a denoised picture (HTML, for a QLabel)."""

from __future__ import annotations

import html


def denoise_caption(inspection, tile: int) -> str:
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
