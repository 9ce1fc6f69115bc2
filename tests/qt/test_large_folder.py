"""A folder too large for memory, opened in the window: it trains on every file, read batch by
batch in decoding processes, while the gallery and the scatter show it a page at a time."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from aeviewer.core.data import Split
from tests.small_data import grey_mvtec


def _finished(p) -> bool:  # the run's last step and its final evaluation, drawn
    step = p.last_step
    return p.trained and step is not None and step.images_seen >= step.images_total and p.results is not None \
        and p.results.final


@pytest.mark.parametrize("decoders", [0, 1], ids=["decoded-between-steps", "one-decoding-process"])
def test_a_folder_too_large_for_memory_trains_on_its_files_and_shows_pages(qtbot, window, tmp_path, rng,
                                                                           monkeypatch, decoders):
    import aeviewer.core.streaming as streaming
    import aeviewer.qt.opening as opening
    import aeviewer.qt.pages as pages

    monkeypatch.setattr(streaming, "default_workers", lambda: decoders)  # 1: a process started by spawn
    monkeypatch.setattr(opening, "should_stream", lambda *_a, **_k: True)  # as if memory were small
    monkeypatch.setattr(pages, "PAGE_PICTURES", 20)
    grey_mvtec(tmp_path / "data", rng, train=40, size=24)  # 40 + 6 + 6 files: three pages of 17 or 18
    messages = []
    window.statusBar().messageChanged.connect(messages.append)
    window.controls.epochs.setValue(60)  # long enough to be held in the middle
    window.open_dataset(str(tmp_path / "data"))
    qtbot.waitUntil(lambda: window.images is not None and len(window.images) == 17, timeout=30_000)
    first = set(window.images.paths)
    assert (window.images.splits == Split.TRAIN).sum() == 13 and (window.images.labels == 1).sum() == 2
    assert any("training reads all 40 training pictures from their files" in m for m in messages)
    bar = window.views.page_bar
    assert bar.isVisible() and bar.label.text().startswith("Page 1 of 3") and not bar.previous.isEnabled()

    p = window.presenter
    qtbot.waitUntil(lambda: p.last_step is not None, timeout=60_000)
    window.controls.pause_button.click()  # held in the middle of the run
    bar.next.click()  # the page turns, and the run goes on from where it was
    qtbot.waitUntil(lambda: window.images.paths[0] not in first and not window.loading, timeout=30_000)
    second = set(window.images.paths)
    assert len(second) == 18 and not first & second and bar.label.text().startswith("Page 2 of 3")
    assert p.last_step.images_seen < p.last_step.images_total
    window.controls.pause_button.click()

    qtbot.waitUntil(lambda: _finished(p), timeout=120_000)
    assert p.last_step.images_seen == 40 * p.last_step.epochs  # every file, every epoch: not stopped
    assert np.isfinite(p.results.evaluation.scores).all()  # the page on show is scored

    own = tmp_path / "mine.png"
    Image.fromarray((rng.random((24, 24)) * 255).astype(np.uint8)).save(own)
    window.open_paths([str(own)])
    qtbot.waitUntil(lambda: len(window.images) == 19, timeout=30_000)
    bar.next.click()  # the last page; the dropped picture comes along
    qtbot.waitUntil(lambda: window.images.paths[0] not in second, timeout=30_000)
    qtbot.waitUntil(lambda: p.results.final and len(p.results.evaluation.scores) == 18, timeout=30_000)  # not 19
    shown = set(window.images.paths)
    assert str(own) in shown and not (shown - {str(own)}) & (first | second)
    assert bar.label.text().startswith("Page 3 of 3") and not bar.next.isEnabled() and bar.previous.isEnabled()
    assert np.isfinite(p.results.evaluation.scores).all()  # the same model scores the new page
    assert p.trained

    window.set_images(window.images.subset([0, 1]))  # other pictures altogether
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=30_000)  # other pictures: no pages any more


def test_a_page_that_cannot_be_read_leaves_the_page_on_show(qtbot, window, tmp_path, rng, monkeypatch):
    import aeviewer.qt.opening as opening
    import aeviewer.qt.pages as pages

    monkeypatch.setattr(opening, "should_stream", lambda *_a, **_k: True)
    monkeypatch.setattr(pages, "PAGE_PICTURES", 20)
    grey_mvtec(tmp_path / "data", rng, train=40, size=24)
    window.open_dataset(str(tmp_path / "data"))
    bar = window.views.page_bar
    qtbot.waitUntil(lambda: window.images is not None and len(window.images) == 17 and not window.loading,
                    timeout=30_000)
    window.stop_training()
    shown = list(window.images.paths)
    monkeypatch.setattr(opening, "load_found", lambda *_a, **_k: (_ for _ in ()).throw(OSError("disk gone")))
    bar.next.click()
    qtbot.waitUntil(lambda: bar.next.isEnabled(), timeout=30_000)  # the bar is back ...
    assert bar.label.text().startswith("Page 1 of 3") and list(window.images.paths) == shown  # ... on page 1
    window.last_message.close()
