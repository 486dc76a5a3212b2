"""``python -m jacviz.bench.shapes``: the shapes pane against the targets of the map of the plane.

::

    python -m jacviz.bench.shapes [--repeat N] [--json PATH|-] [--markdown] [--quick] [--no-gl] [--quiet]

The JSON has one object per part (``parts.offscreen``, ``parts.gl``) with the reference, a
row per mapping (``shapes.<name>``: summaries in ms, and ``ratios`` to the reference) and the
platform; ``targets`` says pass or miss for each part's medians.

Issue 11 asks that the scalar-field and surface views meet the 2 → 2 targets: a cursor move
≤ 3 ms median, a pan step ≤ 16 ms, and orbiting the 3D view ≤ 16 ms from the drag event to
the painted frame. This measures them in the real window (:class:`~jacviz.ui.main_window.MainWindow`,
1280×720, the default quality), the same way :mod:`jacviz.bench.interactive` times the map
of the plane, and next to it, in the same process, that map's own numbers:

* **reference**: the typed 2 → 2 mapping ``tanh(x + 2y), tanh(x - y)`` (the reference row of
  :mod:`jacviz.bench.networks`): cursor move (:func:`~jacviz.bench.interactive.natural_cursor_moves`,
  the headline of :func:`~jacviz.bench.interactive.measure_cursor_moves`) and pan step
  (:func:`~jacviz.bench.interactive.measure_pan_steps`), measured before and after the
  shapes and pooled, so that a neighbour's load lands on both sides of each ratio;
* **scalar fields** ``x^2 + y^2`` and Rosenbrock's ``(w1 - 1)^2 + 10 (w2 - w1^2)^2``, the
  **sphere** (a surface) and **spherical coordinates** (a map of space):

  - *cursor move*: a real mouse move over the pane's domain view (``QTest.mouseMove``) and
    the event loop, in which Qt paints what the move changed: the marker, ∇f and the level
    line (fields), the readout, and the 3D view's marks (the tangent plane, parallelogram or
    ellipsoid) where there is GL (:func:`~jacviz.bench.interactive.natural_cursor_moves`);
    *↳ handler* is :meth:`ShapesPane.move_cursor` called directly (no paint);
  - *pan step* (fields): the domain view shifted by 1 % of its width (``ViewBox.translateBy``)
    → ``window.repaint()``. The pane draws its field over the domain it was given and does
    not resample on a pan, so *↳ with a resample* also times what a resampling pan would
    cost: the pane's domain shifted by 1 % and :meth:`ShapesPane.redraw` → ``window.repaint()``;
  - *slice step* (the map of space): a Right/Left key on the slice slider (``QTest.keyClick``:
    one of its 200 steps; the slice's det J, its critical trace and the 3D grid are redrawn)
    → the event loop has painted it;
  - *orbit*: a press on the 3D view, then mouse moves with the left button held, each from
    ``QApplication.sendEvent`` (GLViewWidget.mouseMoveEvent → orbit → update) until the
    QOpenGLWidget's ``frameSwapped`` (Qt composed the window and returned from swapBuffers);
    *↳ + glFinish* waits for the GL pipeline as well; *↳ 3D draw alone* is ``paintGL()`` +
    ``glFinish()`` called directly, without Qt's composition.

The 3D view needs an OpenGL context, which Qt's offscreen platform cannot make. So the
command measures two *parts*, each with its own reference:

* **offscreen**, in this process: Qt's offscreen platform, the platform and method of the
  2 → 2 rows of ``python -m jacviz.bench`` (one pass of the event loop paints what an input
  changed); there is no 3D view, so the orbit rows say "needs GL (run under Xvfb)";
* **gl**, in a child process on X11 (``QT_QPA_PLATFORM=xcb``): on this ``DISPLAY``, or,
  when there is none and ``xvfb-run`` exists, under ``xvfb-run -a`` with Mesa's software GL
  (``LIBGL_ALWAYS_SOFTWARE=1``), as ``tests/ui/test_shapes_window.py`` runs the 3D test.
  Once a window has shown an OpenGL widget Qt composes all of it through OpenGL for every
  frame, and on X11 paints on its next update request rather than in the same pass, so
  here each cursor move and slice step is timed until the view has painted (a
  :class:`~jacviz.bench.interactions.PaintProbe`), and a 3D view is shown before the
  reference is measured so that both take the same path. *window.repaint(), nothing
  changed* is the floor of any frame on that path. ``--no-gl`` skips this part.

Moves, pan steps and slice steps are settled one at a time (at least 11 ms apart, the
spacing of the 2 → 2 rows). Nothing here asserts speed: the *targets* section says
pass or miss and never fails the command.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jacviz.bench.stats import ratio, summary

SCHEMA = "jacviz-bench-shapes/1"
REFERENCE_TEXT = "tanh(x + 2y), tanh(x - y)"  # as jacviz.bench.networks' reference row
REFERENCE_RECT = (-2.0, 2.0, -2.0, 2.0)
NEEDS_GL = "needs GL (run under Xvfb)"
TARGETS_MS = {"cursor_move": 3.0, "pan_step": 16.0, "orbit": 16.0}
XVFB_SCREEN = "-screen 0 1400x900x24"
WAIT_S = 60.0


@dataclass(frozen=True)
class Case:
    """One mapping of the pane, on its domain; what to measure besides the cursor."""

    name: str
    label: str
    text: str
    rect: tuple[float, float, float, float]
    pan: bool = False
    slice_at: float | None = None  # a map of space: the slice the cursor moves on


CASES = (
    Case("paraboloid", "scalar field x² + y²", "x^2 + y^2", (-2.0, 2.0, -2.0, 2.0), pan=True),
    Case("rosenbrock", "scalar field, Rosenbrock", "(w1, w2) -> (w1 - 1)^2 + 10 (w2 - w1^2)^2",
         (-2.0, 2.0, -1.0, 3.0), pan=True),
    Case("sphere", "surface, the sphere", "(u, v) -> cos(u) sin(v), sin(u) sin(v), cos(v)",
         (0.0, 2 * math.pi, 0.0, math.pi)),
    # the slider's range is the domain's second interval, [0, π]; p = 0 is the axis (det J = 0
    # on the whole slice), so the cursor moves on the slice p = 1.2
    Case("spherical", "R³, spherical coordinates", "(r, t, p) -> r sin(p) cos(t), r sin(p) sin(t), r cos(p)",
         (0.0, 2.0, 0.0, math.pi), slice_at=1.2),
)


@dataclass
class ShapesPlan:
    """Repetitions of each measurement."""

    quick: bool = False
    reference_moves: int = 120  # per half (before and after the shapes)
    reference_pans: int = 14  # per half
    cursor_moves: int = 200
    pan_steps: int = 28
    resample_pans: int = 14
    slice_steps: int = 40
    orbit_steps: int = 120

    @classmethod
    def make(cls, quick: bool, repeat: int | None) -> ShapesPlan:
        """The full plan, or the quick one (a smoke test); ``repeat`` scales the counts."""
        if quick:
            n = repeat or 1
            return cls(True, reference_moves=20 * n, reference_pans=2 * n, cursor_moves=20 * n,
                       pan_steps=3 * n, resample_pans=2 * n, slice_steps=4 * n, orbit_steps=10 * n)
        n = repeat or 7
        return cls(False, reference_moves=max(60, 15 * n), reference_pans=2 * n,
                   cursor_moves=max(100, 30 * n), pan_steps=4 * n, resample_pans=2 * n, slice_steps=6 * n,
                   orbit_steps=max(60, 16 * n))


def _ms(seconds: float) -> float:
    return seconds * 1000.0


# ---------------------------------------------------------------------------------------
# The measurements (in the window)


def open_case(window, case: Case) -> None:
    """Show ``case`` in the window (as from the command line) and wait until it is drawn."""
    from jacviz.bench.interactive import SignalWaiter, settle

    waiter = SignalWaiter(window.mappingApplied, window.mappingFailed)
    window.open_mapping(case.text, rect=case.rect)
    if not waiter.wait(WAIT_S):
        raise RuntimeError(f"jacviz did not draw {case.text!r}: {waiter.failed or 'timeout'}")
    pane = window.shapes
    if pane.prepared is None or pane.prepared.text != case.text:
        raise RuntimeError(f"{case.text!r} was not shown by the shapes pane")
    if case.slice_at is not None:
        pane.set_slice(case.slice_at)
    settle(window)


def pane_cursor_path(pane, count: int) -> tuple[list[tuple[float, float, object]], float]:
    """``count`` points on an ellipse inside the pane's visible domain, (x, y, viewport QPoint),
    as :func:`jacviz.bench.interactive.cursor_path` does for the planar view, and the
    tolerance (3 pixels, in data units) within which a move counts as delivered."""
    from PySide6.QtCore import QPoint, QPointF

    from jacviz.bench.interactive import ellipse_points

    view = pane.domain
    vb = view.getPlotItem().vb
    (x0, x1), (y0, y1) = vb.viewRange()
    path = []
    for x, y in ellipse_points((x0, x1, y0, y1), count):
        p = view.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
        path.append((x, y, QPoint(p.x(), p.y())))
    width = max(vb.width(), 1.0)
    height = max(vb.height(), 1.0)
    tolerance = 3.0 * max((x1 - x0) / width, (y1 - y0) / height)
    return path, tolerance


def _probe(widget, gl: bool):
    """With GL, a :class:`~jacviz.bench.interactions.PaintProbe` on ``widget``; else None.

    Offscreen, one pass of the event loop paints what an input changed (the method of the
    2 → 2 rows). On X11 a window that composes an OpenGL widget paints on Qt's next update
    request instead, so there each input is timed until the widget has painted.
    """
    if not gl:
        return None
    from jacviz.bench.interactions import PaintProbe

    probe = PaintProbe([widget])
    probe.widget = widget
    return probe


def repaint(window, probe=None) -> None:
    """Repaint the whole window and return once it is painted.

    ``window.repaint()`` where Qt paints at once (offscreen, and the 2 → 2 rows). A window
    composed through OpenGL turns even ``repaint()`` into a request for its next update
    (measured: it returned in 0.00 ms, before anything was painted), so with a ``probe`` the
    window and the probe's widget are updated (updating the window does not repaint the
    views' viewports) and the probe's widget waited for.
    """
    if probe is None:
        window.repaint()
        return
    since = probe.count
    window.update()
    probe.widget.update()
    if probe.wait(since) is None:
        raise RuntimeError("the window was never repainted")


def measure_cursor(window, count: int, gl: bool = False) -> tuple[list[float], int, list[float]]:
    """Mouse moves over the pane's domain view: the times (event → painted), how many reached
    the pane, and the handler alone (:meth:`ShapesPane.move_cursor`, no paint) on the same path."""
    from jacviz.bench.interactive import natural_cursor_moves, settle

    pane = window.shapes
    path, tolerance = pane_cursor_path(pane, count)
    probe = _probe(pane.domain.viewport(), gl)
    try:
        times, delivered = natural_cursor_moves(window, count, path=path, tolerance=tolerance, probe=probe,
                                                viewport=pane.domain.viewport(), cursor=lambda: pane.cursor)
    finally:
        if probe is not None:
            probe.remove()
    settle(window)
    handler = []
    for x, y, _point in path:
        t0 = time.perf_counter()
        pane.move_cursor(x, y)
        handler.append(_ms(time.perf_counter() - t0))
    settle(window)
    return times, delivered, handler


def measure_pan(window, steps: int, gl: bool = False) -> list[float]:
    """Shift the pane's domain view by 1 % of its width, back and forth → the window repainted."""
    from jacviz.bench.interactive import settle

    probe = _probe(window.shapes.domain.viewport(), gl)
    vb = window.shapes.domain.getPlotItem().vb
    direction = 1.0
    times = []
    for i in range(steps):
        if i and i % 7 == 0:
            direction = -direction
        (x0, x1), _ = vb.viewRange()
        t0 = time.perf_counter()
        vb.translateBy(x=0.01 * (x1 - x0) * direction)
        repaint(window, probe)
        times.append(_ms(time.perf_counter() - t0))
    if probe is not None:
        probe.remove()
    settle(window)
    return times


def measure_resample_pan(window, steps: int, gl: bool = False) -> list[float]:
    """What a resampling pan would cost: the pane's domain shifted by 1 %, ``redraw()``, repaint."""
    from jacviz.bench.interactive import settle

    pane = window.shapes
    probe = _probe(pane.domain.viewport(), gl)
    start = pane.rect
    direction = 1.0
    times = []
    for i in range(steps):
        if i and i % 7 == 0:
            direction = -direction
        x0, x1, y0, y1 = pane.rect
        d = 0.01 * (x1 - x0) * direction
        t0 = time.perf_counter()
        pane.rect = (x0 + d, x1 + d, y0, y1)
        pane.redraw()
        repaint(window, probe)
        times.append(_ms(time.perf_counter() - t0))
    if probe is not None:
        probe.remove()
    pane.rect = start
    pane.redraw()
    if pane.cursor is not None:
        pane.move_cursor(*pane.cursor)
    settle(window)
    return times


def measure_slice_steps(window, steps: int, gl: bool = False) -> list[float]:
    """Right (then Left) key on the slice slider, one step of 200 → the event loop has painted it."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from jacviz.bench.interactive import _spaced, settle

    app = QApplication.instance()
    slider = window.shapes.slider
    probe = _probe(window.shapes.domain.viewport(), gl)
    keys = (Qt.Key.Key_Right, Qt.Key.Key_Left)
    direction = 0
    times = []
    last = 0.0
    for i in range(steps):
        if i and i % 7 == 0:
            direction = 1 - direction
        before = slider.value()
        _spaced(app, last)
        since = probe.count if probe is not None else 0
        t0 = last = time.perf_counter()
        QTest.keyClick(slider, keys[direction])
        if probe is None:
            app.processEvents()
        elif probe.wait(since) is None:
            raise RuntimeError("a slice step was never painted")
        times.append(_ms(time.perf_counter() - t0))
        if slider.value() == before:
            raise RuntimeError("a key on the slice slider did not move it")
    if probe is not None:
        probe.remove()
    settle(window)
    return times


def measure_orbit(window, steps: int) -> dict[str, list[float]]:
    """Left-button drags on the 3D view, each move until ``frameSwapped`` (and then glFinish)."""
    from OpenGL import GL
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QApplication

    from jacviz.bench.interactions import _mouse, _send
    from jacviz.bench.interactive import SignalWaiter, _spaced, settle

    app = QApplication.instance()
    widget = window.shapes.scene3d.widget
    centre = QPoint(widget.width() // 2, widget.height() // 2)
    radius = 0.25 * min(widget.width(), widget.height())
    swapped, finished, draw = [], [], []
    start = dict(widget.opts)
    _send(widget, _mouse("press", widget, centre, held=True))
    last = 0.0
    turned = 0.0
    for i in range(steps):
        a = 2 * math.pi * (i + 1) / max(steps, 12)  # a circle: azimuth and elevation both change
        pos = QPoint(round(centre.x() + radius * math.sin(a)),
                     round(centre.y() + 0.5 * radius * math.sin(2 * a)))
        azimuth = widget.opts["azimuth"]
        waiter = SignalWaiter(widget.frameSwapped)
        _spaced(app, last)
        t0 = last = time.perf_counter()
        _send(widget, _mouse("move", widget, pos, held=True))
        ok = waiter.wait(WAIT_S)
        t1 = time.perf_counter()
        widget.makeCurrent()
        GL.glFinish()
        t2 = time.perf_counter()
        widget.doneCurrent()
        if not ok:
            raise RuntimeError("an orbit step was never painted: no frameSwapped")
        swapped.append(_ms(t1 - t0))
        finished.append(_ms(t2 - t0))
        turned += abs(widget.opts["azimuth"] - azimuth)
    _send(widget, _mouse("release", widget, centre, held=False))
    if turned == 0:
        raise RuntimeError("the drags did not orbit the 3D view")
    for _ in range(max(10, steps // 2)):  # the 3D scene drawn alone, without Qt's composition
        widget.makeCurrent()
        t0 = time.perf_counter()
        widget.paintGL()
        GL.glFinish()
        draw.append(_ms(time.perf_counter() - t0))
        widget.doneCurrent()
    widget.opts.update(start)
    widget.update()
    settle(window)
    return {"orbit": swapped, "orbit_glfinish": finished, "draw_3d": draw}


def _domain_text(rect) -> str:
    """A domain as text (the JSON's numbers are all positive measurements, counts or settings)."""
    x0, x1, y0, y1 = rect
    return f"[{x0:g}, {x1:g}] × [{y0:g}, {y1:g}]"


def measure_case(window, case: Case, plan: ShapesPlan, gl: bool, progress: Callable[[str], None]) -> dict:
    """Every row of one case (summaries in ms)."""
    open_case(window, case)
    pane = window.shapes
    m, n = pane.shape
    row: dict = {"label": case.label, "text": case.text, "domain": _domain_text(case.rect),
                 "shape": [m, n], "variables": list(pane.prepared.variables)}
    if case.slice_at is not None:
        row["slice"] = round(pane.slice_value, 4)
    progress(f"{case.name}: cursor moves")
    times, delivered, handler = measure_cursor(window, plan.cursor_moves, gl)
    row["cursor_move"] = summary(times)
    row["cursor_handler"] = summary(handler)
    row["cursor_moves_delivered"] = delivered
    if case.pan:
        progress(f"{case.name}: pan steps")
        row["pan_step"] = summary(measure_pan(window, plan.pan_steps, gl))
        row["pan_resample"] = summary(measure_resample_pan(window, plan.resample_pans, gl))
    if case.slice_at is not None:
        progress(f"{case.name}: slice steps")
        row["slice_step"] = summary(measure_slice_steps(window, plan.slice_steps, gl))
    if gl and pane.has_3d:
        progress(f"{case.name}: orbit")
        for key, samples in measure_orbit(window, plan.orbit_steps).items():
            row[key] = summary(samples)
    else:
        for key in ("orbit", "orbit_glfinish", "draw_3d"):
            row[key] = {"unavailable": NEEDS_GL}
    return row


def measure_reference(window, plan: ShapesPlan, gl: bool) -> tuple[list[float], list[float], int]:
    """One half of the reference: cursor moves and pan steps of the 2 → 2 mapping.

    The cursor moves are :func:`~jacviz.bench.interactive.natural_cursor_moves`, the headline
    of :func:`~jacviz.bench.interactive.measure_cursor_moves` (with GL, each until painted).
    """
    from jacviz.bench.interactive import (
        Plan,
        Samples,
        measure_pan_steps,
        natural_cursor_moves,
        open_workload,
        settle,
    )

    open_workload(window, _Reference)
    probe = _probe(window.domain.viewport(), gl)
    try:
        moves, delivered = natural_cursor_moves(window, plan.reference_moves, probe=probe)
    finally:
        if probe is not None:
            probe.remove()
    settle(window)
    if gl:
        return moves, _reference_pans_gl(window, plan.reference_pans), delivered
    samples = Samples()
    measure_pan_steps(window, Plan(pan_steps=plan.reference_pans), samples)
    return moves, samples.pan_step, delivered


def _reference_pans_gl(window, steps: int) -> list[float]:
    """:func:`~jacviz.bench.interactive.measure_pan_steps` where ``window.repaint()`` is only a
    request (a window composed through OpenGL): each step until sceneDrawn and then painted."""
    from jacviz.bench.interactive import WAIT_S, SignalWaiter, settle

    probe = _probe(window.domain.viewport(), True)
    direction = 1.0
    times = []
    for i in range(steps):
        if i and i % 7 == 0:
            direction = -direction
        window.wait_until_drawn(WAIT_S)
        x0, x1, y0, y1 = window.domain.visible_rect()
        d = 0.01 * (x1 - x0) * direction
        waiter = SignalWaiter(window.sceneDrawn)
        t0 = time.perf_counter()
        window.domain.show_rect((x0 + d, x1 + d, y0, y1))
        if not waiter.wait():
            raise RuntimeError("a pan step of the reference was never drawn")
        repaint(window, probe)
        times.append(_ms(time.perf_counter() - t0))
    probe.remove()
    settle(window)
    return times


def window_repaints(window, count: int, gl: bool = False) -> list[float]:
    """The whole window repainted with nothing changed (:func:`repaint`): what a frame costs at least.

    With GL, Qt composes the whole window (its widgets' backing store and the 3D view's
    texture) through OpenGL for every frame, whatever changed; with Mesa's software
    rasterizer that composition is the floor of a cursor move, a pan and an orbit step.
    """
    from PySide6.QtWidgets import QApplication

    from jacviz.bench.interactive import _spaced

    view = window.shapes.domain if window.shapes.isVisible() else window.domain
    probe = _probe(view.viewport(), gl)
    app = QApplication.instance()
    repaint(window, probe)
    times = []
    last = 0.0
    for _ in range(count):
        _spaced(app, last)
        t0 = last = time.perf_counter()
        repaint(window, probe)
        times.append(_ms(time.perf_counter() - t0))
    if probe is not None:
        probe.remove()
    return times


class _Reference:
    """The reference mapping as :func:`jacviz.bench.interactive.open_workload` wants it."""

    text = REFERENCE_TEXT
    rect = REFERENCE_RECT


def run_part(plan: ShapesPlan, cases=CASES, progress: Callable[[str], None] = lambda _m: None) -> dict:
    """Measure the reference and every case on this process's Qt platform; one part of the result."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="jacviz-bench-shapes-") as config:
        previous = os.environ.get("JACVIZ_CONFIG_DIR")
        os.environ["JACVIZ_CONFIG_DIR"] = config  # no user settings, no autosave into the user's
        try:
            return _run_part(plan, cases, progress)
        finally:
            if previous is None:
                os.environ.pop("JACVIZ_CONFIG_DIR", None)
            else:
                os.environ["JACVIZ_CONFIG_DIR"] = previous


def _run_part(plan: ShapesPlan, cases, progress: Callable[[str], None]) -> dict:
    from PySide6.QtGui import QGuiApplication

    from jacviz.bench.interactive import make_window
    from jacviz.ui.app import make_application
    from jacviz.ui.shapes.gl import gl_available

    app = make_application()
    gl = gl_available()
    window = make_window(_Reference)
    window.resize(1280, 720)
    part: dict = {"platform": QGuiApplication.platformName(), "gl": gl,
                  "window": [window.width(), window.height()], "quality": str(getattr(window, "quality", ""))}
    if gl:
        from OpenGL import GL

        window.shapes.scene3d.widget.makeCurrent()
        part["gl_renderer"] = str(GL.glGetString(GL.GL_RENDERER).decode(errors="replace"))
        window.shapes.scene3d.widget.doneCurrent()
    tag = part["platform"] + (" + GL" if gl else "")
    try:
        if gl:
            # Once a window has shown an OpenGL widget, Qt composes it through OpenGL for good:
            # show one first, so that the reference is measured on the path the shapes take
            open_case(window, cases[0])
        progress(f"[{tag}] reference (2 → 2): cursor moves and pan steps")
        cur_a, pan_a, del_a = measure_reference(window, plan, gl)
        part["window_repaint"] = summary(window_repaints(window, max(10, plan.pan_steps), gl))
        rows = {}
        for case in cases:
            rows[case.name] = measure_case(window, case, plan, gl, lambda m: progress(f"[{tag}] {m}"))
            if gl and case.name == cases[0].name:
                part["window_repaint_with_3d"] = summary(window_repaints(window, max(10, plan.pan_steps), gl))
        progress(f"[{tag}] reference (2 → 2) again")
        cur_b, pan_b, del_b = measure_reference(window, plan, gl)
    finally:
        window.files.autosave_enabled = False
        window.close()
        app.processEvents()
    reference = {"text": REFERENCE_TEXT, "domain": _domain_text(REFERENCE_RECT),
                 "cursor_move": summary(cur_a + cur_b), "pan_step": summary(pan_a + pan_b),
                 "cursor_moves_delivered": del_a + del_b}
    part["reference"] = reference
    for row in rows.values():
        row["ratios"] = _ratios(row, reference)
    part["shapes"] = rows
    return part


def _ratios(row: dict, reference: dict) -> dict:
    out = {}
    for key, ref_key in (("cursor_move", "cursor_move"), ("pan_step", "pan_step"),
                         ("pan_resample", "pan_step"), ("slice_step", "cursor_move")):
        stats = row.get(key)
        if stats and "median_ms" in stats:
            value = ratio(stats["median_ms"], reference[ref_key]["median_ms"])
            if value is not None:
                out[f"{key}_vs_reference_{ref_key}"] = value
    return out


def targets(parts: dict) -> list[dict]:
    """Pass or miss for each target the issue sets, on the medians of each part.

    Cursor and pan in every part; orbit where there is GL, or a note that it needs GL when
    no part had it.
    """
    out = []
    for part_name, part in parts.items():
        for name, row in part.get("shapes", {}).items():
            for key, limit in TARGETS_MS.items():
                stats = row.get(key)
                if stats is None or "median_ms" not in stats:
                    continue
                out.append({"id": f"{part_name}.{name}.{key}.median", "part": part_name, "case": name,
                            "limit_ms": limit, "measured_ms": stats["median_ms"],
                            "passed": stats["median_ms"] <= limit})
    if not any(t["id"].endswith(".orbit.median") for t in out):
        for name, _case in ((c.name, c) for c in CASES):
            out.append({"id": f"gl.{name}.orbit.median", "part": "gl", "case": name,
                        "limit_ms": TARGETS_MS["orbit"], "passed": None, "note": NEEDS_GL})
    return out


def machine() -> dict:
    import numpy as np
    import pyqtgraph
    import PySide6

    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    except OSError:
        pass
    return {"cpu": cpu or platform.processor(), "cpu_count": os.cpu_count(),
            "python": platform.python_version(), "numpy": np.__version__, "PySide6": PySide6.__version__,
            "pyqtgraph": pyqtgraph.__version__,
            "load_average": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None}


# ---------------------------------------------------------------------------------------
# The table


PART_TITLES = {
    "offscreen": "offscreen (no GL: the platform and method of the 2 → 2 rows)",
    "gl": "X11 with GL (each frame composes the 3D view)",
}


def render(result: dict, markdown: bool = False) -> str:
    """The tables of each part (median / p90 ms), the ratios to the reference, and the targets."""
    from jacviz.bench.report import Table, cell

    m = result["machine"]
    blocks = [f"machine: {m['cpu']} ({m['cpu_count']} cores), Python {m['python']}, PySide6 {m['PySide6']}, "
              f"pyqtgraph {m['pyqtgraph']}, load average {m['load_average']}; {result['mode']} run"]
    for part_name, part in result["parts"].items():
        title = PART_TITLES.get(part_name, part_name)
        if "shapes" not in part:
            blocks.append(f"{title}: {part.get('unavailable', 'not measured')}")
            continue
        rows = part["shapes"]
        names = list(rows)
        where = (f"{part['platform']}" + (f", {part['gl_renderer']}" if part.get("gl_renderer") else "")
                 + f", window {part['window'][0]}×{part['window'][1]}")
        table = Table(f"The shapes pane, {title}; {where}; median / p90 ms",
                      ["", *(rows[n]["label"] for n in names), "target"])

        def line(label: str, key: str, target: str = "", rows=rows, names=names, table=table) -> None:
            cells = []
            for n in names:
                stats = rows[n].get(key)
                if stats is None:
                    cells.append("")
                elif "unavailable" in stats:
                    cells.append(stats["unavailable"])
                else:
                    cells.append(cell(stats))
            if any(cells):
                table.add(label, *cells, target)

        line("cursor move (event → Qt has painted it)", "cursor_move", "≤ 3")
        line("  handler alone (move_cursor, no paint)", "cursor_handler")
        line("pan step 1 % (→ window repainted)", "pan_step", "≤ 16")
        line("  with a resample of the shifted domain", "pan_resample")
        line("slice slider step (key → painted)", "slice_step")
        line("orbit drag (event → frameSwapped)", "orbit", "≤ 16")
        line("  + glFinish", "orbit_glfinish")
        line("  3D draw alone (paintGL + glFinish)", "draw_3d")
        for key, label in (("cursor_move_vs_reference_cursor_move", "cursor move ÷ reference cursor move"),
                           ("pan_step_vs_reference_pan_step", "pan step ÷ reference pan step"),
                           ("pan_resample_vs_reference_pan_step", "pan with resample ÷ reference pan step"),
                           ("slice_step_vs_reference_cursor_move", "slice step ÷ reference cursor move")):
            cells = [str(rows[n]["ratios"].get(key, "")) for n in names]
            if any(cells):
                table.add(label, *cells, "")
        ref = part["reference"]
        blank = [""] * (len(names) - 1)
        table.add("whole window repainted, nothing changed (a frame's floor)", cell(part["window_repaint"]),
                  *blank, "")
        if "window_repaint_with_3d" in part:
            table.add("  the same with the 3D view shown", cell(part["window_repaint_with_3d"]), *blank, "")
        table.add(f"reference {REFERENCE_TEXT}: cursor move", cell(ref["cursor_move"]), *blank, "≤ 3")
        table.add("reference: pan step 1 % (→ sceneDrawn → repaint)", cell(ref["pan_step"]), *blank, "≤ 16")
        blocks.append(table.render(markdown))
    goals = Table("Targets (medians)", ["target", "measured", "limit", "result"])
    for t in result["targets"]:
        measured = f"{t['measured_ms']:.2f} ms" if "measured_ms" in t else t.get("note", "")
        verdict = "—" if t["passed"] is None else ("pass" if t["passed"] else "MISS")
        goals.add(t["id"], measured, f"≤ {t['limit_ms']:g} ms", verdict)
    blocks.append(goals.render(markdown))
    return "\n\n".join(blocks)


# ---------------------------------------------------------------------------------------
# The command


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m jacviz.bench.shapes",
                                description="The shapes pane against the targets of the map of the plane.")
    p.add_argument("--quick", action="store_true", help="few repetitions: a smoke test, not a measurement")
    p.add_argument("--repeat", type=int, metavar="N", help="scales the repetitions (default 7)")
    p.add_argument("--json", metavar="PATH",
                   help="write the JSON result here ('-' for stdout, the table to stderr)")
    p.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    p.add_argument("--no-gl", action="store_true",
                   help="only Qt's offscreen platform (no 3D view: the orbit rows say so)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--part", choices=("offscreen", "gl"), help=argparse.SUPPRESS)  # one part, as a child
    return p


def _gl_command(argv: list[str], out: Path) -> tuple[list[str], dict] | None:
    """How to run the GL part in a child: on this display, or under ``xvfb-run``; None if neither."""
    passed = [a for a in argv if a in ("--quick", "--quiet")]
    if "--repeat" in argv:
        passed += ["--repeat", argv[argv.index("--repeat") + 1]]
    passed += [a for a in argv if a.startswith("--repeat=")]
    child = [sys.executable, "-m", "jacviz.bench.shapes", "--part", "gl", "--json", str(out), *passed]
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env["QT_QPA_PLATFORM"] = "xcb"
    if os.environ.get("DISPLAY"):
        return child, env
    if not shutil.which("xvfb-run"):
        return None
    env.pop("WAYLAND_DISPLAY", None)
    env["LIBGL_ALWAYS_SOFTWARE"] = "1"  # Mesa's llvmpipe, as tests/ui/test_shapes_window.py
    return ["xvfb-run", "-a", "-s", XVFB_SCREEN, *child], env


def _gl_part(argv: list[str], progress) -> dict:
    """The GL part, measured in a child process on X11 (see the module docstring)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="jacviz-bench-shapes-gl-") as tmp:
        out = Path(tmp) / "gl.json"
        command = _gl_command(argv, out)
        if command is None:
            return {"unavailable": NEEDS_GL}
        args, env = command
        progress("GL part: " + ("this display" if args[0] != "xvfb-run" else "under xvfb-run") + " (a child)")
        res = subprocess.run(args, env=env, stdout=subprocess.PIPE, text=True)
        if res.returncode != 0 or not out.exists():
            return {"unavailable": f"{NEEDS_GL}: the X11 child failed (exit {res.returncode})"}
        return json.loads(out.read_text(encoding="utf-8"))["parts"]["gl"]


def main(argv: list[str] | None = None) -> int:
    """Run the measurements; 0 unless one failed (a target missed is not a failure)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        _parser().error("--repeat must be at least 1")
    from jacviz.bench.harness import Progress

    progress = Progress(args.quiet)
    plan = ShapesPlan.make(args.quick, args.repeat)
    parts: dict = {}
    if args.part == "gl":
        parts["gl"] = run_part(plan, progress=progress)
    else:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        parts["offscreen"] = run_part(plan, progress=progress)
        parts["gl"] = {"unavailable": f"{NEEDS_GL}: --no-gl"} if args.no_gl else _gl_part(argv, progress)
    result = {"schema": SCHEMA, "mode": "quick" if plan.quick else "full", "machine": machine(),
              "targets_ms": TARGETS_MS, "settings": {k: v for k, v in vars(plan).items() if k != "quick"},
              "parts": parts, "targets": targets(parts)}
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.json and args.json != "-":
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    if args.part:
        return 0
    table = render(result, markdown=args.markdown)
    if args.json == "-":
        sys.stdout.write(text + "\n")
        sys.stderr.write(table + "\n")
    else:
        sys.stdout.write(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
