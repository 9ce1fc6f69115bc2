"""The latent-space scatter plot: one point per image, coloured by split.

One reused ScatterPlotItem per split, fed whole numpy arrays; pxMode, no pen,
one brush per item. The first update frames the view; later ones only move the
points, and the view follows them smoothly unless the user has zoomed.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from aeviewer.core.data import Split
from aeviewer.qt.images import SPLIT_COLOURS
from aeviewer.qt.plots import follow_range

POINT_SIZE = 7
EMPTY_TEXT = ("Each picture becomes a point here once a model has encoded it: pictures the model finds "
              "alike land close together, and the points move as it learns.")


class LatentView(QWidget):
    """Scatter of codes; ``index_clicked(row)`` when the user clicks a point."""

    index_clicked = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.setLabel("bottom", "code axis 1")
        self.plot.setLabel("left", "code axis 2")
        self.legend = self.plot.addLegend(offset=(8, 8), labelTextSize="9pt")
        self._items: dict[Split, pg.ScatterPlotItem] = {}
        for split, colour in SPLIT_COLOURS.items():
            c = QColor(colour)
            c.setAlpha(190)
            item = pg.ScatterPlotItem(size=POINT_SIZE, pen=None, brush=pg.mkBrush(c), pxMode=True, name=split.label)
            item.sigClicked.connect(self._clicked)
            self.plot.addItem(item)
            self._items[split] = item
        self._marker = pg.ScatterPlotItem(
            size=POINT_SIZE * 3, pen=pg.mkPen("k", width=2.5), brush=None, pxMode=True, symbol="o"
        )
        self._marker.setZValue(10)
        self.plot.addItem(self._marker)
        # Flagged images (score above the threshold) get a red ring.
        self._flag_item = pg.ScatterPlotItem(
            size=POINT_SIZE + 6, pen=pg.mkPen((220, 30, 30), width=1.6), brush=None, pxMode=True,
            name="flagged",
        )
        self._flag_item.setZValue(5)
        self.plot.addItem(self._flag_item)
        self._flags = np.zeros(0, bool)
        self._points = np.zeros((0, 2), np.float32)
        self._selected: int | None = None
        # The view follows the points (see follow_range) until the user pans or zooms;
        # pyqtgraph's "A" button hands it back.
        self._view = self.plot.getViewBox()
        self._view.disableAutoRange()
        self._follow = True
        self._view.sigRangeChangedManually.connect(self._user_moved_view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.empty_note = QLabel(EMPTY_TEXT, self.plot)  # over the empty plot, until there are points
        self.empty_note.setWordWrap(True)
        self.empty_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_note.setStyleSheet("color: #6e6e6e; background: transparent;")
        self.empty_note.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        r = self.plot.rect()
        self.empty_note.setGeometry(r.width() // 6, r.height() // 3, r.width() * 2 // 3, r.height() // 3)

    def set_axes(self, latent_dim: int) -> None:
        if latent_dim == 1:
            names = ("code (1 number)", "")
        elif latent_dim == 2:
            names = ("code number 1", "code number 2")
        else:
            names = (f"principal axis 1 of the {latent_dim}-d code", "principal axis 2")
        self.plot.setLabel("bottom", names[0])
        self.plot.setLabel("left", names[1])

    def clear(self) -> None:
        self.set_points(np.zeros((0, 2), np.float32), np.zeros(0, np.int8))

    def set_points(self, points: np.ndarray, splits: np.ndarray) -> None:
        n = min(len(points), len(splits))
        points, splits = points[:n], splits[:n]
        known = ~np.isnan(points).any(axis=1)
        for split, item in self._items.items():
            rows = np.flatnonzero((splits == split) & known)
            item.setData(x=points[rows, 0], y=points[rows, 1], data=rows)
        self._points = points
        self.empty_note.setVisible(not known.any())
        self._update_marker()
        self._update_flags()
        self._keep_in_view(points[known])

    def set_flags(self, flags: np.ndarray) -> None:
        self._flags = np.asarray(flags, bool)
        self._update_flags()

    def _update_flags(self) -> None:
        n = min(len(self._flags), len(self._points))
        rows = np.flatnonzero(self._flags[:n] & ~np.isnan(self._points[:n]).any(axis=1))
        self._flag_item.setData(x=self._points[rows, 0], y=self._points[rows, 1])

    def flagged_count(self) -> int:
        return len(self._flag_item.data)

    def _user_moved_view(self, *_args) -> None:
        self._follow = False

    def _keep_in_view(self, visible: np.ndarray) -> None:
        if any(self._view.autoRangeEnabled()):  # the user pressed "A": follow again, cheaply
            self._view.disableAutoRange()
            self._follow = True
            self._view.setRange(xRange=(0, 1), yRange=(0, 1))  # forces a fresh fit below
        if self._follow and len(visible):
            lo, hi = visible.min(axis=0).astype(np.float64), visible.max(axis=0).astype(np.float64)
            span = hi - lo
            flat = span < 1e-6 * max(float(span.max()), 1e-6)  # a code of one number: every y is 0
            half = np.where(flat, max(float(span.max()), 1.0) / 2, 0.0)
            follow_range(self._view, lo - half, hi + half)

    def select(self, row: int | None) -> None:
        self._selected = row
        self._update_marker()

    def _update_marker(self) -> None:
        row = self._selected
        if row is None or row >= len(self._points) or np.isnan(self._points[row]).any():
            self._marker.setData([], [])
        else:
            self._marker.setData([float(self._points[row, 0])], [float(self._points[row, 1])])

    def _clicked(self, _item, points, _event=None) -> None:
        if len(points):
            self.index_clicked.emit(int(points[0].data()))

    def point_count(self) -> int:
        return sum(len(item.data) for item in self._items.values())
