"""The window's session file: save, save as, open, recent files, autosave and crash recovery.

What a session holds is the engine's business (``core.session_state``); the
keeper decides when and where it is written and whether the window has unsaved
work. It counts changes (a new model, new pictures, a finished run, a dragged
threshold) and remembers the count each save was asked at, so a save that
overlaps a change never marks the window clean. The demo the app opens on is
no one's work until the person touches it: quitting it does not ask.

Every few minutes of unsaved work the session is written to this process's
autosave file in the user's data folder; a clean exit deletes it. A file left
by a window that is no longer running is offered back at the next start.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from aeviewer.core.config import SESSION_SUFFIX as SUFFIX
from aeviewer.core.user_files import autosave_path, data_dir, orphaned_autosaves
from aeviewer.qt.captions import failure_summary
from aeviewer.qt.messages import OpenSession, SaveSession, SessionOpened, SessionSaved
from aeviewer.qt.presenter import Presenter

AUTOSAVE_MS = 3 * 60 * 1000
MAX_RECENT = 8
FILTER = f"aeviewer sessions (*{SUFFIX})"


def settings() -> QSettings:
    """The app's settings file, in the user's data folder (so tests can keep their own)."""
    return QSettings(str(data_dir() / "settings.ini"), QSettings.Format.IniFormat)


class SessionKeeper(QObject):
    recent_changed = Signal(list)  # paths, newest first
    opened = Signal(object)  # SessionOpened, after the keeper has taken note of it
    status = Signal(str, int)

    def __init__(self, window: QMainWindow, presenter: Presenter, submit, parent=None) -> None:
        super().__init__(parent)
        self.window, self.presenter, self.submit = window, presenter, submit
        self.settings = settings()
        self.path: Path | None = None
        self.change = 0
        self.saved_change = 0
        self.pristine = True  # nothing a person made yet: the demo, or an empty window
        self.following: str | None = None  # the name of a training run's session being followed
        self._close_after_save = False
        self.last_message: QMessageBox | None = None
        presenter.changed.connect(self._changed)
        presenter.session_event.connect(self._session_event)
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        self._show_title()

    # -- state ---------------------------------------------------------------------------
    @property
    def modified(self) -> bool:
        return not self.pristine and self.change != self.saved_change

    def touched(self) -> None:
        """The person did something (trained, opened pictures, dragged the threshold): it is their work now."""
        self.pristine = False
        self._changed()

    def start_pristine(self) -> None:
        """The demo (re)loaded: nothing to save until the person does something with it."""
        self.pristine, self.path, self.following = True, None, None
        self.saved_change = self.change
        self._show_title()

    def _changed(self) -> None:
        self.change += 1
        self._show_title()

    def _show_title(self) -> None:
        name = self.path.stem if self.path is not None else ("demo" if self.pristine else "untitled")
        if self.following is not None and self.pristine:
            name = f"following {self.following}"
        self.window.setWindowTitle(f"{name}[*] — aeviewer")
        self.window.setWindowModified(self.modified)

    # -- saving -------------------------------------------------------------------------
    def save(self, close_after: bool = False) -> bool:
        """Save to the session's file (asking for one if it has none). False: nothing was sent."""
        if self.path is None:
            return self.save_as(close_after=close_after)
        return self.save_to(self.path, close_after)

    def save_as(self, path: str | None = None, close_after: bool = False) -> bool:
        if path is None:
            folder = Path(str(self.settings.value("last_folder", str(Path.home()))))
            start = str(self.path or folder / f"untitled{SUFFIX}")
            path, _ = QFileDialog.getSaveFileName(self.window, "Save the session", start, FILTER)
            if not path:
                return False
        if not path.endswith(SUFFIX):
            path += SUFFIX
        return self.save_to(Path(path), close_after)

    def save_to(self, path: Path, close_after: bool = False) -> bool:
        if self.presenter.model is None:
            return False
        self._close_after_save = close_after
        self.status.emit(f"Saving {path.name}…", 0)
        self.submit(SaveSession(str(path), self.presenter.threshold_in_use(), self.presenter.view_state(),
                                self.change))
        return True

    def autosave(self) -> None:
        if self.modified and self.presenter.model is not None:
            self.submit(SaveSession(str(autosave_path()), self.presenter.threshold_in_use(),
                                    self.presenter.view_state(), self.change, autosave=True))

    def discard_autosave(self) -> None:
        with contextlib.suppress(OSError):
            autosave_path().unlink(missing_ok=True)

    # -- opening -----------------------------------------------------------------------
    def open(self, path: str | os.PathLike[str] | None = None) -> None:
        if path is None:
            folder = str(self.settings.value("last_folder", str(Path.home())))
            path, _ = QFileDialog.getOpenFileName(self.window, "Open a session", folder, FILTER)
            if not path:
                return
        self.status.emit(f"Opening {Path(path).name}…", 0)
        self.submit(OpenSession(str(path)))

    def offer_restore(self) -> None:
        """A window that ended without closing left an autosave: offer it back (non-modal)."""
        found = orphaned_autosaves()
        if not found:
            return
        newest = found[0]
        box = QMessageBox(QMessageBox.Icon.Question, "Restore unsaved work?",
                          "aeviewer did not close properly last time. Restore the work it saved "
                          "automatically?", parent=self.window)
        box.setInformativeText(f"Saved {_age(newest)}. Discard deletes it.")
        restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.setModal(False)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def chosen(button) -> None:
            if button is restore:
                self.restore(newest)
            else:
                for p in found:
                    with contextlib.suppress(OSError):
                        p.unlink()

        box.buttonClicked.connect(chosen)
        box.show()
        self.last_message = box

    def restore(self, orphan: Path) -> None:
        """Open an orphaned autosave as this window's own (it becomes this process's autosave file)."""
        mine = autosave_path()
        try:
            os.replace(orphan, mine)
        except OSError as exc:
            self.status.emit(f"Could not restore {orphan.name}: {exc.strerror or exc}", 8000)
            return
        self.submit(OpenSession(str(mine), autosave=True))

    # -- from the worker ----------------------------------------------------------------
    def _session_event(self, event: object) -> None:
        if isinstance(event, SessionSaved):
            self._saved(event)
        elif isinstance(event, SessionOpened):
            self._opened(event)
        else:  # Refused: whatever was asked did not happen
            self._close_after_save = False

    def _saved(self, saved: SessionSaved) -> None:
        if saved.autosave:
            return
        self.path = Path(saved.path)
        self.pristine = False
        self.saved_change = saved.change
        self._remember(self.path)
        self._show_title()
        self.status.emit(f"Saved {self.path}", 8000)
        if self._close_after_save:
            self._close_after_save = False
            if not self.modified:
                self.window.close()

    def _opened(self, opened: SessionOpened) -> None:
        if opened.follow:  # a run's file, read again and again: never written to, nothing to save yet
            self.pristine, self.path, self.following = True, None, Path(opened.path).name
            self.saved_change = self.change
            self._show_title()
            self.opened.emit(opened)
            return
        self.following = None
        self.pristine = False
        if opened.autosave:
            self.path = None
            self.saved_change = self.change - 1  # restored work is unsaved work
        else:
            self.path = Path(opened.path)
            self.saved_change = self.change
            self._remember(self.path)
        self._show_title()
        name = "the restored work" if opened.autosave else Path(opened.path).name
        if opened.missing:
            box = QMessageBox(QMessageBox.Icon.Warning, "Some pictures are missing",
                              f"Opened {name}, without {len(opened.missing)} picture(s) that could not be read.",
                              parent=self.window)
            box.setInformativeText(failure_summary(opened.missing))
            box.setModal(False)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.show()
            self.last_message = box
        self.status.emit(f"Opened {name}.", 8000)
        self.opened.emit(opened)

    # -- recent files ---------------------------------------------------------------------
    def recent(self) -> list[str]:
        value = self.settings.value("recent_sessions", [])
        items = [value] if isinstance(value, str) else list(value or [])
        return [p for p in items if isinstance(p, str)]

    def _remember(self, path: Path) -> None:
        text = str(path.resolve())
        items = [text] + [p for p in self.recent() if p != text]
        self.settings.setValue("recent_sessions", items[:MAX_RECENT])
        self.settings.setValue("last_folder", str(path.resolve().parent))
        self.recent_changed.emit(items[:MAX_RECENT])

    # -- closing ------------------------------------------------------------------------
    def ask_to_save(self) -> str:
        """'save', 'discard' or 'cancel' (a modal question: the window is closing)."""
        name = self.path.name if self.path is not None else "this session"
        answer = QMessageBox.question(
            self.window, "Save your work?", f"Save the changes to {name} before closing?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)
        return {QMessageBox.StandardButton.Save: "save",
                QMessageBox.StandardButton.Discard: "discard"}.get(answer, "cancel")


def _age(path: Path) -> str:
    import time

    minutes = max(0, int((time.time() - path.stat().st_mtime) / 60))
    if minutes < 1:
        return "less than a minute ago"
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    return time.strftime("on %d %b at %H:%M", time.localtime(path.stat().st_mtime))
