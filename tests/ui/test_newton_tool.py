"""Newton's method in the window: the iterates from the cursor, and the basins heatmap (Ctrl+5)."""

import itertools
import math

import numpy as np
import pytest
from PySide6.QtGui import QKeySequence
from uihelpers import apply, wait_idle

from jacviz.core.lab.newton import BASIN_COLOURS
from jacviz.core.sampling.heatmap import HEATMAP_MODES

CUBE_ROOTS = [(math.cos(a), math.sin(a)) for a in (0.0, 2 * math.pi / 3, -2 * math.pi / 3)]


def _newton_step(z: complex) -> complex:
    return z - (z ** 3 - 1) / (3 * z ** 2)


def test_the_iterates_from_the_cursor_converge_quadratically(qtbot, window):
    apply(qtbot, window, "z^3 - 1")
    tool = window.tool("newton")
    tool.box.setChecked(True)
    assert window.model.dynamics.newton and tool.panel.isVisible()
    window.move_cursor(1.2, 0.3)
    run = tool.run
    assert run.status == "converged" and run.root == pytest.approx((1.0, 0.0), abs=1e-14)
    # the iterates are complex Newton's z ← z − (z³ − 1)/(3z²)
    z = complex(1.2, 0.3)
    for it in run.iterates[:5]:
        assert it.point == pytest.approx((z.real, z.imag), abs=1e-12)
        z = _newton_step(z)
    # drawn on the left, and F(pₖ) on the right with each step's target 0 of the tangent plane
    assert tool.shown["iterates"] == pytest.approx(run.points())
    assert tool.shown["values"] == pytest.approx(run.values())
    targets = tool.shown["targets"]
    assert len(targets) == len(run.iterates) - 1 and np.hypot(*targets.T).max() < 1e-12
    assert not tool.domain_overlay.boundingRect().isNull()
    assert not tool.codomain_overlay.boundingRect().isNull()
    # the panel lists every iterate with |F| and its correct digits, which double
    rows = tool.panel.table.text().splitlines()[1:]
    assert len(rows) == len(run.iterates)
    digits = [it.digits for it in run.iterates if it.digits is not None]
    growing = [(a, b) for a, b in itertools.pairwise(digits) if 1.0 <= a <= 7.0]
    assert growing and all(b >= 1.7 * a for a, b in growing)
    assert "converged" in tool.panel.status.text().lower() and "quadratic" in tool.panel.status.text()
    # off: nothing is drawn
    tool.box.setChecked(False)
    assert tool.shown == {} and tool.domain_overlay.boundingRect().isNull() and not tool.panel.isVisible()


@pytest.mark.parametrize("text,start", [("z^3 - 1", (0.0, 0.0)), ("x, y^2", (0.5, 0.0))])
def test_a_start_on_the_critical_curve_says_J_is_singular(qtbot, window, text, start):
    apply(qtbot, window, text)
    window.model.set_dynamics(newton=True)
    window.move_cursor(*start)
    tool = window.tool("newton")
    assert tool.run.status == "singular" and len(tool.run.iterates) == 1
    status = tool.panel.status.text()
    assert "singular" in status and "critical curve" in status
    assert len(tool.shown["targets"]) == 0  # no step, no target


def _midpoints(values):
    lines = np.unique(values[np.isfinite(values)])
    return (lines[:-1] + lines[1:]) / 2


def test_the_basins_of_z3_minus_1_have_the_roots_colours_on_the_rays_through_them(qtbot, window, tmp_path):
    apply(qtbot, window, "z^3 - 1")
    window.domain.show_rect((-2, 2, -2, 2))
    wait_idle(qtbot, window)
    action = window.mode_actions["basins"]
    # the View menu numbers the modes in order: basins comes after det J's scales and linerr
    assert action.shortcut() == QKeySequence(f"Ctrl+{HEATMAP_MODES.index('basins') + 1}")
    action.trigger()
    wait_idle(qtbot, window)
    assert window.mode == "basins" and window.mode_box.currentData() == "basins"
    field = window.scene.fields["basins"]
    assert field.dtype == np.uint8 and field.shape[2] == 4
    assert not window.domain.colorbar.isVisible()  # categories have no scale
    window.model.set_cursor(None)  # keep the overlay out of the pixels
    image = window.domain.grab().toImage()
    assert image.save(str(tmp_path / "basins.png"))
    grid = window.scene.grid
    xs, ys = _midpoints(grid.vertical[:, 0]), _midpoints(grid.horizontal[:, 1])
    palette = np.asarray(BASIN_COLOURS[:3], dtype=float)
    # the roots are sorted by x then y: e^(−2πi/3), e^(2πi/3), 1 get the first three colours
    expected = {0: 2, 1: 1, 2: 0}
    for k, (rx, ry) in enumerate(CUBE_ROOTS):
        # on the ray through the root (Newton's map keeps it), midway between grid lines
        x = xs[np.argmin(np.abs(xs - 1.3 * rx))]
        y = ys[np.argmin(np.abs(ys - 1.3 * ry))]
        pt = window.domain.data_to_widget(x, y)
        c = image.pixelColor(round(pt.x()), round(pt.y()))
        rgb = np.array([c.red(), c.green(), c.blue()], dtype=float)
        # shaded darker by the number of steps, so compare the direction of the colour
        cos = palette @ rgb / (np.linalg.norm(palette, axis=1) * np.linalg.norm(rgb))
        assert int(np.argmax(cos)) == expected[k] and cos.max() > 0.99, (k, (x, y), rgb, cos)
    # back to det J: its colour map and colour bar return
    window.set_mode("det")
    wait_idle(qtbot, window)
    assert window.domain.colorbar.isVisible() and window.domain.image.lut is not None
