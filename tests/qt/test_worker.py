"""The torch thread: typed commands in, typed results out, pause/stop respond, errors become messages."""

from __future__ import annotations

import pytest

from aeviewer.core.config import ModelConfig, TrainConfig
from aeviewer.core.results import Inspection, ModelReady, Snapshot, TrainingEnd, TrainingStarted
from aeviewer.qt.messages import AddImages, Failed, ImagesChanged, Inspect, Notice, Retrain, SetImages
from aeviewer.qt.worker import WorkerThread, running_threads

from .conftest import GuiSide


def _start(qtbot, latent: int = 4) -> WorkerThread:
    wt = WorkerThread(ModelConfig(latent_dim=latent), "cpu")
    wt.gui = GuiSide(wt.worker)
    wt.start()
    wt.info = wt.gui.wait_for(qtbot, ModelReady)
    return wt


@pytest.fixture
def worker_thread(qtbot):
    wt = _start(qtbot)
    yield wt
    assert wt.shutdown(10_000)
    assert not wt.thread.isRunning()


def _train(w, epochs: int) -> None:
    w.submit(Retrain(TrainConfig(epochs=epochs, batch_size=8)))


def test_ready_reports_model_and_device(worker_thread):
    assert worker_thread.info.config.latent_dim == 4
    assert worker_thread.info.device == "cpu"
    assert running_threads() == [worker_thread.thread]


def test_commands_must_be_typed(worker_thread):
    with pytest.raises(TypeError, match="not a worker command"):
        worker_thread.worker.submit("train")


def test_images_come_back_as_the_engine_holds_them(qtbot, worker_thread, tiny_set):
    w, g = worker_thread.worker, worker_thread.gui
    w.submit(SetImages(tiny_set))
    assert g.wait_for(qtbot, ImagesChanged).images is tiny_set  # shared, never copied or kept in step
    w.submit(AddImages(tiny_set))
    added = g.wait_for(qtbot, ImagesChanged)
    assert added.added == range(20, 40) and len(added.images) == 40
    assert added.images.labels.shape == (40,)


def test_training_emits_snapshots_and_finishes(qtbot, worker_thread, tiny_set):
    w, g = worker_thread.worker, worker_thread.gui
    w.submit(SetImages(tiny_set))
    _train(w, 3)
    end = g.wait_for(qtbot, TrainingEnd, timeout=60_000)
    assert end.reason == "done" and end.trained
    snaps = g.of(Snapshot)
    assert snaps and snaps[-1].results.final
    assert snaps[-1].step.images_seen == 3 * 16
    assert snaps[-1].results.errors.shape == (20,)
    ready = g.of(ModelReady)[-1]
    assert end.model_id == ready.model_id == snaps[-1].model_id  # results carry their model's generation


def test_inspect_answers_while_idle_and_while_training(qtbot, worker_thread, tiny_set):
    w, g = worker_thread.worker, worker_thread.gui
    w.submit(SetImages(tiny_set))
    w.submit(Inspect(3))
    assert g.wait_for(qtbot, Inspection).index == 3
    _train(w, 500)
    g.wait_for(qtbot, TrainingStarted)
    w.submit(Inspect(7))
    g.wait_for(qtbot, Inspection, lambda i: i.index == 7)
    w.stop_training()
    g.wait_for(qtbot, TrainingEnd)


def test_pause_holds_progress_and_resume_continues(qtbot, worker_thread, tiny_set):
    w, g = worker_thread.worker, worker_thread.gui
    w.submit(SetImages(tiny_set))
    _train(w, 2000)
    g.wait_for(qtbot, Snapshot)
    w.pause()
    assert w.paused
    # A batch in flight may still report; after that nothing moves. Inspections are still
    # served while paused, so two answered requests in a row prove the loop is idle, not stuck.
    w.submit(Inspect(1))
    g.wait_for(qtbot, Inspection, lambda i: i.index == 1)
    frozen = len(g.of(Snapshot))
    w.submit(Inspect(2))
    g.wait_for(qtbot, Inspection, lambda i: i.index == 2)
    assert len(g.of(Snapshot)) == frozen
    w.resume()
    g.wait_for(qtbot, Snapshot, timeout=10_000)
    w.stop_training()
    end = g.wait_for(qtbot, TrainingEnd, timeout=10_000)
    assert end.reason == "stopped" and not end.trained


def test_stop_while_paused_ends_the_run(qtbot, worker_thread, tiny_set):
    w, g = worker_thread.worker, worker_thread.gui
    w.submit(SetImages(tiny_set))
    _train(w, 2000)
    g.wait_for(qtbot, TrainingStarted)
    w.pause()
    w.stop_training()
    assert g.wait_for(qtbot, TrainingEnd, timeout=10_000).reason == "stopped"


def test_errors_become_a_message_and_the_worker_lives_on(qtbot, worker_thread, tiny_set):
    w, g = worker_thread.worker, worker_thread.gui
    _train(w, 1)  # there are no images yet: said plainly, not an error
    assert "no training images" in g.wait_for(qtbot, Notice).text
    w.submit(AddImages("not an image set"))  # a bad command is reported, with what was being done
    failure = g.wait_for(qtbot, Failed)
    assert failure.doing == "adding the images" and "ImageSet" in failure.last_line
    w.submit(SetImages(tiny_set))  # ... and the worker still serves the next one
    _train(w, 1)
    assert g.wait_for(qtbot, TrainingEnd, timeout=60_000).reason == "done"


def test_a_new_retrain_supersedes_the_running_one(qtbot, worker_thread, tiny_set):
    w, g = worker_thread.worker, worker_thread.gui
    w.submit(SetImages(tiny_set))
    _train(w, 2000)
    first = g.wait_for(qtbot, TrainingStarted)
    w.submit(Retrain(TrainConfig(epochs=2000, batch_size=8), ModelConfig(latent_dim=9)))
    started = g.wait_for(qtbot, TrainingStarted)
    ends = g.of(TrainingEnd)
    assert ends and ends[0].reason == "stopped" and ends[0].model_id == first.model_id
    ready = g.of(ModelReady)[-1]
    assert ready.config.latent_dim == 9 and started.model_id == ready.model_id
    w.stop_training()
    g.wait_for(qtbot, TrainingEnd, timeout=10_000)


def test_shutdown_during_training_is_quick(qtbot, tiny_set):
    import time

    wt = _start(qtbot)
    w, g = wt.worker, wt.gui
    w.submit(SetImages(tiny_set))
    _train(w, 2000)
    g.wait_for(qtbot, TrainingStarted)
    t0 = time.monotonic()
    assert wt.shutdown(10_000)
    assert time.monotonic() - t0 < 5
    assert not wt.thread.isRunning()


def test_a_warning_on_the_worker_thread_reaches_the_window(qtbot, window, tiny_set, monkeypatch):
    import warnings

    from aeviewer.qt.messages import Inspect, Notice
    from tests.qt.conftest import GuiSide, show_images

    show_images(qtbot, window, tiny_set)
    gui = GuiSide(window.worker)
    engine = window.worker._engine
    real = engine.inspect

    def inspect_with_a_warning(index):
        warnings.warn(f"something odd about picture {index}", UserWarning, stacklevel=1)
        return real(index)

    monkeypatch.setattr(engine, "inspect", inspect_with_a_warning)
    window.worker.submit(Inspect(3))
    notice = gui.wait_for(qtbot, Notice, lambda n: "something odd about picture 3" in n.text)
    assert notice.text.startswith("Warning:")
    qtbot.waitUntil(lambda: "something odd" in window.statusBar().currentMessage())


def test_full_resolution_that_would_not_fit_in_memory_is_refused_with_a_reason(qtbot, worker_thread, tiny_set,
                                                                             monkeypatch):
    from aeviewer.core import patches

    monkeypatch.setattr(patches, "FULL_BUDGET_BYTES", 1000)
    w, g = worker_thread.worker, worker_thread.gui
    w.submit(SetImages(tiny_set))
    w.submit(Retrain(TrainConfig(epochs=1, batch_size=8), ModelConfig(latent_dim=4, patches=True)))
    end = g.wait_for(qtbot, TrainingEnd, timeout=60_000)
    assert end.reason == "cancelled" and not end.trained
    assert any("Full resolution" in n.text and "would take more than" in n.text for n in g.of(Notice))
    assert not g.of(ModelReady)[-1].config.patches and end.model_id == g.of(ModelReady)[-1].model_id  # unchanged


def test_a_picture_clicked_during_a_long_scoring_pass_is_shown_before_the_pass_ends(qtbot):
    """A tile model scores every picture whole (minutes, for a session of many large ones): the picture
    a person clicks meanwhile is inspected between two pictures of the pass, and whatever else was asked
    for waits for the pass, in order."""
    import numpy as np

    from aeviewer.core.data import ImageSet, Split
    from aeviewer.core.results import ImageResults
    from aeviewer.qt.messages import SetScoreKind

    config = ModelConfig(image_size=32, channels=1, latent_dim=4, method="synthetic", patches=True)
    wt = WorkerThread(config, "cpu")
    wt.gui = g = GuiSide(wt.worker)
    wt.start()
    try:
        g.wait_for(qtbot, ModelReady)
        w = wt.worker
        pictures = np.random.default_rng(0).integers(0, 255, (60, 96, 96, 1), dtype=np.uint8)
        w.submit(SetImages(ImageSet(pictures, [f"p{i}" for i in range(60)], [Split.TRAIN] * 50 + [Split.TEST] * 10)))
        g.wait_for(qtbot, ImageResults, timeout=60_000)
        start = len(g.seen)
        for cmd in (SetScoreKind("mse"), Inspect(5), SetScoreKind("local"), Inspect(6)):
            w.submit(cmd)
        g.wait_for(qtbot, ImageResults, lambda r: r.score_kind == "local", timeout=60_000)
        seen = [r for r in g.seen[start:] if isinstance(r, (Inspection, ImageResults))]
        order = [f"inspect {r.index}" if isinstance(r, Inspection) else r.score_kind for r in seen]
        assert order == ["inspect 5", "inspect 6", "mse", "local"]
    finally:
        assert wt.shutdown(10_000)
