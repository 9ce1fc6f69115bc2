"""Sessions in the window: save, open, the unsaved mark, closing with unsaved work, crash recovery."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from aeviewer.core.config import ModelConfig
from aeviewer.core.data import ImageSet, Split
from aeviewer.core.session import load_session
from aeviewer.core.user_files import autosave_path
from aeviewer.qt.messages import SessionOpened, SessionSaved
from tests.qt.conftest import GuiSide, show_images


def _train(qtbot, window) -> None:
    window.views.settings.controls.epochs.setValue(2)
    window._retrain_asked()
    qtbot.waitUntil(lambda: window.presenter.trained, timeout=60_000)


def test_save_and_open_round_trip_in_the_window(qtbot, window, tiny_set, tmp_path):
    gui = GuiSide(window.worker)
    show_images(qtbot, window, tiny_set)
    _train(qtbot, window)
    assert window.isWindowModified() and window.keeper.modified
    window.presenter.set_threshold(0.123)
    window.select(2)
    path = tmp_path / "mine.aesession"
    assert window.keeper.save_as(str(path))
    gui.wait_for(qtbot, SessionSaved)
    qtbot.waitUntil(lambda: not window.isWindowModified())
    assert window.windowTitle().startswith("mine")
    _model, session = load_session(path)
    assert session.view["threshold"] == pytest.approx(0.123) and session.view["selected"] == 2
    saved_scores = session.images.scores

    window.set_images(ImageSet.empty(tiny_set.size, tiny_set.channels))  # somewhere else entirely
    qtbot.waitUntil(lambda: len(window.images) == 0, timeout=30_000)
    window.views.settings.epochs_given = False  # as when started without --epochs, which would win
    window.views.settings.controls.epochs.setValue(7)
    window.open_paths([str(path)])
    gui.wait_for(qtbot, SessionOpened)
    qtbot.waitUntil(lambda: window.presenter.results is not None
                    and len(window.presenter.results.evaluation.scores) == len(tiny_set), timeout=30_000)
    np.testing.assert_array_equal(window.images.images, tiny_set.images)
    np.testing.assert_allclose(window.presenter.results.evaluation.scores, saved_scores)
    assert window.presenter.trained and window.presenter.user_threshold == pytest.approx(0.123)
    assert window.presenter.selected == 2
    assert not window.isWindowModified() and window.keeper.recent()[0].endswith("mine.aesession")
    assert window.keeper.path == path
    assert window.views.settings.controls.epochs.value() == 2  # Train again runs as the saved model was trained


def test_a_session_written_by_aeviewer_train_opens_with_its_data(qtbot, window, tmp_path, rng, monkeypatch):
    """With its pictures and their final scores, drawn at once: no pass over them again (for a tile model of
    1,000 large pictures, a minute and more)."""
    from aeviewer.cli import main
    from aeviewer.core.scored_images import ScoredImages
    from aeviewer.core.session import load_session

    data = tmp_path / "data"
    data.mkdir()
    for i in range(12):
        Image.fromarray(rng.integers(0, 256, (20, 20), dtype=np.uint8)).save(data / f"{i}.png")
    out = tmp_path / "cli.aesession"
    assert main(["train", str(data), "--out", str(out), "--image-size", "16", "--channels", "1",
                 "--latent", "3", "--epochs", "2", "--device", "cpu"]) == 0
    passes = []
    real = ScoredImages.evaluate
    monkeypatch.setattr(ScoredImages, "evaluate", lambda self, *a, **k: passes.append(1) or real(self, *a, **k))
    gui = GuiSide(window.worker)
    window.views.settings.epochs_given = False  # as when started without --epochs, which would win
    window.open_paths([str(out)])
    opened = gui.wait_for(qtbot, SessionOpened)
    assert opened.trained and not opened.missing
    qtbot.waitUntil(lambda: len(window.images) == 12 and window.presenter.results is not None, timeout=30_000)
    assert not passes  # the session's scores, as the run left them
    bar = window.views.settings.controls.progress
    assert bar.text() == "opened: trained" and bar.value() == bar.maximum()  # not a blank bar
    saved = load_session(out)[1].images
    assert saved is not None and np.isfinite(saved.scores).all()
    np.testing.assert_array_equal(window.presenter.results.evaluation.scores, saved.scores)
    assert (window.images.splits == Split.TRAIN).all()
    assert window.presenter.model_config.latent_dim == 3
    assert window.views.settings.controls.latent_dim() == 3  # the slider shows the opened model's size
    assert opened.epochs == 2 and window.views.settings.controls.epochs.value() == 2


def test_a_bad_file_is_refused_and_nothing_changes(qtbot, window, tiny_set, tmp_path):
    show_images(qtbot, window, tiny_set)
    model_id = window.presenter.model.model_id
    bad = tmp_path / "broken.aesession"
    bad.write_bytes(b"\x00" * 64)
    window.open_paths([str(bad)])
    qtbot.waitUntil(lambda: window.last_message is not None and window.last_message.isVisible(), timeout=30_000)
    text = window.last_message.text()
    assert "not an aeviewer session" in text and "Nothing was changed" in text
    assert window.presenter.model.model_id == model_id and window.images is not None
    assert len(window.images) == len(tiny_set)


def test_closing_with_unsaved_work_asks_and_cancel_keeps_the_window(qtbot, window, tiny_set, monkeypatch):
    from aeviewer.qt.session_keeper import SessionKeeper

    show_images(qtbot, window, tiny_set)
    window.keeper.touched()
    asked = []
    monkeypatch.setattr(SessionKeeper, "ask_to_save", lambda self: asked.append(1) or "cancel")
    assert not window.close()
    assert asked and window.isVisible() and window.worker_thread.thread.isRunning()
    monkeypatch.setattr(SessionKeeper, "ask_to_save", lambda self: "discard")


def test_the_demo_untouched_is_no_unsaved_work(qtbot, window, small_demo, monkeypatch):
    from aeviewer.qt.session_keeper import SessionKeeper

    asked = []
    monkeypatch.setattr(SessionKeeper, "ask_to_save", lambda self: asked.append(1) or "discard")
    show_images(qtbot, window, small_demo)
    window.keeper.start_pristine()
    window.retrain()  # what the demo does by itself
    qtbot.waitUntil(lambda: window.presenter.training or window.presenter.trained, timeout=30_000)
    assert not window.isWindowModified()
    window.close()
    assert not asked


def test_autosave_then_restore_after_a_crash(qtbot, tiny_set, monkeypatch):
    """A window that dies leaves its autosave; the next window offers it and restores the work."""
    from aeviewer.qt.main_window import MainWindow

    first = MainWindow(ModelConfig(latent_dim=4), device="cpu", autostart=False, epochs=2)
    qtbot.addWidget(first)
    qtbot.waitUntil(lambda: first.presenter.model is not None, timeout=30_000)
    gui = GuiSide(first.worker)
    show_images(qtbot, first, tiny_set)
    _train(qtbot, first)
    first.keeper.autosave()
    gui.wait_for(qtbot, SessionSaved, lambda s: s.autosave)
    mine = autosave_path()
    assert mine.exists() and first.isWindowModified()  # an autosave is not the person's save
    # The "crash": this process's autosave becomes one of a process that is gone.
    orphan = mine.with_name("autosave-999999999.aesession")
    mine.rename(orphan)
    first.close()

    second = MainWindow(ModelConfig(latent_dim=8), device="cpu", autostart=False, epochs=2)
    qtbot.addWidget(second)
    box = second.keeper.last_message
    assert box is not None and "did not close properly" in box.text()
    gui2 = GuiSide(second.worker)
    restore = next(b for b in box.buttons() if b.text() == "Restore")
    restore.click()
    opened = gui2.wait_for(qtbot, SessionOpened)
    assert opened.autosave and opened.trained
    qtbot.waitUntil(lambda: len(second.images) == len(tiny_set), timeout=30_000)
    assert second.presenter.code_length == 4
    assert second.isWindowModified() and second.keeper.path is None  # restored work is still unsaved
    assert not orphan.exists() and autosave_path().exists()  # it is this window's autosave now
    second.close()
    assert not autosave_path().exists()  # a clean exit leaves none behind


def test_export_from_the_window(qtbot, window, tiny_set, tmp_path):
    import csv

    from aeviewer.qt.messages import Exported

    gui = GuiSide(window.worker)
    show_images(qtbot, window, tiny_set)
    _train(qtbot, window)
    assert window.exports.model("torchscript", str(tmp_path / "m"))
    exported = gui.wait_for(qtbot, Exported)
    assert exported.ok and exported.paths[0].endswith("m.pt") and (tmp_path / "m.pt.json").exists()
    qtbot.waitUntil(lambda: window.presenter.evaluation is not None)
    out = window.exports.scores(str(tmp_path / "scores.csv"))
    rows = list(csv.DictReader(out.open()))
    assert [r["path"] for r in rows] == tiny_set.paths and all(r["score"] for r in rows)
    pictures = window.exports.views_png(str(tmp_path / "shot.png"))
    assert [p.name for p in pictures] == ["shot-compare.png", "shot-latent.png", "shot-loss.png",
                                          "shot-anomalies.png"]
    assert all(p.stat().st_size > 1000 for p in pictures)


def test_a_save_that_fails_says_so_and_keeps_the_window(qtbot, window, tiny_set, tmp_path, monkeypatch):
    from aeviewer.qt.session_keeper import SessionKeeper

    show_images(qtbot, window, tiny_set)
    window.keeper.touched()
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("a file where a folder should be")
    monkeypatch.setattr(SessionKeeper, "ask_to_save", lambda self: "save")
    monkeypatch.setattr(SessionKeeper, "save_as", lambda self, path=None, close_after=False:
                        self.save_to(blocked / "s.aesession", close_after))
    assert not window.close()  # asked, chose to save: the window waits for the save
    qtbot.waitUntil(lambda: window.last_message is not None and "not saved" in window.last_message.windowTitle(),
                    timeout=30_000)
    assert window.isVisible() and window.keeper.modified and not window.keeper._close_after_save
    monkeypatch.setattr(SessionKeeper, "ask_to_save", lambda self: "discard")
