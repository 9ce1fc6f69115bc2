"""aeviewer train writes its session while it runs; a run cut short goes on with --resume."""

from __future__ import annotations

import numpy as np
import pytest

from aeviewer.cli import main
from aeviewer.core import checkpoint
from aeviewer.core.checkpoint import thinned
from aeviewer.core.large_folders import sample_rows
from aeviewer.core.session import load_session
from tests.small_data import grey_mvtec


class CrashError(Exception):
    pass


@pytest.fixture
def data(tmp_path, rng):
    return grey_mvtec(tmp_path / "data", rng)


ARGS = ["--latent", "4", "--batch-size", "8", "--device", "cpu", "--checkpoint-every", "2"]


@pytest.fixture(autouse=True)
def _checkpoints_of_short_runs(monkeypatch):
    """These runs take a second: checkpoint them anyway (a real run waits 20 s between two)."""
    monkeypatch.setattr(checkpoint, "MIN_SECONDS", 0.0)


def crash_after(epochs: int, monkeypatch) -> None:
    """The process dies right after the checkpoint of ``epochs`` epochs was written."""
    call = checkpoint.Checkpointer.__call__

    def dying(self, trainer, epoch):
        call(self, trainer, epoch)
        if epoch + 1 == epochs:
            raise CrashError

    monkeypatch.setattr(checkpoint.Checkpointer, "__call__", dying)


def test_a_run_cut_short_leaves_a_session_that_opens_and_resumes(data, tmp_path, monkeypatch, capsys):
    out = tmp_path / "run.aesession"
    crash_after(4, monkeypatch)
    with pytest.raises(CrashError):
        main(["train", str(data), "--out", str(out), "--epochs", "8", *ARGS])
    _, cut = load_session(out)
    cp = cut.checkpoint
    assert (cp.epochs_done, cp.epochs, cp.finished, cp.world_size) == (4, 8, False, 1)
    assert len(cp.losses) == 4 * 5  # 40 pictures in batches of 8: 5 an epoch
    assert cp.optimiser is not None and cp.optimiser["state"]
    sample = cp.sample
    assert sample is not None and len(sample.paths) == 52 and sample.stored.shape == (52, 16, 16, 1)
    assert np.isfinite(sample.codes).all() and np.isfinite(sample.scores).all()
    assert np.isfinite(cut.threshold)

    monkeypatch.undo()
    capsys.readouterr()
    assert main(["train", str(data), "--out", str(out), "--resume", str(out), *ARGS]) == 0
    err = capsys.readouterr().err
    assert "resuming" in err and "4 of 8 epochs done" in err
    assert "epoch 4/8" not in err and "epoch 5/8" in err  # it went on, it did not start again
    _, done = load_session(out)
    assert done.checkpoint.finished and done.checkpoint.epochs_done == 8
    assert len(done.checkpoint.losses) == 8 * 5
    np.testing.assert_array_equal(done.checkpoint.losses[:20], cp.losses)
    assert done.checkpoint.losses[20] < 1.5 * cp.losses[-1]  # Adam's state came back: no jump


def test_a_finished_run_or_a_window_session_cannot_be_resumed(data, tmp_path, capsys):
    out = tmp_path / "run.aesession"
    assert main(["train", str(data), "--out", str(out), "--epochs", "2", *ARGS]) == 0
    capsys.readouterr()
    assert main(["train", str(data), "--out", str(tmp_path / "x.aesession"), "--resume", str(out), *ARGS]) == 2
    assert "nothing to resume" in capsys.readouterr().err
    assert not (tmp_path / "x.aesession").exists()


def test_a_sample_keeps_the_same_rows_of_every_split():
    splits = np.array([0] * 1000 + [1] * 10, np.int8)
    rows = sample_rows(splits, most=100)
    assert len(rows) == 110 and set(range(1000, 1010)) <= set(rows.tolist())
    np.testing.assert_array_equal(rows, sample_rows(splits, most=100))


def test_a_short_run_writes_no_checkpoint_before_its_end(data, tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoint, "MIN_SECONDS", 3600.0)
    writes = []
    monkeypatch.setattr(checkpoint.Checkpointer, "write", lambda self, t, done: writes.append(done))
    assert main(["train", str(data), "--out", str(tmp_path / "s.aesession"), "--epochs", "6", *ARGS]) == 0
    assert writes == [] and load_session(tmp_path / "s.aesession")[1].checkpoint.finished


def test_losses_are_thinned_evenly_keeping_the_last():
    values = np.arange(10_000, dtype=np.float32)
    kept = thinned(values, most=100)
    assert len(kept) == 100 and kept[0] == 0 and kept[-1] == 9_999
    assert len(thinned(values[:50], most=100)) == 50
