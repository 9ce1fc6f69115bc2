"""A plot's view box that pans and zooms as usual, and draws a selection on Shift- or Ctrl-drag."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem


class SelectingViewBox(pg.ViewBox):
    """Pans and zooms as usual; Shift-drag draws a rectangle and Ctrl-drag a lasso instead, and
    Alt-drag reports each place the mouse passes (to decode the code there)."""

    region_drawn = Signal(object)  # (M, 2) polygon in data coordinates
    place_dragged = Signal(float, float)  # Alt-drag: where the mouse is, in data coordinates

    def __init__(self) -> None:
        super().__init__()
        self._path: list[QPointF] = []
        self._outline = QGraphicsPathItem()
        self._outline.setPen(QPen(QColor(40, 40, 40), 0, Qt.PenStyle.DashLine))
        self._outline.setZValue(20)
        self.addItem(self._outline, ignoreBounds=True)
        self._mode = ""

    def mouseDragEvent(self, ev, axis=None) -> None:
        modifiers = ev.modifiers()
        mode = "rect" if modifiers & Qt.KeyboardModifier.ShiftModifier else (
            "lasso" if modifiers & Qt.KeyboardModifier.ControlModifier else "")
        if ev.button() == Qt.MouseButton.LeftButton and modifiers & Qt.KeyboardModifier.AltModifier:
            ev.accept()
            point = self.mapSceneToView(ev.scenePos())
            self.place_dragged.emit(point.x(), point.y())
            return
        if ev.button() != Qt.MouseButton.LeftButton or (not mode and not self._mode):
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        point = self.mapSceneToView(ev.scenePos())
        if ev.isStart():
            self._mode, self._path = mode or "rect", [self.mapSceneToView(ev.buttonDownScenePos())]
        self._path.append(point)
        polygon = self._polygon()
        path = QPainterPath()
        if len(polygon):
            path.moveTo(*polygon[0])
            for x, y in polygon[1:]:
                path.lineTo(x, y)
            path.closeSubpath()
        self._outline.setPath(path)
        if ev.isFinish():
            self._outline.setPath(QPainterPath())
            self._mode = ""
            self.region_drawn.emit(polygon)

    def _polygon(self) -> np.ndarray:
        pts = np.array([(p.x(), p.y()) for p in self._path], np.float64)
        if self._mode == "rect" and len(pts):
            (x0, y0), (x1, y1) = pts[0], pts[-1]
            return np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], np.float64)
        return pts
