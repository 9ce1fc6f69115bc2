"""Starting like a desktop program: a session on the command line, a missing system library,
the window's size and splitters remembered, errors written to the log."""

from __future__ import annotations

import ctypes
import logging

import pytest

from aeviewer.qt import app


def test_a_missing_xcb_library_is_named_in_one_line(monkeypatch, capsys):
    monkeypatch.setattr(app.sys, "platform", "linux")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")

    def no_library(name, *a, **k):
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(ctypes, "CDLL", no_library)
    assert app.main(["--no-train"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "libxcb-cursor0" in err and "apt-get install" in err
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert app.missing_system_library() is None  # not the X11 plugin: nothing to check


def test_another_missing_library_of_the_x11_plugin_is_named_with_its_package(monkeypatch, tmp_path):
    monkeypatch.setattr(app.sys, "platform", "linux")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    monkeypatch.setattr(app, "_xcb_plugin", lambda: plugin)

    def only_the_plugin_fails(name, *a, **k):
        if str(name) == str(plugin):
            raise OSError("libxcb-icccm.so.4: cannot open shared object file: No such file or directory")
        return None

    monkeypatch.setattr(ctypes, "CDLL", only_the_plugin_fails)
    problem = app.missing_system_library()
    assert problem is not None and "libxcb-icccm.so.4" in problem and "apt-get install libxcb-icccm4" in problem
    assert app.debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"


def test_a_session_on_the_command_line_opens_instead_of_the_demo(qtbot, tmp_path):
    from aeviewer.core.config import ModelConfig
    from aeviewer.core.model import build_model
    from aeviewer.core.session import Session, save_session
    from aeviewer.qt.messages import SessionOpened
    from tests.qt.conftest import GuiSide

    config = ModelConfig(image_size=16, channels=1, latent_dim=5)
    path = save_session(tmp_path / "s.aesession", build_model(config, seed=0), Session(config, threshold=1.0))
    window = app.create_window(app.parse_args(["--no-train", "--device", "cpu", str(path)]))
    qtbot.addWidget(window)
    gui = GuiSide(window.worker)
    gui.wait_for(qtbot, SessionOpened)
    assert window.presenter.model_config.latent_dim == 5 and len(window.images) == 0  # no demo pictures
    assert window.windowTitle().startswith("s")
    window.close()


def test_the_window_remembers_its_geometry_and_splitters(qtbot, monkeypatch):
    """(The offscreen screen is small: Qt fits a restored geometry to it, so the bytes are compared.)"""
    from PySide6.QtWidgets import QMainWindow

    from aeviewer.qt import window_state
    from aeviewer.qt.main_window import MainWindow

    first = MainWindow(device="cpu", autostart=False)
    qtbot.addWidget(first)
    first.resize(1500, 900)
    first.show()
    first.views.splitters["centre"].setSizes([100, 500])
    centre = first.views.splitters["centre"].saveState()
    geometry = first.saveGeometry()
    first.close()
    restored = []
    monkeypatch.setattr(QMainWindow, "restoreGeometry", lambda self, g: restored.append(g) or True)
    second = MainWindow(device="cpu", autostart=False)
    qtbot.addWidget(second)
    assert window_state.restore(second, second.views, second.keeper.settings)
    assert restored == [geometry] and second.views.splitters["centre"].saveState() == centre
    assert window_state.remembered_device(second.keeper.settings) == "cpu"
    second.close()


def test_errors_are_written_to_the_log_folder():
    from aeviewer.core.user_files import log_dir

    log = app._log_to_file()
    log.error("a test error %d", 42)
    for h in log.handlers:
        h.flush()
    assert "a test error 42" in (log_dir() / "aeviewer.log").read_text()
    for h in list(log.handlers):  # the next test has its own folder
        log.removeHandler(h)
        h.close()
    assert logging.getLogger("aeviewer").handlers == []


@pytest.fixture(autouse=True)
def _no_log_handlers_left():
    yield
    log = logging.getLogger("aeviewer")
    for h in list(log.handlers):
        log.removeHandler(h)
        h.close()
