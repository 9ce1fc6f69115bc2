"""Turning the demo, files and folders into ImageSets, off the GUI thread.

The ``Opener`` decides what a request means (a single labelled folder opens as
a dataset; anything else adds 'dropped' images), runs the decoding on the
``Loader``'s threads and reports each outcome as a signal. It also keeps the
order right: pictures that finish loading while the demo is still being drawn
are held back and reported after it, so the demo does not replace them.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, Signal

from aeviewer.core.choices import Survey, choose
from aeviewer.core.data import ImageSet, LoadResult, Split
from aeviewer.core.large_folders import should_stream
from aeviewer.core.layouts import Found, find_paths, load_found
from aeviewer.qt.loader import Loader
from aeviewer.qt.pages import FolderPages


class Opener(QObject):
    started = Signal(str)  # what is being loaded, in words
    progress = Signal(int, int)  # files done, files in all
    idle = Signal()  # nothing is loading any more
    demo_ready = Signal(object)  # LoadResult
    dataset_ready = Signal(object, str, object, object)  # LoadResult, description, Settings, FolderPages or None
    page_ready = Signal(object, int)  # LoadResult of a page of a folder too large for memory, the page
    dropped_ready = Signal(object)  # LoadResult
    refused = Signal(str)  # why a folder is not a dataset
    failed = Signal(str)  # traceback
    cancelled = Signal()  # a load the person cancelled has stopped; nothing of it was added

    def __init__(self, image_size: int, channels: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.size, self.channels = image_size, channels
        self.loader = Loader(self)
        self.loader.progress.connect(self._progress)
        self.loader.loaded.connect(self._loaded)
        self.loader.failed.connect(self._failed)
        self.loader.cancelled.connect(self._cancelled)
        self._jobs: set[int] = set()
        self._demo_job = 0
        self._demo_pending = False
        self._early_drops: list[LoadResult] = []
        self._closing = False

    @property
    def loading(self) -> bool:
        return bool(self._jobs)

    def load_demo(self) -> None:
        size = self.size

        def job(progress, cancelled):
            from aeviewer.core.demos import cached_banana_imageset
            from aeviewer.core.user_files import data_dir

            return "demo", "", LoadResult(cached_banana_imageset(data_dir() / "cache", size=size), []), None, ()

        self._demo_pending = True
        self._start(job, "Drawing the banana demo…", demo=True)

    def open_paths(self, paths: list[str]) -> None:
        """A single labelled folder opens as a dataset; anything else is added as 'dropped'."""
        if not paths:
            return
        size, channels = self.size, self.channels
        single_folder = len(paths) == 1 and os.path.isdir(paths[0])

        def job(progress, cancelled):
            found = find_paths(paths, Split.DROPPED, single_folder)
            if found.labelled:
                return _dataset(found, progress, cancelled)
            return "dropped", "", load_found(found, size, channels, progress, cancelled).result, None, ()

        self._start(job, f"Loading {len(paths)} item(s)…")

    def open_dataset(self, folder: str) -> None:
        """A folder in any layout (a flat one trains on everything); refused when it holds no pictures."""
        def job(progress, cancelled):
            if not os.path.isdir(folder):
                return "refused", f"{folder} is not a folder", None, None, ()
            found = find_paths([folder], Split.TRAIN)
            if not found.entries:
                reasons = "; ".join(f.reason for f in found.failures[:3]) or "it holds no pictures"
                return "refused", reasons, None, None, ()
            return _dataset(found, progress, cancelled)

        self._start(job, f"Loading the dataset in {folder}…")

    def load_page(self, found: Found, page: int, keep: ImageSet) -> None:
        """Page ``page`` of a folder too large for memory (``qt.pages``), followed by ``keep``."""
        size, channels = self.size, self.channels

        def job(progress, cancelled):
            result = load_found(found, size, channels, progress, cancelled).result
            return "page", "", LoadResult(result.images.concatenated(keep), result.failures, result.notes), None, page

        self._start(job, f"Reading page {page + 1:,} of the folder…")

    def shutdown(self) -> None:
        self._closing = True
        self.loader.shutdown()

    # -- results (GUI thread) ---------------------------------------------------------
    def _start(self, job, message: str, demo: bool = False) -> int:
        job_id = self.loader.start(job)
        if demo:
            self._demo_job = job_id
        self._jobs.add(job_id)
        self.started.emit(message)
        return job_id

    def cancel(self) -> None:
        """Stop loading pictures (the demo, quick and needed, is left to finish)."""
        for job_id in self._jobs - {self._demo_job}:
            self.loader.cancel(job_id)

    @property
    def cancellable(self) -> bool:
        return bool(self._jobs - {self._demo_job})

    def _cancelled(self, job_id: int) -> None:
        if self._finish(job_id):
            self.cancelled.emit()

    def _finish(self, job_id: int) -> bool:
        self.loader.forget(job_id)
        self._jobs.discard(job_id)
        if not self._jobs:
            self.idle.emit()
        return not self._closing

    def _progress(self, _job_id: int, done: int, total: int) -> None:
        self.progress.emit(done, total)

    def _failed(self, job_id: int, tb: str) -> None:
        if self._finish(job_id):
            self.failed.emit(tb)

    def _loaded(self, job_id: int, payload) -> None:
        if not self._finish(job_id):
            return
        kind, description, result, settings, more = payload
        if kind == "demo":
            self._demo_pending = False
            self.demo_ready.emit(result)
            early, self._early_drops = self._early_drops, []
            for dropped in early:  # pictures that finished loading before the demo did
                self.dropped_ready.emit(dropped)
        elif kind == "refused":
            self.refused.emit(description)
        elif kind == "dataset":
            self.dataset_ready.emit(result, description, settings, more)
        elif kind == "page":
            self.page_ready.emit(result, more)
        elif self._demo_pending:  # the demo would replace them: report them after it
            self._early_drops.append(result)
        else:
            self.dropped_ready.emit(result)


def _dataset(found: Found, progress, cancelled):
    """A dataset's pictures at the channels and size chosen from them (core.choices). One too large
    for memory (core.streaming) trains on its files, read batch by batch; the window then holds one
    page of it at a time (``qt.pages``) for the gallery and the scatter, and this is its first."""
    train = found.paths(Split.TRAIN)
    survey = Survey.of(train)
    settings = choose(survey, len(train), kept=len(found.entries))
    pages = None
    if should_stream(len(found.entries), settings.size, settings.channels):
        settings = choose(survey, len(train), patches=False)  # pages of pictures at working size
        pages = FolderPages(found)
        found = Found(pages.page(0).entries, found.failures, found.description)
    opened = load_found(found, settings.size, settings.channels, progress, cancelled)
    return "dataset", opened.description, opened.result, settings, pages
