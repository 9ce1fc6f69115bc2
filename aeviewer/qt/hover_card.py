"""A small card beside the mouse: a picture's thumbnail and a few words about it."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

GAP = 14


class HoverCard(QFrame):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setStyleSheet("QFrame { background: #ffffff; border: 1px solid #9a9a9a; border-radius: 4px; }"
                           "QLabel { border: none; }")
        self.image = QLabel()
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.RichText)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 8, 6)
        layout.addWidget(self.image)
        layout.addWidget(self.text)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()

    def show_at(self, at: QPoint, pixmap: QPixmap | None, html: str) -> None:
        """Beside ``at`` (in the parent's coordinates), on whichever side has room, inside the parent."""
        self.image.setPixmap(pixmap if pixmap is not None else QPixmap())
        self.text.setText(html)
        self.adjustSize()
        room = self.parentWidget()
        x = at.x() + GAP if at.x() + GAP + self.width() < room.width() else at.x() - GAP - self.width()
        y = min(max(at.y() - self.height() // 2, 0), max(room.height() - self.height(), 0))
        self.move(int(x), int(y))
        self.show()
        self.raise_()
