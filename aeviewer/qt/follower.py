"""File > Follow a training run: the window shows a session file that a training job keeps writing.

``aeviewer train`` (alone or under torchrun, here or on a shared disk) replaces its session
file with a fresh checkpoint every few epochs. The follower watches the file (a
``QFileSystemWatcher`` on the file and its folder, since an atomic replace swaps the file
under the watch) and polls it as well (network disks often send no events). When the
file changed and has stood still for a moment, the worker opens it again in follow mode:
the model, the checkpoint's sample of pictures with their codes and scores, the loss curve.
A permanent status label says "following run.aesession, epoch 12 of 40, updated 8 s ago".

Following only reads: the window's Save asks for a file of its own, nothing is autosaved,
and quitting does not ask. Opening anything else, or training, ends it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel

from aeviewer.qt.messages import OpenSession, Refused, RunFollowed, SessionOpened

POLL_MS = 2000  # the fallback when the file system sends no events
SETTLE_MS = 300  # a change is read once the file has stood still this long
LABEL_MS = 1000  # "updated 8 s ago" counts up


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def ago(seconds: float) -> str:
    s = max(0, int(seconds))
    if s < 90:
        return f"{s} s ago"
    if s < 90 * 60:
        return f"{s // 60} min ago"
    return f"{s // 3600} h ago"


def describe(name: str, run: RunFollowed | None, now: float) -> str:
    """The status label's words."""
    if run is None:
        return f"following {name}, waiting for its first checkpoint"
    where = (f"finished, {run.epochs} epochs" if run.finished else f"epoch {run.epochs_done} of {run.epochs}")
    procs = f", {run.world_size} processes" if run.world_size > 1 else ""
    return f"following {name}, {where}{procs}, updated {ago(now - run.written)}"


class RunFollower(QObject):
    """Follows one session file at a time; ``label`` is the status bar's word on it."""

    following_changed = Signal(bool)
    status = Signal(str, int)

    def __init__(self, submit, presenter, selected, parent=None) -> None:
        super().__init__(parent)
        self.submit, self.selected = submit, selected  # selected(): the row on show, kept across reloads
        self.path: Path | None = None
        self.run: RunFollowed | None = None
        self.label = QLabel()
        self.label.setVisible(False)
        self._stamp: tuple[int, int] | None = None
        self._in_flight = False
        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self._maybe_changed)
        self.watcher.directoryChanged.connect(self._maybe_changed)
        self.poll = QTimer(self)
        self.poll.setInterval(POLL_MS)
        self.poll.timeout.connect(self._maybe_changed)
        self.settle = QTimer(self)
        self.settle.setSingleShot(True)
        self.settle.setInterval(SETTLE_MS)
        self.settle.timeout.connect(self._reload_if_still)
        self.tick = QTimer(self)
        self.tick.setInterval(LABEL_MS)
        self.tick.timeout.connect(self._show)
        presenter.run_followed.connect(self._followed)
        presenter.session_event.connect(self._session_event)

    @property
    def following(self) -> bool:
        return self.path is not None

    def follow(self, path: str | os.PathLike[str]) -> None:
        self.stop()
        self.path = Path(path).resolve()
        self.run = None
        self.watcher.addPath(str(self.path.parent))
        if self.path.exists():
            self.watcher.addPath(str(self.path))
        self._stamp = None
        self.poll.start()
        self.tick.start()
        self.label.setVisible(True)
        self._show()
        self.following_changed.emit(True)
        self._maybe_changed()

    def stop(self) -> None:
        if self.path is None:
            return
        self.path, self.run, self._in_flight = None, None, False
        for paths in (self.watcher.files(), self.watcher.directories()):
            if paths:
                self.watcher.removePaths(paths)
        for timer in (self.poll, self.settle, self.tick):
            timer.stop()
        self.label.setVisible(False)
        self.following_changed.emit(False)

    # -- noticing a new checkpoint -------------------------------------------------------
    def _maybe_changed(self, *_args) -> None:
        if self.path is None:
            return
        if str(self.path) not in self.watcher.files() and self.path.exists():
            self.watcher.addPath(str(self.path))  # replaced: watch the new file
        if _stamp(self.path) != self._stamp and not self.settle.isActive():
            self.settle.start()

    def _reload_if_still(self) -> None:
        if self.path is None or self._in_flight:
            return
        stamp = _stamp(self.path)
        if stamp is None or stamp == self._stamp:
            return
        self._stamp = stamp
        self._in_flight = True
        self.submit(OpenSession(str(self.path), follow=True, selected=self.selected()))

    # -- from the worker -------------------------------------------------------------------
    def _followed(self, run: RunFollowed) -> None:
        if self.path is None or Path(run.path).resolve() != self.path:
            return
        self._in_flight = False
        first = self.run is None
        self.run = run
        self._show()
        if first:
            self.status.emit(f"Following {self.path.name}: the window shows its model and a sample of its "
                             "pictures, and reads it again at every checkpoint.", 10000)
        self._maybe_changed()  # a checkpoint that landed while this one was read

    def _session_event(self, event: object) -> None:
        """Opening any other session ends following; a checkpoint that could not be read (a copy cut
        short, say) waits for the next one."""
        if isinstance(event, SessionOpened) and not event.follow:
            self.stop()
        elif isinstance(event, Refused) and self._in_flight:
            self._in_flight = False

    def _show(self) -> None:
        if self.path is not None:
            self.label.setText(describe(self.path.name, self.run, time.time()))
