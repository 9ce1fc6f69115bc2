"""The guided tour drives the real window: chapters in order, Skip, taking over, once only, replay."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from aeviewer.core import tour_script as script
from aeviewer.qt.tour import SEEN_KEY, Tour

from .conftest import show_images


@pytest.fixture
def quick_chapters(monkeypatch):
    """Every chapter is ready as soon as its mechanics have run (the thresholds have tests of their own):
    a few epochs on a few bananas show no 4 dB curve, and need not."""
    monkeypatch.setattr(script, "WARM_UP_EPOCHS", 0.0)
    monkeypatch.setattr(script, "CURVE_SPREAD_DB", -100.0)
    monkeypatch.setattr(script, "ANOMALY_AUROC", 0.0)
    monkeypatch.setattr(script, "FLAGGED_SHARE", 0.0)
    monkeypatch.setattr(script, "DENOISE_GAIN_DB", -100.0)


def _ready(tour, chapter: int, settled: bool = True) -> bool:
    s = tour.status
    return tour.active and tour.chapter == chapter and s.ready and not (settled and s.settling)


def test_the_tour_runs_end_to_end_on_the_demo(qtbot, window, fresh_demo, quick_chapters):
    show_images(qtbot, window, fresh_demo)
    tour, v = window.tour, window.views
    tour.start()
    assert tour.card.isVisible() and tour.highlighter.isVisible()

    # 1: one ordered model is trained for it, the Compression tab shows, and the slider plays by itself.
    qtbot.waitUntil(lambda: _ready(tour, 0), timeout=60_000)
    assert window.presenter.model.config.ordered
    assert v.tabs.currentWidget() is v.compression
    assert "pixel values" in tour.card.body.text()
    seen = set()
    qtbot.waitUntil(lambda: seen.add(v.controls.latent_dim()) or len(seen) >= 3, timeout=10_000)
    assert any(r.contains(v.controls.model_box.mapTo(window, v.controls.model_box.rect().center()))
               for r in tour.highlighter.outlined)
    assert not window.keeper.modified  # what the tour does is not the person's work

    # 2: most anomalous first, the clearest rotten banana selected.
    tour.card.next.click()
    qtbot.waitUntil(lambda: _ready(tour, 1), timeout=60_000)
    assert v.tabs.currentWidget() is v.anomalies
    assert v.sort_order.currentIndex() == 1
    assert v.controls.latent_dim() == 16  # the slider rests
    qtbot.waitUntil(lambda: window.presenter.selected == script.rotten_to_show(window.presenter.evaluation),
                    timeout=10_000)
    assert window.images.labels[window.presenter.selected] == 1

    # 3: a denoiser (the U-Net) is trained, and a noisy ripe banana comes back.
    tour.card.next.click()
    qtbot.waitUntil(lambda: _ready(tour, 2), timeout=90_000)
    model = window.presenter.model
    assert model.denoising and model.config.architecture == "skip"
    assert v.compare.layout_kind == "denoise"
    assert "dB" in tour.card.body.text()
    assert tour.card.next.text() == "Finish"

    tour.card.back.click()  # back to chapter 2: a reconstructing model again
    qtbot.waitUntil(lambda: _ready(tour, 1), timeout=60_000)
    assert not window.presenter.model.denoising
    tour.card.next.click()
    tour.card.next.click()
    assert not tour.active and not tour.card.isVisible() and not tour.highlighter.isVisible()


def test_skip_stops_the_tour_and_it_touches_nothing_after(qtbot, window, fresh_demo, quick_chapters):
    show_images(qtbot, window, fresh_demo)
    window.tour.start()
    qtbot.waitUntil(lambda: _ready(window.tour, 0), timeout=60_000)
    qtbot.mouseClick(window.tour.card.skip, Qt.MouseButton.LeftButton)
    assert not window.tour.active and not window.tour.card.isVisible()
    assert "Help > Tour" in window.statusBar().currentMessage()
    size = window.controls.latent_dim()
    qtbot.wait(2500)  # two slider steps, had it gone on
    assert window.controls.latent_dim() == size


def test_a_click_of_the_persons_own_takes_over(qtbot, window, fresh_demo, quick_chapters):
    show_images(qtbot, window, fresh_demo)
    window.tour.start()
    qtbot.mouseClick(window.tour.card.next, Qt.MouseButton.LeftButton)  # the card's own buttons do not count
    assert window.tour.active and window.tour.chapter == 1
    qtbot.mouseClick(window.gallery.viewport(), Qt.MouseButton.LeftButton)
    assert not window.tour.active
    assert "yours" in window.statusBar().currentMessage()
    assert not window.tour.card.isVisible() and not window.tour._ticker.isActive()


def test_the_tour_plays_on_the_first_launch_only_and_help_replays_it(qtbot, window):
    settings = window.keeper.settings
    assert Tour.first_run(settings)
    window.tour.start()
    assert not Tour.first_run(settings) and settings.value(SEEN_KEY, type=bool)
    window.tour.stop("skipped")
    replay = next(a for a in window.menuBar().actions() if a.text() == "&Help").menu().actions()[0]
    assert replay.text() == "&Tour"
    replay.trigger()
    assert window.tour.active and window.tour.chapter == 0
    window.tour.stop("skipped")


def test_the_app_starts_the_tour_on_a_first_launch_only(qtbot):
    from aeviewer.qt.app import create_window, parse_args
    from aeviewer.qt.worker import running_threads

    for expected in (True, False):
        win = create_window(parse_args(["--no-train"]))  # no training: this is about starting only
        qtbot.addWidget(win)
        assert not win.tour.active  # not with --no-train
        win.close()
        win = create_window(parse_args([]))
        qtbot.addWidget(win)
        assert win.tour.active is expected
        win.close()
    assert not running_threads()
