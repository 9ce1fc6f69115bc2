"""The latent plot as an instrument: 100,000 points, hover, click, regions, decoding empty places."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt

from aeviewer.core.data import Split
from aeviewer.qt.latent_view import LatentView

from .conftest import show_images

N = 100_000
TARGET = 12_345


def _cloud() -> np.ndarray:
    """100k points on [0, 10]^2 with an empty hole of radius 1 around (5, 5), one point at its centre."""
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 10, (2 * N, 2))
    xy = xy[np.hypot(xy[:, 0] - 5, xy[:, 1] - 5) > 1.0][:N].astype(np.float32)
    xy[TARGET] = (5.0, 5.0)
    return xy


def _widget_pos(view: LatentView, x: float, y: float):
    return view.plot.mapFromScene(view.view_box.mapViewToScene(QPointF(x, y)))


def test_hover_click_and_selection_find_the_right_item_among_100k_points(qtbot):
    view = LatentView()
    qtbot.addWidget(view)
    view.resize(800, 500)
    view.show()
    xy = _cloud()
    splits = np.zeros(N, np.int8)
    view.describe = lambda row: (None, f"picture {row}")
    view.set_points(xy, splits)
    qtbot.waitUntil(lambda: view._raster is not None and view._raster.drawn > 0.99 * N, timeout=10_000)
    assert view.point_count() == N

    view._hover(view.view_box.mapViewToScene(QPointF(5.0, 5.0)))
    assert view.hovered == TARGET
    assert view.card.isVisible() and view.card.text.text() == f"picture {TARGET}"

    with qtbot.waitSignal(view.index_clicked, timeout=5_000) as clicked:
        qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=_widget_pos(view, 5.0, 5.0))
    assert clicked.args == [TARGET]

    with qtbot.waitSignal(view.empty_clicked, timeout=5_000) as empty:  # inside the hole, away from the point
        qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=_widget_pos(view, 5.6, 5.0))
    x, y = empty.args
    assert abs(x - 5.6) < 0.05 and abs(y - 5.0) < 0.05

    rect = np.array([(1.0, 2.0), (3.0, 2.0), (3.0, 4.5), (1.0, 4.5)])
    chosen = view.rows_in(rect)
    truth = np.flatnonzero((xy[:, 0] >= 1) & (xy[:, 0] <= 3) & (xy[:, 1] >= 2) & (xy[:, 1] <= 4.5))
    assert np.array_equal(np.sort(chosen), truth)
    lasso = np.array([(4.0, 4.0), (6.0, 4.0), (6.0, 6.0), (4.0, 6.0), (3.9, 5.0)])
    assert TARGET in view.rows_in(lasso)


def test_flagged_and_dropped_points_are_drawn_on_top(qtbot):
    view = LatentView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    xy = np.zeros((3, 2), np.float32)  # all in one place
    view.set_points(xy, np.array([0, 2, 0], np.int8))
    view.set_flags(np.array([False, False, False]))
    view.redraw_points()
    assert view.point_at(0.0, 0.0) == 1  # the dropped picture, not a training one drawn over it
    view.set_flags(np.array([False, False, True]))
    view.redraw_points()
    assert view.point_at(0.0, 0.0) in (1, 2)
    assert view.flagged_count() == 1


def test_the_axes_are_named_by_direction_with_the_variance_each_shows(qtbot):
    """The live plane turns to keep the points steady, so the horizontal axis can show less of the
    variance than the vertical one: neither may be called PCA's first axis."""
    view = LatentView()
    qtbot.addWidget(view)
    view.set_axes(16, (0.03, 0.97))
    bottom = view.plot.getAxis("bottom").labelText
    left = view.plot.getAxis("left").labelText
    assert "16-number code" in bottom and "across: 3 % of the variance" in bottom
    assert left == "up: 97 % of the variance"
    assert "axis 1" not in bottom
    view.set_axes(2)
    assert view.plot.getAxis("bottom").labelText == "code number 1"


def test_a_region_shows_just_its_pictures_in_the_gallery_and_show_all_brings_every_one_back(
        qtbot, window, fresh_demo):
    show_images(qtbot, window, fresh_demo)
    qtbot.waitUntil(lambda: window.latent_view.point_count() == len(fresh_demo), timeout=30_000)
    points = window.latent_view._points
    cx = float(np.median(points[:, 0]))
    polygon = np.array([(points[:, 0].min() - 1, points[:, 1].min() - 1), (cx, points[:, 1].min() - 1),
                        (cx, points[:, 1].max() + 1), (points[:, 0].min() - 1, points[:, 1].max() + 1)])
    window.latent_view._region_drawn(polygon)
    inside = np.flatnonzero(points[:, 0] <= cx)
    assert window.gallery.model().rowCount() == len(inside)
    assert window.views.region_bar.isVisible() and f"Showing {len(inside)} pictures" in window.views.region_note.text()
    assert window.presenter.selected in set(inside.tolist())
    window.views.show_all.click()
    assert window.gallery.model().rowCount() == len(fresh_demo)
    assert not window.views.region_bar.isVisible()


def test_clicking_empty_space_decodes_a_picture_there_and_selecting_a_picture_leaves_it(
        qtbot, window, fresh_demo):
    show_images(qtbot, window, fresh_demo)
    qtbot.waitUntil(lambda: window.latent_view.point_count() == len(fresh_demo), timeout=30_000)
    points = window.latent_view._points
    far = (float(points[:, 0].max()) + 5.0, float(points[:, 1].max()) + 5.0)  # no picture's code is there
    window.latent_view.empty_clicked.emit(*far)
    qtbot.waitUntil(lambda: "Decoded from the latent plot" in window.compare.caption.text(), timeout=10_000)
    assert window.presenter.selected is None
    recon = window.compare._items[1].image
    assert recon is not None and recon.shape == (64, 64, 3)
    window.select(3)
    qtbot.waitUntil(lambda: window.compare.shown_index == 3, timeout=10_000)
    assert "Decoded" not in window.compare.caption.text()
    assert window.images.splits[3] == Split.TRAIN


def test_the_replay_goes_back_through_training_and_live_returns(qtbot, window, fresh_demo):
    show_images(qtbot, window, fresh_demo)
    window.controls.epochs.setValue(6)
    window.controls.train_button.click()
    qtbot.waitUntil(lambda: window.presenter.trained and window.presenter.drawn, timeout=60_000)
    links, view = window.presenter.links, window.latent_view
    qtbot.waitUntil(lambda: len(links.timeline) >= 2, timeout=10_000)
    assert view.replay_row.isVisible() and "live" in view.replay_label.text()
    assert links.timeline.nbytes <= links.timeline.cap_bytes
    live = view._points.copy()
    view.replay.setValue(0)
    assert links.replaying == 0 and "replay" in view.replay_label.text()
    assert np.array_equal(view._points, links.timeline.at(0).points, equal_nan=True)
    assert not np.array_equal(view._points, live, equal_nan=True)  # the first epoch's points were elsewhere
    view.live_button.click()
    assert links.replaying is None
    assert np.array_equal(view._points, live, equal_nan=True)


def test_alt_click_walks_from_the_selected_picture_to_another(qtbot, window, fresh_demo):
    show_images(qtbot, window, fresh_demo)
    window.select(0)
    window.latent_view.walk_requested.emit(4)
    assert window.views.tabs.currentWidget() is window.views.walk
    qtbot.waitUntil(lambda: window.views.walk.steps == 8, timeout=10_000)
    assert "to <b>" in window.views.walk.title.text()


def test_a_map_is_computed_off_the_gui_thread_shown_and_pca_comes_back(qtbot, monkeypatch, fresh_demo):
    """The mechanism, with a stand-in for t-SNE (the real one is optional; core tests cover it)."""
    import threading

    from aeviewer.core import embeddings
    from aeviewer.core.config import ModelConfig
    from aeviewer.qt import latent_view
    from aeviewer.qt.main_window import MainWindow
    from aeviewer.qt.worker import running_threads

    threads = []

    def stand_in(codes, seed):
        threads.append(threading.current_thread().name)
        return codes[:, :2] * np.array([1.0, -1.0]) + 100.0  # a flipped, shifted copy: align undoes it

    monkeypatch.setitem(embeddings.RUNNERS, "tsne", stand_in)
    monkeypatch.setattr(latent_view, "available", lambda: {"tsne": True, "umap": False})
    win = MainWindow(ModelConfig(latent_dim=2), device="cpu", autostart=False, epochs=3)
    qtbot.addWidget(win)
    win.show()
    show_images(qtbot, win, fresh_demo)
    view, maps = win.latent_view, win.presenter.links.maps
    live = view._points.copy()
    view.map_by.setCurrentIndex(view.map_by.findData("tsne"))
    qtbot.waitUntil(lambda: maps.shown is not None and not maps._animation.isActive(), timeout=20_000)
    assert threads and threads[0].startswith("aeviewer-map")  # not the GUI thread
    assert np.allclose(view._points, live, atol=1e-3)  # a 2-number code's map, aligned back onto it
    assert view.plot.getAxis("bottom").labelText == "t-SNE 1"
    assert "t-SNE of the codes" in view.map_state.text()
    assert "mapped with t-SNE" in win.views.latent_title.text()
    assert view.map_by.model().item(view.map_by.findData("umap")).isEnabled() is False
    view.empty_clicked.emit(1000.0, 1000.0)  # a map has no way back to a code
    assert win.presenter.links.decoded_at is None and "needs the live PCA plot" in win.statusBar().currentMessage()
    view.map_by.setCurrentIndex(0)
    assert maps.shown is None and not view.map_state.isVisible()
    assert "drawn directly" in win.views.latent_title.text()
    win.close()
    assert not running_threads()
