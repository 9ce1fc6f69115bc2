"""File > Follow a training run: the window shows a run's session and reloads it at every checkpoint."""

from __future__ import annotations

import os

import numpy as np

from aeviewer.cli import main
from aeviewer.qt.follower import describe
from aeviewer.qt.messages import RunFollowed
from tests.qt.conftest import show_images
from tests.small_data import grey_mvtec


def _train(data, out, epochs: int) -> None:
    assert main(["train", str(data), "--out", str(out), "--epochs", str(epochs), "--latent", "4",
                 "--device", "cpu", "--checkpoint-every", "1"]) == 0


def test_following_shows_each_checkpoint_and_never_writes(qtbot, window, tmp_path, rng):
    data, run = grey_mvtec(tmp_path / "data", rng, train=30, good=5, defect=5), tmp_path / "run.aesession"
    _train(data, run, epochs=2)
    window.follow_run(str(run))
    f = window.follower
    qtbot.waitUntil(lambda: f.run is not None and f.run.epochs == 2 and window.presenter.results is not None,
                    timeout=30_000)
    assert len(window.images) == 40  # the checkpoint's sample: every picture of this small set
    assert window.presenter.results is not None and np.isfinite(window.presenter.results.evaluation.scores).all()
    assert len(window.loss_plot.curve.getData()[0]) == len(f.run.losses) > 0
    assert "following run.aesession, finished, 2 epochs" in f.label.text()
    assert "following run" in window.windowTitle()
    assert window.menus.stop_following_action.isEnabled()
    window.select(3)
    qtbot.waitUntil(lambda: window.presenter.inspection is not None, timeout=30_000)

    written = os.stat(run).st_mtime_ns
    _train(data, run, epochs=3)  # the job writes again: a new checkpoint lands
    qtbot.waitUntil(lambda: f.run is not None and f.run.epochs == 3, timeout=30_000)
    assert os.stat(run).st_mtime_ns != written
    assert window.presenter.selected == 3  # the picture on show stays
    assert not window.keeper.modified and window.keeper.path is None  # Save would ask for a file of its own

    stamp = os.stat(run).st_mtime_ns
    window.keeper.autosave()
    qtbot.wait(300)
    assert os.stat(run).st_mtime_ns == stamp  # following never writes to the run's file

    window.follower.stop()
    assert not f.following and not f.label.isVisible() and not window.menus.stop_following_action.isEnabled()


def test_following_a_file_that_is_no_run_is_refused(qtbot, window, tiny_set, tmp_path):
    show_images(qtbot, window, tiny_set)
    saved = tmp_path / "mine.aesession"
    window.keeper.save_to(saved)
    qtbot.waitUntil(lambda: saved.exists(), timeout=30_000)
    problems = []
    window.presenter.problem.connect(lambda title, text, _d: problems.append((title, text)))
    window.follow_run(str(saved))
    qtbot.waitUntil(lambda: bool(problems), timeout=30_000)
    assert problems[0][0] == "Not followed" and "not written by a training run" in problems[0][1]
    assert window.images is not None and len(window.images) == len(tiny_set)  # nothing changed
    window.follower.stop()


def test_the_label_says_where_the_run_stands():
    run = RunFollowed(1, "/x/run.aesession", 12, 40, np.zeros(3, np.float32), written=100.0,
                      finished=False, world_size=2)
    assert describe("run.aesession", run, now=108.0) == (
        "following run.aesession, epoch 12 of 40, 2 processes, updated 8 s ago")
    assert "waiting for its first checkpoint" in describe("run.aesession", None, now=0.0)
