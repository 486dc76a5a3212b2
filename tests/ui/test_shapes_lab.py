"""The lab for shapes beyond the plane, in the window: the descent path, ∇f·v, a surface's area.

Numbers against closed forms: on the paraboloid x² + y² a descent step with η = 0.1 multiplies
p by 0.8; ∇f·v at (1, 2) with v = (3, 4) is 2·3 + 4·4 = 22; the unit sphere's area is 4π.
The 3D path is checked under Xvfb with Mesa in a separate process (skipped without Xvfb).
"""

from __future__ import annotations

import math
import shutil
import textwrap

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from uihelpers import APPLY_TIMEOUT_MS, apply, run_gl_script, wait_idle

from jacviz.core.persistence.presets import load_presets


def load(qtbot, window, name: str):
    preset = next(p for p in load_presets() if p.name == name)
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        window.load_preset(preset)
    wait_idle(qtbot, window)
    return window.shapes


def click(qtbot, pane, x: float, y: float, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A real left click (press and release) on the pane's 2D view at the view point (x, y)."""
    vb = pane.domain.getPlotItem().vb
    scene = vb.mapViewToScene(QPointF(x, y))
    pixel = pane.domain.mapFromScene(scene)
    qtbot.mouseClick(pane.domain.viewport(), Qt.MouseButton.LeftButton, modifier,
                     QPoint(pixel.x(), pixel.y()))


def status(window) -> str:
    return window.statusBar().currentMessage()


# ---------------------------------------------------------------------------------------
# the descent path


@pytest.mark.parametrize("modifier", [Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.ControlModifier])
def test_a_modifier_click_draws_the_descent_path_of_the_closed_form(qtbot, window, modifier):
    pane = load(qtbot, window, "Paraboloid")
    assert pane.descent_box.isVisible() and pane.eta_spin.value() == pytest.approx(0.1)
    click(qtbot, pane, 1.0, 1.0, modifier)
    path = pane.path
    assert path is not None
    p0 = path.points[0]
    assert p0 == pytest.approx((1.0, 1.0), abs=0.03)  # within a pixel or two of the click
    # ∇(x² + y²) = 2p: p ← p − 0.1·2p = 0.8p, so pₖ = 0.8ᵏ p₀
    k = np.arange(path.steps + 1)
    np.testing.assert_allclose(path.points, 0.8 ** k[:, None] * p0, rtol=1e-12, atol=1e-300)
    # drawn: the polyline and its dots go through exactly these iterates
    lx, ly = pane.path_line.getData()
    np.testing.assert_allclose(lx[:10], 0.8 ** k[:10] * p0[0], rtol=1e-12)
    np.testing.assert_allclose(ly[:10], 0.8 ** k[:10] * p0[1], rtol=1e-12)
    dx, _dy = pane.path_dots.getData()
    assert len(dx) == len(lx) == path.steps + 1
    # the window says how many steps, where it ended and f there
    message = status(window)
    assert f"converged in {path.steps} steps" in message and "f = " in message
    assert path.status == "converged" and path.end_value < 1e-20
    assert pane.descent_label.text() == message
    assert window.model.pins == ()  # a modifier-click is not a pin (nor anything else)


def test_a_plain_click_and_a_new_mapping_clear_the_path(qtbot, window):
    pane = load(qtbot, window, "Paraboloid")
    pane.descend_from(1.0, 1.0)
    assert len(pane.path_line.getData()[0]) > 2
    click(qtbot, pane, 0.5, -0.5)
    assert pane.path is None and len(pane.path_line.getData()[0]) == 0
    pane.descend_from(1.0, 1.0)
    apply(qtbot, window, "x^2 + 2 y^2")
    assert window.shapes.path is None and len(window.shapes.path_dots.getData()[0]) == 0


def test_a_divergent_step_size_says_so_and_draws_only_finite_iterates(qtbot, window):
    """η = 1.5 on the paraboloid: p ← −2p, out of the box |x|, |y| ≤ 1e8 after 27 steps."""
    pane = load(qtbot, window, "Paraboloid")
    pane.eta_spin.setValue(1.5)
    pane.descend_from(1.0, 1.0)
    assert pane.path.status == "diverged" and pane.path.steps == 27
    message = status(window)
    assert message.startswith("⚠ Gradient descent from (1, 1) with η = 1.5: diverged after 27 steps")
    assert "smaller η" in message
    lx, ly = pane.path_line.getData()
    assert np.isfinite(lx).all() and np.isfinite(ly).all()
    np.testing.assert_allclose(lx, (-2.0) ** np.arange(28))
    assert window.isVisible() and pane.info is not None  # nothing crashed: the cursor still works
    pane.move_cursor(0.5, 0.5)
    assert pane.info.gradient == pytest.approx((1.0, 1.0))


def test_changing_eta_runs_the_path_again_from_the_same_start(qtbot, window):
    pane = load(qtbot, window, "Paraboloid")
    pane.descend_from(1.0, -1.0)
    pane.eta_spin.setValue(0.25)  # a step multiplies p by 1 − 2η = 0.5
    assert pane.path.points[:4] == pytest.approx(np.array([[1, -1], [0.5, -0.5], [0.25, -0.25],
                                                           [0.125, -0.125]]), rel=1e-14)


def test_on_rosenbrock_the_path_goes_downhill_at_every_step(qtbot, window):
    pane = load(qtbot, window, "Rosenbrock's valley")
    pane.eta_spin.setValue(0.001)
    pane.descend_from(-1.2, 2.2)
    assert pane.path.steps == 200 and np.all(np.diff(pane.path.values) < 0)


def test_the_descent_controls_belong_to_scalar_fields_only(qtbot, window):
    pane = load(qtbot, window, "Sphere")
    assert not pane.descent_box.isVisible() and not pane.direction_box.isVisible()
    assert pane.area_box.isVisible()
    click(qtbot, pane, 1.0, 1.0, Qt.KeyboardModifier.ShiftModifier)
    assert pane.path is None


def test_the_step_size_box_has_a_name_and_its_range(qtbot):
    from jacviz.ui.shapes.pane import ShapesPane

    pane = ShapesPane(None)
    qtbot.addWidget(pane)
    assert pane.eta_spin.accessibleName() == "gradient descent step size η"
    assert (pane.eta_spin.minimum(), pane.eta_spin.maximum()) == (1e-4, 10.0)


# ---------------------------------------------------------------------------------------
# the directional derivative along v


def test_the_readout_gives_the_directional_derivative_along_a_typed_v(qtbot, window):
    pane = load(qtbot, window, "Paraboloid")
    pane.move_cursor(1.0, 2.0)
    assert "∇f·v: type a direction v below" in pane.readout.text()
    edit = pane.direction_edit
    edit.clear()
    qtbot.keyClicks(edit, "3, 4")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.model.vectors.v == (3.0, 4.0)  # the vectors tool's v
    # ∇f(1, 2) = (2, 4), and (2, 4)·(3, 4) = 22; per unit length 22/5
    text = pane.readout.text()
    assert "∇f·v = J(p)·v = 22 for v = (3, 4)" in text and "per unit length along v: 4.4" in text


def test_the_vectors_tools_v_in_the_model_drives_the_readout(qtbot, window):
    pane = load(qtbot, window, "Paraboloid")
    pane.move_cursor(1.0, 2.0)
    window.model.set_vectors(v=(-1.0, 0.5))  # as dragging the vectors tool's handle does
    assert "∇f·v = J(p)·v = 0 for v = (−1, 0.5)" in pane.readout.text()  # −2 + 2: along the level line
    assert pane.direction_edit.text() == "-1, 0.5"
    pane.move_cursor(0.0, 3.0)
    assert "∇f·v = J(p)·v = 3 for v = (−1, 0.5)" in pane.readout.text()


def test_a_bad_direction_is_a_message_and_keeps_v(qtbot, window):
    pane = load(qtbot, window, "Paraboloid")
    window.model.set_vectors(v=(3.0, 4.0))
    edit = pane.direction_edit
    edit.clear()
    qtbot.keyClicks(edit, "3, four")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.model.vectors.v == (3.0, 4.0) and edit.text() == "3, 4"
    assert status(window).startswith("⚠ the direction v needs two numbers")


def test_parse_direction_and_parse_rect_read_numbers_only():
    from jacviz.core.errors import UsageError
    from jacviz.ui.shapes.pane import parse_direction, parse_rect

    assert parse_direction("(3, 4)") == (3.0, 4.0) and parse_direction("−1 2.5") == (-1.0, 2.5)
    assert parse_direction("  ") is None
    for bad in ("1", "1, 2, 3", "nan, 1", "__import__('os'), 1"):
        with pytest.raises(UsageError):
            parse_direction(bad)
    assert parse_rect("0, 2π, 0, pi") == (0.0, 2 * math.pi, 0.0, math.pi)
    assert parse_rect("-pi/2, 3π/4, -1, 1.5") == (-math.pi / 2, 3 * math.pi / 4, -1.0, 1.5)
    for bad in ("0, 1, 0", "0, 1, 1, 0", "0, 1, 0, e", "0, 1, 0, 2**3"):
        with pytest.raises(UsageError):
            parse_rect(bad)


# ---------------------------------------------------------------------------------------
# a surface's area


def wait_area(qtbot, pane):
    qtbot.waitUntil(lambda: pane.area is not None, timeout=APPLY_TIMEOUT_MS)
    return pane.area


def test_the_sphere_has_area_four_pi_over_a_typed_region(qtbot, window):
    pane = load(qtbot, window, "Sphere")
    edit = pane.area_rect_edit
    assert edit.text() == "0, 6.2832, 0, 3.1416"  # the visible domain (the preset's)
    edit.clear()
    qtbot.keyClicks(edit, "0, 2pi, 0, pi")  # (QTest aborts on typing a non-Latin-1 π; parse_rect reads it)
    qtbot.mouseClick(pane.area_button, Qt.MouseButton.LeftButton)
    report = wait_area(qtbot, pane)
    assert report.rect == (0.0, 2 * math.pi, 0.0, math.pi)
    assert abs(report.surface_area - 4 * math.pi) < 1e-6 and report.converged
    # the mapped mesh's flat triangles lie inside the sphere: a little less, converging as h²
    assert 4 * math.pi * (1 - 1e-3) < report.mesh_area < 4 * math.pi
    text = pane.area_label.text()
    assert f"∬ √det(JᵀJ) dA = {report.surface_area:.10g} ± " in text
    assert text.startswith("∬ √det(JᵀJ) dA = 12.566370") and "mapped mesh (256² cells): 12.56" in text
    assert status(window).startswith("Surface area over [0, 6.283] × [0, 3.142]: 12.566370")


def test_the_area_of_the_visible_domain_follows_the_view(qtbot, window):
    pane = load(qtbot, window, "Sphere")
    # half the sphere's v range: ∬ |sin v| over [0, 2π] × [0, π/2] = 2π
    pane.domain.setRange(xRange=(0, 2 * math.pi), yRange=(0, math.pi / 2), padding=0)
    (x0, x1), (y0, y1) = pane.domain.getPlotItem().vb.viewRange()
    assert pane.area_rect_edit.text().startswith("0, 6.283185307, 0, 1.570796327")
    pane.compute_surface_area()
    report = wait_area(qtbot, pane)
    assert report.rect == (x0, x1, y0, y1)
    assert report.surface_area == pytest.approx((x1 - x0) * (math.cos(y0) - math.cos(y1)), rel=1e-9)
    assert report.surface_area == pytest.approx(2 * math.pi, rel=1e-9)


def test_the_torus_area_and_a_parameter_change(qtbot, window):
    pane = load(qtbot, window, "Torus")
    pane.area_rect_edit.setText("0, 2pi, 0, 2pi")
    pane.area_rect_edit.textEdited.emit("0, 2pi, 0, 2pi")  # as typing does
    pane.compute_surface_area()
    report = wait_area(qtbot, pane)
    assert report.surface_area == pytest.approx(4 * math.pi**2 * 2 * 1, rel=1e-9)  # 4π²Rr
    window.model.set_param_value("R", 3.0)
    qtbot.waitUntil(lambda: pane.params.get("R") == 3.0, timeout=APPLY_TIMEOUT_MS)
    assert pane.area is None and "press Surface area again" in pane.area_label.text()
    pane.compute_surface_area()
    assert wait_area(qtbot, pane).surface_area == pytest.approx(4 * math.pi**2 * 3 * 1, rel=1e-9)


def test_a_bad_region_is_a_message(qtbot, window):
    pane = load(qtbot, window, "Sphere")
    pane.area_rect_edit.setText("0, 1, 1, 1")
    pane.area_rect_edit.textEdited.emit("0, 1, 1, 1")
    qtbot.mouseClick(pane.area_button, Qt.MouseButton.LeftButton)
    assert pane.area is None and status(window).startswith("⚠ the region")


# ---------------------------------------------------------------------------------------
# the path on the 3D graph, under Xvfb with Mesa

XVFB_SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from jacviz.core.pipeline.build import build
    from jacviz.ui.shapes.gl import gl_available
    from jacviz.ui.shapes.pane import ShapesPane
    out = {"gl": gl_available()}
    if out["gl"]:
        pane = ShapesPane(None)
        pane.resize(1200, 600)
        pane.show()
        pane.show_mapping(build("x^2 + y^2"), {}, (-2, 2, -2, 2))
        pane.descend_from(1.0, 1.0)
        import time
        deadline = time.monotonic() + 30
        while not pane.is_idle() and time.monotonic() < deadline:  # the resample of the locked aspect
            app.processEvents()
            time.sleep(0.005)
        for _ in range(5):
            app.processEvents()
        items = pane.scene3d._path
        out["path_items"] = [type(item).__name__ for item in items]
        out["pos"] = np.asarray(items[-1].pos).tolist()
        out["scale"] = pane._z_scale
        out["extent"] = max(pane.rect[1] - pane.rect[0], pane.rect[3] - pane.rect[2])
        img = pane.scene3d.widget.grabFramebuffer()
        red = sum(1 for x in range(0, img.width(), 2) for y in range(0, img.height(), 2)
                  if (lambda c: c.red() > 180 and c.green() < 80 and c.blue() < 100)(img.pixelColor(x, y)))
        out["red"] = red
        pane.clear_path()
        out["after_clear"] = len(pane.scene3d._path)
    sys.stdout.write(json.dumps(out))
""")


@pytest.mark.xvfb
@pytest.mark.skipif(not shutil.which("xvfb-run"), reason="needs Xvfb (apt-get install xvfb libgl1-mesa-dri)")
def test_the_descent_path_lies_on_the_3d_graph_under_xvfb(tmp_path):
    data = run_gl_script(XVFB_SCRIPT, tmp_path)
    assert data["path_items"] == ["GLLinePlotItem", "GLScatterPlotItem"]
    pos = np.array(data["pos"])
    k = np.arange(len(pos))
    xy = 0.8 ** k[:, None] * np.array([1.0, 1.0])
    # the GL items hold float32: agreement to its 24 bits
    np.testing.assert_allclose(pos[:, :2], xy, rtol=1e-6, atol=1e-30)
    # z is f as the graph draws it (scaled), lifted by 1 % of the domain's larger side above it
    # (the view's: an aspect-locked view larger than the samples is sampled again, path and all)
    np.testing.assert_allclose(pos[:, 2], 2 * 0.64**k * data["scale"] + 0.01 * data["extent"], rtol=1e-6)
    assert data["red"] > 20  # the crimson path is painted over the graph
    assert data["after_clear"] == 0
