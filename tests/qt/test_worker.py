"""The torch thread: signals arrive, pause/stop respond, errors become messages."""

from __future__ import annotations

import time

import pytest

from aeviewer.core.config import ModelConfig
from aeviewer.core.training import TrainConfig
from aeviewer.qt.worker import WorkerThread, running_threads

from .conftest import GuiSide


def _start(qtbot, latent: int = 4) -> WorkerThread:
    wt = WorkerThread(ModelConfig(latent_dim=latent), "cpu")
    wt.gui = GuiSide(wt.worker)
    with qtbot.waitSignal(wt.gui.ready, timeout=30_000) as ready:
        wt.start()
    wt.info = ready.args[0]
    return wt


@pytest.fixture
def worker_thread(qtbot):
    wt = _start(qtbot)
    yield wt
    assert wt.shutdown(10_000)
    assert not wt.thread.isRunning()


def test_ready_reports_model_and_device(worker_thread):
    assert worker_thread.info["config"].latent_dim == 4
    assert worker_thread.info["device"] == "cpu"
    assert running_threads() == [worker_thread.thread]


def test_training_emits_snapshots_and_finishes(qtbot, worker_thread, tiny_set):
    w, g = worker_thread.worker, worker_thread.gui
    snaps = []
    g.snapshot.connect(snaps.append)
    w.submit("set_images", tiny_set.images, tiny_set.splits)
    with qtbot.waitSignal(g.training_finished, timeout=60_000) as done:
        w.submit("train", TrainConfig(epochs=3, batch_size=8))
    end = done.args[0]
    assert end.reason == "done" and end.trained
    assert snaps and snaps[-1].evaluation.final
    assert snaps[-1].step.images_seen == 3 * 16
    assert snaps[-1].evaluation.errors.shape == (20,)


def test_inspect_answers_while_idle_and_while_training(qtbot, worker_thread, tiny_set):
    w, g = worker_thread.worker, worker_thread.gui
    w.submit("set_images", tiny_set.images, tiny_set.splits)
    with qtbot.waitSignal(g.inspected, timeout=20_000) as got:
        w.submit("inspect", 3)
    assert got.args[0].index == 3
    with qtbot.waitSignal(g.training_started, timeout=20_000):
        w.submit("train", TrainConfig(epochs=500, batch_size=8))
    with qtbot.waitSignal(g.inspected, timeout=20_000, check_params_cb=lambda i: i.index == 7):
        w.submit("inspect", 7)
    with qtbot.waitSignal(g.training_finished, timeout=20_000):
        w.stop_training()


def test_pause_holds_progress_and_resume_continues(qtbot, worker_thread, tiny_set):
    w, g = worker_thread.worker, worker_thread.gui
    seen = []
    g.snapshot.connect(lambda s: seen.append(s.step.images_seen))
    w.submit("set_images", tiny_set.images, tiny_set.splits)
    with qtbot.waitSignal(g.training_started, timeout=20_000):
        w.submit("train", TrainConfig(epochs=2000, batch_size=8))
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=20_000)
    w.pause()
    qtbot.wait(300)  # a batch in flight may still report
    frozen = seen[-1]
    qtbot.wait(500)
    assert seen[-1] == frozen and w.paused
    w.resume()
    qtbot.waitUntil(lambda: seen[-1] > frozen, timeout=10_000)
    t0 = time.monotonic()
    with qtbot.waitSignal(g.training_finished, timeout=10_000) as done:
        w.stop_training()
    assert time.monotonic() - t0 < 5
    assert done.args[0].reason == "stopped" and not done.args[0].trained


def test_stop_while_paused_ends_the_run(qtbot, worker_thread, tiny_set):
    w, g = worker_thread.worker, worker_thread.gui
    w.submit("set_images", tiny_set.images, tiny_set.splits)
    with qtbot.waitSignal(g.training_started, timeout=20_000):
        w.submit("train", TrainConfig(epochs=2000, batch_size=8))
    w.pause()
    qtbot.wait(100)
    with qtbot.waitSignal(g.training_finished, timeout=10_000) as done:
        w.stop_training()
    assert done.args[0].reason == "stopped"


def test_errors_in_the_loop_become_a_message_and_the_worker_lives_on(qtbot, worker_thread, tiny_set):
    w, g = worker_thread.worker, worker_thread.gui
    problems = []
    g.failed.connect(lambda what, tb: problems.append((what, tb)))
    with qtbot.waitSignal(g.training_finished, timeout=20_000) as done:
        w.submit("train", TrainConfig(epochs=1))  # there are no images yet
    assert done.args[0].reason == "error"
    assert problems and "no training images" in problems[0][1]
    # a bad command is reported too, and the worker still serves the next one
    w.submit("add_images", "not an array", None)
    qtbot.waitUntil(lambda: len(problems) == 2, timeout=10_000)
    w.submit("set_images", tiny_set.images, tiny_set.splits)
    with qtbot.waitSignal(g.training_finished, timeout=60_000) as done:
        w.submit("train", TrainConfig(epochs=1, batch_size=8))
    assert done.args[0].reason == "done"


def test_a_new_train_command_supersedes_the_running_one(qtbot, worker_thread, tiny_set):
    w, g = worker_thread.worker, worker_thread.gui
    ends, ready = [], []
    g.training_finished.connect(ends.append)
    g.ready.connect(ready.append)
    w.submit("set_images", tiny_set.images, tiny_set.splits)
    with qtbot.waitSignal(g.training_started, timeout=20_000):
        w.submit("train", TrainConfig(epochs=2000, batch_size=8))
    w.submit("rebuild", ModelConfig(latent_dim=9), None)
    with qtbot.waitSignal(g.training_started, timeout=20_000) as started:
        w.submit("train", TrainConfig(epochs=2000, batch_size=8))
    assert ends and ends[0].reason == "stopped"
    assert ready[-1]["config"].latent_dim == 9 and started.args[0] == ready[-1]["model_id"]
    with qtbot.waitSignal(g.training_finished, timeout=10_000):
        w.stop_training()


def test_shutdown_during_training_is_quick(qtbot, tiny_set):
    wt = _start(qtbot)
    w, g = wt.worker, wt.gui
    w.submit("set_images", tiny_set.images, tiny_set.splits)
    with qtbot.waitSignal(g.training_started, timeout=20_000):
        w.submit("train", TrainConfig(epochs=2000, batch_size=8))
    t0 = time.monotonic()
    assert wt.shutdown(10_000)
    assert time.monotonic() - t0 < 5
    assert not wt.thread.isRunning()
