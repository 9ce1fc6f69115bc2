"""A folder too large for memory, shown a page at a time.

Training reads every file of such a folder (``core.streaming``); the window holds one
page of it, at most PAGE_PICTURES pictures with the same share of every split and label
(``core.large_folders.page_rows``), for the gallery, the scatter and the anomaly
panel. The page bar above the gallery turns the pages: the next page is decoded on
the loader's threads and takes the shown pictures' place in the engine, while the
model, and a run training on the files, go on. Pictures dropped on the window stay
from page to page.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from aeviewer.core.data import ImageSet, LoadResult, Split
from aeviewer.core.large_folders import PAGE_PICTURES, page_count, page_rows
from aeviewer.core.layouts import Found
from aeviewer.qt.messages import ImagesChanged, ShowPage


class FolderPages:
    """The folder's files (as listed, before decoding) and how they fall into pages."""

    def __init__(self, found: Found, per_page: int | None = None) -> None:
        self.found = found
        self.groups = np.array([4 * e.split + e.label + 1 for e in found.entries], np.int16)  # split and label
        self.per_page = per_page or PAGE_PICTURES
        self.count = page_count(self.groups, self.per_page)
        self.train_paths = tuple(str(e.path) for e in found.entries if e.split == Split.TRAIN)

    def page(self, k: int) -> Found:
        """Page ``k`` (from 0) of the files, to decode."""
        return Found([self.found.entries[i] for i in page_rows(self.groups, k, self.per_page)], [],
                     self.found.description)

    def __len__(self) -> int:
        return len(self.found.entries)


def page_text(pages: FolderPages, k: int, shown: int | None = None) -> str:
    on_page = len(page_rows(pages.groups, k, pages.per_page)) if shown is None else shown
    return f"Page {k + 1:,} of {pages.count:,} · {on_page:,} of the folder's {len(pages):,} pictures"


class PageBar(QWidget):
    """Previous · "Page 2 of 40 · ..." · Next; hidden unless a folder is shown a page at a time."""

    wanted = Signal(int)  # the page asked for (from 0)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.previous = QPushButton("◀")
        self.previous.setToolTip("The previous page of the folder")
        self.next = QPushButton("▶")
        self.next.setToolTip("The next page of the folder")
        for button in (self.previous, self.next):
            button.setFixedWidth(32)
        self.label = QLabel()
        self.label.setToolTip("The folder is too large for memory: training reads every file, and the "
                              "gallery and the scatter show one page of it at a time")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.previous)
        row.addWidget(self.label, 1)
        row.addWidget(self.next)
        self.page, self.count = 0, 1
        self.previous.clicked.connect(lambda: self.wanted.emit(self.page - 1))
        self.next.clicked.connect(lambda: self.wanted.emit(self.page + 1))
        self.setVisible(False)

    def show_page(self, page: int, count: int, text: str, loading: bool = False) -> None:
        self.page, self.count = page, count
        self.label.setText(text)
        self.previous.setEnabled(not loading and page > 0)
        self.next.setEnabled(not loading and page < count - 1)
        self.setVisible(True)


class Pager(QObject):
    """Turns the pages of the folder on show: asks the opener for a page, hands it to the worker.

    It knows its folder is still the one on show by the pictures: a page (or the dataset's first)
    is the engine's pictures until something else replaces them (the demo, a session, another
    folder), and then the bar goes."""

    status = Signal(str)

    def __init__(self, bar: PageBar, opener, submit: Callable, images: Callable[[], ImageSet],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bar, self.opener, self.submit, self.images = bar, opener, submit, images
        self.pages: FolderPages | None = None
        self._mine: ImageSet | None = None  # the pictures of this folder handed to the worker
        self.page = 0
        self._reading: FolderPages | None = None  # the folder whose page is being read
        bar.wanted.connect(self.turn)
        opener.page_ready.connect(self._page_ready)
        opener.cancelled.connect(self._not_turned)
        opener.failed.connect(lambda _details: self._not_turned())

    def show_folder(self, pages: FolderPages | None, first: ImageSet | None = None) -> None:
        """A folder whose first page, ``first``, is on its way to the worker (None: no folder of pages)."""
        self.pages, self._mine, self.page = pages, first, 0
        if pages is None or pages.count < 2:
            self.bar.setVisible(False)
            return
        self.bar.show_page(0, pages.count, page_text(pages, 0))

    def turn(self, page: int) -> None:
        pages = self.pages
        if pages is None or not 0 <= page < pages.count:
            return
        if self.opener.loading:
            self.status.emit("Pictures are being read: the page turns once they are in.")
            return
        shown = self.images()
        dropped = shown.subset(shown.indices(Split.DROPPED))  # the person's own pictures stay
        self.bar.show_page(self.page, pages.count, f"Reading page {page + 1:,} of {pages.count:,}…", loading=True)
        self._reading = pages
        self.opener.load_page(pages.page(page), page, dropped)

    def _not_turned(self) -> None:
        """The page being read was cancelled (or could not be read): the bar shows the page on show."""
        if self._reading is not None and self._reading is self.pages:
            self.bar.show_page(self.page, self.pages.count, page_text(self.pages, self.page))
        self._reading = None

    def _page_ready(self, result: LoadResult, page: int) -> None:
        pages, reading, self._reading = self.pages, self._reading, None
        if pages is None or reading is not pages:
            return  # the folder was replaced while its page was read
        self.page, self._mine = page, result.images
        self.submit(ShowPage(result.images))
        read = int((result.images.splits != Split.DROPPED).sum())
        self.bar.show_page(page, pages.count, page_text(pages, page, read))
        if result.failures:
            self.status.emit(f"{len(result.failures):,} file(s) of page {page + 1:,} could not be read: "
                             f"left out ({result.failures[0].reason}).")

    def images_changed(self, change: ImagesChanged) -> None:
        """The engine's pictures now: still this folder's (a page, or pictures dropped onto one), or not."""
        if self.pages is None:
            return
        if change.added is not None or change.images is self._mine:
            self._mine = change.images
            return
        self.show_folder(None)
