"""A pan or a zoom moves the view's items when the range changes, not at the next paint.

pyqtgraph defers moving them (its child group's transform) to the paint, and the move then
dirties them again, so every pan painted the whole view twice. The view moves them at once;
what is checked here is that, right after the range changes and before anything is painted,
the items already map the new range onto the plot area.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF
from uihelpers import apply, wait_idle


def _corners_in_plot(view) -> list[tuple[float, float]]:
    """Where the visible rectangle's corners land in the plot area, through the items' transform
    as it is now (QGraphicsItem.transform does not bring it up to date)."""
    x0, x1, y0, y1 = view.visible_rect()
    transform = view.viewbox.childGroup.transform()
    return [(p.x(), p.y()) for p in (transform.map(QPointF(x0, y1)), transform.map(QPointF(x1, y0)))]


@pytest.mark.parametrize("change", ["pan", "zoom"])
def test_the_items_are_moved_when_the_range_changes(qtbot, window, change):
    apply(qtbot, window, "z^2")
    window.domain.show_rect((-2.0, 2.0, -2.0, 2.0))
    wait_idle(qtbot, window)
    x0, x1, y0, y1 = window.domain.visible_rect()
    d = 0.01 * (x1 - x0)
    rect = (x0 + d, x1 + d, y0, y1) if change == "pan" else (x0 + d, x1 - d, y0 + d, y1 - d)
    window.domain.show_rect(rect)  # no event loop in between: nothing has been painted
    (left, top), (right, bottom) = _corners_in_plot(window.domain)
    w, h = window.domain.viewbox.width(), window.domain.viewbox.height()
    assert (left, top) == pytest.approx((0.0, 0.0), abs=1e-6 * w)
    assert (right, bottom) == pytest.approx((w, h), abs=1e-6 * w)
