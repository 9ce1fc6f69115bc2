"""The image gallery: a virtualised grid of thumbnails with each image's error.

The model hands out thumbnails lazily (only rows the view paints are ever
converted) and caches them, so thousands of images scroll without lag.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QMenu

from aeviewer.core.data import ImageSet, Split
from aeviewer.core.scoring import DEFAULT_SCORE, SCORES
from aeviewer.qt.captions import format_number
from aeviewer.qt.images import SPLIT_COLOURS, to_qimage

THUMB = 64
SCORE_ROLE = Qt.ItemDataRole.UserRole + 1  # for sorting: the anomaly score (NaN sorts last)
ROW_ROLE = Qt.ItemDataRole.UserRole + 2  # for sorting: the order images were loaded in
FLAG_COLOUR = QColor(220, 30, 30)
CELL = QSize(THUMB + 60, THUMB + 22)  # room for "dropped · 0.0123" under the thumbnail
_Index = QModelIndex | QPersistentModelIndex
EMPTY_TEXT = ("No pictures yet.\n\nDrag pictures or a folder onto the window, or use File > Open… "
              "or File > Open a dataset folder…\n\nFile > Reload the demo brings the bananas back.")


class GalleryModel(QAbstractListModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._images = ImageSet.empty(THUMB, 3)
        self._errors = np.zeros(0, np.float32)  # the anomaly score shown, of the kind chosen
        self._flags = np.zeros(0, bool)
        self._pixmaps: dict[int, QPixmap] = {}
        self._brushes = {s: QBrush(c) for s, c in SPLIT_COLOURS.items()}
        self._flag_brush = QBrush(FLAG_COLOUR)
        self.score_name = SCORES[DEFAULT_SCORE].label.lower()

    # -- contents -------------------------------------------------------------
    def set_images(self, images: ImageSet) -> None:
        self.beginResetModel()
        self._images = images
        self._errors = np.full(len(images), np.nan, np.float32)
        self._flags = np.zeros(len(images), bool)
        self._pixmaps.clear()
        self.endResetModel()

    def append(self, images: ImageSet, start: int) -> None:
        """Rows ``start..`` of ``images`` are new (the ImageSet was extended in place)."""
        end = len(images) - 1
        if end < start:
            return
        self.beginInsertRows(QModelIndex(), start, end)
        self._images = images
        self._errors = np.concatenate([self._errors, np.full(end - start + 1, np.nan, np.float32)])
        self._flags = np.concatenate([self._flags, np.zeros(end - start + 1, bool)])
        self.endInsertRows()

    def set_errors(self, errors: np.ndarray, flags: np.ndarray | None = None) -> None:
        """Scores to show (and sort by), and which images are flagged as unusual."""
        n = min(len(errors), len(self._errors))
        if n == 0:
            return
        self._errors[:n] = errors[:n]
        if flags is not None:
            self._flags[:n] = flags[:n]
        self.dataChanged.emit(self.index(0), self.index(n - 1))

    def set_flags(self, flags: np.ndarray) -> None:
        self.set_errors(self._errors.copy(), flags)

    def flagged(self, row: int) -> bool:
        return bool(self._flags[row])

    # -- Qt model API -----------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._images)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = index.row()
        split = Split(int(self._images.splits[row]))
        if role == Qt.ItemDataRole.DisplayRole:
            mark = "⚑ " if self._flags[row] else ""
            return f"{mark}{split.label} · {format_number(self._errors[row])}"
        if role == SCORE_ROLE:
            e = float(self._errors[row])
            return -math.inf if math.isnan(e) else e
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DecorationRole:
            pix = self._pixmaps.get(row)
            if pix is None:
                pix = QPixmap.fromImage(to_qimage(self._images.images[row]))
                if pix.width() != THUMB:
                    pix = pix.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
                self._pixmaps[row] = pix
            return pix
        if role == Qt.ItemDataRole.SizeHintRole:
            return CELL
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._flag_brush if self._flags[row] else self._brushes[split]
        if role == Qt.ItemDataRole.ToolTipRole:
            flag = "\nflagged: scores above the threshold" if self._flags[row] else ""
            return (
                f"{self._images.paths[row]}\n{split.label} image\n"
                f"{self.score_name}: {format_number(self._errors[row])}{flag}"
            )
        return None


class _Shown(QSortFilterProxyModel):
    """Sorts, and shows only the rows asked for (a region chosen in the latent plot), or all."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: frozenset[int] | None = None

    def filterAcceptsRow(self, source_row: int, _parent) -> bool:
        return self.rows is None or source_row in self.rows


class GalleryView(QListView):
    """Grid of thumbnails; emits ``image_selected(row)`` when the user picks one."""

    image_selected = Signal(int)  # a row of the gallery model (the order images were loaded in)
    walk_requested = Signal(int)  # "walk from the selected picture to this one" (its context menu)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.gallery = GalleryModel(self)
        self.proxy = _Shown(self)
        self.proxy.setSourceModel(self.gallery)
        self.setModel(self.proxy)
        self.sort_by_score(False)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setGridSize(CELL + QSize(4, 4))
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(200)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setWordWrap(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSpacing(2)
        self.selectionModel().currentChanged.connect(self._current_changed)

    def sort_by_score(self, most_anomalous_first: bool) -> None:
        # Re-sorting live as scores change costs work on every update: only when asked for.
        self.proxy.setDynamicSortFilter(most_anomalous_first)
        if most_anomalous_first:
            self.proxy.setSortRole(SCORE_ROLE)
            self.proxy.sort(0, Qt.SortOrder.DescendingOrder)
        else:
            self.proxy.setSortRole(ROW_ROLE)
            self.proxy.sort(0, Qt.SortOrder.AscendingOrder)
        if self.currentIndex().isValid():
            self.scrollTo(self.currentIndex(), QAbstractItemView.ScrollHint.EnsureVisible)

    def paintEvent(self, event) -> None:
        """With no pictures, the empty grid says how to add some."""
        super().paintEvent(event)
        if self.model().rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(QColor(110, 110, 110))
            area = self.viewport().rect().adjusted(16, 16, -16, -16)
            text = "No picture lies in the region chosen in the latent plot." if self.showing_some else EMPTY_TEXT
            painter.drawText(area, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), text)
            painter.end()

    def contextMenuEvent(self, event) -> None:
        index = self.indexAt(event.pos())
        if not index.isValid():
            return
        row = self.proxy.mapToSource(index).row()
        menu = QMenu(self)
        action = menu.addAction("Walk from the selected picture to this one")
        action.setEnabled(row != self.current_row() and self.current_row() >= 0)
        action.triggered.connect(lambda: self.walk_requested.emit(row))
        menu.exec(event.globalPos())

    def show_only(self, rows: np.ndarray | None) -> None:
        """Only these pictures (None: every picture again)."""
        shown = None if rows is None else frozenset(int(r) for r in rows)
        if hasattr(self.proxy, "endFilterChange"):  # Qt 6.10 and later
            self.proxy.beginFilterChange()
            self.proxy.rows = shown
            self.proxy.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.proxy.rows = shown
            self.proxy.invalidateFilter()

    @property
    def showing_some(self) -> bool:
        return self.proxy.rows is not None

    def thumbnail(self, row: int) -> QPixmap | None:
        pixmap = self.gallery.data(self.gallery.index(row), Qt.ItemDataRole.DecorationRole)
        return pixmap if isinstance(pixmap, QPixmap) else None

    def row_at(self, position: int) -> int:
        """The image row shown at ``position`` in the current order."""
        return self.proxy.mapToSource(self.proxy.index(position, 0)).row()

    def current_row(self) -> int:
        return self.proxy.mapToSource(self.currentIndex()).row() if self.currentIndex().isValid() else -1

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.image_selected.emit(self.proxy.mapToSource(current).row())

    def select_row(self, row: int) -> None:
        """Highlight image ``row`` without a feedback loop (no signal when it is already current)."""
        if self.current_row() == row:
            return
        index = self.proxy.mapFromSource(self.gallery.index(row))
        self.setCurrentIndex(index)
        self.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
