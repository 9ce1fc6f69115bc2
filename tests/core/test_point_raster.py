"""Points drawn into an image, found again under the mouse, chosen by rectangle and lasso, coloured."""

from __future__ import annotations

import numpy as np

from aeviewer.core.point_colours import UNKNOWN, colour_points
from aeviewer.core.point_raster import EMPTY, View, in_polygon, in_rectangle, pick_at, rasterise, ring

VIEW = View(0.0, 10.0, 0.0, 5.0, 100, 50)  # 10 pixels per unit both ways


def _colours(n, rgba=(10, 20, 30, 255)):
    c = np.zeros((n, 4), np.uint8)
    c[:] = rgba
    return c


def test_each_point_is_drawn_at_its_pixel_and_found_there():
    xy = np.array([[1.0, 1.0], [5.0, 2.5], [9.0, 4.0]], np.float32)
    r = rasterise(xy, _colours(3), VIEW, radius=2)
    assert r.rgba.shape == (50, 100, 4) and r.drawn == 3 and not r.density
    assert tuple(r.rgba[10, 10]) == (10, 20, 30, 255)  # row = y * 10, column = x * 10
    assert r.pick[25, 50] == 1 and r.pick[40, 90] == 2
    assert r.pick[0, 99] == EMPTY and r.rgba[0, 99, 3] == 0
    assert pick_at(r, 52.0, 24.0) == 1  # a little off: the nearest point within reach
    assert pick_at(r, 75.0, 25.0) is None


def test_points_outside_the_view_or_unknown_are_not_drawn():
    xy = np.array([[-1.0, 1.0], [11.0, 2.0], [np.nan, 1.0], [2.0, 2.0]], np.float32)
    r = rasterise(xy, _colours(4), VIEW)
    assert r.drawn == 1
    assert set(np.unique(r.pick)) == {EMPTY, 3}


def test_later_points_in_the_order_are_on_top_and_outlines_mark_chosen_points():
    xy = np.array([[5.0, 2.5], [5.0, 2.5]], np.float32)
    colours = np.array([[255, 0, 0, 255], [0, 0, 255, 255]], np.uint8)
    assert rasterise(xy, colours, VIEW, order=np.array([0, 1])).pick[25, 50] == 1
    assert rasterise(xy, colours, VIEW, order=np.array([1, 0])).pick[25, 50] == 0
    red = int(np.array([200, 0, 0, 255], np.uint8).view(np.uint32)[0])
    r = rasterise(xy[:1], colours[:1], VIEW, radius=2, outlines={red: (np.array([True]), ring(5, 1))})
    assert tuple(r.rgba[25, 55]) == (200, 0, 0, 255)  # the ring, 5 pixels right of the centre
    assert tuple(r.rgba[25, 50]) == (255, 0, 0, 255)  # the point itself


def test_many_points_become_a_density_image_where_points_are_still_found():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 10, (5000, 2)).astype(np.float32) * [1, 0.5]
    r = rasterise(xy, _colours(5000), VIEW, density_from=1000)
    assert r.density and r.drawn == 5000
    col, row = VIEW.to_pixels(xy[:1])
    found = pick_at(r, float(col[0]), float(row[0]), reach=0)
    assert found is not None  # the point drawn last on that pixel: the same pixel, maybe another point
    fcol, frow = VIEW.to_pixels(xy[found : found + 1])
    assert (int(fcol[0]), int(frow[0])) == (int(col[0]), int(row[0]))


def test_rectangle_and_lasso_choose_the_points_inside():
    xy = np.array([[1, 1], [2, 2], [3, 3], [8, 1], [np.nan, 2]], np.float32)
    assert in_rectangle(xy, 2.5, 0.5, 0.5, 2.5).tolist() == [0, 1]  # corners in either order
    triangle = np.array([[0, 0], [5, 0], [0, 5]], np.float64)  # x + y < 5
    assert in_polygon(xy, triangle).tolist() == [0, 1]
    assert in_polygon(xy, triangle[:2]).tolist() == []  # not a polygon


def test_colours_by_split_label_and_score():
    splits = np.array([0, 1, 2, 1], np.int8)
    by_split = colour_points("split", splits)
    assert [name for name, _ in by_split.legend] == ["train", "test", "dropped"]
    assert len({tuple(c) for c in by_split.rgba[[0, 1, 2]]}) == 3
    by_label = colour_points("label", splits, labels=np.array([0, 1, -1, 1]))
    assert [name for name, _ in by_label.legend] == ["normal", "anomalous", "no label"]
    scores = np.array([0.1, np.nan, 0.5, 0.9])
    by_score = colour_points("score", splits, scores=scores)
    assert by_score.span is not None and by_score.span[0] < by_score.span[1]
    assert tuple(by_score.rgba[1]) == UNKNOWN
    assert by_score.rgba[3, :3].sum() > by_score.rgba[0, :3].sum()  # high scores are the bright end
    assert len(colour_points("score", splits, scores=scores[:2]).rgba) == 4  # scores still arriving
