"""The laboratory tools in the window: region, vectors, preimages, morph, chains, and the
linearization-error heatmap."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from uihelpers import APPLY_TIMEOUT_MS, apply, settled, wait_idle


def _lab_idle(window) -> bool:
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()  # deliver a finished result before asking again
    tools_idle = all(window.tool(n).worker.is_idle() for n in ("region", "vectors", "preimages"))
    return tools_idle and settled(window)


def _wait_lab(qtbot, window):
    qtbot.waitUntil(lambda: _lab_idle(window), timeout=APPLY_TIMEOUT_MS)


def _drag(view, a, b):
    """A real left-button drag in the viewport from data point a to data point b."""
    start, end = view.data_to_widget(*a), view.data_to_widget(*b)
    vp = view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for k in range(1, 11):
        pos = start + (end - start) * (k / 10)
        QTest.mouseMove(vp, QPoint(round(pos.x()), round(pos.y())))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def test_region_tool_drag_checks_change_of_variables(qtbot, window):
    """Polar coordinates on [0, 1] × [0, 1]: ∬|det J| = ∬ r dr dθ = 1/2 = area F(R)."""
    apply(qtbot, window, "(r, t) -> r cos(t), r sin(t)")
    window.domain.show_rect((-0.5, 1.5, -0.5, 1.5))
    wait_idle(qtbot, window)
    window.tool("region").button.setChecked(True)
    before = window.domain.visible_rect()
    _drag(window.domain, (0.0, 0.0), (1.0, 1.0))
    assert window.domain.visible_rect() == before  # the drag drew a region, it did not pan
    _wait_lab(qtbot, window)
    report = window.tool("region").report
    assert report is not None
    x0, x1, y0, y1 = window.model.region["rect"]
    # the pixel grid decides the exact corners; compare with the closed form for those
    expected_abs = (x1**2 - x0**2) / 2 * (y1 - y0)
    assert report.integral_abs_det == pytest.approx(expected_abs, rel=1e-6)
    assert report.image_area == pytest.approx(expected_abs, rel=1e-3)
    panel = window.tool("region").panel
    assert panel.isVisible()
    assert float(panel.labels["absdet"].text()) == pytest.approx(expected_abs, rel=1e-3)
    assert "one-to-one" in panel.verdict.text()


def test_region_that_folds_is_explained_and_shaded(qtbot, window):
    """z² on a square around 0 covers its image twice: area F(R) < ∬|det J|."""
    apply(qtbot, window, "z^2")
    window.tool("region").set_region({"rect": (-1.0, 1.0, -1.0, 1.0)})
    _wait_lab(qtbot, window)
    report = window.tool("region").report
    assert report.image_area < report.integral_abs_det
    assert report.max_preimages == 2
    text = window.tool("region").panel.verdict.text()
    assert "not one-to-one" in text and "2 times" in text
    assert window.tool("region").coverage.isVisible()  # the doubly covered part is shaded
    # polygon: click three corners and double-click; the fold preset shades det J < 0
    apply(qtbot, window, "x, y^2")
    window.tool("region").button.setChecked(True)
    for pt in [(-1.0, -1.0), (1.0, -1.0), (0.0, 1.0)]:
        window.domain.clicked.emit(*pt, Qt.KeyboardModifier.NoModifier, False)
    window.domain.clicked.emit(0.0, 1.0, Qt.KeyboardModifier.NoModifier, True)  # the double-click
    _wait_lab(qtbot, window)
    report = window.tool("region").report
    assert report.domain_area == pytest.approx(2.0)
    assert report.folds and 0 < report.negative_fraction < 1
    assert window.tool("region").fold_overlay.isVisible()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    window.domain.setFocus()
    qtbot.keyClick(window.domain, Qt.Key.Key_Escape)
    assert window.model.region is None
    assert not window.tool("region").fold_overlay.isVisible()


def test_vectors_show_jvp_and_vjp(qtbot, window):
    apply(qtbot, window, "x^2 - y^2, 2xy")
    window.move_cursor(0.5, 0.25)
    window.tool("vectors").box.setChecked(True)
    _wait_lab(qtbot, window)  # the default loss compiles in the background
    window.model.set_vectors(v=(0.3, -0.2), g=(1.0, 2.0))
    jac = np.array([[1.0, -0.5], [0.5, 1.0]])  # [[2x, -2y], [2y, 2x]] at (0.5, 0.25)
    labels = window.tool("vectors").panel.labels

    def vec(key):
        return [float(s) for s in labels[key].text().strip("()").split(",")]

    assert vec("jvp") == pytest.approx(jac @ [0.3, -0.2], abs=1e-3)
    assert vec("vjp") == pytest.approx(jac.T @ [1.0, 2.0], abs=1e-3)
    # L = (u² + v²)/2: ∇L = F(p), and ∇(L∘F) = Jᵀ F(p)
    fp = np.array([0.5**2 - 0.25**2, 2 * 0.5 * 0.25])
    assert vec("grad_loss") == pytest.approx(fp, abs=1e-3)
    assert vec("grad_pullback") == pytest.approx(jac.T @ fp, abs=1e-3)
    # dragging the handle sets v
    window.tool("vectors").drag_tangent_to(0.5 + 0.1, 0.25 + 0.1)
    assert vec("v") == pytest.approx([0.1, 0.1], abs=1e-3)
    # a bad loss is reported where it was typed
    window.tool("vectors").panel.loss_edit.setText("u, v")
    window.tool("vectors").panel.lossChanged.emit("u, v")
    _wait_lab(qtbot, window)
    assert "loss" in window.tool("vectors").panel.loss_error.text()


def test_hovering_the_codomain_marks_the_preimages(qtbot, window):
    """z² sends ±p to the same point: hovering F(p) circles both p and −p."""
    apply(qtbot, window, "z^2")
    window.domain.show_rect((-2, 2, -2, 2))
    wait_idle(qtbot, window)
    q = (0.75, 1.0)  # = (1 + 0.5i)²
    view = window.codomain
    window.tool("region").button.setChecked(False)
    QTest.mouseMove(view.viewport(), view.data_to_widget(*q))
    qtbot.waitUntil(lambda: len(window.tool("preimages").points) == 2, timeout=APPLY_TIMEOUT_MS)
    pts = window.tool("preimages").points
    hovered = window.tool("preimages").hover.getData()
    qx, qy = hovered[0][0], hovered[1][0]
    for p in pts:
        u, v = p[0] ** 2 - p[1] ** 2, 2 * p[0] * p[1]
        assert (u, v) == pytest.approx((qx, qy), abs=1e-6)
    assert pts[0] == pytest.approx(-pts[1], abs=1e-6)
    assert "2 preimages" in window.statusBar().currentMessage()


def test_morph_from_identity_to_f(qtbot, window):
    apply(qtbot, window, "x^2 - y^2, 2xy")
    window.model.set_morph_t(0.0)
    wait_idle(qtbot, window)
    grid = window.scene.grid
    assert np.allclose(grid.vertical_image, grid.vertical, equal_nan=True)
    assert np.nanmax(np.abs(window.scene.det - 1)) < 1e-5
    window.tool("morph").slider.setValue(window.tool("morph").slider.maximum())
    wait_idle(qtbot, window)
    x, y = grid.vertical[100]
    u, v = window.scene.grid.vertical_image[100]
    assert (u, v) == pytest.approx((x * x - y * y, 2 * x * y))


def test_chain_readout_multiplies_the_layers(qtbot, window):
    apply(qtbot, window, "tanh(x + 2y), tanh(x - y); 2x - y, x + 3y")
    window.move_cursor(0.3, -0.2)
    panel = window.tool("chain").panel
    assert panel.isVisible()
    text = panel.text.text()
    assert "S1 at" in text and "S2 at" in text and "J2 · J1" in text
    j = window.prepared.compiled.jacobian_at(0.3, -0.2)
    first = f"{j[0, 0]:.4g}"
    assert first in text.split("J2 · J1 =")[1]


def test_linearization_error_heatmap(qtbot, window):
    apply(qtbot, window, "x^2, y")
    window.set_h(0.25)
    window.set_mode("linerr")
    wait_idle(qtbot, window)
    field = window.scene.fields["linerr"]
    assert field is not None
    # ‖F(p + hu) − F(p) − J hu‖/h = h·u_x², largest for u = e1: exactly h everywhere
    assert np.nanmax(np.abs(field - 0.25)) < 1e-6


def test_morph_gif_command(tmp_path):
    out = tmp_path / "m.gif"
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)
    res = subprocess.run([sys.executable, "-m", "jacviz", "export", "z^2", "--morph", str(out),
                          "--frames", "5", "--size", "400x200"], capture_output=True, text=True,
                         timeout=300, env=env)
    assert res.returncode == 0, res.stderr
    from PIL import Image

    gif = Image.open(out)
    assert gif.n_frames == 5 and gif.size == (400, 200)
    first = np.asarray(gif.convert("RGB"), dtype=int)
    gif.seek(4)
    last = np.asarray(gif.convert("RGB"), dtype=int)
    assert np.abs(first - last).sum() > 0  # the picture moved
