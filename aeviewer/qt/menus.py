"""The window's menus and the file dialogs they open (File, Help)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from aeviewer import __version__
from aeviewer.core.config import SESSION_SUFFIX as SUFFIX
from aeviewer.core.data import IMAGE_SUFFIXES


class WindowMenus:
    """Builds the menu bar of ``window`` (a MainWindow) and answers its file dialogs."""

    def __init__(self, window) -> None:
        self.w = window
        file_menu = self.w.menuBar().addMenu("&File")
        file_menu.addAction(self._action(
            "&Open…", self._open_files_dialog, QKeySequence.StandardKey.Open,
            "A saved session, or pictures to add"))
        file_menu.addAction(self._action("Open &folder…", self._open_folder_dialog))
        file_menu.addAction(self._action(
            "Open a &dataset folder…", self._open_dataset_dialog,
            tip="MVTec AD, or normal/anomaly subfolders, or a flat folder: "
                "replaces the images and trains on the normal training part"))
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.w.keeper.recent_changed.connect(self._fill_recent)
        self._fill_recent(self.w.keeper.recent())
        file_menu.addAction(self._action("Reload the &demo", self.w.load_demo))
        file_menu.addAction(self._action(
            "Fo&llow a training run…", self._follow_dialog,
            tip="A session file that aeviewer train is writing (here or on a shared disk): shown again at "
                "every checkpoint; never written to"))
        self.stop_following_action = self._action("Stop following", lambda: self.w.follower.stop())
        self.stop_following_action.setEnabled(False)
        self.w.follower.following_changed.connect(self.stop_following_action.setEnabled)
        file_menu.addAction(self.stop_following_action)
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Save session", lambda: self.w.keeper.save(),
                                         QKeySequence.StandardKey.Save,
                                         "The model, the pictures and the view, in one file"))
        file_menu.addAction(self._action("Save session &as…", lambda: self.w.keeper.save_as(),
                                         QKeySequence.StandardKey.SaveAs))
        self.save_denoised_action = self._action(
            "Save &denoised picture…", self.w._save_denoised_dialog, QKeySequence("Ctrl+D"),
            "Write the selected picture, cleaned by the denoising model, at full size as a PNG")
        self.save_denoised_action.setEnabled(False)
        file_menu.addAction(self.save_denoised_action)
        export_menu = file_menu.addMenu("&Export")
        export_menu.addAction(self._action("Model as &ONNX…", lambda: self.w.exports.model("onnx"),
                                           tip="For use without aeviewer; checked against aeviewer's own results"))
        export_menu.addAction(self._action("Model as &TorchScript…", lambda: self.w.exports.model("torchscript")))
        export_menu.addAction(self._action("&Scores as CSV…", lambda: self.w.exports.scores()))
        export_menu.addAction(self._action("&Views as PNG…", lambda: self.w.exports.views_png(),
                                           tip="The compare panel, the latent space, the loss and the anomaly plots"))
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.w.close, QKeySequence.StandardKey.Quit))
        help_menu = self.w.menuBar().addMenu("&Help")
        help_menu.addAction(self._action("&Tour", self.w.tour.start, QKeySequence("F1"),
                                         "Three short chapters on the demo: compression, anomalies, denoising"))
        help_menu.addAction(self._action("Open the &log folder", self._open_log_folder,
                                         tip="Where unexpected errors are written down, to send with a bug report"))
        help_menu.addAction(self._action("&About aeviewer", self._about))

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self.w)
        action.triggered.connect(slot)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.setToolTip(tip)
        return action

    def _fill_recent(self, paths: list[str]) -> None:
        self.recent_menu.clear()
        for path in paths:
            self.recent_menu.addAction(self._action(Path(path).name, lambda _c=False, p=path: self.w.open_paths([p]),
                                                    tip=path))
        self.recent_menu.setEnabled(bool(paths))

    def _open_files_dialog(self) -> None:
        patterns = " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES))
        files, _ = QFileDialog.getOpenFileNames(
            self.w, "Open a session or images", self._last_folder(),
            f"Sessions and images (*{SUFFIX} {patterns});;aeviewer sessions (*{SUFFIX});;"
            f"Images ({patterns});;All files (*)")
        if files:
            self._remember_folder(str(Path(files[0]).parent))
            self.w.open_paths(files)

    def _open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.w, "Open a folder of images", self._last_folder())
        if folder:
            self._remember_folder(str(Path(folder).parent))
            self.w.open_paths([folder])

    def _follow_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.w, "Follow a training run", self._last_folder(),
                                              f"aeviewer sessions (*{SUFFIX});;All files (*)")
        if path:
            self._remember_folder(str(Path(path).parent))
            self.w.follow_run(path)

    def _open_dataset_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.w, "Open a dataset folder (MVTec, normal/anomaly, or flat)",
                                                  self._last_folder())
        if folder:
            self._remember_folder(str(Path(folder).parent))
            self.w.open_dataset(folder)

    def _last_folder(self) -> str:
        return str(self.w.keeper.settings.value("last_folder", ""))

    def _remember_folder(self, folder: str) -> None:
        """The next file dialog starts where this one ended (QSettings, between runs too)."""
        self.w.keeper.settings.setValue("last_folder", folder)

    def _open_log_folder(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from aeviewer.core.user_files import log_dir

        QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_dir())))

    def _about(self) -> None:
        QMessageBox.about(
            self.w,
            "About aeviewer",
            f"<b>aeviewer {__version__}</b><p>Watch an autoencoder squeeze pictures through a narrow code "
            "and rebuild them. Drag images or folders onto the window to see how the model treats them.</p>",
        )
