"""The window for every shape: each applies, draws its 2D view and shows the readout after a move.

Offscreen (no OpenGL): the 3D view is not made, a message stands in its place. The 3D view
itself is tested under Xvfb with Mesa in a separate process (skipped when Xvfb is missing).
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import textwrap
from collections import Counter

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPalette, QRegion
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from uihelpers import APPLY_TIMEOUT_MS, apply, run_gl_script, wait_idle

from jacviz.core.figure.build import number
from jacviz.core.persistence.presets import load_presets
from jacviz.ui.shapes.pane import LEVEL_HALF_CELLS, SLIDER_STEPS, local_level_line

SHAPE_PRESETS = ["Paraboloid", "Rosenbrock's valley", "Helix", "Sphere", "Torus", "Cylindrical coordinates",
                 "Spherical coordinates"]


def preset(name: str):
    return next(p for p in load_presets() if p.name == name)


def mouse_move(pane, *view_point: float) -> None:
    """A pointer move over the pane's 2D view at ``view_point`` (view coordinates), as Qt delivers it."""
    vb = pane.domain.getPlotItem().vb
    x, y = view_point if len(view_point) == 2 else (view_point[0], 0.0)
    pane.domain.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(x, y)))


def load(qtbot, window, name: str):
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        window.load_preset(preset(name))
    wait_idle(qtbot, window)
    return window.shapes


@pytest.mark.parametrize("name", SHAPE_PRESETS)
def test_every_shape_preset_applies_and_shows_the_pane(qtbot, window, name):
    pane = load(qtbot, window, name)
    assert pane.isVisible() and not window.splitter.isVisible()
    assert pane.title.text() == pane.prepared.label
    assert "J(p), " in pane.readout.text()
    assert not window.mapping_bar.error.isVisible()
    _m, n = pane.shape
    if n > 1:
        image = pane.heat.image
        assert image.shape == (192, 192) and np.isfinite(image).mean() > 0.9
    else:
        assert pane.curve is not None and np.isfinite(pane.curve.speed).all()
    for pname, spec in preset(name).params.items():
        assert window.current_params()[pname] == pytest.approx(spec.value)


def test_offscreen_there_is_no_gl_view_but_a_message(qtbot, window):
    pane = load(qtbot, window, "Paraboloid")
    assert pane.scene3d is None and not pane.has_3d
    message = pane.findChild(QLabel, "shape3dMessage")
    assert message is not None and message.isVisible() and "OpenGL" in message.text()


def test_scalar_field_readout_after_a_mouse_move(qtbot, window):
    pane = load(qtbot, window, "Paraboloid")
    mouse_move(pane, 1.0, 0.5)
    info = pane.info
    assert info.point == pytest.approx((1.0, 0.5), abs=0.02)
    x, y = info.point
    assert info.gradient == pytest.approx((2 * x, 2 * y), rel=1e-12)
    text = pane.readout.text()
    assert "J(p), 1×2:" in text and "∇f = Jᵀ =" in text and "|∇f| =" in text
    assert "steepest ascent" in text and "det J" not in text
    # ∇f(p) is drawn at p, and the level line through p is the circle of radius |p|
    gx, gy = pane.cursor_strokes["gradient"].T
    assert len(gx) == 6 and gx[0] == pytest.approx(x) and gy[0] == pytest.approx(y)
    level = pane.cursor_strokes["level"]
    lx, ly = level[np.isfinite(level).all(axis=1)].T  # pieces are separated by NaN rows
    assert len(lx) > 20
    np.testing.assert_allclose(np.hypot(lx, ly), math.hypot(x, y), rtol=2e-2)
    # only the piece near p: within LEVEL_HALF_CELLS cells of it, and through it
    x0, x1, y0, y1 = pane.rect
    rows, cols = pane.field.field.shape
    assert np.max(np.abs(lx - x)) <= (LEVEL_HALF_CELLS + 1) * (x1 - x0) / cols
    assert np.max(np.abs(ly - y)) <= (LEVEL_HALF_CELLS + 1) * (y1 - y0) / rows
    assert np.min(np.hypot(lx - x, ly - y)) < 0.05
    # perpendicular: the shaft of the arrow is along p, the level circle's tangent is across it
    shaft = np.array([gx[1] - gx[0], gy[1] - gy[0]])
    assert abs(shaft[0] * y - shaft[1] * x) < 1e-9 * np.linalg.norm(shaft)


class _Events(QObject):
    """Counts the paint and layout-request events of the widgets it watches."""

    def __init__(self, *widgets):
        super().__init__()
        self.seen = Counter()
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, obj, event):
        if event.type() in (QEvent.Type.Paint, QEvent.Type.LayoutRequest):
            self.seen[(obj.objectName() or "parent", event.type().name)] += 1
        return False


def test_a_cursor_move_repaints_the_readout_alone(qtbot, window):
    # a word-wrapped QLabel asked the side panel to lay itself out, and its parents to paint
    # under it, at every move: 0.9 ms of a 3 ms move; the readout now paints all of itself
    pane = load(qtbot, window, "Rosenbrock's valley")
    mouse_move(pane, 0.4, 0.5)
    qtbot.waitUntil(lambda: pane.readout.height() > 0)
    QApplication.processEvents()
    side = pane.readout.parentWidget()
    events = _Events(pane.readout, side)
    before = pane.readout.text()
    mouse_move(pane, 0.45, 0.6)
    assert pane.readout.text() != before
    qtbot.waitUntil(lambda: events.seen[("shapeReadout", "Paint")] > 0)
    QApplication.processEvents()
    assert events.seen[("parent", "Paint")] == 0
    assert events.seen[("parent", "LayoutRequest")] == 0
    # it says it paints all of itself (so Qt paints nothing under it), and it does
    assert pane.readout.testAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
    image = QImage(pane.readout.size(), QImage.Format.Format_RGB32)
    image.fill(QColor(255, 0, 255))
    pane.readout.render(image, QPoint(), QRegion(), QWidget.RenderFlag(0))  # no background drawn for it
    corner = image.pixelColor(pane.readout.width() - 2, pane.readout.height() - 2)
    assert corner == pane.readout.palette().color(QPalette.ColorRole.Window)


def test_a_narrow_readout_keeps_every_line_and_word(qtbot, window):
    pane = load(qtbot, window, "Rosenbrock's valley")
    mouse_move(pane, 0.4, 0.5)
    readout = pane.readout
    readout.resize(100, readout.height())  # the side panel dragged narrow
    flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)
    needed = readout.fontMetrics().boundingRect(0, 0, 96, 100000, flags, readout.text()).height()
    assert readout.height() >= needed
    widest = max(readout.fontMetrics().horizontalAdvance(w) for w in readout.text().split())
    assert readout.minimumSizeHint().width() >= widest


def test_the_readout_grows_only_when_its_text_needs_more_lines_and_copies_it(qtbot, window):
    pane = load(qtbot, window, "Rosenbrock's valley")
    readout = pane.readout
    mouse_move(pane, 0.4, 0.5)
    height = readout.height()
    line = readout.fontMetrics().height()
    lines = readout.text().count("\n") + 1
    assert lines * line <= height < (lines + 3) * line  # one line wraps at this width
    readout.setText(readout.text().replace("0.4", "0.5"))
    assert readout.height() == height
    readout.setText(readout.text() + "\none more line")
    assert readout.height() == height + line
    font = readout.font()
    font.setPointSizeF(2 * font.pointSizeF())
    readout.setFont(font)  # the same text in a larger font is measured again
    assert readout.height() > 1.8 * (height + line)
    (copy,) = readout.actions()
    copy.trigger()
    assert QApplication.clipboard().text() == readout.text()


def test_scalar_field_heatmap_pixels_are_dark_at_the_minimum_and_bright_at_the_corner(qtbot, window):
    pane = load(qtbot, window, "Paraboloid")
    vb = pane.domain.getPlotItem().vb
    image = pane.domain.grab().toImage()

    def rgb(x: float, y: float) -> np.ndarray:
        """The median colour of a 9×9 patch around (x, y): contour lines and arrows do not count."""
        view = pane.domain.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
        patch = [image.pixelColor(view.x() + dx, view.y() + dy).getRgb()[:3]
                 for dx in range(-4, 5) for dy in range(-4, 5)]
        return np.median(np.array(patch), axis=0)

    # viridis: dark purple (68, 1, 84) at the minimum f = 0, yellow (253, 231, 37) where f is largest
    # (the corner of what is sampled: the visible domain, which the aspect-locked view widens)
    x0, x1, y0, y1 = pane.rect
    low, high = rgb(0.0, 0.0), rgb(x1 - 0.02 * (x1 - x0), y1 - 0.02 * (y1 - y0))
    assert low[0] < 100 and low[1] < 60 and low[2] > low[1]
    assert high[0] > 180 and high[1] > 180 and high[2] < 120


def test_contour_lines_and_gradient_arrows_are_drawn(qtbot, window):
    pane = load(qtbot, window, "Paraboloid")
    cx, cy = pane.contours.getData()
    assert len(cx) > 100
    levels = np.array(pane.field.levels)
    radii = np.hypot(cx, cy)
    assert np.min(np.abs(radii[:, None] - np.sqrt(levels)[None, :]), axis=1).max() < 0.03
    ax, _ay = pane.arrows.getData()
    assert len(ax) >= 6 * 100  # shafts and barbs of a 15 × 15 field, minus any undefined
    # the labels sit on their own line (radius √level), away from the frame and from each other
    assert len(pane.labels) >= len(levels) // 2
    x0, x1, y0, y1 = pane.rect
    spots = []
    for label in pane.labels:
        level = float(label.textItem.toPlainText())
        px, py = label.pos().x(), label.pos().y()
        assert math.hypot(px, py) == pytest.approx(math.sqrt(level), abs=0.03)
        assert x0 + 0.07 * (x1 - x0) < px < x1 - 0.07 * (x1 - x0)
        assert y0 + 0.07 * (y1 - y0) < py < y1 - 0.07 * (y1 - y0)
        spots.append(((px - x0) / (x1 - x0), (py - y0) / (y1 - y0)))
    gaps = [math.dist(a, b) for i, a in enumerate(spots) for b in spots[i + 1:]]
    assert min(gaps) > 0.12


def test_rosenbrock_labels_do_not_pile_up_on_the_edge(qtbot, window):
    # its lines leave the view on the right, where the old rule put every label
    pane = load(qtbot, window, "Rosenbrock's valley")
    x0, x1, _y0, _y1 = pane.rect
    xs = [label.pos().x() for label in pane.labels]
    assert len(xs) >= 4 and max(xs) < x1 - 0.07 * (x1 - x0)


def test_curve_readout_gives_the_speed(qtbot, window):
    pane = load(qtbot, window, "Helix")
    mouse_move(pane, 2.0)
    assert pane.info.point[0] == pytest.approx(2.0, abs=0.05)
    assert pane.info.speed == pytest.approx(math.sqrt(1 + 1 / 25), rel=1e-12)
    assert "speed |J| = 1.02" in pane.readout.text() and "J(p), 3×1:" in pane.readout.text()
    assert pane.t_line.value() == pytest.approx(pane.info.point[0])


def test_a_plane_curve_draws_itself_with_its_tangent(qtbot, window):
    apply(qtbot, window, "(t) -> cos(t), sin(2t)")
    pane = window.shapes
    assert pane.plane.isVisible()
    pane.move_cursor(0.5)
    tx, ty = pane.plane_tangent.getData()
    direction = np.array([tx[1] - tx[0], ty[1] - ty[0]])
    want = np.array([-math.sin(0.5), 2 * math.cos(1.0)])
    cross = direction[0] * want[1] - direction[1] * want[0]
    assert abs(cross) < 1e-9 * np.linalg.norm(want) * np.linalg.norm(direction) and direction @ want > 0


def test_surface_readout_gives_the_area_element_and_normal(qtbot, window):
    pane = load(qtbot, window, "Sphere")
    mouse_move(pane, 0.3, 1.0)
    _u, v = pane.info.point
    assert pane.info.area_element == pytest.approx(abs(math.sin(v)), rel=1e-12)
    text = pane.readout.text()
    assert "J(p), 3×2:" in text and "normal J₁ × J₂" in text and "area element" in text
    # the heatmap is the area element: |sin v| along a column
    image, (_x0, _x1, y0, y1) = pane.heat.image, pane.rect
    vs = y0 + (np.arange(192) + 0.5) * (y1 - y0) / 192
    np.testing.assert_allclose(image[:, 10], np.abs(np.sin(vs)), rtol=1e-12, atol=1e-14)


def test_torus_follows_its_parameters(qtbot, window):
    pane = load(qtbot, window, "Torus")
    pane.move_cursor(1.0, 0.5)
    assert pane.info.area_element == pytest.approx(1 * (2 + math.cos(0.5)), rel=1e-12)
    window.model.set_param_value("R", 3.0)  # as dragging its slider does
    qtbot.waitUntil(lambda: pane.params.get("R") == 3.0, timeout=APPLY_TIMEOUT_MS)
    assert pane.info.area_element == pytest.approx(1 * (3 + math.cos(0.5)), rel=1e-12)


def test_a_map_of_space_shows_det_j_on_a_slice_with_a_slider(qtbot, window):
    pane = load(qtbot, window, "Spherical coordinates")
    assert pane.slider.isVisible()
    mouse_move(pane, 1.5, 0.7)
    r, p, t = pane.info.point
    assert t == pytest.approx(pane.slice_value)
    assert pane.info.det == pytest.approx(r**2 * math.sin(p), rel=1e-12)
    assert "J(p), 3×3:" in pane.readout.text() and "det J =" in pane.readout.text()
    assert "singular values" in pane.readout.text()
    pane.set_slice(1.0)
    assert pane.slice_value == pytest.approx(1.0, abs=0.05)
    assert pane.info.point[2] == pytest.approx(pane.slice_value)
    assert "t = " in pane.slider_label.text()
    # det J = r² sin p does not depend on t: the slices agree, and det J ≥ 0 on p ∈ [0, π]
    image, (x0, x1, y0, y1) = pane.heat.image, pane.rect
    rs = x0 + (np.arange(192) + 0.5) * (x1 - x0) / 192
    ps = y0 + (np.arange(192) + 0.5) * (y1 - y0) / 192
    np.testing.assert_allclose(image, rs[None, :] ** 2 * np.sin(ps)[:, None], rtol=1e-10, atol=1e-12)


def test_typed_spherical_coordinates_frame_themselves_on_a_slice_where_det_j_lives(qtbot, window):
    apply(qtbot, window, "(r, t, p) -> r sin(p) cos(t), r sin(p) sin(t), r cos(p)")
    pane = window.shapes
    assert pane.rect == pytest.approx((0.0, 2.0, -math.pi, math.pi))  # r ≥ 0, t over one turn
    assert pane.third == pytest.approx((0.0, math.pi))
    assert pane.slice_value == pytest.approx(math.pi / 2, abs=0.02)  # not the axis p = 0
    mouse_move(pane, 1.5, 0.7)
    r, _t, p = pane.info.point
    # in the order (r, t, p) the orientation flips: det J = −r² sin p
    assert pane.info.det == pytest.approx(-(r**2) * math.sin(p), rel=1e-12) and abs(pane.info.det) > 2.0


def test_x_y_z_typed_is_a_map_of_space_and_a_planar_mapping_brings_the_views_back(qtbot, window):
    apply(qtbot, window, "x + y z, y, z")
    assert window.shapes.isVisible() and window.shapes.shape == (3, 3)
    assert "map of space" in window.status_label.text()
    assert not window.mode_box.isEnabled() and not window.lens_box.isEnabled()  # planar controls
    apply(qtbot, window, "x^2 - y^2, 2xy")
    assert not window.shapes.isVisible() and window.splitter.isVisible()
    assert window.mode_box.isEnabled() and window.lens_box.isEnabled() and window.h_box.isEnabled()
    assert window.prepared.text == "x^2 - y^2, 2xy"
    assert window.readout.labels["det"].text() != ""


def test_a_scalar_field_typed_no_longer_reads_as_a_planar_mapping(qtbot, window):
    """x^2 + y^2 used to be silently (x² + y², 0) with det J = 0; it is a scalar field now."""
    apply(qtbot, window, "x^2 + y^2")  # the paraboloid preset's formula: its note is shown
    assert window.shapes.prepared.label == "scalar field f(x, y)"
    assert window.status_label.text().startswith("scalar field f(x, y) · ")
    apply(qtbot, window, "x^2 + 3 y^2")  # not a preset: the message names the reading
    assert window.statusBar().currentMessage().endswith("(scalar field f(x, y))")


# ---------------------------------------------------------------------------------------
# jacviz export of the other shapes


def _export(tmp_path, *args):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "JACVIZ_CONFIG_DIR": str(tmp_path / "cfg")}
    return subprocess.run([sys.executable, "-m", "jacviz", "export", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_export_of_a_scalar_field_writes_the_2d_view_and_says_the_3d_view_is_left_out(tmp_path):
    from PIL import Image

    out = tmp_path / "field.png"
    res = _export(tmp_path, "x^2 + y^2", "-o", str(out), "--size", "900x500")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(out)
    assert res.stderr.count("\n") == 1 and "3D view needs OpenGL" in res.stderr
    with Image.open(out) as im:
        assert im.size == (900, 500)
        colors = im.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colors is not None and len(colors) > 100  # a heatmap, not a blank page


def test_export_of_the_3d_view_alone_without_gl_is_one_line_and_status_2(tmp_path):
    res = _export(tmp_path, "(u, v) -> u, v, u v", "-o", str(tmp_path / "s.png"), "--view", "codomain")
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("jacviz: error: the 3D view needs OpenGL")
    assert not (tmp_path / "s.png").exists()


def test_export_of_a_map_of_space_domain_view_and_a_bad_point(tmp_path):
    out = tmp_path / "space.jpg"
    res = _export(tmp_path, "(r, p, t) -> r sin(p) cos(t), r sin(p) sin(t), r cos(p)", "-o", str(out),
                  "--view", "domain", "--at", "1,1,0")
    assert res.returncode == 0, res.stderr
    assert out.read_bytes()[:2] == b"\xff\xd8"
    bad = _export(tmp_path, "x, y, z", "-o", str(out), "--at", "1,1")
    assert bad.returncode == 2 and "--at needs 3 numbers" in bad.stderr


def _picture(path, tmp_path, size):
    """A PNG, an SVG drawn by librsvg, or a PDF page drawn by poppler, as an RGB array."""
    from PIL import Image

    if path.suffix == ".svg":
        if shutil.which("rsvg-convert") is None:
            pytest.skip("rsvg-convert is not installed (apt-get install librsvg2-bin)")
        png = tmp_path / "from-svg.png"
        subprocess.run(["rsvg-convert", "-w", str(size[0]), "-h", str(size[1]), str(path), "-o", str(png)],
                       check=True, timeout=120)
    elif path.suffix == ".pdf":
        if shutil.which("pdftoppm") is None:
            pytest.skip("pdftoppm is not installed (apt-get install poppler-utils)")
        subprocess.run(["pdftoppm", "-png", "-r", "96", "-singlefile", str(path), str(tmp_path / "from-pdf")],
                       check=True, timeout=120)
        png = tmp_path / "from-pdf.png"
    else:
        png = path
    return np.asarray(Image.open(png).convert("RGB"), dtype=int)


@pytest.mark.parametrize("suffix", [".svg", ".pdf"])
def test_a_scalar_field_exports_as_a_vector_figure_other_programs_draw_as_the_window_does(tmp_path, suffix):
    """The 2D view as SVG (read by librsvg) and PDF (read by poppler) matches its PNG pixel for pixel,
    but for antialiasing: the level line and ∇f stay lines (Qt writes them with strokes that do not
    scale, which librsvg would otherwise draw 100 times too wide), the minimum stays dark."""
    size = (600, 500)
    args = ("x^2 + y^2", "--view", "domain", "--size", "600x500", "--at", "0.8,0.5")
    png, vector = tmp_path / "field.png", tmp_path / f"field{suffix}"
    for out in (png, vector):
        res = _export(tmp_path, *args, "-o", str(out))
        assert res.returncode == 0 and res.stdout.strip() == str(out), res.stderr
    if suffix == ".svg":
        text = vector.read_text(encoding="utf-8")
        assert text.count('vector-effect="non-scaling-stroke"') <= 2 and "<polyline" in text
    else:
        assert vector.read_bytes()[:5] == b"%PDF-"
    want, got = _picture(png, tmp_path, size), _picture(vector, tmp_path, size)
    assert want.shape == got.shape == (500, 600, 3)
    differ = (np.abs(want - got).max(axis=-1) > 60).mean()
    assert differ < 0.06, differ
    orange = (np.abs(got - (230, 120, 0)).max(axis=-1) < 40).mean()  # the level line through p
    assert 0 < orange < 0.005, orange
    centre = got[240:260, 290:310].mean(axis=(0, 1))  # f's minimum, in the middle of the view
    assert centre.max() < 110, centre


def test_the_3d_view_is_not_exported_as_a_vector_file(tmp_path):
    res = _export(tmp_path, "(u, v) -> u, v, u v", "-o", str(tmp_path / "s.svg"), "--view", "codomain")
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "3D view" in res.stderr
    assert not (tmp_path / "s.svg").exists()


# ---------------------------------------------------------------------------------------
# pointer moves straight from the viewport, and the cached static layers


def _plain_move(pane, x: float, y: float) -> None:
    """A real QMouseEvent (no button) to the pane's 2D view at view point (x, y)."""
    from PySide6.QtCore import QEvent, QPoint, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    vb = pane.domain.getPlotItem().vb
    p = pane.domain.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
    viewport = pane.domain.viewport()
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(p), QPointF(viewport.mapToGlobal(QPoint(p))),
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, event)


def _rgb(image) -> np.ndarray:
    """An image's pixels as an (h, w, 3) int array of red, green and blue (RGB32 is B, G, R, A
    in memory on the little-endian machines Qt runs on here)."""
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGB32)
    raw = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    return raw[:, : image.width(), [2, 1, 0]].astype(int)


def test_the_local_level_line_is_the_marching_squares_line_near_p():
    """contourpy's level line near p has the vertices of jacviz's own marching squares on the
    same window (both interpolate linearly along the same edges), in pieces separated by NaN,
    and leaves out the squares that touch NaN (a pole)."""
    from jacviz.core.sampling.contours import critical_segments
    from jacviz.core.sampling.fields import cell_centres

    rect, n = (-2.0, 2.0, -2.0, 2.0), 192
    xs, ys = cell_centres(rect, n)
    gx, gy = np.meshgrid(xs, ys)
    field = (gx**2 + gy**2) * (1 + 0.3 * np.sin(3 * gx))
    p = (0.9, -0.4)
    level = float((p[0] ** 2 + p[1] ** 2) * (1 + 0.3 * np.sin(3 * p[0])))
    hole = (np.hypot(gx - 0.95, gy + 0.35) < 0.06)  # a few NaN samples on the line, near p
    field[hole] = np.nan
    line = local_level_line(field, rect, p, level)
    finite = np.isfinite(line).all(axis=1)
    assert finite.sum() > 20 and (~finite).sum() >= 1  # the hole cuts the line in two (or more)
    pts = line[finite]
    # the hand-written marching squares on the same window of cells: the same vertices
    dx = (rect[1] - rect[0]) / n
    j, i = int((p[0] - rect[0]) / dx), int((p[1] - rect[2]) / dx)
    h = LEVEL_HALF_CELLS
    sub = (rect[0] + (j - h) * dx, rect[0] + (j + h) * dx, rect[2] + (i - h) * dx, rect[2] + (i + h) * dx)
    ours = critical_segments(field[i - h:i + h, j - h:j + h], sub, level)
    key = lambda a: {(round(x, 9), round(y, 9)) for x, y in a}  # noqa: E731
    assert key(pts) == key(ours)
    # nothing is drawn in a square with a NaN corner: the edges of the other squares keep at
    # least a cell's width from every NaN sample
    hx, hy = gx[hole], gy[hole]
    gap = np.min(np.hypot(pts[:, 0, None] - hx[None], pts[:, 1, None] - hy[None]), axis=1)
    assert gap.min() >= dx * (1 - 1e-9)
    assert local_level_line(field, rect, p, 1e9).shape == (0, 2)  # no line at that level


def test_the_last_of_quick_pointer_moves_is_the_one_shown(qtbot, window):
    # pyqtgraph's sigMouseMoved drops a move that follows the previous one within 10 ms;
    # the pane takes moves from the viewport, so none is lost and the last one stays shown
    pane = load(qtbot, window, "Paraboloid")
    for x, y in ((0.3, 0.2), (-0.9, 0.4), (1.1, -0.6)):
        _plain_move(pane, x, y)
    assert pane.cursor == pytest.approx((1.1, -0.6), abs=0.02)
    x, y = pane.cursor
    assert pane.info.gradient == pytest.approx((2 * x, 2 * y), rel=1e-12)
    level = pane.cursor_strokes["level"]
    lx, ly = level[np.isfinite(level).all(axis=1)].T
    np.testing.assert_allclose(np.hypot(lx, ly), math.hypot(x, y), rtol=2e-2)


def test_the_cursor_marks_are_painted_where_the_level_line_and_gradient_are(qtbot, window):
    """The level line (orange) through p and ∇f(p) (green) are painted by one overlay item:
    the grabbed view has the level line's colour on the circle |q| = |p| and the arrow's on the
    ray from p along p, and the dot's black at p itself."""
    pane = load(qtbot, window, "Paraboloid")
    _plain_move(pane, 0.9, 0.6)
    assert pane.cursor == pytest.approx((0.9, 0.6), abs=0.02)
    pane.domain.repaint()
    rgb = _rgb(pane.domain.grab().toImage())
    vb = pane.domain.getPlotItem().vb
    ratio = pane.domain.devicePixelRatioF()

    def pixel(x, y):
        q = pane.domain.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
        return rgb[round(q.y() * ratio), round(q.x() * ratio)]

    def near(colour, points):
        # the strokes are 2.2–2.4 px wide and antialiased: within 1 px of the mathematical line
        hits = 0
        for x, y in points:
            q = pane.domain.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
            cx, cy = round(q.x() * ratio), round(q.y() * ratio)
            patch = rgb[cy - 1:cy + 2, cx - 1:cx + 2].reshape(-1, 3)
            hits += bool((np.abs(patch - colour).sum(axis=1) < 60).any())
        return hits / len(points)

    x, y = pane.cursor
    r, a = math.hypot(x, y), math.atan2(y, x)
    # the level circle, away from p (the dot and the arrow cover it there)
    arc = [(r * math.cos(a + t), r * math.sin(a + t)) for t in np.linspace(0.12, 0.3, 10)]
    assert near((230, 120, 0), arc) >= 0.9
    # the gradient's shaft: along p, beyond the dot
    size = 0.12 * min(pane.rect[1] - pane.rect[0], pane.rect[3] - pane.rect[2])
    shaft = [(x + s * math.cos(a), y + s * math.sin(a)) for s in np.linspace(0.15, 0.6, 8) * size]
    assert near((0, 120, 40), shaft) >= 0.9
    assert pixel(x, y).max() < 60  # the black dot


def test_cached_layers_show_the_new_field_after_a_pan_and_a_change(qtbot, window):
    # the heatmap, contours and arrows are cached as pixmaps; a change of the field while the
    # view was also panned must not bring back the old pixmap, shifted (see drop_cache)
    from PySide6.QtWidgets import QGraphicsItem

    pane = load(qtbot, window, "Torus")
    pane.domain.grab()  # the caches are made
    vb = pane.domain.getPlotItem().vb
    (x0, x1), _ = vb.viewRange()
    vb.translateBy(x=0.05 * (x1 - x0))
    window.model.set_param_value("R", 3.5)
    qtbot.waitUntil(lambda: pane.params.get("R") == 3.5, timeout=APPLY_TIMEOUT_MS)
    cached = _rgb(pane.domain.grab().toImage())
    for item in pane.static_items:
        assert item.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    fresh = _rgb(pane.domain.grab().toImage())
    # a cached pixmap composes to within rounding of a fresh paint (measured: 2 levels at most)
    assert cached.shape == fresh.shape
    assert np.abs(cached - fresh).max() <= 8


# ---------------------------------------------------------------------------------------
# the 3D view under Xvfb with Mesa

XVFB_SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from jacviz.core.pipeline.build import build
    from jacviz.ui.shapes.gl import gl_available
    from jacviz.ui.shapes.pane import ShapesPane
    out = {"platform": app.platformName(), "gl": gl_available()}
    if out["gl"]:
        pane = ShapesPane(None)
        pane.resize(1200, 600)
        pane.show()
        app.processEvents()
        for text, rect in (("x^2 + y^2", (-2, 2, -2, 2)),
                           ("(u, v) -> cos(u) sin(v), sin(u) sin(v), cos(v)", (0, 6.2832, 0, 3.1416))):
            pane.show_mapping(build(text), {}, rect)
            pane.move_cursor(0.8, 1.0)
            import time
            deadline = time.monotonic() + 30
            while not pane.is_idle() and time.monotonic() < deadline:  # the sampling is on a worker
                app.processEvents()
                time.sleep(0.005)
            for _ in range(5):
                app.processEvents()
            img = pane.scene3d.widget.grabFramebuffer()
            w, h = img.width(), img.height()
            samples = [img.pixelColor(x, y) for x in range(0, w, 7) for y in range(0, h, 7)]
            painted = sum(1 for c in samples if (c.red(), c.green(), c.blue()) != (255, 255, 255))
            out[text] = {"size": [w, h], "painted": painted / len(samples),
                         "items": len(pane.scene3d.widget.items), "marks": len(pane.scene3d._marks)}
    sys.stdout.write(json.dumps(out))
""")


@pytest.mark.xvfb
@pytest.mark.skipif(not shutil.which("xvfb-run"), reason="needs Xvfb (apt-get install xvfb libgl1-mesa-dri)")
def test_the_3d_view_renders_under_xvfb_with_mesa(tmp_path):
    data = run_gl_script(XVFB_SCRIPT, tmp_path)
    for text in ("x^2 + y^2", "(u, v) -> cos(u) sin(v), sin(u) sin(v), cos(v)"):
        shot = data[text]
        assert shot["size"][0] > 100 and shot["items"] >= 2
        # the cursor's marks (tangent plane or parallelogram, the point) outlive the resample that
        # follows showing a mapping (they were cleared with the scene, and not drawn again)
        assert shot["marks"] >= 2, shot
        # the graph (or the sphere) covers a good part of the frame; the rest is the white background
        assert 0.05 < shot["painted"] < 0.98, shot


def test_a_pan_beyond_the_samples_resamples_the_visible_domain(qtbot, window):
    pane = load(qtbot, window, "Paraboloid")
    x0, x1, y0, y1 = pane.rect
    vb = pane.domain.getPlotItem().vb
    vb.setRange(xRange=(x0 + 3.0, x1 + 3.0), yRange=(y0, y1), padding=0)  # panned right, off the samples
    qtbot.waitUntil(lambda: pane.rect[1] > x1 + 2.5, timeout=APPLY_TIMEOUT_MS)
    (vx0, vx1), (vy0, vy1) = vb.viewRange()
    assert pane.rect == pytest.approx((vx0, vx1, vy0, vy1))
    # the new samples are f = x² + y² at the new cell centres
    n = pane.heat.image.shape[0]
    rx0, rx1, ry0, ry1 = pane.rect
    xs = rx0 + (np.arange(n) + 0.5) * (rx1 - rx0) / n
    ys = ry0 + (np.arange(n) + 0.5) * (ry1 - ry0) / n
    np.testing.assert_allclose(pane.heat.image, xs[None, :] ** 2 + ys[:, None] ** 2, rtol=1e-9)


def test_a_small_pan_inside_the_samples_keeps_them():
    from jacviz.ui.shapes.pane import needs_resample

    assert not needs_resample((-2, 2, -2, 2), (-1.97, 2.03, -2, 2))  # within 2 % slack
    assert needs_resample((-2, 2, -2, 2), (-1.5, 2.5, -2, 2))  # off the samples
    assert needs_resample((-2, 2, -2, 2), (-0.5, 0.5, -0.5, 0.5))  # zoomed 4× in
    assert not needs_resample((-2, 2, -2, 2), (-1.5, 1.5, -1.5, 1.5))


def test_dragging_the_slice_slider_draws_coarse_slices_then_the_full_one(qtbot, window):
    pane = load(qtbot, window, "Spherical coordinates")
    full = pane.heat.image.shape
    pane.slider.setSliderDown(True)  # the user holds the handle
    pane.slider.setValue(pane.slider.value() + 40)
    assert pane.heat.image.shape[0] < full[0]  # coarse while dragging
    pane.slider.setSliderDown(False)  # released: the full slice
    assert pane.heat.image.shape == full
    # det J = r² sin p whatever t is: the refined slice is the closed form at its cell centres
    x0, x1, y0, y1 = pane.rect
    n = full[0]
    rs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
    ps = y0 + (np.arange(n) + 0.5) * (y1 - y0) / n
    want = rs[None, :] ** 2 * np.sin(ps)[:, None]
    np.testing.assert_allclose(pane.heat.image, want, rtol=1e-10, atol=1e-12)


def test_the_shapes_domain_is_saved_and_restored_with_the_session(qtbot, window):
    pane = load(qtbot, window, "Paraboloid")
    vb = pane.domain.getPlotItem().vb
    x0, x1, y0, y1 = pane.rect
    vb.setRange(xRange=(x0 + 3.0, x1 + 3.0), yRange=(y0 + 1.0, y1 + 1.0), padding=0)
    qtbot.waitUntil(lambda: pane.rect[1] > x1 + 2.5, timeout=APPLY_TIMEOUT_MS)
    saved = window.current_session()
    assert saved.mapping == "x^2 + y^2" and saved.domain_range == pytest.approx(pane.rect)
    apply(qtbot, window, "x^2 - y^2, 2xy")  # a map of the plane in between
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        window.apply_session(saved)
    assert window.shapes.isVisible() and window.shapes.rect == pytest.approx(saved.domain_range)


def _through_a_file(session):
    """The session as it comes back from disk (the writer's check and the reader's)."""
    from jacviz.core.persistence.session import from_json, to_json

    return from_json(to_json(session))


def test_a_scalar_field_session_keeps_the_cursor_eta_and_descent_path(qtbot, window):
    pane = load(qtbot, window, "Paraboloid")
    pane.eta_spin.setValue(0.05)
    pane.descend_from(1.0, -1.5)
    mouse_move(pane, 0.75, -0.25)
    saved = _through_a_file(window.current_session())
    assert saved.shape["cursor"] == pytest.approx([0.75, -0.25], abs=1e-9)
    assert saved.shape["eta"] == 0.05 and saved.shape["descent_from"] == (1.0, -1.5)
    apply(qtbot, window, "x^2 - y^2, 2xy")  # a map of the plane in between forgets the pane's state
    assert window.model.shape.cursor is None and window.current_session().shape is None
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        window.apply_session(saved)
    pane = window.shapes
    assert pane.cursor == pytest.approx((0.75, -0.25), abs=1e-9)
    assert pane.info.gradient == pytest.approx((1.5, -0.5), abs=1e-8)  # ∇(x² + y²) = (2x, 2y)
    assert pane.eta_spin.value() == 0.05
    # the path is run again: from (1, -1.5) with η = 0.05, p₁ = p₀ − η·2p₀ = 0.9 p₀
    assert pane.path is not None and pane.path_start == (1.0, -1.5)
    np.testing.assert_allclose(pane.path.points[1], (0.9, -1.35), rtol=1e-12)


def test_a_map_of_space_session_keeps_the_slice_and_the_cursor(qtbot, window):
    pane = load(qtbot, window, "Spherical coordinates")
    pane.set_slice(1.0)
    mouse_move(pane, 0.5, 1.2)
    slice_value = pane.slice_value
    saved = _through_a_file(window.current_session())
    assert saved.shape["slice"] == slice_value and len(saved.shape["cursor"]) == 3
    apply(qtbot, window, "x^2 - y^2, 2xy")
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        window.apply_session(saved)
    pane = window.shapes
    assert pane.slice_value == slice_value
    assert pane.slider_label.text() == f"{pane.prepared.variables[2]} = {number(slice_value)}"
    r, p, t = pane.cursor
    assert (r, p) == pytest.approx((0.5, 1.2), abs=1e-9) and t == slice_value
    assert pane.info.det == pytest.approx(r**2 * math.sin(p), rel=1e-12)  # det J = r² sin p
    lo, hi = pane.third  # the slider's handle stands where the slice is
    assert pane.slider.value() == round((slice_value - lo) / (hi - lo) * SLIDER_STEPS)


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_file_export_with_a_scalar_field_shown_writes_the_pane_not_the_hidden_map(qtbot, window, tmp_path,
                                                                                   suffix):
    """The planar views keep the last map of the plane while the pane shows a scalar field: File →
    Export must write what is on screen, the paraboloid's 2D view (dark minimum in the middle)."""
    pane = load(qtbot, window, "Paraboloid")
    out = tmp_path / f"shown{suffix}"
    assert window.files.export_to(out, "domain", (500, 400))
    image = _picture(out, tmp_path, (500, 400))
    assert image.shape == (400, 500, 3)
    frame = pane.domain.getPlotItem().vb.sceneBoundingRect()  # where the plot is, in the view's pixels
    sx, sy = 500 / pane.domain.width(), 400 / pane.domain.height()
    cx, cy = frame.center().x() * sx, frame.center().y() * sy
    x0, x1, y0, y1 = pane.rect
    assert abs((x0 + x1) / 2) < 0.3 and abs((y0 + y1) / 2) < 0.3  # the minimum (0, 0) mid-view
    assert image[int(cy) - 8:int(cy) + 8, int(cx) - 8:int(cx) + 8].mean(axis=(0, 1)).max() < 110
    from jacviz.core.errors import ExportError
    from jacviz.ui.export import window_figure

    with pytest.raises(ExportError, match="scalar field"):
        window_figure(window)
