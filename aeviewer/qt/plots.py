"""Plot helpers and the loss curve.

Re-ranging a pyqtgraph plot regenerates its axes, which costs far more than
moving the points; ``follow_range`` changes the range only when the data has
left the view or shrunk well inside it, so live plots mostly just move points.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

SHRINK_BELOW = 0.35  # re-fit when the data fills less than this share of the view
PADDING = 0.08


def follow_range(view: pg.ViewBox, lo: np.ndarray, hi: np.ndarray) -> bool:
    """Keep the (x, y) span ``lo..hi`` in view with hysteresis; True if the range changed."""
    lo, hi = np.asarray(lo, np.float64), np.asarray(hi, np.float64)  # float32 overflows in pyqtgraph
    (x0, x1), (y0, y1) = view.viewRange()
    cur_lo, cur_hi = np.array([x0, y0]), np.array([x1, y1])
    span = np.maximum(hi - lo, 1e-9)
    outside = bool(np.any(lo < cur_lo) or np.any(hi > cur_hi))
    too_small = bool(np.any(span < SHRINK_BELOW * (cur_hi - cur_lo)))
    if not (outside or too_small):
        return False
    pad = span * PADDING
    view.setRange(
        xRange=(float(lo[0] - pad[0]), float(hi[0] + pad[0])),
        yRange=(float(lo[1] - pad[1]), float(hi[1] + pad[1])),
        padding=0,
    )
    return True


class LossPlot(pg.PlotWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="w")
        self.setMenuEnabled(False)
        self.setTitle("Training loss (MSE)", size="9pt")
        self.setLabel("bottom", "batch")
        self.setLogMode(x=False, y=True)
        self.curve = self.plot([], [], pen=pg.mkPen(color=(66, 133, 244), width=1.5))
        self.setMinimumHeight(140)
        self.getViewBox().disableAutoRange()

    def set_losses(self, losses: np.ndarray, total_batches: int) -> None:
        losses = np.log10(np.maximum(np.asarray(losses, np.float64), 1e-12))  # log mode plots log10
        self.curve.setData(np.arange(len(losses)), 10.0**losses)
        if len(losses):
            # x spans the whole run from the start, so the axis never has to move for it.
            lo = np.array([0.0, losses.min()])
            hi = np.array([float(max(total_batches, len(losses))), losses.max()])
            follow_range(self.getViewBox(), lo, hi)

    def clear_losses(self) -> None:
        self.curve.setData([], [])
