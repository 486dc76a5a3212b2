"""The polyline paths every view draws: the cursor's short cuts make the same path as the general case."""

import math

import numpy as np
import pyqtgraph as pg
import pytest


def _elements(path):
    elements = [path.elementAt(i) for i in range(path.elementCount())]
    return [(e.type, e.x, e.y) for e in elements]


def _reference(points, connect):
    """What pyqtgraph makes of the finite pairs (or of the points, NaN breaking the line)."""
    pts = np.asarray(points, dtype=float)
    if connect == "pairs":
        pairs = pts.reshape(-1, 2, 2)
        pts = pairs[np.isfinite(pairs).all(axis=(1, 2))].reshape(-1, 2)
    return pg.functions.arrayToQPath(pts[:, 0], pts[:, 1], connect=connect)


@pytest.mark.parametrize("connect", ["finite", "pairs"])
@pytest.mark.parametrize("count", [2, 6, 16, 18, 98, 400])
def test_the_path_and_its_bounds_are_those_of_the_finite_points(app, connect, count):
    from jacviz.ui.items.static_curve import polyline_path

    rng = np.random.default_rng(count)
    for holes in (0, 1, count // 3):
        pts = rng.normal(size=(count, 2)) * 10.0
        if holes:
            pts[rng.choice(count, holes, replace=False), rng.integers(0, 2, holes)] = np.nan
        path, rect = polyline_path(pts, connect)
        kept = pts
        if connect == "pairs":
            pairs = pts.reshape(-1, 2, 2)
            kept = pairs[np.isfinite(pairs).all(axis=(1, 2))].reshape(-1, 2)
        kept = kept[np.isfinite(kept).all(axis=1)]
        if not kept.size:
            assert path is None and rect.isNull()
            continue
        assert _elements(path) == _elements(_reference(pts, connect))
        lo, hi = kept.min(axis=0), kept.max(axis=0)
        assert (rect.left(), rect.top()) == pytest.approx((lo[0], lo[1]), abs=1e-9)
        assert (rect.right(), rect.bottom()) == pytest.approx((hi[0], hi[1]), abs=1e-9)


@pytest.mark.parametrize("connect", ["finite", "pairs"])
def test_nothing_finite_is_no_path(app, connect):
    from jacviz.ui.items.static_curve import polyline_path

    for pts in (np.empty((0, 2)), np.full((4, 2), np.nan), np.array([[1.0, math.inf], [math.nan, 3.0]])):
        path, rect = polyline_path(pts, connect)
        assert path is None and rect.isNull()


def test_a_pair_with_one_nan_coordinate_is_left_out_and_the_rest_kept(app):
    from jacviz.ui.items.static_curve import polyline_path

    pts = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, np.nan], [3.0, 3.0], [4.0, 4.0], [5.0, 6.0]])
    path, rect = polyline_path(pts, "pairs")
    assert [(t, x, y) for t, x, y in _elements(path)] == [
        (pg.QtGui.QPainterPath.ElementType.MoveToElement, 0.0, 0.0),
        (pg.QtGui.QPainterPath.ElementType.LineToElement, 1.0, 1.0),
        (pg.QtGui.QPainterPath.ElementType.MoveToElement, 4.0, 4.0),
        (pg.QtGui.QPainterPath.ElementType.LineToElement, 5.0, 6.0),
    ]
    assert (rect.left(), rect.top(), rect.right(), rect.bottom()) == (0.0, 0.0, 5.0, 6.0)


def test_an_odd_number_of_pair_points_is_refused(app):
    from jacviz.ui.items.static_curve import polyline_path

    with pytest.raises(ValueError):
        polyline_path(np.zeros((5, 2)), "pairs")
