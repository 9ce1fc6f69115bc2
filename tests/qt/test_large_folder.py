"""A folder too large for memory, opened in the window: it trains on every file, read batch by
batch in decoding processes, while the gallery and the scatter show a sample."""

from __future__ import annotations

import numpy as np
import pytest

from aeviewer.core.data import Split
from tests.small_data import grey_mvtec


@pytest.mark.parametrize("decoders", [0, 1], ids=["decoded-between-steps", "one-decoding-process"])
def test_a_folder_too_large_for_memory_trains_on_its_files_and_shows_a_sample(qtbot, window, tmp_path, rng,
                                                                             monkeypatch, decoders):
    import aeviewer.core.streaming as streaming
    import aeviewer.qt.opening as opening

    monkeypatch.setattr(streaming, "default_workers", lambda: decoders)  # 1: a process started by spawn
    monkeypatch.setattr(opening, "should_stream", lambda *_a, **_k: True)  # as if memory were small
    monkeypatch.setattr(opening, "SHOWN_PICTURES", 10)
    grey_mvtec(tmp_path / "data", rng, train=40, size=24)
    messages = []
    window.statusBar().messageChanged.connect(messages.append)
    window.open_dataset(str(tmp_path / "data"))
    qtbot.waitUntil(lambda: window.images is not None and len(window.images) == 20, timeout=30_000)
    assert (window.images.splits == Split.TRAIN).sum() == 10  # a sample of 10 of the 40
    assert any("training reads all 40 training pictures from their files" in m for m in messages)
    p = window.presenter

    def finished() -> bool:  # the run's last step and its final evaluation, drawn
        step = p.last_step
        return (p.trained and step is not None and step.images_seen >= step.images_total
                and p.results is not None and p.results.final)

    qtbot.waitUntil(finished, timeout=120_000)
    assert p.last_step.images_seen == 40 * p.last_step.epochs  # every file, every epoch
    assert np.isfinite(window.presenter.results.evaluation.scores).all()  # the sample is scored
