"""F read as a vector field in the window: equilibria, the trace–determinant diagram, trajectories."""

import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QScrollArea
from uihelpers import APPLY_TIMEOUT_MS, apply, settled

from jacviz.core.lab.portrait import SPEED_BINS
from jacviz.core.persistence.presets import load_presets

COMPETING = "x(3 - x - 2y), y(2 - x - y)"  # rabbits and sheep (Strogatz, Nonlinear Dynamics, §6.4)


def _competing_jacobian(x, y):
    return np.array([[3 - 2 * x - 2 * y, -2 * x], [-y, 2 - x - 2 * y]])


def _ancestors(widget):
    while widget is not None:
        yield widget
        widget = widget.parentWidget()


def _idle(window) -> bool:
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    return window.tool("vectorfield").is_idle() and settled(window)


def _wait(qtbot, window):
    qtbot.waitUntil(lambda: _idle(window), timeout=APPLY_TIMEOUT_MS)


def _vector_field(qtbot, window, text, rect):
    apply(qtbot, window, text)
    window.domain.show_rect(rect)
    tool = window.tool("vectorfield")
    with qtbot.waitSignal(tool.portraitDrawn, timeout=APPLY_TIMEOUT_MS):
        tool.action.setChecked(True)  # View → Read F as a vector field
    _wait(qtbot, window)
    return tool


def test_an_eigenvalue_label_near_the_right_edge_is_drawn_left_of_its_point(qtbot, window):
    """(3, 0)'s label "λ = −1, −3" would leave a view that ends at x = 3.2: it is turned to
    the left of the point, and every label stays inside the view."""
    window.resize(1100, 760)  # the view's width in pixels decides which labels fit
    tool = _vector_field(qtbot, window, COMPETING, (-0.5, 3.2, -0.5, 2.5))
    x0, x1, _y0, _y1 = window.domain.visible_rect()
    labels = {label.toPlainText(): label.mapRectToView(label.boundingRect()) for label in tool._labels}
    assert "λ = −1, −3" in labels and "λ = 3, 2" in labels
    assert labels["λ = −1, −3"].right() < 3.0 and labels["λ = 3, 2"].left() > 0.0
    for text, rect in labels.items():
        assert x0 <= rect.left() and rect.right() <= x1, text


def test_the_competing_species_show_their_four_equilibria_with_their_types(qtbot, window):
    tool = _vector_field(qtbot, window, COMPETING, (-0.5, 3.5, -0.5, 2.5))
    assert window.model.dynamics.vector_field and tool.panel.isVisible()
    found = {(round(e.point[0], 6), round(e.point[1], 6)): e for e in tool.portrait.equilibria}
    expected = {(0, 0): ("unstable node", (3, 2)), (0, 2): ("stable node", (-1, -2)),
                (3, 0): ("stable node", (-1, -3)), (1, 1): ("saddle", (math.sqrt(2) - 1, -math.sqrt(2) - 1))}
    assert set(found) == set(expected)
    texts = tool.panel.texts()
    assert len(texts) == 4
    for (x, y), (kind, eigenvalues) in expected.items():
        eq = found[(x, y)]
        lin = eq.linear
        assert lin.kind.value == kind
        j = _competing_jacobian(x, y)
        assert lin.jacobian == pytest.approx(j, abs=1e-9)
        assert lin.trace == pytest.approx(np.trace(j), abs=1e-9)
        assert lin.det == pytest.approx(np.linalg.det(j), abs=1e-9)
        assert lin.discriminant == pytest.approx(np.trace(j) ** 2 - 4 * np.linalg.det(j), abs=1e-9)
        assert sorted(z.real for z in lin.eigenvalues) == pytest.approx(sorted(eigenvalues), abs=1e-9)
        # the panel lists it with its type, J, trace, det and discriminant
        entry = next(t for t in texts if t.startswith(f"({x:.4g}, {y:.4g})"))
        assert kind in entry and "J = [[" in entry and "trace" in entry and "trace² − 4 det" in entry
    # the view draws one glyph per equilibrium, and the eigenvector directions of each (all real here)
    assert len(tool.equilibrium_spots.data) == 4
    stable, unstable = tool.eigen.points(0), tool.eigen.points(1)  # eigenvalue < 0, > 0
    assert len(stable) > 0 and len(unstable) > 0
    # the directions drawn at the saddle (1, 1) are eigenvectors of J(1, 1)
    j = _competing_jacobian(1, 1)
    for lam, v in found[(1, 1)].linear.eigenvectors:
        assert j @ np.array(v) == pytest.approx(lam * np.array(v), abs=1e-9)
    # the arrows are drawn, coloured in bins by |F| (layers 2…), and the streamlines (layer 0)
    assert sum(len(tool.flow.points(k)) for k in range(2, 2 + SPEED_BINS)) > 0
    assert np.isfinite(tool.flow.points(0)).all(axis=1).sum() > 100
    assert not tool.flow.boundingRect().isNull()


def test_the_trace_determinant_dot_follows_the_cursor(qtbot, window):
    tool = _vector_field(qtbot, window, COMPETING, (-0.5, 3.5, -0.5, 2.5))
    diagram = tool.panel.diagram
    shown = []
    for x, y in ((0.5, 0.5), (1.5, 0.3)):
        window.move_cursor(x, y)
        j = _competing_jacobian(x, y)
        assert diagram.cursor_position() == pytest.approx((np.trace(j), np.linalg.det(j)), abs=1e-9)
        shown.append(diagram.cursor_position())
    assert shown[0] != shown[1]
    # each equilibrium is a fixed dot at its (trace, det)
    dots = sorted(map(tuple, np.round(np.column_stack(diagram.equilibria.getData()), 9)))
    assert dots == sorted([(5.0, 6.0), (-3.0, 2.0), (-4.0, 3.0), (-2.0, -1.0)])


def test_hovering_the_diagram_explains_the_region(qtbot, window):
    tool = _vector_field(qtbot, window, COMPETING, (-0.5, 3.5, -0.5, 2.5))
    diagram = tool.panel.diagram
    plot = diagram.plot
    scroll = next(w for w in _ancestors(plot) if isinstance(w, QScrollArea))
    scroll.ensureWidgetVisible(diagram)  # the side panel scrolls; the pointer must reach the plot
    qtbot.wait(50)
    t0, t1, d0, d1 = diagram.box
    for (trace, det), key in (((0.3 * t0, 0.8 * d1), "stable spiral"), ((0.5 * t1, 0.5 * d0), "saddle"),
                              ((0.3 * t1, 0.8 * d1), "unstable spiral")):
        scene = plot.getPlotItem().getViewBox().mapViewToScene(QPointF(trace, det))
        qtbot.wait(20)  # pyqtgraph drops a move within 10 ms of the previous one (mouseRateLimit)
        QTest.mouseMove(plot.viewport(), plot.mapFromScene(scene))
        qtbot.waitUntil(lambda key=key: diagram.explanation.text().startswith(key), timeout=APPLY_TIMEOUT_MS)
        text = diagram.explanation.text()
        assert text.count(".") == 1 and text.endswith(".")  # one sentence
        assert plot.toolTip() == text
    # on the parabola: the border between nodes and spirals
    region = diagram.explain(-2.0, 1.0)
    assert region.key == "repeated stable" and "nodes turn into" in diagram.explanation.text()


def test_a_ctrl_click_draws_a_trajectory_forward_and_backward(qtbot, window):
    tool = _vector_field(qtbot, window, "y, -x", (-2, 2, -2, 2))
    assert [e.kind.value for e in tool.portrait.equilibria] == ["centre"]
    start = (1.0, 0.0)
    view = window.domain
    with qtbot.waitSignal(tool.trajectoriesDrawn, timeout=APPLY_TIMEOUT_MS):
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                         view.data_to_widget(*start))
    _wait(qtbot, window)
    assert window.pins == []  # a modifier-click is the tool's, not a pin
    (sx, sy), = window.model.dynamics.trajectories
    radius = math.hypot(sx, sy)
    traj, = tool.trajectories
    forward, backward = tool.trajectory_lines.points(0), tool.trajectory_lines.points(1)
    assert len(forward) > 50 and len(backward) > 50
    # the rotation's orbits are circles: both halves stay on the circle through the click
    for part in (forward, backward):
        assert np.hypot(part[:, 0], part[:, 1]) == pytest.approx(radius, abs=1e-6)
    assert traj.forward[1, 1] < sy  # x' = y, y' = −x: clockwise, forward in time y decreases
    # the button clears them
    tool.panel.clear_button.click()
    _wait(qtbot, window)
    assert window.model.dynamics.trajectories == () and len(tool.trajectory_lines.points(0)) == 0


def test_a_vector_field_preset_turns_the_mode_on_and_D_toggles_it(qtbot, window):
    preset = next(p for p in load_presets() if p.name == "Damped pendulum")
    tool = window.tool("vectorfield")
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        window.load_preset(preset)
    assert window.model.dynamics.vector_field and tool.action.isChecked()
    qtbot.waitUntil(lambda: tool.portrait is not None and _idle(window), timeout=APPLY_TIMEOUT_MS)
    x0, x1, _y0, _y1 = window.domain.visible_rect()
    # the pendulum with b = 0.5: (kπ, 0), stable spirals for k even, saddles for k odd
    for eq in tool.portrait.equilibria:
        k = round(eq.point[0] / math.pi)
        assert eq.point == pytest.approx((k * math.pi, 0.0), abs=1e-9)
        assert eq.kind.value == ("stable spiral" if k % 2 == 0 else "saddle")
    ks = sorted(round(e.point[0] / math.pi) for e in tool.portrait.equilibria)
    assert ks == [k for k in range(-3, 4) if x0 < k * math.pi < x1]
    # the key D (and the View menu's action) turns the reading off and on again
    window.activateWindow()
    window.domain.setFocus()
    QTest.keyClick(window.domain, Qt.Key.Key_D)
    assert not window.model.dynamics.vector_field and not tool.panel.isVisible()
    assert not tool.veil.isVisible() and not tool.equilibrium_spots.isVisible()
    QTest.keyClick(window.domain, Qt.Key.Key_D)
    assert window.model.dynamics.vector_field
    # a mapping preset reads F as a mapping again
    other = next(p for p in load_presets() if p.view == "mapping")
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        window.load_preset(other)
    assert not window.model.dynamics.vector_field


def test_the_bifurcation_happens_as_the_slider_moves(qtbot, window):
    """a − x², −y: a saddle and a stable node at ±√a that collide at a = 0 and vanish."""
    preset = next(p for p in load_presets() if p.name == "Saddle–node bifurcation")
    tool = window.tool("vectorfield")
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        window.load_preset(preset)
    qtbot.waitUntil(lambda: tool.portrait is not None and _idle(window), timeout=APPLY_TIMEOUT_MS)
    kinds = {round(e.point[0], 6): e.kind.value for e in tool.portrait.equilibria}
    r = round(math.sqrt(0.5), 6)
    assert kinds == {-r: "saddle", r: "stable node"}
    window.model.set_param_value("a", -0.25)
    qtbot.waitUntil(lambda: _idle(window) and tool.portrait.params == (("a", -0.25),),
                    timeout=APPLY_TIMEOUT_MS)
    assert len(tool.portrait.equilibria) == 0
    assert "No equilibrium" in tool.panel.summary.text()


def test_the_vector_field_state_is_saved_with_the_session(qtbot, window):
    from jacviz.core.persistence.session import from_json, to_json

    tool = _vector_field(qtbot, window, "y, -x", (-2, 2, -2, 2))
    tool.add_trajectory(0.5, 0.25)
    window.model.set_dynamics(newton=True)
    session = from_json(to_json(window.current_session()))
    assert session.dynamics == {"vector_field": True, "trajectories": [(0.5, 0.25)], "newton": True}
    from jacviz.ui.model import AppModel

    other = AppModel()
    other.load_session(session)
    assert other.dynamics == window.model.dynamics


def test_look_at_the_window(qtbot, window, tmp_path):
    """Grab the window in the vector-field mode (the picture is for people; pixels checked below)."""
    tool = _vector_field(qtbot, window, COMPETING, (-0.5, 3.5, -0.5, 2.5))
    tool.add_trajectory(2.0, 2.0)
    qtbot.waitUntil(lambda: len(tool.trajectories) == 1 and _idle(window), timeout=APPLY_TIMEOUT_MS)
    window.move_cursor(1.5, 0.3)
    image = window.domain.grab().toImage()
    assert image.save(str(tmp_path / "vectorfield.png"))
    # the saddle's glyph is the dark cross at (1, 1), drawn over the veiled heatmap
    pt = window.domain.data_to_widget(1.0, 1.0)
    c = image.pixelColor(round(pt.x()), round(pt.y()))
    assert c.red() + c.green() + c.blue() < 200


def test_the_tools_controls_have_names_and_their_panels_read_out(qtbot, window):
    """Every control the two tools add, reachable with Tab, has a name; painted text is readable."""
    from PySide6.QtGui import QAccessible

    tool = _vector_field(qtbot, window, COMPETING, (-0.5, 3.5, -0.5, 2.5))
    window.tool("newton").box.setChecked(True)
    window.move_cursor(1.5, 0.3)
    _wait(qtbot, window)
    start = window.mapping_bar.edit
    widget, nameless = start, []
    for _ in range(300):
        widget = widget.nextInFocusChain()
        if widget is start:
            break
        if not (widget.isVisible() and widget.isEnabled() and widget.focusPolicy() & Qt.FocusPolicy.TabFocus):
            continue
        if widget.objectName() == "qt_spinbox_lineedit":
            continue
        interface = QAccessible.queryAccessibleInterface(widget)
        if not interface.text(QAccessible.Text.Name).strip():
            nameless.append(f"{type(widget).__name__} {widget.objectName()}")
    assert nameless == []
    # the Newton panel paints its text; screen readers get it as the description
    table = window.tool("newton").panel.table
    interface = QAccessible.queryAccessibleInterface(table)
    assert "|F(pₖ)|" in interface.text(QAccessible.Text.Description)
    assert tool.panel.list.accessibleName()


def test_the_window_exports_the_vector_field_it_shows(qtbot, window, tmp_path):
    """File → Export with the mode on: the figure has the portrait, and the stable nodes (0, 2),
    (3, 0) and the saddle (1, 1) of the competing species come out in their types' colours."""
    from PIL import Image

    from jacviz.core.figure.layout import layout_figure
    from jacviz.core.figure.theme import SADDLE, STABLE
    from jacviz.ui.export import export, window_figure

    _vector_field(qtbot, window, COMPETING, (-0.5, 3.5, -0.5, 2.5))
    spec = window_figure(window)
    assert spec.portrait is window.tool("vectorfield").portrait and len(spec.portrait.equilibria) == 4
    out = export(window, tmp_path / "competing.png", view="domain", size=(640, 480))
    image = np.asarray(Image.open(out).convert("RGB"), dtype=int)
    frame = layout_figure(spec, "domain", (640, 480)).frames["domain"]
    for point, want in (((0.0, 2.0), STABLE), ((3.0, 0.0), STABLE), ((1.0, 1.0), SADDLE)):
        col, row = frame.point(*point)
        got = image[int(row), int(col)]
        assert np.abs(got - want).max() <= 16, (point, got, want)
    window.tool("vectorfield").action.setChecked(False)  # off: the plain figure again
    _wait(qtbot, window)
    assert window_figure(window).portrait is None


def test_the_veil_stays_through_a_small_pan_and_covers_the_view_after_any(qtbot, window):
    """The veil over the heatmap reaches a view's size beyond the view on every side: a 1 %
    pan keeps it where it is (moving it repaints the whole view); a long pan or a zoom out
    moves it, and it always covers the view."""
    tool = _vector_field(qtbot, window, "y, -x", (-2, 2, -2, 2))

    def covers() -> bool:
        x0, x1, y0, y1 = window.domain.visible_rect()
        r = tool.veil.rect()
        return r.left() <= x0 and x1 <= r.right() and r.top() <= y0 and y1 <= r.bottom()

    assert covers()
    before = tool.veil.rect()
    x0, x1, y0, y1 = window.domain.visible_rect()
    d = 0.01 * (x1 - x0)
    window.domain.show_rect((x0 + d, x1 + d, y0, y1))
    _wait(qtbot, window)
    assert tool.veil.rect() == before and covers()
    for rect in ((x0 + 0.8 * (x1 - x0), x1 + 0.8 * (x1 - x0), y0, y1), (-5, 5, -5, 5), (-40, 40, -40, 40)):
        window.domain.show_rect(rect)
        _wait(qtbot, window)
        assert covers(), rect
        vx0, vx1, vy0, vy1 = window.domain.visible_rect()
        r = tool.veil.rect()
        assert r.left() <= vx0 - 0.5 * (vx1 - vx0) and vx1 + 0.5 * (vx1 - vx0) <= r.right(), rect
        assert r.top() <= vy0 - 0.5 * (vy1 - vy0) and vy1 + 0.5 * (vy1 - vy0) <= r.bottom(), rect
    assert tool.veil.rect() != before


def test_every_label_of_the_log_colour_bar_is_drawn_whole_inside_the_view(qtbot, window):
    """The symmetric log bar's seven labels: the end ones were cut by the view's top edge
    ("2.3e2") or left out (the axis was 45 px wide, too narrow for "−1.7e2")."""
    from PySide6.QtGui import QPainter, QPixmap

    window.resize(1100, 760)
    _vector_field(qtbot, window, COMPETING, (-0.5, 3.2, -0.5, 2.5))
    axis = window.domain.colorbar.axis
    wanted = [text for _t, text in axis._tickLevels[0]]
    pixmap = QPixmap(10, 10)
    painter = QPainter(pixmap)
    try:
        drawn = axis.generateDrawSpecs(painter)[2]
    finally:
        painter.end()
    assert sorted(text for _r, _f, text in drawn) == sorted(wanted) and len(wanted) == 7
    assert any(t.startswith("−") and "e" in t for t in wanted)  # the widest, at the bottom
    view = window.domain.rect()
    for rect, _flags, text in drawn:
        box = window.domain.mapFromScene(axis.mapRectToScene(rect)).boundingRect()
        assert view.contains(box), (text, box, view)
