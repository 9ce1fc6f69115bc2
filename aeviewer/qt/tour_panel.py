"""What the guided tour draws: a small card that floats over the window, and outlines around the
widgets a chapter talks about. Neither takes a click away from the window (the outlines let every
mouse event through); ``qt.tour`` decides what they say and where they point."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

ACCENT = QColor(255, 140, 0)
CARD_WIDTH = 380
MARGIN = 12


class TourCard(QFrame):
    """Chapter title, at most two sentences, a progress note while the chapter waits, and
    Back / Next / Skip."""

    back_clicked = Signal()
    next_clicked = Signal()
    skip_clicked = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("tourCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#tourCard { background: #fffaf2; border: 2px solid #ff8c00; border-radius: 8px; }"
            "#tourNote { color: #6b5a45; font-style: italic; }")
        self.setFixedWidth(CARD_WIDTH)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.note = QLabel()
        self.note.setObjectName("tourNote")
        self.note.setWordWrap(True)
        self.skip = QPushButton("Skip tour")
        self.skip.setFlat(True)
        self.skip.setToolTip("Close the tour (Help > Tour plays it again)")
        self.back = QPushButton("Back")
        self.next = QPushButton("Next")
        self.next.setDefault(True)
        self.skip.clicked.connect(self.skip_clicked)
        self.back.clicked.connect(self.back_clicked)
        self.next.clicked.connect(self.next_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.skip)
        buttons.addStretch(1)
        buttons.addWidget(self.back)
        buttons.addWidget(self.next)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)
        layout.addWidget(self.title)
        layout.addWidget(self.body)
        layout.addWidget(self.note)
        layout.addLayout(buttons)

    def show_chapter(self, number: int, count: int, title: str, body: str, note: str) -> None:
        self.title.setText(f"<b>{title}</b> <span style='color:#8a7560'>· tour {number} of {count}</span>")
        self.body.setText(body)
        self.body.setVisible(bool(body))
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.back.setEnabled(number > 1)
        self.next.setText("Finish" if number == count else "Next")
        self.adjustSize()

    def place_over(self, target: QWidget) -> None:
        """Top right of ``target`` (a widget of the same window), inside it."""
        window = self.parentWidget()
        corner = target.mapTo(window, target.rect().topRight())
        self.move(max(MARGIN, corner.x() - self.width() - MARGIN), corner.y() + MARGIN)
        self.raise_()


def _shown_part(widget: QWidget, window: QWidget) -> QRect:
    """Where ``widget`` shows in ``window``'s coordinates: its rectangle cut by every parent's (a group
    partly scrolled out of a scroll area outlines only what is on screen)."""
    rect = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        rect = rect.intersected(QRect(parent.mapTo(window, parent.rect().topLeft()), parent.size()))
        parent = parent.parentWidget()
    return rect


class Highlighter(QWidget):
    """Rounded outlines around the chapter's widgets, over the whole window; mouse events pass through."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.targets: list[QWidget] = []
        self._rects: list[QRect] = []

    def point_at(self, targets: list[QWidget]) -> None:
        self.targets = list(targets)
        self.follow()

    def follow(self) -> None:
        """Cover the window and outline where the targets are now (they move with splitters and resizes)."""
        window = self.parentWidget()
        self.setGeometry(window.rect())
        rects = []
        for t in self.targets:
            seen = _shown_part(t, window)
            if t.isVisible() and not seen.isEmpty():
                rects.append(seen.adjusted(-3, -3, 3, 3))
        if rects != self._rects:
            self._rects = rects
            self.update()
        self.raise_()

    @property
    def outlined(self) -> list[QRect]:
        return list(self._rects)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(ACCENT)
        pen.setWidth(3)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for r in self._rects:
            painter.drawRoundedRect(r, 6, 6)
        painter.end()
