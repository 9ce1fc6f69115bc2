"""Start the desktop app: arguments, QApplication, the window, uncaught errors."""

from __future__ import annotations

import argparse
import gc
import sys
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
        "PATHs (images or folders) are loaded next to it.",
        epilog="Headless commands: aeviewer train|score|evaluate|denoise ... (each has --help).",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="image files or folders to open")
    p.add_argument("--latent", type=int, default=16, metavar="K", help="bottleneck size (default 16)")
    p.add_argument("--epochs", type=int, default=None, metavar="N", help="training epochs")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--no-train", action="store_true", help="do not start training the demo")
    p.add_argument("--denoise", type=_noise_spec, metavar="NOISE",
                   help="start in Denoise mode, training to remove NOISE, e.g. gaussian:0.1-0.5 "
                        "(kinds: gaussian, salt, mask, speckle, jpeg)")
    p.add_argument("--arch", choices=["bottleneck", "skip"], default="bottleneck",
                   help="bottleneck (default) or skip: a U-Net, the best denoiser, which compresses nothing")
    p.add_argument("--version", action="version", version=f"aeviewer {__version__}")
    return p.parse_args(list(argv))


def _noise_spec(text: str):
    from aeviewer.core.noise_kinds import NoiseSpec

    try:
        return NoiseSpec.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _install_excepthook() -> None:
    """An error in a GUI callback shows a message instead of killing the app."""
    from PySide6.QtCore import QThread
    from PySide6.QtWidgets import QApplication, QMessageBox

    def hook(exc_type, exc, tb) -> None:
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        sys.stderr.write(text)
        app = QApplication.instance()
        if app is None or QThread.currentThread() != app.thread():
            return  # widgets belong to the GUI thread; the message above must do
        box = QMessageBox(QMessageBox.Icon.Critical, "Unexpected error", f"{exc_type.__name__}: {exc}")
        box.setDetailedText(text)
        box.setModal(False)
        box.show()
        hook.box = box  # type: ignore[attr-defined]

    sys.excepthook = hook


def create_window(args: argparse.Namespace):
    from aeviewer.core.config import ModelConfig
    from aeviewer.qt.controls import MAX_LATENT
    from aeviewer.qt.main_window import MainWindow

    window = MainWindow(
        ModelConfig(latent_dim=min(max(1, args.latent), MAX_LATENT)),
        device=args.device,
        autostart=not args.no_train,
        epochs=args.epochs,
    )
    if args.denoise is not None or args.arch != "bottleneck":
        window.set_task(args.denoise, args.arch)
    window.load_demo()
    if args.paths:
        window.open_paths(args.paths)
    return window


def prepare_app():
    """The QApplication with names, icon, error hook and GUI-thread garbage collection."""
    from pyqtgraph.util.garbage_collector import GarbageCollector
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("aeviewer")
    app.setApplicationDisplayName("aeviewer")
    app.setDesktopFileName("aeviewer")
    icon = RESOURCES / "aeviewer.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    _install_excepthook()
    # Python's collector runs in whichever thread happens to allocate; collecting a
    # cycle that holds Qt objects from the torch thread destroys them on the wrong
    # thread (Qt warns, or hangs). Collect on a GUI-thread timer instead.
    app._aeviewer_gc = GarbageCollector(interval=1.0)  # type: ignore[attr-defined]
    return app


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    app = prepare_app()
    window = create_window(args)
    window.resize(1400, 860)
    window.show()
    gc.freeze()  # imports are done: keep full collections short (see qt.worker)
    return app.exec()
