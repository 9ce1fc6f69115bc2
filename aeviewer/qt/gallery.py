"""The image gallery: a virtualised grid of thumbnails with each image's error.

The model hands out thumbnails lazily (only rows the view paints are ever
converted) and caches them, so thousands of images scroll without lag. It keeps
its own display order (a numpy array of picture rows): sorting by score is one
argsort and showing a region of the latent plot is one subset, where a Qt sort
proxy asked Python for each row's score O(n log n) times (adding 40,000 pictures
froze the window for seconds).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
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
        self._order = np.zeros(0, np.int64)  # picture rows in display order
        self._by_score = False
        self._only: np.ndarray | None = None  # the picture rows of a region, or None for all

    # -- contents -------------------------------------------------------------
    def set_images(self, images: ImageSet) -> None:
        self.beginResetModel()
        self._images = images
        self._errors = np.full(len(images), np.nan, np.float32)
        self._flags = np.zeros(len(images), bool)
        self._pixmaps.clear()
        self._only = None
        self._order = self._wanted_order()
        self.endResetModel()

    def append(self, images: ImageSet, start: int) -> None:
        """Rows ``start..`` of ``images`` are new (the ImageSet was extended in place)."""
        end = len(images) - 1
        if end < start:
            return
        self._images = images
        self._errors = np.concatenate([self._errors, np.full(end - start + 1, np.nan, np.float32)])
        self._flags = np.concatenate([self._flags, np.zeros(end - start + 1, bool)])
        if self._only is not None:
            return  # a region of the latent plot is on show: the new pictures are not in it
        # Unscored, they go last in either order: inserted at the end in one step.
        first = len(self._order)
        self.beginInsertRows(QModelIndex(), first, first + end - start)
        self._order = np.concatenate([self._order, np.arange(start, end + 1, dtype=np.int64)])
        self.endInsertRows()

    def set_errors(self, errors: np.ndarray, flags: np.ndarray | None = None) -> None:
        """Scores to show (and sort by), and which images are flagged as unusual."""
        n = min(len(errors), len(self._errors))
        if n == 0:
            return
        self._errors[:n] = errors[:n]
        if flags is not None:
            self._flags[:n] = flags[:n]
        if self._by_score:
            self._reorder(self._wanted_order())
        if len(self._order):
            self.dataChanged.emit(self.index(0), self.index(len(self._order) - 1))

    def set_flags(self, flags: np.ndarray) -> None:
        self.set_errors(self._errors.copy(), flags)

    def flagged(self, row: int) -> bool:
        return bool(self._flags[row])

    # -- order -----------------------------------------------------------------
    def sort_by_score(self, by_score: bool) -> None:
        self._by_score = by_score
        self._reorder(self._wanted_order())

    def show_only(self, rows: np.ndarray | None) -> None:
        self.beginResetModel()
        self._only = None if rows is None else np.unique(np.asarray(rows, np.int64))
        self._order = self._wanted_order()
        self.endResetModel()

    @property
    def showing_some(self) -> bool:
        return self._only is not None

    def _wanted_order(self) -> np.ndarray:
        rows = np.arange(len(self._images), dtype=np.int64) if self._only is None else self._only
        if not self._by_score:
            return rows
        scores = self._errors[rows].astype(np.float64)
        return rows[np.argsort(np.where(np.isnan(scores), np.inf, -scores), kind="stable")]  # NaN last

    def _reorder(self, order: np.ndarray) -> None:
        """The same pictures in another order; the current index follows its picture."""
        if np.array_equal(order, self._order):
            return
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        pictures = [int(self._order[i.row()]) for i in before]
        self._order = order
        where = self._positions()
        self.changePersistentIndexList(before, [self.index(int(where[p])) for p in pictures])
        self.layoutChanged.emit()

    def _positions(self) -> np.ndarray:
        where = np.full(len(self._images), -1, np.int64)
        where[self._order] = np.arange(len(self._order))
        return where

    def image_row(self, position: int) -> int:
        """The picture shown at ``position``."""
        return int(self._order[position])

    def position_of(self, row: int) -> int:
        """Where picture ``row`` is shown (-1: not shown, outside the region on show)."""
        hits = np.flatnonzero(self._order == row)
        return int(hits[0]) if len(hits) else -1

    def pixmap(self, row: int) -> QPixmap:
        pix = self._pixmaps.get(row)
        if pix is None:
            pix = QPixmap.fromImage(to_qimage(self._images.shown(row)))  # the picture, not its working square's filling
            if max(pix.width(), pix.height()) != THUMB:
                pix = pix.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                 Qt.TransformationMode.SmoothTransformation)
            if pix.width() != pix.height():  # centred in a square, so that every caption lines up
                square = QPixmap(THUMB, THUMB)
                square.fill(Qt.GlobalColor.transparent)
                painter = QPainter(square)
                painter.drawPixmap((THUMB - pix.width()) // 2, (THUMB - pix.height()) // 2, pix)
                painter.end()
                pix = square
            self._pixmaps[row] = pix
        return pix

    # -- Qt model API -----------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._order)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._order):
            return None
        row = int(self._order[index.row()])
        split = Split(int(self._images.splits[row]))
        if role == Qt.ItemDataRole.DisplayRole:
            mark = "⚑ " if self._flags[row] else ""
            return f"{mark}{split.label} · {format_number(self._errors[row])}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self.pixmap(row)
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


class GalleryView(QListView):
    """Grid of thumbnails; emits ``image_selected(row)`` when the user picks one."""

    image_selected = Signal(int)  # a picture's row (the order images were loaded in)
    walk_requested = Signal(int)  # "walk from the selected picture to this one" (its context menu)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.gallery = GalleryModel(self)
        self.setModel(self.gallery)
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
        self.gallery.sort_by_score(most_anomalous_first)
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
        row = self.gallery.image_row(index.row())
        menu = QMenu(self)
        action = menu.addAction("Walk from the selected picture to this one")
        action.setEnabled(row != self.current_row() and self.current_row() >= 0)
        action.triggered.connect(lambda: self.walk_requested.emit(row))
        menu.exec(event.globalPos())

    def show_only(self, rows: np.ndarray | None) -> None:
        """Only these pictures (None: every picture again)."""
        current = self.current_row()
        self.gallery.show_only(rows)
        if current >= 0:
            self.select_row(current)

    @property
    def showing_some(self) -> bool:
        return self.gallery.showing_some

    def thumbnail(self, row: int) -> QPixmap | None:
        return self.gallery.pixmap(row) if 0 <= row < len(self.gallery._images) else None

    def row_at(self, position: int) -> int:
        """The image row shown at ``position`` in the current order."""
        return self.gallery.image_row(position)

    def current_row(self) -> int:
        index = self.currentIndex()
        return self.gallery.image_row(index.row()) if index.isValid() else -1

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.image_selected.emit(self.gallery.image_row(current.row()))

    def select_row(self, row: int) -> None:
        """Highlight image ``row`` without a feedback loop (no signal when it is already current)."""
        if self.current_row() == row:
            return
        position = self.gallery.position_of(row)
        if position < 0:
            return  # not among the pictures shown
        index = self.gallery.index(position)
        self.setCurrentIndex(index)
        self.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
