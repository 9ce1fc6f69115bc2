"""A word-wrapped label that is never squeezed below the height its lines need."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLabel, QSizePolicy


class WrappedLabel(QLabel):
    """Qt lays a word-wrapped label out from a minimum measured at some other width, so in a tight
    column it gets fewer lines' height than it has and its neighbours draw over the rest. This one
    asks for the height its text needs at the width it was given, and asks again when that changes."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self._asked = -1

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(hint.width(), max(hint.height(), self.heightForWidth(self.width())))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.heightForWidth(self.width()) != self._asked:
            self._asked = self.heightForWidth(self.width())
            self.updateGeometry()  # the new width wants another height: the layout asks again
