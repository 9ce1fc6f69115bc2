"""The latent-space scatter: one point per picture, fast at 100,000 points, linked to everything.

The points are drawn into an image the size of the plot (core.point_raster) rather than
as one vector shape each, and redrawn when the data, the colours or the view change.
The same pass records which point lies under each pixel, so hovering shows a picture's
thumbnail, name and score at once, and a click selects it. Shift-drag selects a
rectangle, Ctrl-drag a lasso (``region_selected``); a click on empty space reports
where (``empty_clicked``), for decoding a code that no picture has. The first update
frames the view; later ones move the points, and the view follows them unless the
person has panned or zoomed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from aeviewer.core.embeddings import INSTALL, METHODS, available
from aeviewer.core.point_colours import COLOUR_BY, Colouring, colour_points, ramp
from aeviewer.core.point_raster import (
    Raster,
    View,
    in_polygon,
    in_rectangle,
    pack_colour,
    pick_at,
    rasterise,
    ring,
)
from aeviewer.qt.hover_card import HoverCard
from aeviewer.qt.plots import follow_range
from aeviewer.qt.selecting_view_box import SelectingViewBox

POINT_RADIUS = 3
FLAG_RGBA = (220, 30, 30, 255)
DROPPED_RGBA = (216, 27, 196, 255)
EMPTY_TEXT = ("Each picture becomes a point here once a model has encoded it: pictures the model finds "
              "alike land close together, and the points move as it learns.")
HINT = ("Hover a point to see its picture · click a point to select it, or empty space (or Alt-drag) to see what "
        "the decoder draws there · Alt-click a second point to walk between two pictures · Shift-drag a rectangle "
        "or Ctrl-drag a lasso to show just those pictures")


class LatentView(QWidget):
    """Scatter of codes; ``index_clicked(row)`` when a point is clicked."""

    index_clicked = Signal(int)
    empty_clicked = Signal(float, float)  # data coordinates of a click where no point is
    region_selected = Signal(object)  # rows (np.ndarray) inside a rectangle or lasso
    replay_moved = Signal(int)  # the timeline's frame the person chose
    walk_requested = Signal(int)  # Alt-click on a point: walk from the selected picture to this one
    map_chosen = Signal(str)  # "pca", "tsne" or "umap"

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._axis_names: tuple[str, str] = ("", "")
        self._box = SelectingViewBox()
        self.plot = pg.PlotWidget(background="w", viewBox=self._box)
        self.plot.setMenuEnabled(False)
        self.plot.setLabel("bottom", "code axis 1")
        self.plot.setLabel("left", "code axis 2")
        self.plot.setToolTip(HINT)
        self.cloud = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.cloud, ignoreBounds=True)
        self._marker = pg.ScatterPlotItem(size=20, pen=pg.mkPen("k", width=2.5), brush=None, pxMode=True)
        self._marker.setZValue(10)
        self.plot.addItem(self._marker)
        self._decoded = pg.ScatterPlotItem(size=18, symbol="+", pen=pg.mkPen((20, 20, 20), width=2.5), brush=None)
        self._decoded.setZValue(11)
        self.plot.addItem(self._decoded)
        self.legend = pg.LegendItem(offset=(8, 8), labelTextSize="9pt")
        self.legend.setParentItem(self._box)
        self.colour_by = QComboBox()
        for key, words in COLOUR_BY.items():
            self.colour_by.addItem(words, key)
        self.colour_by.setToolTip("What a point's colour shows")
        self.colour_by.currentIndexChanged.connect(lambda _i: self._recolour())
        self.ramp_low, self.ramp_label, self.ramp_high = QLabel(), QLabel(), QLabel()
        bar = QHBoxLayout()
        bar.setContentsMargins(2, 0, 2, 0)
        bar.addWidget(QLabel("Colour by"))
        bar.addWidget(self.colour_by)
        for label in (self.ramp_low, self.ramp_label, self.ramp_high):
            bar.addWidget(label)
        bar.addStretch(1)
        self.map_by = QComboBox()
        self.map_by.addItem("PCA (live)", "pca")
        have = available()
        for key, (label, _module) in METHODS.items():
            self.map_by.addItem(label, key)
            if not have[key]:
                item = self.map_by.model().item(self.map_by.count() - 1)
                item.setEnabled(False)
                item.setToolTip(f"Not installed: {INSTALL}")
        self.map_by.setToolTip(f"How the codes become points. t-SNE and UMAP show neighbourhoods better and take "
                               f"seconds; they are optional ({INSTALL}).")
        self.map_by.currentIndexChanged.connect(self._map_changed)
        self.recompute = QPushButton("Recompute")
        self.recompute.setToolTip("A fresh map of the codes as they are now")
        self.recompute.setVisible(False)
        self.map_state = QLabel()
        self.map_state.setStyleSheet("color: #555;")
        bar.addWidget(QLabel("Map"))
        bar.addWidget(self.map_by)
        bar.addWidget(self.recompute)

        self._points = np.zeros((0, 2), np.float32)
        self._splits = np.zeros(0, np.int8)
        self._labels: np.ndarray | None = None
        self._scores: np.ndarray | None = None
        self._errors: np.ndarray | None = None
        self._flags = np.zeros(0, bool)
        self._colouring: Colouring | None = None
        self._raster: Raster | None = None
        self._raster_view: View | None = None
        self._selected: int | None = None
        self.describe: Callable[[int], tuple[QPixmap | None, str]] | None = None  # hover card contents
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.timeout.connect(self.redraw_points)
        self._box.disableAutoRange()
        self._follow = True
        self._box.sigRangeChangedManually.connect(self._user_moved_view)
        self._box.sigRangeChanged.connect(lambda *_a: self._render_soon())
        self._box.sigResized.connect(lambda *_a: self._render_soon())
        self._box.region_drawn.connect(self._region_drawn)
        self._box.place_dragged.connect(self.empty_clicked)  # Alt-drag: decode wherever the mouse goes
        self.plot.scene().sigMouseMoved.connect(self._hover)
        self.plot.scene().sigMouseClicked.connect(self._clicked)

        self.card = HoverCard(self.plot)  # thumbnail and words beside the mouse
        self.hovered: int | None = None

        self.empty_note = QLabel(EMPTY_TEXT, self.plot)  # over the empty plot, until there are points
        self.empty_note.setWordWrap(True)
        self.empty_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_note.setStyleSheet("color: #6e6e6e; background: transparent;")
        self.empty_note.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.replay = QSlider(Qt.Orientation.Horizontal)
        self.replay.setToolTip("Replay how the points moved while the model trained (one frame an epoch)")
        self.replay.valueChanged.connect(self.replay_moved)
        self.replay_label = QLabel()
        self.live_button = QPushButton("Live")
        self.live_button.setToolTip("Back to the points as they are now")
        self.live_button.clicked.connect(lambda: self.replay.setValue(self.replay.maximum()))
        self.replay_row = QWidget()
        row = QHBoxLayout(self.replay_row)
        row.setContentsMargins(2, 0, 2, 0)
        row.addWidget(QLabel("Training replay"))
        row.addWidget(self.replay, 1)
        row.addWidget(self.replay_label)
        row.addWidget(self.live_button)
        self.replay_row.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addLayout(bar)
        layout.addWidget(self.map_state)
        self.map_state.setVisible(False)
        layout.addWidget(self.replay_row)
        self._recolour()

    # -- what the plot shows --------------------------------------------------------------------
    def set_axes(self, latent_dim: int, explained: tuple[float, float] | None = None) -> None:
        """Name the axes: the code's own numbers, or its principal axes with their share of the variance."""
        if latent_dim == 1:
            names = ("code (1 number)", "")
        elif latent_dim == 2:
            names = ("code number 1", "code number 2")
        else:
            # The plane is PCA's, but its axes turn within it to keep the picture steady
            # (core.projection): the horizontal one need not be the first principal axis, so each is
            # named by its direction, with the share of the code's variance it shows.
            share = ("", "") if explained is None else tuple(f": {100 * e:.0f} % of the variance" for e in explained)
            names = (f"PCA plane of the {latent_dim}-number code, turned to keep the points steady · "
                     f"across{share[0]}", f"up{share[1]}")
        if names != self._axis_names:
            self._axis_names = names
            self.plot.setLabel("bottom", names[0])
            self.plot.setLabel("left", names[1])

    def clear(self) -> None:
        self.set_points(np.zeros((0, 2), np.float32), np.zeros(0, np.int8))

    def set_points(self, points: np.ndarray, splits: np.ndarray) -> None:
        n = min(len(points), len(splits))
        self._points = np.asarray(points[:n], np.float32)
        splits = np.asarray(splits[:n], np.int8)
        if not np.array_equal(splits, self._splits):
            self._colouring = None
        self._splits = splits
        known = np.isfinite(self._points).all(axis=1)
        self.empty_note.setVisible(not known.any())
        self._update_marker()
        self._keep_in_view(self._points[known])
        self._render_soon()

    def set_values(self, labels: np.ndarray | None = None, scores: np.ndarray | None = None,
                   errors: np.ndarray | None = None) -> None:
        """What colouring by label, score or error reads (only what is given changes)."""
        self._labels = labels if labels is not None else self._labels
        self._scores = scores if scores is not None else self._scores
        self._errors = errors if errors is not None else self._errors
        if self.colour_by.currentData() != "split":
            self._colouring = None
            self._render_soon()

    def set_flags(self, flags: np.ndarray) -> None:
        self._flags = np.asarray(flags, bool)
        self._render_soon()

    def _recolour(self) -> None:
        self._colouring = None
        self.redraw_points()

    def colouring(self) -> Colouring:
        if self._colouring is None or len(self._colouring.rgba) != len(self._points):
            c = colour_points(self.colour_by.currentData(), self._splits, self._labels, self._scores, self._errors)
            if self._colouring is None or (c.legend, c.span, c.what) != (
                    self._colouring.legend, self._colouring.span, self._colouring.what):
                self._show_legend(c)
            self._colouring = c
        return self._colouring

    def _show_legend(self, c: Colouring) -> None:
        self.legend.clear()
        for name, rgba in c.legend:
            self.legend.addItem(pg.ScatterPlotItem(size=8, pen=None, brush=pg.mkBrush(*rgba)), name)
        self.legend.addItem(pg.ScatterPlotItem(size=12, pen=pg.mkPen(FLAG_RGBA, width=1.6), brush=None), "flagged")
        for label in (self.ramp_low, self.ramp_label, self.ramp_high):
            label.setVisible(c.span is not None)
        if c.span is None:
            return
        self.ramp_low.setText(f"{c.span[0]:.3g}")
        self.ramp_high.setText(f"{c.span[1]:.3g} · grey: not scored yet")
        strip = np.repeat(ramp(np.linspace(0, 1, 120))[None], 10, axis=0)
        image = QImage(np.ascontiguousarray(strip).data, 120, 10, 360, QImage.Format.Format_RGB888).copy()
        self.ramp_label.setPixmap(QPixmap.fromImage(image))
        self.ramp_label.setToolTip(f"{c.what}: {c.span[0]:.3g} (dark) to {c.span[1]:.3g} (yellow); grey: not known")

    # -- drawing -----------------------------------------------------------------------------------
    def _render_soon(self) -> None:
        if not self._render_timer.isActive():
            self._render_timer.start(0)

    def redraw_points(self) -> None:
        """Draw the points into an image covering the view, at the view's size in pixels."""
        self._render_timer.stop()
        (x0, x1), (y0, y1) = self._box.viewRange()
        size = self._box.boundingRect()
        view = View(x0, x1, y0, y1, max(int(size.width()), 1), max(int(size.height()), 1))
        n = len(self._points)
        colours = self.colouring().rgba
        flagged = np.zeros(n, bool)
        m = min(n, len(self._flags))
        flagged[:m] = self._flags[:m]
        dropped = self._splits == 2
        on_top = flagged | dropped  # drawn last, so nothing hides them
        order = np.concatenate([np.flatnonzero(~on_top), np.flatnonzero(on_top)])
        outlines = {pack_colour(FLAG_RGBA): (flagged, ring(POINT_RADIUS + 3, 1)),
                    pack_colour(DROPPED_RGBA): (dropped, ring(POINT_RADIUS + 5, 2))}
        self._raster = rasterise(self._points, colours, view, POINT_RADIUS, order, outlines)
        self._raster_view = view
        self.cloud.setImage(self._raster.rgba, autoLevels=False)
        self.cloud.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        r = self.plot.rect()
        self.empty_note.setGeometry(r.width() // 6, r.height() // 3, r.width() * 2 // 3, r.height() // 3)

    def _keep_in_view(self, visible: np.ndarray) -> None:
        if any(self._box.autoRangeEnabled()):  # the user pressed "A": follow again, cheaply
            self._box.disableAutoRange()
            self._follow = True
            self._box.setRange(xRange=(0, 1), yRange=(0, 1))  # forces a fresh fit below
        if self._follow and len(visible):
            lo, hi = visible.min(axis=0).astype(np.float64), visible.max(axis=0).astype(np.float64)
            span = hi - lo
            flat = span < 1e-6 * max(float(span.max()), 1e-6)  # a code of one number: every y is 0
            half = np.where(flat, max(float(span.max()), 1.0) / 2, 0.0)
            follow_range(self._box, lo - half, hi + half)

    def _user_moved_view(self, *_args) -> None:
        self._follow = False

    # -- the person ------------------------------------------------------------------------------------
    def point_at(self, x: float, y: float, reach: int = 5) -> int | None:
        """The point drawn nearest to data position (x, y), within ``reach`` pixels."""
        if self._raster is None or self._raster_view is None:
            return None
        col, row = self._raster_view.to_pixels(np.array([[x, y]], np.float64))
        return pick_at(self._raster, float(col[0]), float(row[0]), reach)

    def _hover(self, scene_pos) -> None:
        if not self._box.sceneBoundingRect().contains(scene_pos):
            self._show_card(None, scene_pos)
            return
        p = self._box.mapSceneToView(scene_pos)
        self._show_card(self.point_at(p.x(), p.y()), scene_pos)

    def _show_card(self, row: int | None, scene_pos) -> None:
        self.hovered = row
        if row is None or self.describe is None:
            self.card.hide()
            return
        pixmap, text = self.describe(row)
        self.card.show_at(self.plot.mapFromScene(scene_pos), pixmap, text)

    def _clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or not self._box.sceneBoundingRect().contains(ev.scenePos()):
            return
        p = self._box.mapSceneToView(ev.scenePos())
        row = self.point_at(p.x(), p.y())
        if row is not None and ev.modifiers() & Qt.KeyboardModifier.AltModifier:
            self.walk_requested.emit(row)
        elif row is not None:
            self.index_clicked.emit(row)
        else:
            self.empty_clicked.emit(float(p.x()), float(p.y()))

    def _region_drawn(self, polygon: np.ndarray) -> None:
        if len(polygon) >= 3:
            self.region_selected.emit(self.rows_in(polygon))

    def rows_in(self, polygon: np.ndarray) -> np.ndarray:
        """Rows of the points inside a polygon (data coordinates); a 4-corner one is a rectangle."""
        if len(polygon) == 4 and polygon[0, 1] == polygon[1, 1] and polygon[0, 0] == polygon[3, 0]:
            return in_rectangle(self._points, polygon[0, 0], polygon[2, 0], polygon[0, 1], polygon[2, 1])
        return in_polygon(self._points, polygon)

    def _map_changed(self) -> None:
        self.recompute.setVisible(self.map_by.currentData() != "pca")
        self.map_chosen.emit(self.map_by.currentData())

    def show_map_state(self, words: str) -> None:
        self.map_state.setText(words)
        self.map_state.setVisible(bool(words))

    def set_map_axes(self, label: str) -> None:
        self._axis_names = (f"{label} 1", f"{label} 2")
        self.plot.setLabel("bottom", self._axis_names[0])
        self.plot.setLabel("left", self._axis_names[1])

    def show_timeline(self, frames: int, shown: int, words: str) -> None:
        """The replay slider: ``frames`` frames, frame ``shown`` on show, described in ``words``."""
        self.replay_row.setVisible(frames >= 2)
        self.replay.blockSignals(True)
        self.replay.setRange(0, max(frames - 1, 0))
        self.replay.setValue(shown)
        self.replay.blockSignals(False)
        self.replay_label.setText(words)
        self.live_button.setEnabled(shown < frames - 1)

    def mark_decoded(self, x: float | None, y: float | None = None) -> None:
        """A cross where the compare panel's decoded picture comes from (None: no cross)."""
        self._decoded.setData([] if x is None else [x], [] if y is None else [y])

    def select(self, row: int | None) -> None:
        self._selected = row
        self._update_marker()

    def _update_marker(self) -> None:
        row = self._selected
        if row is None or row >= len(self._points) or np.isnan(self._points[row]).any():
            self._marker.setData([], [])
        else:
            self._marker.setData([float(self._points[row, 0])], [float(self._points[row, 1])])

    # -- what tests look at ------------------------------------------------------------------------
    def point_count(self) -> int:
        return int(np.isfinite(self._points).all(axis=1).sum())

    def flagged_count(self) -> int:
        n = min(len(self._flags), len(self._points))
        return int((self._flags[:n] & np.isfinite(self._points[:n]).all(axis=1)).sum())

    @property
    def view_box(self) -> pg.ViewBox:
        return self._box
