"""The main window: assembles the views, routes commands to the worker, draws results.

Data flows one way: files -> ImageSet -> worker (model) -> results -> views.
Worker signals only store the latest result; a ~30 Hz timer draws whatever is
new, so a burst of results never queues up paint work.
"""

from __future__ import annotations

import html
import os
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from aeviewer import __version__
from aeviewer.core.config import LEARNING_RATES, ModelConfig
from aeviewer.core.data import IMAGE_SUFFIXES, ImageSet, LoadResult, Split
from aeviewer.core.demos import DEMO_AUGMENT, DEMO_EPOCHS
from aeviewer.core.scoring import SCORES
from aeviewer.qt.anomaly_panel import AnomalyPanel
from aeviewer.qt.captions import denoise_caption
from aeviewer.qt.compare_panel import ComparePanel
from aeviewer.qt.controls import Controls
from aeviewer.qt.gallery import GalleryView, format_error
from aeviewer.qt.latent_view import LatentView
from aeviewer.qt.opening import Opener
from aeviewer.qt.plots import LossPlot
from aeviewer.qt.task_controls import TaskControls
from aeviewer.qt.worker import TrainingEnd, WorkerThread

DRAW_INTERVAL_MS = 33
MAX_LISTED_FAILURES = 30


def failure_summary(failures, limit: int = MAX_LISTED_FAILURES) -> str:
    lines = [f"{Path(f.path).name}: {f.reason}" for f in failures[:limit]]
    if len(failures) > limit:
        lines.append(f"… and {len(failures) - limit} more")
    return "\n".join(lines)


class MainWindow(QMainWindow):
    def __init__(
        self,
        model_config: ModelConfig | None = None,
        device: str = "auto",
        autostart: bool = True,
        epochs: int | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("aeviewer: see what an autoencoder keeps")
        self.setAcceptDrops(True)
        self.model_config = model_config or ModelConfig()
        self.autostart = autostart
        self.images = ImageSet.empty(self.model_config.image_size, self.model_config.channels)
        self.model_id = 0
        self.device_name = "…"
        self.training = False
        self.trained = False
        self.stopped_early = False
        self.selected: int | None = None
        self.opener = Opener(self.model_config.image_size, self.model_config.channels, self)
        self.opener.started.connect(self._load_started)
        self.opener.progress.connect(self._load_progress)
        self.opener.idle.connect(self._load_idle)
        self.opener.demo_ready.connect(self._demo_loaded)
        self.opener.dataset_ready.connect(self._dataset_loaded)
        self.opener.dropped_ready.connect(self._dropped_loaded)
        self.opener.refused.connect(self._not_a_dataset)
        self.opener.failed.connect(self._load_failed)
        self._pending: dict[str, object] = {}
        self._phase = 0
        self._last_step = None
        self._inspection = None
        self._evaluation = None
        self.denoising = False  # what the current model does (the worker says, in _on_ready)
        self._train_noise_text = ""
        self._shown_note = ""

        self.epochs_given = epochs is not None
        self._build_views(device, epochs)
        self._build_menus()

        self.worker_thread = WorkerThread(self.model_config, device)
        w = self.worker_thread.worker
        w.ready.connect(self._on_ready)
        w.snapshot.connect(self._on_snapshot)
        w.evaluated.connect(self._on_evaluated)
        w.inspected.connect(self._on_inspected)
        w.training_started.connect(self._on_training_started)
        w.training_finished.connect(self._on_training_finished)
        w.failed.connect(self._on_failed)
        w.pixels_measured.connect(self._on_pixels_measured)
        w.saved.connect(self._on_saved)
        w.saving.connect(self._on_saving)
        self.worker_thread.start()
        w.submit("set_test_noise", self.task.test_noise())

        self._draw_timer = QTimer(self)
        self._draw_timer.setInterval(DRAW_INTERVAL_MS)
        self._draw_timer.timeout.connect(self._draw)
        self._draw_timer.start()

    # -- construction -------------------------------------------------------------
    def _build_views(self, device: str, epochs: int | None) -> None:
        self.gallery = GalleryView()
        self.gallery.setMinimumWidth(260)
        self.gallery.image_selected.connect(self.select)
        self.latent_view = LatentView()
        self.latent_view.index_clicked.connect(self.select)
        self.compare = ComparePanel()
        self.controls = Controls(self.model_config.latent_dim, self.model_config.input_values)
        if epochs is not None:
            self.controls.epochs.setValue(epochs)
        index = self.controls.device.findData(device)
        if index >= 0:
            self.controls.device.blockSignals(True)
            self.controls.device.setCurrentIndex(index)
            self.controls.device.blockSignals(False)
        self.controls.latent_dim_chosen.connect(self._latent_dim_chosen)
        self.controls.train_requested.connect(self.retrain)
        self.controls.pause_toggled.connect(self._pause_toggled)
        self.controls.stop_requested.connect(self.stop_training)
        self.controls.device_chosen.connect(self._device_chosen)
        self.task = TaskControls()
        self.task.training_changed.connect(self._task_changed)
        self.task.test_noise_changed.connect(self._test_noise_changed)
        self.loss_plot = LossPlot()
        self.anomalies = AnomalyPanel()
        self.anomalies.score_kind_chosen.connect(self._score_kind_chosen)
        self.anomalies.threshold_changed.connect(self._apply_flags)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.loss_plot, "Loss")
        self.tabs.addTab(self.anomalies, "Anomalies")
        self.sort_order = QComboBox()
        self.sort_order.addItem("in the order loaded")
        self.sort_order.addItem("most anomalous first")
        self.sort_order.setToolTip("Most anomalous first re-sorts live as the scores change.")
        self.sort_order.currentIndexChanged.connect(lambda i: self.gallery.sort_by_score(i == 1))

        self.latent_title = QLabel()
        self.latent_title.setTextFormat(Qt.TextFormat.RichText)
        latent_box = QWidget()
        lv = QVBoxLayout(latent_box)
        lv.setContentsMargins(4, 4, 4, 4)
        lv.addWidget(self.latent_title)
        lv.addWidget(self.latent_view, 1)
        compare_box = QWidget()
        cv = QVBoxLayout(compare_box)
        cv.setContentsMargins(4, 4, 4, 4)
        self.compare_title = QLabel("<b>Compare</b>")
        cv.addWidget(self.compare_title)
        cv.addWidget(self.compare, 1)

        centre = QSplitter(Qt.Orientation.Vertical)
        centre.addWidget(latent_box)
        centre.addWidget(compare_box)
        centre.setSizes([430, 330])

        settings = QWidget()
        sv = QVBoxLayout(settings)
        sv.setContentsMargins(4, 4, 4, 4)
        sv.addWidget(self.controls)
        sv.addWidget(self.task)
        sv.addStretch(1)
        scroll = QScrollArea()  # the settings scroll rather than make the window taller than a laptop screen
        scroll.setWidget(settings)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(scroll)
        right.addWidget(self.tabs)
        right.setStretchFactor(0, 0)
        right.setStretchFactor(1, 1)
        right.setSizes([settings.sizeHint().height() + 8, 400])  # the settings in full, the tabs get the rest
        # Room for the settings beside their scroll bar, so nothing is cut off at the right.
        scroll.setMinimumWidth(settings.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())
        right.setMaximumWidth(420)

        gallery_box = QWidget()
        gv = QVBoxLayout(gallery_box)
        gv.setContentsMargins(4, 4, 4, 4)
        self.gallery_title = QLabel("<b>Images</b>")
        gv.addWidget(self.gallery_title)
        order = QHBoxLayout()
        order.addWidget(QLabel("Show"))
        order.addWidget(self.sort_order, 1)
        gv.addLayout(order)
        gv.addWidget(self.gallery, 1)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(gallery_box)
        split.addWidget(centre)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([330, 700, 310])
        self.setCentralWidget(split)

        self.load_bar = QProgressBar()
        self.load_bar.setMaximumWidth(220)
        self.load_bar.setVisible(False)
        self.counts_label = QLabel()
        self.device_status = QLabel()
        self.statusBar().addPermanentWidget(self.load_bar)
        self.statusBar().addPermanentWidget(self.counts_label)
        self.statusBar().addPermanentWidget(self.device_status)
        self.statusBar().showMessage("Starting…")
        self._update_titles()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_files = QAction("&Open images…", self)
        open_files.setShortcut(QKeySequence.StandardKey.Open)
        open_files.triggered.connect(self._open_files_dialog)
        open_dataset = QAction("Open a &dataset folder…", self)
        open_dataset.setToolTip("MVTec AD, or normal/anomaly subfolders, or a flat folder: "
                                "replaces the images and trains on the normal training part")
        open_dataset.triggered.connect(self._open_dataset_dialog)
        open_folder = QAction("Open &folder…", self)
        open_folder.triggered.connect(self._open_folder_dialog)
        self.save_denoised_action = QAction("&Save denoised…", self)
        self.save_denoised_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_denoised_action.setToolTip("Write the selected picture, cleaned by the denoising model, "
                                             "at full size as a PNG")
        self.save_denoised_action.triggered.connect(self._save_denoised_dialog)
        self.save_denoised_action.setEnabled(False)
        demo = QAction("Reload the &demo", self)
        demo.triggered.connect(self.load_demo)
        quit_ = QAction("&Quit", self)
        quit_.setShortcut(QKeySequence.StandardKey.Quit)
        quit_.triggered.connect(self.close)
        for a in (open_files, open_folder, open_dataset, demo):
            file_menu.addAction(a)
        file_menu.addSeparator()
        file_menu.addAction(self.save_denoised_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About aeviewer", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    # -- loading ------------------------------------------------------------------------
    # The Opener decides what a request means and loads it off the GUI thread.
    def load_demo(self) -> None:
        """Draw the banana demo in the background, then show it and (by default) train."""
        self.opener.load_demo()

    def open_paths(self, paths: list[str]) -> None:
        """Images and folders: added as 'dropped' ones, or a labelled folder opened as a dataset."""
        self.opener.open_paths(paths)

    def open_dataset(self, folder: str) -> None:
        """Replace every image with a dataset folder's, labelled by its layout, and train on it."""
        self.opener.open_dataset(folder)

    @property
    def loading(self) -> bool:
        return self.opener.loading

    def _load_started(self, message: str) -> None:
        self.load_bar.setRange(0, 0)
        self.load_bar.setVisible(True)
        self.statusBar().showMessage(message)

    def _load_progress(self, done: int, total: int) -> None:
        self.load_bar.setRange(0, max(total, 1))
        self.load_bar.setValue(done)

    def _load_idle(self) -> None:
        self.load_bar.setVisible(False)

    def _load_failed(self, tb: str) -> None:
        self._show_problem("Loading failed", "The images could not be loaded.", tb)

    def _not_a_dataset(self, reason: str) -> None:
        self._show_problem("Not a dataset folder", f"The folder could not be opened as a dataset:\n{reason}", "")

    def _demo_loaded(self, result: LoadResult) -> None:
        # What the demo is measured with (README): bananas may lie any way round.
        self.controls.augment.setChecked(DEMO_AUGMENT)
        if not self.epochs_given:
            self.controls.epochs.setValue(DEMO_EPOCHS)
        self.set_images(result.images)
        self.statusBar().showMessage(
            f"Demo ready: {len(result.images.indices(Split.TRAIN))} ripe bananas to learn from, "
            f"{len(result.images.indices(Split.TEST))} held back (ripe and rotten).", 8000
        )
        if self.autostart:
            self.retrain()

    def set_images(self, images: ImageSet) -> None:
        """Replace every image (the demo, or a test's own set) and show the first."""
        self.images = images
        self.selected = None
        self.compare.clear()
        self.latent_view.clear()
        self.gallery.gallery.set_images(images)
        self.worker_thread.worker.submit("set_images", images.images.copy(), images.splits.copy())
        self._update_titles()
        if len(images):
            self.select(0)

    def _dropped_loaded(self, result: LoadResult) -> None:
        new = result.images
        if len(new):
            start = len(self.images)
            self.images.extend(new)
            self.gallery.gallery.append(self.images, start)
            self.worker_thread.worker.submit("add_images", new.images.copy(), new.splits.copy(), list(new.paths))
            self._update_titles()
            self.select(start)
            self.statusBar().showMessage(f"Added {len(new)} image(s).", 6000)
        if result.failures:
            self._report_failures(result.failures, loaded=len(new))

    def _report_failures(self, failures, loaded: int) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Some files were skipped")
        n = len(failures)
        box.setText(
            f"{n} file{'s' if n != 1 else ''} could not be used and {'were' if n != 1 else 'was'} skipped"
            f" ({loaded} image{'s' if loaded != 1 else ''} loaded). Nothing else was changed."
        )
        box.setInformativeText(failure_summary(failures))
        box.setModal(False)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()
        self.last_message = box
        self.statusBar().showMessage(f"Skipped {n} unreadable file(s).", 8000)

    def _open_files_dialog(self) -> None:
        patterns = " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES))
        files, _ = QFileDialog.getOpenFileNames(self, "Open images", "", f"Images ({patterns});;All files (*)")
        self.open_paths(files)

    def _open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of images")
        if folder:
            self.open_paths([folder])

    # -- drag and drop ---------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    # -- commands to the worker ------------------------------------------------------
    def train_config(self):
        from aeviewer.core.training import TrainConfig

        return TrainConfig(
            epochs=self.controls.epochs.value(),
            learning_rate=self.controls.learning_rate.value(),
            denoise=self.task.train_noise(),
            augment=self.controls.augment.isChecked(),
        )

    def retrain(self) -> None:
        """A fresh model at the current settings, trained from scratch."""
        if not len(self.images.indices(Split.TRAIN)):
            self.statusBar().showMessage("There are no training images: reload the demo (File menu).", 8000)
            return
        # self.model_config changes when the worker reports the new model (_on_ready),
        # so the views never claim a size the shown results do not have.
        wanted = replace(
            self.model_config, latent_dim=self.controls.latent_dim(), architecture=self.task.chosen_architecture()
        )
        self.worker_thread.worker.submit("retrain", self.train_config(), wanted, self.controls.device.currentData())

    def _latent_dim_chosen(self, latent_dim: int) -> None:
        if latent_dim != self.model_config.latent_dim or not self.trained:
            self.retrain()

    def _device_chosen(self, _device: str) -> None:
        self.retrain()

    def _task_changed(self) -> None:
        arch = self.task.chosen_architecture()
        if arch != self.model_config.architecture:  # each architecture trains best at its own rate
            self.controls.learning_rate.setValue(LEARNING_RATES[arch])
        self.retrain()

    def set_task(self, denoise, architecture: str) -> None:
        """Start-up choice of mode and model (command line); the next training run uses them."""
        self.task.configure(denoise, architecture)
        self.controls.learning_rate.setValue(LEARNING_RATES[architecture])
        self._test_noise_changed()

    def _test_noise_changed(self) -> None:
        self.worker_thread.worker.submit("set_test_noise", self.task.test_noise())

    def _save_denoised_dialog(self) -> None:
        row = self.selected
        if row is None or not self.denoising:
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
        self.worker_thread.worker.submit("save_denoised", row, path)

    def _on_saving(self, done: int, total: int) -> None:
        self._load_progress(done, total)
        self.load_bar.setVisible(done < total)

    def _on_saved(self, path: str) -> None:
        self.load_bar.setVisible(self.loading)
        self.statusBar().showMessage(f"Saved {path}", 8000)

    def _pause_toggled(self, paused: bool) -> None:
        w = self.worker_thread.worker
        w.pause() if paused else w.resume()
        self.statusBar().showMessage("Paused." if paused else "Training…", 3000)
        self._update_titles()

    def stop_training(self) -> None:
        self.worker_thread.worker.stop_training()

    def select(self, row: int) -> None:
        if not 0 <= row < len(self.images):
            return
        if row != self.selected:
            self.selected = row
            self.gallery.select_row(row)
            self.latent_view.select(row)
            self.worker_thread.worker.submit("inspect", row)

    # -- results from the worker (store; the timer draws) ----------------------------
    def _on_ready(self, info: dict) -> None:
        self.model_id = info["model_id"]
        self.model_config = info["config"]
        self.device_name = info["device"]
        self.trained = False
        self.stopped_early = False
        self._last_step = None
        self._pending = {}
        self.loss_plot.clear_losses()
        self.anomalies.new_model()
        self.latent_view.set_axes(self.model_config.latent_dim)
        self.controls.offer_cuda(info["cuda_available"])
        self.denoising = bool(info["train_noise"])
        self.compare.set_denoising(self.denoising)
        self.anomalies.set_denoising(self.denoising)
        self.save_denoised_action.setEnabled(self.denoising)
        self._train_noise_text = ", ".join(s.describe() for s in info["train_noise"])
        self.device_status.setText(f"device: {self.device_name}")
        self._update_titles()

    def _current(self, result) -> bool:
        return result is not None and result.model_id == self.model_id

    def _on_snapshot(self, snap) -> None:
        if self._current(snap):
            self._pending["snapshot"] = snap
            self._pending["evaluation"] = snap.evaluation

    def _on_evaluated(self, evaluation) -> None:
        if self._current(evaluation):
            self._pending["evaluation"] = evaluation

    def _on_inspected(self, inspection) -> None:
        if self._current(inspection):
            self._pending["inspection"] = inspection

    def _on_training_started(self, model_id: int) -> None:
        if model_id != self.model_id:
            return
        self.training = True
        self.controls.set_running(True)
        self.statusBar().showMessage("Training…")
        self._update_titles()

    def _on_training_finished(self, end: TrainingEnd) -> None:
        if end.model_id != self.model_id:
            return
        self.training = False
        self.trained = end.trained
        self.stopped_early = end.reason == "stopped"
        self.controls.set_running(False)
        words = {"done": "Training finished.", "stopped": "Training stopped.", "error": "Training failed."}
        self.statusBar().showMessage(words[end.reason], 8000)
        self.controls.show_idle({"done": "trained", "stopped": "stopped early", "error": "failed"}[end.reason])
        if end.reason == "done" and self.images.masks:
            test = self.images.indices(Split.TEST)
            self.worker_thread.worker.submit("measure_pixels", self.images.labels.copy(), dict(self.images.masks), test)
        self._update_titles()
        self._redraw_caption()

    def _on_pixels_measured(self, model_id: int, value: float) -> None:
        if model_id == self.model_id:
            self.anomalies.set_pixel_auroc(value)

    def _on_failed(self, what: str, tb: str) -> None:
        self.load_bar.setVisible(self.loading)  # a save in progress has ended
        last = tb.strip().splitlines()[-1] if tb.strip() else "unknown error"
        self._show_problem("Something went wrong", f"Something went wrong while {what}:\n{last}", tb)

    def _show_problem(self, title: str, text: str, details: str) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(title)
        box.setText(text)
        box.setDetailedText(details)
        box.setModal(False)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()
        self.last_message = box
        self.statusBar().showMessage(text.splitlines()[0], 8000)

    # -- drawing ------------------------------------------------------------------------
    def _draw(self) -> None:
        """Draw what is new, one group of views per tick.

        Repainting every plot in the same tick makes one long event that delays
        input; taking turns keeps each tick short, and each view still updates
        ~10 times a second.
        """
        self._phase = (self._phase + 1) % 3
        if self._phase == 0:
            snap = self._pending.pop("snapshot", None)
            if snap is not None:
                s = snap.step
                self._last_step = s
                self.loss_plot.set_losses(snap.losses, s.epochs * s.batches_per_epoch)
                if s.note and s.note != self._shown_note:
                    self._shown_note = s.note
                    self.statusBar().showMessage(s.note, 15000)
                self.controls.show_progress(s.epoch, s.epochs, s.fraction_done, s.images_per_second, s.seconds_left)
                self._update_titles()
        elif self._phase == 1:
            evaluation = self._pending.pop("evaluation", None)
            if evaluation is not None:
                self._evaluation = evaluation
                self.anomalies.set_scores(evaluation.scores, self.images.splits, self.images.labels)
                flags = self.anomalies.flags()
                self.gallery.gallery.set_errors(evaluation.scores, flags)
                self.latent_view.set_points(evaluation.points, self.images.splits)
                self.latent_view.set_flags(flags)
                self.compare.set_heat_scale(evaluation.heat_scale)
        else:
            inspection = self._pending.pop("inspection", None)
            if inspection is not None and inspection.index == self.selected:
                self.compare.set_denoising(inspection.denoising)
                self.compare.show_images(
                    inspection.index, inspection.input, inspection.recon, inspection.difference, inspection.clean
                )
                self.compare.show_mask(self.images.masks.get(inspection.index))
                self._inspection = inspection
                self._redraw_caption()

    def model_state_text(self) -> str:
        k = self.model_config.latent_dim
        if self.model_config.architecture == "skip":
            return "U-Net with a " + self._state_text(k)
        return self._state_text(k)

    def _state_text(self, k: int) -> str:
        if self.training:
            s = self._last_step
            where = f", epoch {s.epoch + 1} of {s.epochs}" if s is not None else ""
            paused = " (paused)" if self.controls.pause_button.isChecked() else ""
            return f"{k}-d code · <span style='color:#c26000'>model in training{where}{paused}</span>"
        if self.trained:
            task = f" to remove {html.escape(self._train_noise_text)}" if self.denoising else ""
            return f"{k}-d code · trained{task}"
        if self.stopped_early:
            return f"{k}-d code · <span style='color:#c26000'>training stopped early</span>"
        return f"{k}-d code · <span style='color:#c26000'>untrained</span>"

    def _redraw_caption(self) -> None:
        ins = self._inspection
        if ins is None or ins.index != self.selected or ins.index >= len(self.images):
            return
        row = ins.index
        name = html.escape(os.path.basename(self.images.paths[row]) or self.images.paths[row])
        split = Split(int(self.images.splits[row])).label
        label = {0: " · labelled normal", 1: " · labelled anomalous"}.get(int(self.images.labels[row]), "")
        if ins.denoising:
            self.compare.set_caption(f"<b>{name}</b> ({split}{label}) · {denoise_caption(ins, self.model_config.image_size)}"
                                     f"<br>Model: {self.model_state_text()}")
            return
        self.compare.set_caption(
            f"<b>{name}</b> ({split}{label}) · reconstruction error (MSE) <b>{format_error(ins.error)}</b>"
            f"{self._score_text(row)}<br>Model: {self.model_state_text()}"
        )

    def _score_text(self, row: int) -> str:
        ev = self._evaluation
        if ev is None or row >= len(ev.scores):
            return ""
        flagged = row < len(self.anomalies.flags()) and self.anomalies.flags()[row]
        flag = " · <b style='color:#dc1e1e'>⚑ flagged as unusual</b>" if flagged else ""
        if ev.score_kind == "mse":
            return flag
        return f" · {SCORES[ev.score_kind].label.lower()} {format_error(float(ev.scores[row]))}{flag}"

    def _apply_flags(self, _threshold: float = 0.0) -> None:
        flags = self.anomalies.flags()
        self.gallery.gallery.set_flags(flags)
        self.latent_view.set_flags(flags)
        self._redraw_caption()

    def _score_kind_chosen(self, kind: str) -> None:
        self.gallery.gallery.score_name = SCORES[kind].label.lower()
        self.worker_thread.worker.submit("set_score_kind", kind)

    def _open_dataset_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a dataset folder (MVTec, normal/anomaly, or flat)")
        if folder:
            self.open_dataset(folder)

    def _dataset_loaded(self, result: LoadResult, description: str) -> None:
        if not len(result.images.indices(Split.TRAIN)):
            self._report_failures(result.failures, loaded=len(result.images))
            self._show_problem("No training images", "None of the dataset's training images could be read; "
                               "nothing was changed.", "")
            return
        self.controls.augment.setChecked(False)  # the safe choice for unknown pictures (digits, text)
        self.set_images(result.images)
        self.statusBar().showMessage(f"Opened a {description}.", 8000)
        if result.failures:
            self._report_failures(result.failures, loaded=len(result.images))
        self.retrain()

    def _update_titles(self) -> None:
        k = self.model_config.latent_dim
        how = "drawn directly" if k <= 2 else "projected with PCA"
        self.latent_title.setText(f"<b>Latent space</b> · each point is one image's code ({how}) · "
                                  f"{self.model_state_text()}")
        n = len(self.images)
        counts = {s: int((self.images.splits == s).sum()) for s in Split}
        self.gallery_title.setText(f"<b>Images</b> ({n:,}) · select one to compare")
        self.counts_label.setText(
            f"{counts[Split.TRAIN]:,} train · {counts[Split.TEST]:,} test · {counts[Split.DROPPED]:,} dropped"
        )

    # -- shutdown -----------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self._draw_timer.stop()
        self.opener.shutdown()
        self.worker_thread.shutdown()
        event.accept()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About aeviewer",
            f"<b>aeviewer {__version__}</b><p>Watch an autoencoder squeeze pictures through a narrow code "
            "and rebuild them. Drag images or folders onto the window to see how the model treats them.</p>",
        )
