"""In-process measurements on a real :class:`~jacviz.ui.main_window.MainWindow` (offscreen Qt).

Every operation is timed the way a person would feel it, from the input event to the end
of a synchronous repaint of what changed:

* **mapping change**: text set on the mapping edit (not timed), then ``QTest.keyClick``
  Return → ``mappingApplied`` → ``window.repaint()``. A 1 ms precise :class:`StallMeter`
  ticks on the GUI thread meanwhile; its largest gap minus the period is the longest
  stretch during which the GUI thread could not have answered the user.
* **cursor move**: a real mouse move over the domain view (``QTest.mouseMove``, through
  Qt, the QGraphicsView and jacviz's slot) → the event loop, in which Qt paints what the
  move changed (the overlays, the lens, the readout), exactly as the running app does.
  A stress variant also forces a full repaint of all four widgets after each move; see
  :func:`measure_cursor_moves`.
* **pan step**: ``domain.show_rect`` shifted by 1 % of the visible width → ``sceneDrawn``
  → ``window.repaint()``; the GUI stall is recorded as well.
* **export**: :func:`jacviz.ui.export.export` of the figure at 3840×2160.

Between measurements the window is allowed to settle: background work drawn, and the
simplification worker process (which jacviz starts after each mapping change) idle, so
that one measurement's leftovers do not run on the other core during the next.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jacviz.bench.workloads import PARTNER_TEXT, Workload

WAIT_S = 60.0  # generous: a shared machine may stall for seconds; nothing here asserts speed


@dataclass
class Plan:
    """How many times each in-process operation is repeated."""

    mapping_changes: int = 14  # timed changes into the workload (as many untimed ones back)
    cursor_moves: int = 240
    pan_steps: int = 28
    exports: int = 3
    export_size: tuple[int, int] = (3840, 2160)


@dataclass
class Samples:
    """Raw measurements of one workload, in milliseconds unless named otherwise."""

    mapping_change: list[float] = field(default_factory=list)
    mapping_change_stall: list[float] = field(default_factory=list)
    mapping_change_cold_cache: list[float] = field(default_factory=list)  # after sympy's cache is cleared
    mapping_change_compile: list[float] = field(default_factory=list)  # prepare() in the worker
    mapping_change_sample: list[float] = field(default_factory=list)  # sample_scene() in the worker
    mapping_change_repaint: list[float] = field(default_factory=list)
    cursor_move: list[float] = field(default_factory=list)  # event → Qt paints what changed
    cursor_move_forced: list[float] = field(default_factory=list)  # event → all four widgets repainted
    cursor_move_handler: list[float] = field(default_factory=list)  # event delivery + readout + overlays
    cursor_move_paint: list[float] = field(default_factory=list)  # the forced repaints
    cursor_moves_delivered: int = 0
    pan_step: list[float] = field(default_factory=list)
    pan_stall: list[float] = field(default_factory=list)
    pan_resample: list[float] = field(default_factory=list)  # sample_scene() in the worker
    export: list[float] = field(default_factory=list)
    export_bytes: int = 0
    simplify_settle: list[float] = field(default_factory=list)  # time the simplifier kept a core busy


def _ms(seconds: float) -> float:
    return seconds * 1000.0


class StallMeter:
    """The longest gap between ticks of a 1 ms precise timer on the GUI thread, less the period.

    The first gap is counted from :meth:`start` and the last one up to :meth:`stop`, so
    synchronous work right after ``start`` (handling the key press) and right before
    ``stop`` (the forced repaint) counts as a stall, as it would for a user.
    """

    def __init__(self, period_ms: int = 1) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.period_ms = period_ms
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(period_ms)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self._max_gap = 0.0
        self.ticks = 0

    def start(self) -> None:
        self._max_gap = 0.0
        self.ticks = 0
        self._last = time.perf_counter()
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self._max_gap = max(self._max_gap, now - self._last)
        self._last = now
        self.ticks += 1

    def stop(self) -> float:
        """Stop; the longest stall in milliseconds (never below zero)."""
        self._tick()
        self._timer.stop()
        return max(0.0, _ms(self._max_gap) - self.period_ms)


class SignalWaiter:
    """Connect now, wait later: catches a signal even if it fires before :meth:`wait`."""

    def __init__(self, signal, fail_signal=None) -> None:
        from PySide6.QtCore import QEventLoop

        self.fired = False
        self.failed: str | None = None
        self._loop = QEventLoop()
        self._signal = signal
        self._fail_signal = fail_signal
        signal.connect(self._on)
        if fail_signal is not None:
            fail_signal.connect(self._on_fail)

    def _on(self, *_args) -> None:
        self.fired = True
        self._loop.quit()

    def _on_fail(self, message: str = "") -> None:
        self.failed = message or "failed"
        self._loop.quit()

    def wait(self, timeout_s: float = WAIT_S) -> bool:
        """Run the event loop until the signal (True), the failure signal or the timeout (False)."""
        from PySide6.QtCore import QTimer

        if not (self.fired or self.failed):
            guard = QTimer()
            guard.setSingleShot(True)
            guard.timeout.connect(self._loop.quit)
            guard.start(int(timeout_s * 1000))
            self._loop.exec()  # safe: Qt's event loop
            guard.stop()
        self._signal.disconnect(self._on)
        if self._fail_signal is not None:
            self._fail_signal.disconnect(self._on_fail)
        return self.fired and not self.failed


def children_cpu_ticks() -> int:
    """CPU time (clock ticks) used so far by this process's live children, from /proc."""
    me = os.getpid()
    total = 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 12 and int(fields[1]) == me:
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def settle(window, timeout_s: float = 20.0, quiet_s: float = 0.15) -> float:
    """Wait until the window has drawn all it was asked to and no child process uses CPU.

    Returns the seconds waited for the children (the simplification worker), which is the
    CPU a mapping change keeps busy after it is drawn.
    """
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    window.wait_until_drawn(WAIT_S)
    start = time.monotonic()
    deadline = start + timeout_s
    last = children_cpu_ticks()
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        t_end = time.monotonic() + 0.05
        while time.monotonic() < t_end:
            app.processEvents()
            time.sleep(0.005)
        now_ticks = children_cpu_ticks()
        if now_ticks != last:
            last = now_ticks
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_s:
            break
    window.wait_until_drawn(WAIT_S)
    return max(0.0, quiet_since - start)


def make_window(workload: Workload):
    """A shown 1280×720 MainWindow with ``workload`` drawn (the application must exist)."""
    from jacviz.ui.main_window import MainWindow

    window = MainWindow(workload.text, rect=workload.rect)
    waiter = SignalWaiter(window.mappingApplied, window.mappingFailed)
    window.show()
    if not waiter.wait():
        raise RuntimeError(f"jacviz did not draw {workload.text!r}: {waiter.failed or 'timeout'}")
    settle(window)
    return window


def open_workload(window, workload: Workload) -> None:
    """Show ``workload`` on its own domain (what opening it from the command line does)."""
    waiter = SignalWaiter(window.mappingApplied, window.mappingFailed)
    window.open_mapping(workload.text, rect=workload.rect)
    if not waiter.wait():
        raise RuntimeError(f"jacviz did not draw {workload.text!r}: {waiter.failed or 'timeout'}")
    settle(window)


def measure_mapping_changes(window, workload: Workload, count: int, out: Samples, *,
                            clear_cache: bool = False) -> None:
    """Enter alternately the partner mapping (untimed) and the workload's (timed), ``count`` times.

    With ``clear_cache`` sympy's cache is emptied before each timed change, as for a mapping
    the session has never seen; those times go to ``out.mapping_change_cold_cache`` only.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    edit = window.mapping_bar.edit
    stall = StallMeter()
    for _ in range(count):
        for text, timed in ((PARTNER_TEXT, False), (workload.text, True)):
            out.simplify_settle.append(_ms(settle(window)))
            window.mapping_bar.set_text(text)
            if timed and clear_cache:
                from sympy.core.cache import clear_cache as clear_sympy_cache

                clear_sympy_cache()
            waiter = SignalWaiter(window.mappingApplied, window.mappingFailed)
            stall.start()
            t0 = time.perf_counter()
            QTest.keyClick(edit, Qt.Key.Key_Return)
            ok = waiter.wait()
            t1 = time.perf_counter()
            window.repaint()
            t2 = time.perf_counter()
            stalled = stall.stop()
            if not ok or window.prepared is None or window.prepared.text != text:
                raise RuntimeError(f"mapping change to {text!r} failed: {waiter.failed or 'timeout'}")
            if timed and clear_cache:
                out.mapping_change_cold_cache.append(_ms(t2 - t0))
            elif timed:
                out.mapping_change.append(_ms(t2 - t0))
                out.mapping_change_stall.append(stalled)
                out.mapping_change_repaint.append(_ms(t2 - t1))
                out.mapping_change_compile.append(_ms(window.prepared.seconds))
                out.mapping_change_sample.append(_ms(window.scene.seconds))
    settle(window)


def ellipse_points(rect, count: int) -> list[tuple[float, float]]:
    """``count`` points on a slightly precessing ellipse inside ``rect`` (x0, x1, y0, y1): every
    move goes somewhere new, so no cache answers it."""
    x0, x1, y0, y1 = rect
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    rx, ry = 0.33 * (x1 - x0), 0.33 * (y1 - y0)
    return [(cx + rx * math.cos(a), cy + ry * math.sin(0.97 * a + 0.3))
            for a in (2 * math.pi * i / count + 0.1 for i in range(count))]


def cursor_path(window, count: int) -> list[tuple[float, float, object]]:
    """``count`` points on an ellipse inside the visible domain: (x, y, viewport QPoint)."""
    from PySide6.QtCore import QPoint

    path = []
    for x, y in ellipse_points(window.domain.visible_rect(), count):
        p = window.domain.data_to_widget(x, y)
        path.append((x, y, QPoint(round(p.x()), round(p.y()))))
    return path


MOVE_SPACING_S = 0.011  # pyqtgraph drops a mouse move < 10 ms after the last one (mouseRateLimit = 100/s)


def _mouse_move_event(viewport, point):
    """A real QMouseEvent: a move with no button to ``point`` in ``viewport``'s pixels."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent

    return QMouseEvent(QEvent.Type.MouseMove, QPointF(point), QPointF(viewport.mapToGlobal(point)),
                       Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)


def _spaced(app, last: float) -> None:
    """Process events, untimed, until the next move is allowed through pyqtgraph's rate limit."""
    app.processEvents()
    while time.perf_counter() - last < MOVE_SPACING_S:
        time.sleep(0.0005)
        app.processEvents()


def measure_cursor_moves(window, plan: Plan, out: Samples) -> None:
    """Real mouse moves over the domain view, each timed until its effects are painted.

    ``cursor_move`` (the headline): ``QTest.mouseMove`` to the domain view's viewport and
    then the event loop, in which Qt paints the regions the move changed (the overlays in
    both views, the lens, the readout), as the running app does; the time from the event
    to the end of that painting.

    ``cursor_move_forced`` (a stress variant): the QMouseEvent is sent with
    ``QApplication.sendEvent`` and then the domain and codomain viewports, the lens and the
    readout are each ``repaint()``-ed in full, whatever changed: an upper bound, reported
    with its two halves (``cursor_move_handler``, ``cursor_move_paint``).

    Moves are at least :data:`MOVE_SPACING_S` apart: pyqtgraph silently drops a move that
    follows the previous one within 10 ms, which would look like a free move. Every move
    is checked to have reached jacviz (``cursor_moves_delivered``).
    """
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    viewport = window.domain.viewport()
    targets = (viewport, window.codomain.viewport(), window.codomain.lens, window.readout)
    path = cursor_path(window, plan.cursor_moves)
    x0, x1, y0, y1 = window.domain.visible_rect()
    tolerance = 3.0 * max((x1 - x0) / max(viewport.width(), 1), (y1 - y0) / max(viewport.height(), 1))
    last = 0.0
    for _x, _y, point in path[:10]:  # enter the view and warm up; not timed
        _spaced(app, last)
        last = time.perf_counter()
        QTest.mouseMove(viewport, point)
    delivered = 0
    for x, y, point in path:
        event = _mouse_move_event(viewport, point)
        _spaced(app, last)
        t0 = last = time.perf_counter()
        QApplication.sendEvent(viewport, event)
        t1 = time.perf_counter()
        for widget in targets:
            widget.repaint()
        t2 = time.perf_counter()
        out.cursor_move_forced.append(_ms(t2 - t0))
        out.cursor_move_handler.append(_ms(t1 - t0))
        out.cursor_move_paint.append(_ms(t2 - t1))
        cursor = window.cursor
        if cursor is not None and abs(cursor[0] - x) <= tolerance and abs(cursor[1] - y) <= tolerance:
            delivered += 1
    times, natural = natural_cursor_moves(window, len(path), path=list(reversed(path)), tolerance=tolerance)
    out.cursor_move += times
    out.cursor_moves_delivered = delivered + natural
    settle(window)


def natural_cursor_moves(window, count: int, *, path=None, tolerance: float | None = None,
                         warm_up: int = 10, viewport=None,
                         cursor: Callable[[], tuple | None] | None = None,
                         probe=None) -> tuple[list[float], int]:
    """``count`` real mouse moves over the domain view, each timed until Qt has painted what it changed.

    ``QTest.mouseMove`` to the domain viewport, then the event loop, in which Qt paints the
    dirty regions as the running app does. Returns the times (ms) and how many moves reached
    jacviz (the cursor landed where the move went). ``path`` defaults to :func:`cursor_path`.

    ``viewport`` and ``cursor`` (a function giving the cursor's data coordinates) default to
    the planar domain view and ``window.cursor``; the shapes pane's view passes its own (then
    ``path`` and ``tolerance`` must be given, see :mod:`jacviz.bench.shapes`).

    With a ``probe`` (a :class:`jacviz.bench.interactions.PaintProbe` on the view), each move
    is timed until the probe has seen the view paint, not to the end of one event-loop pass:
    on X11, a window that composes an OpenGL widget paints on Qt's next update request, which
    one pass may not reach.
    """
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if viewport is None:
        viewport = window.domain.viewport()
    if cursor is None:
        def cursor():
            return window.cursor
    path = path if path is not None else cursor_path(window, count)
    if tolerance is None:
        x0, x1, y0, y1 = window.domain.visible_rect()
        tolerance = 3.0 * max((x1 - x0) / max(viewport.width(), 1), (y1 - y0) / max(viewport.height(), 1))
    last = 0.0
    for _x, _y, point in path[:warm_up]:  # enter the view and warm up; not timed
        _spaced(app, last)
        last = time.perf_counter()
        QTest.mouseMove(viewport, point)
    times: list[float] = []
    delivered = 0
    for x, y, point in path:
        _spaced(app, last)
        since = probe.count if probe is not None else 0
        t0 = last = time.perf_counter()
        QTest.mouseMove(viewport, point)
        if probe is None:
            app.processEvents()  # Qt paints the dirty regions, as the running app would
        elif probe.wait(since) is None:
            raise RuntimeError("a cursor move was never painted")
        times.append(_ms(time.perf_counter() - t0))
        at = cursor()
        if at is not None and abs(at[0] - x) <= tolerance and abs(at[1] - y) <= tolerance:
            delivered += 1
    return times, delivered


def measure_pan_steps(window, plan: Plan, out: Samples) -> None:
    """Shift the domain by 1 % of its width, back and forth, until each resample is drawn."""
    stall = StallMeter()
    direction = 1.0
    for i in range(plan.pan_steps):
        if i and i % 7 == 0:
            direction = -direction
        window.wait_until_drawn(WAIT_S)
        x0, x1, y0, y1 = window.domain.visible_rect()
        d = 0.01 * (x1 - x0) * direction
        waiter = SignalWaiter(window.sceneDrawn)
        stall.start()
        t0 = time.perf_counter()
        window.domain.show_rect((x0 + d, x1 + d, y0, y1))
        ok = waiter.wait()
        window.repaint()
        t1 = time.perf_counter()
        stalled = stall.stop()
        if not ok:
            raise RuntimeError(
                "a pan step was never drawn: no sceneDrawn within the wait. The benchmark times a pan "
                "until sceneDrawn; a jacviz that skips resampling on small pans should still emit it "
                "once the view is up to date."
            )
        out.pan_step.append(_ms(t1 - t0))
        out.pan_stall.append(stalled)
        out.pan_resample.append(_ms(window.scene.seconds))
    settle(window)


def measure_exports(window, plan: Plan, out: Samples, folder: Path) -> None:
    """Export the figure at ``plan.export_size`` as PNG."""
    from jacviz.ui.export import export

    for i in range(plan.exports):
        settle(window)
        path = folder / f"export-{i}.png"
        t0 = time.perf_counter()
        export(window, path, size=plan.export_size)
        out.export.append(_ms(time.perf_counter() - t0))
        out.export_bytes = path.stat().st_size
        path.unlink()
    settle(window)


def measure_workload(window, workload: Workload, plan: Plan, folder: Path,
                     progress: Callable[[str], None] = lambda _m: None, *, fresh_changes: int = 0) -> Samples:
    """All in-process measurements of one workload, on its own domain."""
    out = Samples()
    progress(f"{workload.name}: mapping changes")
    open_workload(window, workload)
    measure_mapping_changes(window, workload, plan.mapping_changes, out)
    if fresh_changes:
        measure_mapping_changes(window, workload, fresh_changes, out, clear_cache=True)
    open_workload(window, workload)  # back on the workload's own domain for the rest
    progress(f"{workload.name}: cursor moves")
    measure_cursor_moves(window, plan, out)
    progress(f"{workload.name}: pan steps")
    measure_pan_steps(window, plan, out)
    open_workload(window, workload)
    progress(f"{workload.name}: export {plan.export_size[0]}×{plan.export_size[1]}")
    measure_exports(window, plan, out, folder)
    return out
