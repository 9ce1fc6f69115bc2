"""numpy images to Qt images, and the colours that mean train / test / dropped."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage

from aeviewer.core.data import Split

SPLIT_COLOURS = {
    Split.TRAIN: QColor(66, 133, 244),  # blue
    Split.TEST: QColor(255, 145, 0),  # orange
    Split.DROPPED: QColor(216, 27, 196),  # magenta
}


def to_qimage(pixels: np.ndarray) -> QImage:
    """uint8 (H, W, 3) or (H, W, 1)/(H, W) to a QImage that owns its memory."""
    pixels = np.ascontiguousarray(pixels)
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = np.ascontiguousarray(pixels[..., 0])
    h, w = pixels.shape[:2]
    if pixels.ndim == 2:
        img = QImage(pixels.data, w, h, w, QImage.Format.Format_Grayscale8)
    else:
        img = QImage(pixels.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return img.copy()  # detach from the numpy buffer
