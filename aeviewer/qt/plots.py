"""The loss curve: one line, updated in place."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg


class LossPlot(pg.PlotWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="w")
        self.setMenuEnabled(False)
        self.setTitle("Training loss (MSE)", size="9pt")
        self.setLabel("bottom", "batch")
        self.setLogMode(x=False, y=True)
        self.showGrid(x=True, y=True, alpha=0.2)
        self.curve = self.plot([], [], pen=pg.mkPen(color=(66, 133, 244), width=1.5))
        self.setMinimumHeight(140)

    def set_losses(self, losses: np.ndarray) -> None:
        losses = np.asarray(losses, np.float64)
        losses = np.maximum(losses, 1e-12)  # log scale
        self.curve.setData(np.arange(len(losses)), losses)

    def clear_losses(self) -> None:
        self.curve.setData([], [])
