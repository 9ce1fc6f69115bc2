"""The latent plot's replay: a frame per epoch, kept within its memory cap from start to end."""

from __future__ import annotations

import numpy as np

from aeviewer.core.timeline import Timeline


def _frame(n: int, value: float):
    return np.full((n, 2), value, np.float32), np.zeros(n, bool)


def test_one_frame_per_epoch_the_latest_wins():
    t = Timeline()
    t.record(0, *_frame(10, 0.0))
    t.record(0, *_frame(10, 0.5))
    t.record(1, *_frame(10, 1.0))
    assert [f.epoch for f in t.frames] == [0, 1]
    assert t.at(0).points[0, 0] == 0.5


def test_memory_stays_within_the_cap_and_the_whole_run_is_covered():
    n = 1000
    per_frame = n * 2 * 4 + n  # points and flags
    t = Timeline(cap_bytes=10 * per_frame)
    for epoch in range(200):
        t.record(epoch, *_frame(n, float(epoch)))
        assert t.nbytes <= 10 * per_frame
    epochs = [f.epoch for f in t.frames]
    assert epochs[0] == 0 and epochs[-1] == 199  # the start and the newest are kept
    assert epochs == sorted(epochs) and len(epochs) >= 5


def test_other_pictures_start_a_new_timeline():
    t = Timeline()
    t.record(0, *_frame(10, 0.0))
    t.record(1, *_frame(12, 0.0))
    assert len(t) == 1 and len(t.at(0).points) == 12
