"""Pixels where the mathematics says what colour they must be (no golden images)."""

import numpy as np
from uihelpers import APPLY_TIMEOUT_MS, wait_idle

from jacviz.core.persistence.presets import load_presets


def _show(qtbot, window, name: str):
    preset = next(p for p in load_presets() if p.name == name)
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        window.load_preset(preset)
    wait_idle(qtbot, window)
    window.model.set_cursor(None)  # keep the overlay out of the pixels we read


def _midpoints(values: np.ndarray) -> np.ndarray:
    lines = np.unique(values[np.isfinite(values)])
    return (lines[:-1] + lines[1:]) / 2


def _rgb(image, view, x, y):
    pt = view.data_to_widget(x, y)
    c = image.pixelColor(pt.x(), pt.y())
    return c.red(), c.green(), c.blue()


def test_positive_and_negative_det_get_different_colours(qtbot, window):
    """Whitney fold (x, y²): det J = 2y, red above the x axis and blue below it."""
    _show(qtbot, window, "Whitney fold")
    view = window.domain
    image = view.grab().toImage()
    grid = window.scene.grid
    xs = _midpoints(grid.vertical[:, 0])
    ys = _midpoints(grid.horizontal[:, 1])
    x = xs[np.argmin(np.abs(xs - 0.3))]
    for y in ys[(np.abs(ys) > 0.6) & (np.abs(ys) < 1.8)]:
        r, g, b = _rgb(image, view, x, y)
        if y > 0:
            assert r - b > 40, (y, (r, g, b))  # det > 0: orientation kept, red
        else:
            assert b - r > 40, (y, (r, g, b))  # det < 0: orientation reversed, blue


def test_fold_critical_curve_lies_where_det_changes_sign(qtbot, window):
    """Scan one pixel column: the dark critical curve sits between the blue and the red."""
    _show(qtbot, window, "Whitney fold")
    view = window.domain
    image = view.grab().toImage()
    grid = window.scene.grid
    xs = _midpoints(grid.vertical[:, 0])
    x = xs[np.argmin(np.abs(xs - 0.45))]
    top = view.data_to_widget(x, 1.0)
    bottom = view.data_to_widget(x, -1.0)
    col = round(top.x())
    # heatmap colour is read midway between horizontal grid lines, where no line is drawn
    mid_rows = {round(view.data_to_widget(x, y).y()) for y in _midpoints(grid.horizontal[:, 1])}
    kinds = []
    for row in range(int(top.y()), int(bottom.y()) + 1):
        c = image.pixelColor(col, row)
        r, g, b = c.red(), c.green(), c.blue()
        if r + g + b < 200:
            kinds.append(("dark", row))
        elif row in mid_rows and r - b > 25:
            kinds.append(("red", row))
        elif row in mid_rows and b - r > 25:
            kinds.append(("blue", row))
    dark = [row for k, row in kinds if k == "dark"]
    red = [row for k, row in kinds if k == "red"]
    blue = [row for k, row in kinds if k == "blue"]
    assert dark and red and blue
    # screen rows grow downwards: red (y > 0) above, then the curve, then blue (y < 0)
    assert max(red) < min(blue)
    curve_rows = [r for r in dark if max(red) - 3 <= r <= min(blue) + 3]
    assert curve_rows, (dark, max(red), min(blue))
    # and the curve is at y = 0 in data coordinates, to within two pixels
    zero_row = view.data_to_widget(x, 0.0).y()
    assert min(abs(r - zero_row) for r in curve_rows) <= 2


def test_nan_is_transparent(qtbot, window):
    """Where F is undefined (sqrt of a negative number) the background shows through."""
    from uihelpers import apply

    apply(qtbot, window, "x, y + sqrt(x)")
    window.domain.show_rect((-2, 2, -2, 2))
    wait_idle(qtbot, window)
    window.model.set_cursor(None)
    view = window.domain
    image = view.grab().toImage()
    grid = window.scene.grid
    xs = _midpoints(grid.vertical[:, 0])
    ys = _midpoints(grid.horizontal[:, 1])
    x_neg = xs[np.argmin(np.abs(xs + 1.0))]
    y = ys[np.argmin(np.abs(ys - 0.3))]
    assert _rgb(image, view, x_neg, y) == (255, 255, 255)  # white background: NaN, undefined
    x_pos = xs[np.argmin(np.abs(xs - 0.5))]
    r, _g, b = _rgb(image, view, x_pos, y)
    assert r - b > 40  # det J = 1 where x > 0


def test_exp_is_not_washed_out_by_its_own_range(qtbot, window):
    """det J = e^{2x} runs over decades: the automatic scale makes the thirds of the view clearly differ."""
    from uihelpers import apply

    apply(qtbot, window, "exp(z)")
    window.domain.show_rect((-2, 2, -2, 2))
    wait_idle(qtbot, window)
    window.model.set_cursor(None)
    assert window.model.heatmap_mode == "auto"
    view = window.domain
    image = view.grab().toImage()
    grid = window.scene.grid
    ys = _midpoints(grid.horizontal[:, 1])
    y = ys[np.argmin(np.abs(ys - 0.3))]
    xs = _midpoints(grid.vertical[:, 0])
    thirds = []
    for lo, hi in ((-2, -0.67), (-0.67, 0.67), (0.67, 2)):
        inside = xs[(xs > lo) & (xs < hi)]
        thirds.append(np.mean([_rgb(image, view, x, y) for x in inside], axis=0))
    left, middle, right = thirds
    assert np.abs(middle - left).sum() > 60 and np.abs(right - middle).sum() > 60, thirds
    assert "log" in window.scale_caption.text() and "decades" in window.scale_caption.text()


def test_the_lens_draws_the_true_image_of_the_circle_where_f_sends_it(qtbot, window):
    # z² at p = (0.3, 0.2): the image of the h-circle is no ellipse. The lens moves F(p) to its
    # centre and scales by the farthest point it draws (the arrows' barbs included), then its
    # frame maps that square to pixels; the true image (black) must be found on those pixels
    from uihelpers import apply

    from jacviz.ui.items.curves import arrow_segments

    apply(qtbot, window, "x^2 - y^2, 2 x y")
    window.model.set_h(0.3)
    window.model.set_cursor((0.3, 0.2))
    qtbot.waitUntil(lambda: window._cursor_state is not None)
    lens = window.codomain.lens
    image = lens.grab().toImage()
    x, y, h = 0.3, 0.2, 0.3
    theta = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    qx, qy = x + h * np.cos(theta), y + h * np.sin(theta)
    true = np.stack([qx**2 - qy**2, 2 * qx * qy], axis=1)
    fp = np.array([x**2 - y**2, 2 * x * y])
    jac = np.array([[2 * x, -2 * y], [2 * y, 2 * x]])
    t = np.linspace(0, 2 * np.pi, 200)
    drawn = [np.stack([fp[0] + h * (jac[0, 0] * np.cos(t) + jac[0, 1] * np.sin(t)),
                       fp[1] + h * (jac[1, 0] * np.cos(t) + jac[1, 1] * np.sin(t))], axis=1),
             true, arrow_segments(fp, h * jac[:, 0]), arrow_segments(fp, h * jac[:, 1])]
    radius = max(float(np.max(np.abs(d - fp))) for d in drawn)
    area, to_pixels = lens._frame()
    found = 0
    for u, v in (true - fp) / radius:
        centre = to_pixels.map(u, v)
        around = [image.pixelColor(int(centre[0]) + i, int(centre[1]) + j)
                  for i in range(-2, 3) for j in range(-2, 3)]
        found += any(max(c.red(), c.green(), c.blue()) < 90 for c in around)
    assert found >= 44, found  # all but where the dashed ellipse is drawn over it
    assert area.contains(*to_pixels.map(*((true[0] - fp) / radius)))
