"""The main window as a person uses it: train, select, drop files, move the slider, close."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from aeviewer.core.config import ModelConfig
from aeviewer.core.data import Split
from aeviewer.qt.main_window import MainWindow
from aeviewer.qt.worker import running_threads

from .conftest import show_images


def _train(qtbot, win, timeout=60_000):
    win.controls.train_button.click()
    qtbot.waitUntil(lambda: win.presenter.training, timeout=timeout)
    qtbot.waitUntil(lambda: not win.presenter.training, timeout=timeout)
    # the final results are drawn by the presenter's timer
    qtbot.waitUntil(lambda: win.presenter.results is not None and win.presenter.results.final
                    and win.presenter.drawn, timeout=timeout)


_KEEP_ALIVE = []  # the events refer to their QMimeData; it must outlive them


def _drop(win, paths, urls=()):
    """What a file manager's drag does: enter the window, then drop on it (``urls``: web addresses too)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths] + [QUrl(u) for u in urls])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(QPoint(200, 200), *args)
    QApplication.sendEvent(win, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(200, 200), *args)
    QApplication.sendEvent(win, event)
    _KEEP_ALIVE.append((mime, enter, event))
    return event.isAccepted()


def test_panels_show_data_after_a_short_training_run(qtbot, window, fresh_demo):
    show_images(qtbot, window, fresh_demo)
    assert window.gallery.model().rowCount() == len(fresh_demo)
    _train(qtbot, window)
    assert window.presenter.trained
    errors = window.gallery.gallery._errors
    assert np.isfinite(errors).all()
    assert "train · " in window.gallery.model().index(0, 0).data()
    assert window.latent_view.point_count() == len(fresh_demo)
    assert window.compare.shown_index == 0  # the first image is selected on load
    assert "reconstruction error" in window.compare.caption.text()
    assert "trained" in window.compare.caption.text()
    assert window.loss_plot.curve.getData()[0] is not None
    assert window.controls.progress.value() == 1000


def test_selecting_in_gallery_and_scatter_are_linked(qtbot, window, fresh_demo):
    show_images(qtbot, window, fresh_demo)
    qtbot.waitUntil(lambda: window.latent_view.point_count() == len(fresh_demo), timeout=30_000)
    window.gallery.setCurrentIndex(window.gallery.model().index(5, 0))
    qtbot.waitUntil(lambda: window.compare.shown_index == 5, timeout=10_000)
    assert window.latent_view._selected == 5
    # a click on a scatter point selects that image in the gallery
    view = window.latent_view
    test_rows = np.flatnonzero(window.images.splits == Split.TEST)
    x, y = (float(v) for v in view._points[test_rows[0]])
    row = view.point_at(x, y)
    assert row is not None
    view.index_clicked.emit(row)
    assert window.gallery.current_row() == row
    qtbot.waitUntil(lambda: window.compare.shown_index == row, timeout=10_000)


def test_dropping_files_adds_scored_images(qtbot, window, fresh_demo, image_folder):
    show_images(qtbot, window, fresh_demo)
    n = len(fresh_demo)
    assert _drop(window, [image_folder])
    qtbot.waitUntil(lambda: len(window.images) == n + 3, timeout=30_000)
    assert (window.images.splits == Split.DROPPED).sum() == 3
    assert window.gallery.model().rowCount() == n + 3
    qtbot.waitUntil(lambda: np.isfinite(window.gallery.gallery._errors[n:]).all(), timeout=30_000)
    qtbot.waitUntil(lambda: window.compare.shown_index == n, timeout=10_000)  # first dropped one shown
    qtbot.waitUntil(lambda: window.latent_view.point_count() == n + 3, timeout=10_000)
    assert "dropped" in window.counts_label.text()
    # a wide picture is shown as it is, not in its working square with the edges smeared out
    wide = next(i for i, p in enumerate(window.images.paths) if p.endswith("wide.png"))
    thumb = window.gallery.gallery.pixmap(wide).toImage()
    assert (thumb.width(), thumb.height()) == (64, 64)  # every thumbnail square, so that the captions line up
    alpha = [thumb.pixelColor(32, y).alpha() for y in range(64)]
    assert alpha == [0] * 12 + [255] * 40 + [0] * 12  # 80x50 at 64 px wide: 40 rows of it, centred
    window.select(wide)
    qtbot.waitUntil(lambda: window.presenter.inspection is not None and window.presenter.inspection.index == wide,
                    timeout=10_000)
    assert window.presenter.inspection.input.shape == (40, 64, 3)  # the model's 64 px square, less its filling
    assert window.compare._items[0].image.shape[:2] == (40, 64)  # the Input picture drawn


def test_a_dropped_web_address_is_refused_politely(qtbot, window, fresh_demo):
    show_images(qtbot, window, fresh_demo)
    before = len(window.images)
    assert _drop(window, [], urls=["https://example.com/banana.png"])
    assert "Web addresses are not opened" in window.statusBar().currentMessage()
    qtbot.wait(200)
    assert len(window.images) == before and not window.loading


def test_bad_files_are_listed_and_change_nothing(qtbot, window, fresh_demo, bad_files):
    show_images(qtbot, window, fresh_demo)
    before = len(window.images)
    _drop(window, sorted(bad_files.iterdir()))
    qtbot.waitUntil(lambda: not window.loading, timeout=30_000)
    box = window.last_message
    assert isinstance(box, QMessageBox) and box.isVisible() and not box.isModal()
    assert "3 files could not be used" in box.text()
    for name in ("empty.png", "text.png", "truncated.png"):
        assert name in box.informativeText()
    assert len(window.images) == before
    assert window.gallery.model().rowCount() == before
    box.close()


def test_file_open_loads_like_a_drop(qtbot, window, fresh_demo, image_folder):
    show_images(qtbot, window, fresh_demo)
    n = len(window.images)
    window.open_paths([str(image_folder / "wide.png")])
    qtbot.waitUntil(lambda: len(window.images) == n + 1, timeout=30_000)


def test_the_slider_cuts_an_ordered_model_at_once_without_retraining(qtbot, window, fresh_demo):
    from aeviewer.core.results import Inspection, TrainingStarted
    from tests.qt.conftest import GuiSide

    gui = GuiSide(window.worker)
    show_images(qtbot, window, fresh_demo)
    window.controls.epochs.setValue(200)
    window.controls.kind.setCurrentIndex(window.controls.kind.findData(True))  # asks for an ordered model
    qtbot.waitUntil(lambda: window.presenter.training and window.presenter.model_config.ordered, timeout=30_000)
    model_id = window.presenter.model.model_id
    starts = len(gui.of(TrainingStarted))
    window.select(1)
    window.controls.slider.setValue(3)
    shown = gui.wait_for(qtbot, Inspection, lambda i: i.prefix == 3 and i.index == 1)
    assert shown.model_id == model_id
    qtbot.waitUntil(lambda: "first 3 of 64 numbers" in window.latent_title.text())
    assert "in training" in window.latent_title.text() and "<b>3</b> numbers" in window.controls.compression.text()
    assert "no retraining" in window.controls.model_note.text()
    window.controls.slider.setValue(2)
    qtbot.waitUntil(lambda: "drawn directly" in window.latent_title.text())
    assert window.presenter.model.model_id == model_id and len(gui.of(TrainingStarted)) == starts
    window.controls.stop_button.click()
    qtbot.waitUntil(lambda: not window.presenter.training, timeout=10_000)
    assert "stopped early" in window.latent_title.text()


def test_a_model_per_size_never_retrains_from_the_slider(qtbot, window, fresh_demo):
    show_images(qtbot, window, fresh_demo)
    window.controls.epochs.setValue(2)
    assert not window.controls.ordered  # the default: a model per size
    window.controls.train_button.click()
    qtbot.waitUntil(lambda: window.presenter.trained and not window.presenter.model_config.ordered, timeout=30_000)
    model_id, size = window.presenter.model.model_id, window.presenter.model_config.latent_dim
    window.controls.slider.setValue(3)
    qtbot.wait(300)
    assert window.presenter.model.model_id == model_id and window.presenter.model_config.latent_dim == size
    assert "Train makes one at 3" in window.controls.model_note.text()
    window.controls.train_button.click()
    qtbot.waitUntil(lambda: window.presenter.model_config.latent_dim == 3 and window.presenter.trained,
                    timeout=30_000)
    assert "trained at 3 numbers" in window.latent_title.text()
    assert f"Also kept, shown at once: {size}" in window.controls.model_note.text()
    three = window.presenter.model.model_id
    window.controls.slider.setValue(size)  # back to the first model's size: it is shown again, trained
    qtbot.waitUntil(lambda: window.presenter.model_config.latent_dim == size and window.presenter.trained
                    and window.presenter.model.model_id != three, timeout=30_000)
    assert not window.presenter.training and window.presenter.model.kept_sizes == (3,)


def test_pause_and_resume_buttons(qtbot, window, fresh_demo):
    show_images(qtbot, window, fresh_demo)
    window.controls.epochs.setValue(500)
    window.controls.train_button.click()
    qtbot.waitUntil(lambda: window.presenter.training and window.presenter.last_step is not None, timeout=30_000)
    from aeviewer.core.results import Inspection, Snapshot

    from .conftest import GuiSide

    g = GuiSide(window.worker)
    window.controls.pause_button.click()
    assert window.worker.paused
    assert window.controls.pause_button.text() == "Resume"
    assert "paused" in window.latent_title.text()
    # A batch in flight may still report. The worker serves inspections while paused, so
    # after two answered in a row nothing may move: it is idle, not stuck.
    window.select(1)
    g.wait_for(qtbot, Inspection, lambda i: i.index == 1)
    frozen = len(g.of(Snapshot))
    window.select(2)
    g.wait_for(qtbot, Inspection, lambda i: i.index == 2)
    assert len(g.of(Snapshot)) == frozen
    window.controls.pause_button.click()
    g.wait_for(qtbot, Snapshot, timeout=10_000)
    window.controls.stop_button.click()
    qtbot.waitUntil(lambda: not window.presenter.training, timeout=10_000)


def test_close_during_training_is_clean_and_quick(qtbot, fresh_demo):
    win = MainWindow(ModelConfig(latent_dim=8), device="cpu", autostart=False, epochs=1000)
    qtbot.addWidget(win)
    win.show()
    show_images(qtbot, win, fresh_demo)
    win.controls.train_button.click()
    qtbot.waitUntil(lambda: win.presenter.training, timeout=30_000)
    t0 = time.monotonic()
    assert win.close()
    assert time.monotonic() - t0 < 5
    assert not win.worker_thread.thread.isRunning()
    assert not running_threads()


def test_demo_loads_in_the_background_and_trains(qtbot):
    win = MainWindow(ModelConfig(latent_dim=8), device="cpu", autostart=True, epochs=1)
    qtbot.addWidget(win)
    win.show()
    win.load_demo()
    assert win.loading
    qtbot.waitUntil(lambda: len(win.images) > 500, timeout=60_000)
    qtbot.waitUntil(lambda: win.presenter.training, timeout=30_000)
    assert (win.images.labels == 1).sum() > 0  # rotten bananas are among the test images
    assert win.controls.augment.isChecked()  # the demo's own training recipe (README, bench_bananas)
    assert win.controls.epochs.value() == 1  # ... but epochs given on the command line win
    win.close()


def test_opening_a_dataset_turns_augmentation_off(qtbot, window, tmp_path):
    for sub in ("good", "bad"):
        (tmp_path / sub).mkdir()
        for i in range(6):
            Image.fromarray(np.full((8, 8, 3), 40 * i, np.uint8)).save(tmp_path / sub / f"{i}.png")
    window.controls.augment.setChecked(True)
    window.open_dataset(str(tmp_path))
    qtbot.waitUntil(lambda: len(window.images) == 12, timeout=20_000)
    assert not window.controls.augment.isChecked()  # digits or text must not be flipped


def test_a_worker_error_is_shown_and_the_window_stays_usable(qtbot, window):
    # no images at all: Train says so instead of failing
    window.retrain()
    qtbot.waitUntil(lambda: "no training images" in window.statusBar().currentMessage(), timeout=10_000)
    # an error inside the worker becomes a visible, non-blocking message
    from aeviewer.qt.messages import Inspect

    window.worker.submit(Inspect(12345))
    qtbot.waitUntil(lambda: getattr(window, "last_message", None) is not None, timeout=10_000)
    assert "Something went wrong" in window.last_message.text()
    assert window.controls.train_button.isEnabled()


def test_drag_enter_accepts_only_local_files(window, tmp_path):
    mime = QMimeData()
    mime.setText("just text")
    event = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(event)
    assert not event.isAccepted()
    Image.new("RGB", (8, 8)).save(tmp_path / "x.png")
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "x.png"))])
    event = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(event)
    assert event.isAccepted()


def test_paths_given_at_start_survive_the_demo_load(qtbot, image_folder):
    """`aeviewer PATH...`: the pictures may finish loading before the demo does."""
    from aeviewer.qt.app import create_window, parse_args

    win = create_window(parse_args(["--no-train", "--device", "cpu", str(image_folder)]))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: not win.loading and (win.images.splits == Split.DROPPED).sum() == 3, timeout=60_000)
    assert (win.images.splits == Split.TRAIN).sum() == 512
    win.close()


def test_threshold_flags_sorting_and_metrics(qtbot, window, fresh_demo):
    show_images(qtbot, window, fresh_demo)
    _train(qtbot, window)
    panel = window.anomalies
    scores = window.presenter.evaluation.scores
    train = window.images.splits == Split.TRAIN
    assert panel.threshold == pytest.approx(np.percentile(scores[train], 99))
    assert "AUROC" in panel.summary.text()  # the demo's test images are labelled
    assert not panel.roc.isHidden()
    # drag the threshold below every score: everything is flagged, in gallery and scatter
    panel.line.setValue(float(np.nanmin(scores)) - 1.0)
    assert panel.user_threshold
    qtbot.waitUntil(lambda: window.latent_view.flagged_count() == len(fresh_demo), timeout=5_000)
    assert window.gallery.gallery.flagged(0)
    assert "recall 1.00" in panel.summary.text()
    panel.reset.click()
    assert not panel.user_threshold
    assert window.latent_view.flagged_count() < len(fresh_demo)
    # most anomalous first puts the highest score at the top
    window.sort_order.setCurrentIndex(1)
    top = window.gallery.row_at(0)
    assert scores[top] == pytest.approx(np.nanmax(scores))


def test_switching_the_score_rescores_every_image(qtbot, window, fresh_demo):
    show_images(qtbot, window, fresh_demo)
    _train(qtbot, window)
    window.anomalies.kind.setCurrentIndex(window.anomalies.kind.findData("ssim"))
    qtbot.waitUntil(lambda: window.presenter.evaluation.score_kind == "ssim", timeout=20_000)
    results = window.presenter.results
    assert np.isfinite(results.scores).all() and not np.allclose(results.scores, results.errors)


def test_per_image_heat_scale_toggle(qtbot, window, fresh_demo):
    show_images(qtbot, window, fresh_demo)
    qtbot.waitUntil(lambda: window.compare.shown_index == 0, timeout=20_000)
    fixed = window.compare.difference_top()
    assert "fixed from the training images" in window.compare.scale_note.text()
    window.compare.per_image.setChecked(True)
    assert "own range" in window.compare.scale_note.text()
    assert window.compare.difference_top() == pytest.approx(float(window.compare._difference.max()), rel=1e-3)
    window.compare.per_image.setChecked(False)
    assert window.compare.difference_top() == fixed


def test_opening_a_dataset_folder_trains_on_its_normal_part(qtbot, window, tmp_path, rng):
    for i in range(12):
        (tmp_path / "data" / "good").mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)).save(tmp_path / "data" / "good" / f"{i}.png")
    (tmp_path / "data" / "bad").mkdir()
    for i in range(3):
        Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(tmp_path / "data" / "bad" / f"{i}.png")
    window.open_dataset(str(tmp_path / "data"))
    qtbot.waitUntil(lambda: len(window.images) == 15, timeout=30_000)
    assert (window.images.splits == Split.TRAIN).sum() == 10  # 20 % of the normal images held back
    assert (window.images.labels == 1).sum() == 3
    qtbot.waitUntil(lambda: window.presenter.training or window.presenter.trained, timeout=30_000)
    window.stop_training()
    qtbot.waitUntil(lambda: not window.presenter.training, timeout=10_000)
    # a folder that is not a dataset changes nothing
    (tmp_path / "empty").mkdir()
    window.open_dataset(str(tmp_path / "empty"))
    qtbot.waitUntil(lambda: not window.loading, timeout=10_000)
    assert "could not be opened" in window.last_message.text()
    assert len(window.images) == 15


def test_dropping_a_labelled_folder_opens_it_as_a_dataset(qtbot, window, fresh_demo, tmp_path, rng):
    show_images(qtbot, window, fresh_demo)
    for i in range(10):
        (tmp_path / "d" / "normal").mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(tmp_path / "d" / "normal" / f"{i}.png")
    (tmp_path / "d" / "anomaly").mkdir()
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(tmp_path / "d" / "anomaly" / "x.png")
    assert _drop(window, [tmp_path / "d"])
    qtbot.waitUntil(lambda: len(window.images) == 11, timeout=30_000)
    assert (window.images.splits == Split.DROPPED).sum() == 0
    assert (window.images.labels == 1).sum() == 1
    qtbot.waitUntil(lambda: window.presenter.training or window.presenter.trained, timeout=30_000)
    window.stop_training()
    qtbot.waitUntil(lambda: not window.presenter.training, timeout=10_000)


def test_a_pixel_auroc_that_arrives_while_the_anomalies_tab_is_hidden_survives_showing_it(qtbot, window):
    """Regression: showing the tab redrew the histogram, and the redraw erased the pixel AUROC."""
    from aeviewer.core.data import ImageSet

    rng = np.random.default_rng(0)
    images = rng.integers(90, 110, (24, 64, 64, 3), dtype=np.uint8)
    images[20:, 10:26, 10:26] = 255
    mask = np.zeros((64, 64), bool)
    mask[10:26, 10:26] = True
    data = ImageSet(images, [f"p{i}" for i in range(24)], [Split.TRAIN] * 16 + [Split.TEST] * 8,
                    [0] * 20 + [1] * 4, {r: mask for r in range(20, 24)})
    window.tabs.setCurrentIndex(0)  # the Loss tab: the Anomalies tab is hidden
    show_images(qtbot, window, data)
    _train(qtbot, window)
    assert not window.anomalies.isVisible()
    assert window.presenter.evaluation.pixel_auroc is not None
    window.tabs.setCurrentIndex(1)
    assert window.anomalies.isVisible()
    assert "pixel AUROC" in window.anomalies.summary.text()


def test_a_grey_dataset_opens_at_its_own_channels_and_trains_to_find_defects(qtbot, window, tmp_path):
    """A dataset of real-sized grey pictures: grey stays grey, the method that learned what defects
    look like is chosen and said, and the compare panel shows its learned map beside the difference."""
    from aeviewer.qt.compare_panel import DEFECT_TITLES, SURFACE_TITLES

    rng = np.random.default_rng(0)
    for sub, count in (("good", 15), ("crack", 3)):
        (tmp_path / "cells" / sub).mkdir(parents=True)
        for i in range(count):
            cell = np.clip(rng.normal(150, 10, (80, 100)), 0, 255).astype(np.uint8)
            if sub == "crack":
                cell[10:70, 40:43] = 20
            Image.fromarray(cell).save(tmp_path / "cells" / sub / f"{i}.png")
    window.open_dataset(str(tmp_path / "cells"))
    qtbot.waitUntil(lambda: len(window.images) == 18 and window.images.channels == 1, timeout=30_000)
    assert "chose: method synthetic" in window.statusBar().currentMessage()
    assert window.task.chosen_method() == "synthetic"
    qtbot.waitUntil(lambda: window.presenter.model.config.method == "synthetic"
                    and window.presenter.model.config.channels == 1, timeout=30_000)
    qtbot.waitUntil(lambda: window.presenter.trained, timeout=120_000)
    qtbot.waitUntil(lambda: window.presenter.inspection is not None
                    and window.presenter.inspection.learned is not None, timeout=30_000)
    # grain without a layout is a surface: in tiles, with the map of unusual places too
    surface = window.presenter.model.config.patches
    assert window.compare.titles == (SURFACE_TITLES if surface else DEFECT_TITLES)
    assert window.anomalies.kind.findData("learned") >= 0  # offered for this model ...
    assert window.anomalies.kind.currentData() == "combined"  # ... and, added to the worst patch, scores by default
    assert window.presenter.model.config.image_size == 80  # the pictures' own shorter side
    assert "of 6,400 pixel values" in window.controls.compression.text()  # grey 80x80, not colour 64x64


def test_the_compression_tab_shows_the_ladder_and_the_curves(qtbot, window, fresh_demo):
    from aeviewer.core.results import CompressionReport
    from tests.qt.conftest import GuiSide

    gui = GuiSide(window.worker)
    show_images(qtbot, window, fresh_demo)
    window.controls.epochs.setValue(3)
    window.controls.kind.setCurrentIndex(window.controls.kind.findData(True))  # an ordered model: the ladder
    qtbot.waitUntil(lambda: window.presenter.trained and window.presenter.model_config.ordered, timeout=60_000)
    window.select(2)
    window.tabs.setCurrentWidget(window.views.compression)
    report = gui.wait_for(qtbot, CompressionReport, lambda r: r.row == 2)
    assert [k for k, _p, _v in report.ladder] == [1, 2, 4, 8, 16, 32, 64]
    qtbot.waitUntil(lambda: window.views.compression.ladder.count() == 7)
    assert "JPEG" in window.views.compression.words.text() and "kept" in window.views.compression.words.text()
    window.controls.slider.setValue(5)  # a size between the ladder's: its own point, marked
    report = gui.wait_for(qtbot, CompressionReport, lambda r: r.prefix == 5)
    assert 5 in [p.setting for p in report.model_points]
    qtbot.waitUntil(lambda: "5 kept" in window.views.compression.words.text())


def test_full_resolution_trains_on_patches_and_shows_maps_of_the_pictures_own_size(qtbot, window, tmp_path):
    """Full resolution ticked: the model trains on crops of the pictures at their own size, the
    compare panel shows a wide picture whole at its own size, and its defect mask is outlined there."""
    rng = np.random.default_rng(0)
    root = tmp_path / "strips"
    for sub, count in (("train/good", 16), ("test/good", 3), ("test/defect", 3)):
        (root / sub).mkdir(parents=True)
        for i in range(count):
            a = np.clip(rng.normal(150, 10, (48, 160)), 0, 255).astype(np.uint8)
            if sub == "test/defect":
                a[8:20, 140:152] = 250
                (root / "ground_truth" / "defect").mkdir(parents=True, exist_ok=True)
                m = np.zeros((48, 160), np.uint8)
                m[8:20, 140:152] = 255
                Image.fromarray(m).save(root / "ground_truth" / "defect" / f"{i}_mask.png")
            Image.fromarray(a).save(root / sub / f"{i}.png")
    window.open_dataset(str(root))
    qtbot.waitUntil(lambda: len(window.images) == 22 and window.presenter.model.config.channels == 1,
                    timeout=30_000)
    assert window.task.full_resolution.isVisible()
    window.task.full_resolution.setChecked(True)  # a retrain follows, as for any change of task
    qtbot.waitUntil(lambda: window.presenter.model.config.patches, timeout=30_000)
    qtbot.waitUntil(lambda: window.presenter.trained and window.presenter.drawn and window.presenter.results is not None
                    and window.presenter.results.final, timeout=120_000)  # the end's own evaluation, drawn
    defect = int(np.flatnonzero(window.images.labels == 1)[0])
    window.select(defect)
    qtbot.waitUntil(lambda: window.presenter.inspection is not None and window.presenter.inspection.index == defect
                    and window.presenter.inspection.difference.shape == (48, 160), timeout=30_000)
    assert window.compare.mask_outline.isVisible()
    assert "at its own size, 160x48" in window.compare.caption.text()
    assert window.presenter.evaluation.pixel_auroc is not None
