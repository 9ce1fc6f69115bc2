"""The main window: assembles the rooms, menus and drops, wires them, and shuts down cleanly.

Data flows one way: files -> ImageSet -> worker (the engine owns it) -> results
-> presenter -> views. Commands go the other way as typed messages
(``qt.messages``). The window decides nothing about drawing (the presenter
does) or about settings (the settings panel does); it connects them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from aeviewer.core.config import SESSION_SUFFIX as SUFFIX
from aeviewer.core.config import ModelConfig
from aeviewer.core.data import ImageSet, LoadResult, Split
from aeviewer.core.noise_kinds import NoiseSpec
from aeviewer.core.results import ModelReady
from aeviewer.qt import window_state
from aeviewer.qt.captions import failure_summary, skipped_text
from aeviewer.qt.exports import Exports
from aeviewer.qt.follower import RunFollower
from aeviewer.qt.menus import WindowMenus
from aeviewer.qt.messages import AddImages, ImagesChanged, Retrain, SaveDenoised, SetImages, SetTestNoise
from aeviewer.qt.opening import Opener
from aeviewer.qt.pages import Pager
from aeviewer.qt.presenter import Presenter
from aeviewer.qt.session_keeper import SessionKeeper
from aeviewer.qt.tour import Tour
from aeviewer.qt.window_layout import Views
from aeviewer.qt.worker import WorkerThread


class MainWindow(QMainWindow):
    def __init__(
        self,
        model_config: ModelConfig | None = None,
        device: str = "auto",
        autostart: bool = True,
        epochs: int | None = None,
    ) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        model_config = model_config or ModelConfig()
        self.autostart = autostart
        self.last_message: QMessageBox | None = None
        self.views = v = Views(model_config, device, epochs)
        self.setCentralWidget(v.central)
        self.statusBar().showMessage("Starting…")

        self.worker_thread = WorkerThread(model_config, device)
        self.worker = self.worker_thread.worker
        self.presenter = p = Presenter(v, self.worker.submit, model_config, self)
        self.worker.result.connect(p.receive)
        p.problem.connect(self._show_problem)
        p.status.connect(self.statusBar().showMessage)
        p.model_changed.connect(self._model_changed)
        p.out_of_memory.connect(self._offer_cpu)
        p.images_changed.connect(self._images_changed)

        self.follower = RunFollower(self.worker.submit, p, lambda: p.selected, self)
        self.follower.status.connect(self.statusBar().showMessage)
        for widget in (self.follower.label, v.load_bar, v.load_cancel, v.counts_label, v.device_status):
            self.statusBar().addPermanentWidget(widget)
        self.keeper = k = SessionKeeper(self, p, self.worker.submit, self)
        k.status.connect(self.statusBar().showMessage)
        k.opened.connect(self._session_opened)
        self._after_session: list[str] = []  # paths opened beside a session wait for it
        self._notes = ""  # what was done to pictures just loaded, said once they are added
        self.exports = x = Exports(self, v, p, self.worker.submit)
        x.status.connect(self.statusBar().showMessage)
        x.problem.connect(self._show_problem)
        v.anomalies.threshold_dragged.connect(lambda _t: k.touched())
        v.anomalies.score_kind_chosen.connect(lambda _k: k.touched())

        s = v.settings
        s.retrain_requested.connect(self._retrain_asked)
        s.controls.code_length_moved.connect(self._code_length_moved)
        s.pause_toggled.connect(self._pause_toggled)
        s.stop_requested.connect(self.stop_training)
        s.test_noise_changed.connect(lambda noise: self.worker.submit(SetTestNoise(noise)))

        self.opener = o = Opener(model_config.image_size, model_config.channels, self)
        o.started.connect(self._load_started)
        o.progress.connect(self._load_progress)
        o.idle.connect(self._load_ended)
        o.cancelled.connect(lambda: self.statusBar().showMessage("Loading cancelled: nothing of it was added.",
                                                                 8000))
        v.load_cancel.clicked.connect(o.cancel)
        o.demo_ready.connect(self._demo_loaded)
        o.dataset_ready.connect(self._dataset_loaded)
        o.dropped_ready.connect(self._dropped_loaded)
        self.pager = pager = Pager(v.page_bar, o, self.worker.submit, lambda: self.images, self)
        pager.status.connect(self.statusBar().showMessage)
        p.images_changed.connect(pager.images_changed)
        o.refused.connect(lambda reason: self._show_problem(
            "Not a dataset folder", f"The folder could not be opened as a dataset:\n{reason}", ""))
        o.failed.connect(lambda tb: self._show_problem("Loading failed", "The images could not be loaded.", tb))

        self.tour = Tour(self)
        self.menus = WindowMenus(self)
        self.save_denoised_action = self.menus.save_denoised_action
        self.worker_thread.start()
        self.worker.submit(SetTestNoise(s.test_noise()))
        k.offer_restore()

    # -- what tests and scripts look at ------------------------------------------------------
    @property
    def images(self) -> ImageSet:
        """The engine's pictures, as the worker last reported them."""
        return self.presenter.images

    @property
    def loading(self) -> bool:
        return self.opener.loading

    def __getattr__(self, name: str):
        """The views by name (``window.gallery``, ``window.controls``, ...)."""
        views = self.__dict__.get("views")
        if views is not None and hasattr(views, name):
            return getattr(views, name)
        raise AttributeError(name)

    # -- opening -------------------------------------------------------------------------------
    def load_demo(self) -> None:
        """Draw the banana demo in the background, then show it and (by default) train."""
        self.follower.stop()
        self.opener.load_demo()

    def open_paths(self, paths: list[str]) -> None:
        """Images and folders: added as 'dropped' ones, or a labelled folder opened as a dataset.
        A session file opens first (one: the first named), and the other paths are added to it."""
        sessions = [p for p in paths if str(p).lower().endswith(SUFFIX)]
        others = [p for p in paths if not str(p).lower().endswith(SUFFIX)]
        if sessions:
            if len(sessions) > 1:
                self.statusBar().showMessage(f"One session at a time: opening {Path(sessions[0]).name}.", 8000)
            self._after_session = others
            self.keeper.open(sessions[0])
            return
        self.follower.stop()  # pictures of the person's own: the next checkpoint would replace them
        self.keeper.touched()
        self.opener.open_paths(others)

    def open_session(self, path: str) -> None:
        self.keeper.open(path)

    def follow_run(self, path: str) -> None:
        """Show the session a training run keeps writing, again whenever a new checkpoint lands."""
        self.follower.follow(path)

    def _session_opened(self, opened) -> None:
        paths, self._after_session = self._after_session, []
        self.views.settings.apply_session(self.presenter.model, opened.epochs)
        if paths:
            self.opener.open_paths(paths)

    def open_dataset(self, folder: str) -> None:
        """Replace every image with a dataset folder's, labelled by its layout, and train on it."""
        self.follower.stop()
        self.keeper.touched()
        self.opener.open_dataset(folder)

    def set_images(self, images: ImageSet) -> None:
        """Replace every image (the demo, a dataset, or a test's own set)."""
        self.worker.submit(SetImages(images))

    def _load_started(self, message: str) -> None:
        self.views.load_bar.setRange(0, 0)
        self.views.load_bar.setVisible(True)
        self.views.load_cancel.setVisible(self.opener.cancellable)
        self.statusBar().showMessage(message)

    def _load_ended(self) -> None:
        self.views.load_bar.setVisible(False)
        self.views.load_cancel.setVisible(False)

    def _load_progress(self, done: int, total: int) -> None:
        self.views.load_bar.setRange(0, max(total, 1))
        self.views.load_bar.setValue(done)

    def _demo_loaded(self, result: LoadResult) -> None:
        self.views.settings.apply_demo_recipe()
        self.set_images(result.images)
        self.keeper.start_pristine()
        images = result.images
        self.statusBar().showMessage(
            f"Demo ready: {len(images.indices(Split.TRAIN))} ripe bananas to learn from, "
            f"{len(images.indices(Split.TEST))} held back (ripe and rotten).", 8000)
        if self.autostart:
            self.retrain()

    def _dataset_loaded(self, result: LoadResult, description: str, settings, pages=None) -> None:
        if not len(result.images.indices(Split.TRAIN)):
            self._report_failures(result)
            self._show_problem("No training images", "None of the dataset's training images could be read; "
                               "nothing was changed.", "")
            return
        self.views.settings.apply_dataset_recipe(settings)
        streamed = pages.train_paths if pages is not None else ()
        self.pager.show_folder(pages, result.images)
        self.worker.submit(SetImages(result.images, streamed))
        more = (f" Too large for memory: training reads all {len(streamed):,} training pictures from their files; "
                f"the window shows them a page of {len(result.images):,} at a time (above the gallery)."
                if pages is not None else "")
        self._report_failures(result)
        notes, self._notes = self._notes, ""  # what was done to the pictures, said here, after the choices
        if notes and settings.patches:
            notes += " (for the gallery: the model looks at them at their own size, in tiles)"
        self.statusBar().showMessage(f"Opened {description}; {settings.describe()}.{more}"
                                     + (f" {notes}." if notes else ""), 20000)
        self.retrain()

    def _dropped_loaded(self, result: LoadResult) -> None:
        if len(result.images):
            self.worker.submit(AddImages(result.images))
        self._report_failures(result)

    def _images_changed(self, change: ImagesChanged) -> None:
        if change.added is not None:
            notes, self._notes = self._notes, ""
            self.statusBar().showMessage(f"Added {len(change.added)} image(s)." + (f" {notes}." if notes else ""),
                                         15000 if notes else 6000)

    def _report_failures(self, result: LoadResult) -> None:
        """Files skipped (a message that lists them and why) and what was done to the rest (notes)."""
        notes = "; ".join(n[0].upper() + n[1:] for n in result.notes)
        if not result.failures:
            self._notes = notes  # said with "Added N image(s)" when the worker has them
            if notes:
                self.statusBar().showMessage(notes + ".", 15000)
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "Some files were skipped",
                          skipped_text(len(result.failures), len(result.images)), parent=self)
        box.setInformativeText(failure_summary(result.failures) + (f"\n\n{notes}." if notes else ""))
        self._show_box(box)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():  # web addresses too, to say why they cannot be opened
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        paths = [u.toLocalFile() for u in urls if u.isLocalFile()]
        remote = [u.toString() for u in urls if not u.isLocalFile()]
        event.acceptProposedAction()
        if remote:
            self.statusBar().showMessage(
                f"Web addresses are not opened ({remote[0]}{' and more' if len(remote) > 1 else ''}): "
                "save the picture to a folder first, then drop the file.", 10000)
        if paths:
            self.open_paths(paths)

    # -- training --------------------------------------------------------------------------------
    def _retrain_asked(self) -> None:
        self.follower.stop()
        self.keeper.touched()
        self.retrain()

    def retrain(self) -> None:
        """A fresh model at the current settings, trained from scratch."""
        s = self.views.settings
        # The presenter's model config changes when the worker reports the new model,
        # so the views never claim a size the shown results do not have.
        config = s.model_config(self.presenter.model_config)
        pictures = len(self.images.indices(Split.TRAIN))
        self.worker.submit(Retrain(s.train_config(pictures), config, s.device(), prefix=s.code_length()))
        s.set_running(True)  # Stop works from now on, before the run has begun

    def _code_length_moved(self, k: int) -> None:
        """An ordered model follows the slider at once; a model trained at one size never retrains
        behind the person's back (the Bottleneck group says that Train makes one of this size)."""
        if self.presenter.set_code_length(k) or self.presenter.use_kept(k):
            self.keeper.touched()

    def set_task(self, denoise: NoiseSpec | None, architecture: str) -> None:
        """Start-up choice of mode and model (command line); the next training run uses them."""
        self.views.settings.set_task(denoise, architecture)
        self.worker.submit(SetTestNoise(self.views.settings.test_noise()))

    def _pause_toggled(self, paused: bool) -> None:
        self.worker.pause() if paused else self.worker.resume()
        self.statusBar().showMessage("Paused." if paused else "Training…", 3000)
        self.presenter.redraw_titles()

    def stop_training(self) -> None:
        self.worker.stop_training()

    def select(self, row: int) -> None:
        self.presenter.select(row)

    def _model_changed(self, model: ModelReady) -> None:
        self.save_denoised_action.setEnabled(model.denoising)
        self.opener.size, self.opener.channels = model.config.image_size, model.config.channels  # for drops

    # -- saving a denoised picture ---------------------------------------------------------------
    def _save_denoised_dialog(self) -> None:
        row = self.presenter.selected
        if row is None or self.presenter.model is None or not self.presenter.model.denoising:
            return
        stem = Path(self.images.paths[row]).stem or "picture"
        path, _ = QFileDialog.getSaveFileName(self, "Save the denoised picture", f"{stem}-denoised.png",
                                              "PNG image (*.png)")
        if path:
            self.save_denoised(row, path)

    def save_denoised(self, row: int, path: str) -> None:
        """Clean picture ``row`` at full size (from its file, when it has one) and write a PNG; off the GUI thread."""
        if not path.lower().endswith(".png"):
            path += ".png"
        self.statusBar().showMessage(f"Denoising {Path(self.images.paths[row]).name}…")
        self.worker.submit(SaveDenoised(row, path))

    def _offer_cpu(self, text: str) -> None:
        """The GPU could not hold even one picture: say so, and offer to train on the CPU."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Out of GPU memory", f"Training stopped: {text}.", parent=self)
        cpu = box.addButton("Train on the CPU", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        cpu.clicked.connect(lambda: self.views.controls.device.setCurrentIndex(
            self.views.controls.device.findData("cpu")))  # the device choice retrains
        self.cpu_button = cpu
        self._show_box(box)

    # -- messages ----------------------------------------------------------------------------------
    def _show_problem(self, title: str, text: str, details: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Critical, title, text, parent=self)
        box.setDetailedText(details)
        self._show_box(box)
        self.statusBar().showMessage(text.splitlines()[0], 8000)

    def _show_box(self, box: QMessageBox) -> None:
        """Non-modal: the window stays usable while a message is open."""
        box.setModal(False)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()
        self.last_message = box

    # -- shutdown ----------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.keeper.modified:
            choice = self.keeper.ask_to_save()
            if choice != "discard":
                if choice == "save":
                    self.keeper.save(close_after=True)  # closes the window once written
                event.ignore()
                return
        self.tour.stop("closed")
        self.keeper.autosave_timer.stop()
        self.keeper.discard_autosave()
        window_state.remember(self, self.views, self.keeper.settings)
        self.presenter.timer.stop()
        self.presenter.links.maps.shutdown()
        self.opener.shutdown()
        self.worker_thread.shutdown()
        event.accept()
