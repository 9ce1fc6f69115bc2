"""Start the desktop app: arguments, QApplication, the window, uncaught errors."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path

from aeviewer import __version__

_PACKAGE = Path(__file__).resolve().parents[1]
# Installed wheels carry resources/ inside the package; a source checkout has it at the top.
RESOURCES = next((p for p in (_PACKAGE / "resources", _PACKAGE.parent / "resources") if p.is_dir()), _PACKAGE)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="aeviewer",
        description="Watch an autoencoder learn. Opens on the built-in banana demo; "
        "PATHs (images or folders) are loaded next to it. A session file (.aesession, saved by the "
        "window or written by 'aeviewer train') opens in place of the demo.",
        epilog="Headless commands: aeviewer train|score|evaluate|denoise ... (each has --help).",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="a session file, image files or folders to open")
    p.add_argument("--latent", type=int, default=16, metavar="K", help="bottleneck size (default 16)")
    p.add_argument("--epochs", type=int, default=None, metavar="N", help="training epochs")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--no-train", action="store_true", help="do not start training the demo")
    p.add_argument("--follow", metavar="SESSION",
                   help="follow a training run: show the session file aeviewer train is writing, again at "
                        "every checkpoint (File > Follow a training run)")
    p.add_argument("--denoise", type=_noise_spec, metavar="NOISE",
                   help="start in Denoise mode, training to remove NOISE, e.g. gaussian:0.1-0.5 "
                        "(kinds: gaussian, salt, mask, speckle, jpeg)")
    p.add_argument("--arch", choices=["bottleneck", "skip"], default="bottleneck",
                   help="bottleneck (default) or skip: a U-Net, the best denoiser, which compresses nothing")
    tour = p.add_mutually_exclusive_group()
    tour.add_argument("--tour", action="store_true",
                      help="play the guided tour (it plays by itself on the first launch)")
    tour.add_argument("--no-tour", action="store_true", help="do not play the tour, even on the first launch")
    p.add_argument("--install-desktop-entry", action="store_true",
                   help="add aeviewer to this user's application menu, with its icon, and as the program "
                        "that opens session files (Linux)")
    p.add_argument("--uninstall-desktop-entry", action="store_true", help="remove what the above added")
    p.add_argument("--version", action="version", version=f"aeviewer {__version__}")
    return p.parse_args(list(argv))


def _noise_spec(text: str):
    from aeviewer.core.noise_kinds import NoiseSpec

    try:
        return NoiseSpec.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _log_to_file() -> logging.Logger:
    """The 'aeviewer' logger writes to the user's log folder (Help > Open the log folder)."""
    from logging.handlers import RotatingFileHandler

    from aeviewer.core.user_files import log_dir

    log = logging.getLogger("aeviewer")
    if not any(isinstance(h, RotatingFileHandler) for h in log.handlers):
        try:
            handler = RotatingFileHandler(log_dir() / "aeviewer.log", maxBytes=1_000_000, backupCount=3,
                                          encoding="utf-8")
        except OSError:
            return log  # an unwritable folder must not stop the app
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    return log


def _install_excepthook() -> None:
    """An error in a GUI callback, or on any thread, is logged and shown instead of killing the app."""
    from PySide6.QtCore import QThread
    from PySide6.QtWidgets import QApplication, QMessageBox

    log = _log_to_file()

    def hook(exc_type, exc, tb) -> None:
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        sys.stderr.write(text)
        log.error("uncaught exception\n%s", text)
        app = QApplication.instance()
        if app is None or QThread.currentThread() != app.thread():
            return  # widgets belong to the GUI thread; the message above must do
        box = QMessageBox(QMessageBox.Icon.Critical, "Unexpected error", f"{exc_type.__name__}: {exc}")
        box.setDetailedText(text)
        box.setModal(False)
        box.show()
        hook.box = box  # type: ignore[attr-defined]

    sys.excepthook = hook
    threading.excepthook = lambda a: hook(a.exc_type, a.exc_value, a.exc_traceback)  # shown via the log only


def create_window(args: argparse.Namespace):
    from aeviewer.core.config import ModelConfig
    from aeviewer.qt.controls import MAX_LATENT
    from aeviewer.qt.main_window import MainWindow
    from aeviewer.qt.session_keeper import settings
    from aeviewer.qt.window_state import remembered_device

    device = args.device if args.device != "auto" else remembered_device(settings()) or "auto"
    window = MainWindow(
        ModelConfig(latent_dim=min(max(1, args.latent), MAX_LATENT)),
        device=device,
        autostart=not args.no_train,
        epochs=args.epochs,
    )
    if args.denoise is not None or args.arch != "bottleneck":
        window.set_task(args.denoise, args.arch)
    from aeviewer.core.config import SESSION_SUFFIX as SUFFIX

    if args.follow:
        window.follow_run(args.follow)
    elif not any(str(p).lower().endswith(SUFFIX) for p in args.paths):
        window.load_demo()
    if args.paths:
        window.open_paths(args.paths)
    plain_demo = (not args.paths and not args.follow and not args.no_train and args.denoise is None
                  and args.arch == "bottleneck")
    if plain_demo and (args.tour or (not args.no_tour and window.tour.first_run(window.keeper.settings))):
        window.tour.start()
    return window


XCB_PACKAGES = ("sudo apt-get install libxcb-cursor0 (Debian, Ubuntu); sudo dnf install xcb-util-cursor (Fedora); "
                "sudo pacman -S xcb-util-cursor (Arch)")


def missing_system_library() -> str | None:
    """Qt's X11 plugin cannot load without some system libraries (libxcb-cursor since Qt 6.5, and the
    xcb-util ones), and Qt then aborts with a long message that names the wrong one. Say which one is
    missing, and how to install it, in one line, before Qt tries."""
    import os

    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if sys.platform != "linux" or platform not in ("", "xcb") or (not platform and os.environ.get("WAYLAND_DISPLAY")):
        return None
    import ctypes

    try:
        ctypes.CDLL("libxcb-cursor.so.0")
    except OSError:
        return ("aeviewer cannot open its window: Qt needs the system library libxcb-cursor, which is not "
                f"installed. Install it: {XCB_PACKAGES}.")
    plugin = _xcb_plugin()
    if plugin is not None:
        try:
            ctypes.CDLL(str(plugin))  # fails naming the first library it cannot find
        except OSError as exc:
            missing = str(exc).split(":")[0].strip()
            if missing.endswith(".so") or ".so." in missing:
                return (f"aeviewer cannot open its window: Qt's X11 plugin needs the system library {missing}, "
                        f"which is not installed. On Debian or Ubuntu: sudo apt-get install {debian_package(missing)} "
                        "(or install the package that provides it).")
    return None


def _xcb_plugin():
    try:
        import PySide6
    except ImportError:
        return None
    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.exists() else None


def debian_package(library: str) -> str:
    """The usual Debian package of a shared library: libxcb-icccm.so.4 -> libxcb-icccm4,
    libxkbcommon-x11.so.0 -> libxkbcommon-x11-0."""
    name, _, version = library.partition(".so")
    version = version.lstrip(".").split(".")[0]
    return f"{name}{'-' if name[-1:].isdigit() else ''}{version}" if version else name


def prepare_app():
    """The QApplication with names, icon, error hook and GUI-thread garbage collection."""
    from pyqtgraph.util.garbage_collector import GarbageCollector
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("aeviewer")
    app.setApplicationDisplayName("aeviewer")
    app.setDesktopFileName("aeviewer")
    icon = QIcon()
    for f in [RESOURCES / "aeviewer.svg", *sorted((RESOURCES / "icons").glob("aeviewer-*.png"))]:
        if f.exists():
            icon.addFile(str(f))
    app.setWindowIcon(icon)
    _install_excepthook()
    # Python's collector runs in whichever thread happens to allocate; collecting a
    # cycle that holds Qt objects from the torch thread destroys them on the wrong
    # thread (Qt warns, or hangs). Collect on a GUI-thread timer instead.
    app._aeviewer_gc = GarbageCollector(interval=1.0)  # type: ignore[attr-defined]
    return app


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.install_desktop_entry or args.uninstall_desktop_entry:
        from aeviewer.desktop_entry import main as desktop_main

        return desktop_main(uninstalling=args.uninstall_desktop_entry)
    if (problem := missing_system_library()) is not None:
        print(problem, file=sys.stderr)
        return 1
    app = prepare_app()
    window = create_window(args)
    from aeviewer.qt import window_state

    if not window_state.restore(window, window.views, window.keeper.settings):
        window.resize(1400, 860)
    window.show()
    gc.freeze()  # imports are done: keep full collections short (see qt.worker)
    return app.exec()
