"""What the window remembers between runs (QSettings): its geometry, the splitters and the device."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from aeviewer.qt.window_layout import Views


def remember(window: QMainWindow, views: Views, settings: QSettings) -> None:
    settings.setValue("window/geometry", window.saveGeometry())
    for name, splitter in views.splitters.items():
        settings.setValue(f"window/splitter_{name}", splitter.saveState())
    settings.setValue("device", views.settings.device())
    settings.sync()


def restore(window: QMainWindow, views: Views, settings: QSettings) -> bool:
    """Back to how the window was left; False when there is nothing remembered (a first run)."""
    geometry = settings.value("window/geometry")
    if not isinstance(geometry, QByteArray) or not window.restoreGeometry(geometry):
        return False
    for name, splitter in views.splitters.items():
        state = settings.value(f"window/splitter_{name}")
        if isinstance(state, QByteArray):
            splitter.restoreState(state)
    return True


def remembered_device(settings: QSettings) -> str | None:
    value = settings.value("device")
    return value if isinstance(value, str) and value in ("auto", "cpu", "cuda") else None
