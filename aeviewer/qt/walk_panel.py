"""The Walk tab: pictures decoded along the straight line between two pictures' codes."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from aeviewer.qt.images import to_qimage

SIDE = 72
COLUMNS = 4
HOW = ("Select a picture, then <b>Alt-click</b> another point in the latent plot (or right-click a "
       "picture in the gallery): the decoder draws the pictures on the straight line between their codes.")


class WalkPanel(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.title = QLabel(HOW)
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.grid = QGridLayout()
        self.grid.setSpacing(4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addLayout(self.grid)
        layout.addStretch(1)
        self.steps = 0

    def clear(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.steps = 0
        self.title.setText(HOW)

    def show_walk(self, pictures: np.ndarray, start: str, end: str) -> None:
        """``pictures`` (steps, H, W, C) in [0, 1]: the first is ``start``'s reconstruction, the last ``end``'s."""
        self.clear()
        self.steps = len(pictures)
        self.title.setText(f"From <b>{start}</b> to <b>{end}</b>: {len(pictures)} pictures decoded along the "
                           "straight line between their codes (the ends are their reconstructions).")
        for i, picture in enumerate(pictures):
            pixels = np.clip(np.round(picture * 255), 0, 255).astype(np.uint8)
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(to_qimage(pixels)).scaled(
                SIDE, SIDE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))
            label.setToolTip(f"{i / max(len(pictures) - 1, 1):.0%} of the way")
            self.grid.addWidget(label, i // COLUMNS, i % COLUMNS)
