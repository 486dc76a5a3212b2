"""The interactions people make, timed from the input event to the painted frame, without settling.

:mod:`jacviz.bench.interactive` times one operation at a time on a window that has settled.
A person does not wait: a slider drag, a wheel roll or a playing morph sends the next step
while the previous one is still being sampled. The measurements here drive a real
:class:`~jacviz.ui.main_window.MainWindow` the way such input arrives:

* **slider drag**: press on the parameter slider's handle of ``x + a sin(y), y + a sin(x)``
  (the preset "Sine lattice, folded"), then a mouse move with the button held every
  :data:`STEP_INTERVAL_S` (a 60 Hz pointer), through QSlider's own drag code;
* **wheel zoom**: a wheel event of :data:`ZOOM_DELTA` (a 10 % step) on the domain view,
  one at a time (settled) and as a continuous roll (no settling);
* **morph playback**: the play button (the tool's own frame timer), and the same homotopy
  stepped at 60 Hz;
* **linearization-error mode**: switching to it, then cursor moves over it;
* **mapping change in flight**: pans that leave the sampled margin and cursor moves, each
  ~11 ms apart, then Enter at once.

A :class:`Stream` runs Qt's own event loop (``QEventLoop.exec``) while the steps are sent
from a precise timer, so the GUI thread idles, paints and receives the workers' results
exactly as in the running app. A step counts as painted when the domain view has finished
painting a scene whose inputs are that step's or a later step's (newest wins: a scene
overtaken by the next step is never drawn, and its step is served by the next frame).
Meanwhile a 1 ms precise timer records every gap of the GUI thread (:class:`GapRecorder`).

For each interaction the *floors* say what the parts cost on their own, called directly:
``sample_scene`` + ``scene_paths`` (the worker's numpy and path building), ``show_scene`` of
both views (the GUI thread's swap), the first paint of the new scene and a repaint of an
unchanged one (Qt's paint), and ``QWidget.grab()`` of the domain view. :func:`refinement`
measures the same at a coarse 128² scene, for progressive refinement.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from jacviz.bench.interactive import (
    WAIT_S,
    SignalWaiter,
    StallMeter,
    natural_cursor_moves,
    open_workload,
    settle,
)
from jacviz.bench.workloads import PARTNER_TEXT, Workload

SLIDER_TEXT = "x + a sin(y), y + a sin(x)"  # the preset "Sine lattice, folded": a in [0, 3], 1.5
SLIDER_RECT = (-4.0, 4.0, -4.0, 4.0)
SLIDER_PARAMETER = "a"
STEP_INTERVAL_S = 0.016  # a pointer at 60 Hz
# pyqtgraph's ViewBox zooms by 1.02 ** (delta / 8) per wheel event (ViewBox.wheelEvent,
# wheelScaleFactor = -1/8): 38 eighths of a degree is a step of 1.02 ** 4.75 = 1.099.
ZOOM_DELTA = 38
ZOOM_ROLL_INTERVAL_S = 0.025  # a wheel rolled briskly: 40 notches a second
INFLIGHT_PANS = 5
INFLIGHT_PAN_FRACTION = 0.12  # five of these leave the 25 % margin: a resample is in flight
INFLIGHT_SPACING_S = 0.011
QUALITIES = {  # progressive refinement: (heatmap, lines, samples per line)
    "default": (512, 41, 400),
    "256": (256, 41, 400),
    "128": (128, 41, 400),
    "128-light": (128, 21, 100),
}
INTERACTIONS = ("slider", "zoom", "morph", "linerr", "inflight", "display")


@dataclass
class InteractionPlan:
    """How many times each interaction is repeated."""

    slider_drags: int = 4
    slider_steps: int = 40  # pointer moves per drag
    zoom_steps: int = 14  # settled wheel steps (half in, half out)
    zoom_rolls: int = 3  # continuous rolls of ``zoom_roll_steps`` notches (in, then out)
    zoom_roll_steps: int = 8
    morph_plays: int = 2
    morph_steps: int = 60  # the 60 Hz variant
    linerr_moves: int = 120
    inflight_changes: int = 7
    floor_repeats: int = 5
    display_moves: int = 120
    display_pans: int = 14

    @classmethod
    def make(cls, quick: bool, repeat: int | None) -> InteractionPlan:
        if quick:
            return cls(slider_drags=1, slider_steps=12, zoom_steps=2, zoom_rolls=1, zoom_roll_steps=4,
                       morph_plays=1, morph_steps=12, linerr_moves=20, inflight_changes=1, floor_repeats=1,
                       display_moves=20, display_pans=2)
        n = repeat or 7
        return cls(slider_drags=max(2, n), zoom_steps=max(8, 2 * n), zoom_rolls=max(2, n // 2 + 1),
                   morph_plays=max(1, n // 3 + 1), inflight_changes=max(3, n), floor_repeats=max(3, n),
                   display_pans=max(6, 2 * n))


def _ms(seconds: float) -> float:
    return seconds * 1000.0


class PaintProbe:
    """Counts the paint events of some widgets (an event filter; it changes nothing).

    ``on_paint(widget)`` is called before the widget paints; with ``record`` on, every
    event's widget and region (bounding size and area in logical pixels) is kept.
    """

    def __init__(self, widgets, on_paint: Callable | None = None) -> None:
        from PySide6.QtCore import QObject

        probe = self

        class _Filter(QObject):
            def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
                from PySide6.QtCore import QEvent

                if event.type() == QEvent.Type.Paint:
                    probe.count += 1
                    if probe.record:
                        region = event.region()
                        area = sum(r.width() * r.height() for r in region)
                        box = region.boundingRect()
                        probe.events.append((obj, box.width(), box.height(), area))
                    if probe.on_paint is not None:
                        probe.on_paint(obj)
                return False

        self.count = 0
        self.record = False
        self.events: list[tuple[object, int, int, int]] = []
        self.on_paint = on_paint
        self._filter = _Filter()
        self._widgets = list(widgets)
        for widget in self._widgets:
            widget.installEventFilter(self._filter)

    def remove(self) -> None:
        for widget in self._widgets:
            widget.removeEventFilter(self._filter)

    def wait(self, since: int, timeout_s: float = WAIT_S) -> float | None:
        """Process events until a paint after count ``since`` is done; the time then (or None)."""
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            app.processEvents()
            if self.count > since:
                return time.perf_counter()  # processEvents returned: the paint is done
            time.sleep(0.0002)
        return None


class GapRecorder:
    """The GUI thread's gaps: a 1 ms precise timer keeps the time of every tick."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._tick)
        self.ticks: list[float] = []

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())

    def start(self) -> None:
        self.ticks = [time.perf_counter()]
        self._timer.start()

    def stop(self) -> None:
        self._tick()
        self._timer.stop()

    def longest(self, start: float = -math.inf, end: float = math.inf) -> float:
        """The longest gap (less the 1 ms period) that ends within [start, end], in ms."""
        worst = 0.0
        for a, b in itertools.pairwise(self.ticks):
            if start <= b <= end or (a < start and b > end):
                worst = max(worst, b - a)
        return max(0.0, _ms(worst) - 1.0)


@dataclass
class StreamResult:
    """What one stream of steps did."""

    latencies_ms: list[float] = field(default_factory=list)  # step -> painted, per painted step
    handler_ms: list[float] = field(default_factory=list)  # sending each step (synchronous part)
    step_stalls_ms: list[float] = field(default_factory=list)  # longest GUI gap after each step
    stall_ms: float = 0.0  # the longest GUI gap of the whole stream
    steps: int = 0
    frames: int = 0  # scenes painted
    seconds: float = 0.0  # first step to last frame
    unpainted: int = 0  # steps never served by a frame (should stay 0)


class Stream:
    """Send steps at a fixed interval inside Qt's event loop; match painted frames to steps.

    ``drawn_key()`` says which inputs the scene on screen was sampled for (read when
    ``sceneDrawn`` fires); a step's key is what its callable returns after sending it.
    """

    def __init__(self, window, drawn_key: Callable[[], object], *, gaps: bool = True) -> None:
        self.window = window
        self.drawn_key = drawn_key
        self.gaps = gaps  # False: no 1 ms timer (it takes the GIL from the workers every tick)

    def run(self, steps: list[Callable[[], object]] | None, interval_s: float, *,
            external: Callable[[Callable[[object], None]], Callable[[], None]] | None = None,
            done: Callable[[], bool] | None = None, timeout_s: float = WAIT_S) -> StreamResult:
        """Run the stream: ``steps`` sent by a timer, or ``external(record)`` sends its own.

        ``external`` is given ``record(key)`` to call at each step it makes, and returns a
        function that disconnects it; ``done()`` says when an external stream has finished.
        """
        from PySide6.QtCore import QEventLoop, Qt, QTimer

        window = self.window
        loop = QEventLoop()
        sent: list[tuple[float, object]] = []
        served: dict[int, float] = {}
        frames: list[float] = []
        handler: list[float] = []
        pending: list[object] = []
        gaps = GapRecorder()
        stamp = QTimer()
        stamp.setSingleShot(True)
        stamp.setInterval(0)

        def finished() -> bool:
            if steps is not None and len(sent) < len(steps):
                return False
            if done is not None and not done():
                return False
            if not (window.compiler.is_idle() and window.sampler.is_idle() and window.imager.is_idle()):
                return False
            return not pending and (not sent or len(served) == len(sent) or
                                    time.perf_counter() - sent[-1][0] > 0.5)

        def on_drawn() -> None:
            pending.append(self.drawn_key())

        def on_paint(_widget) -> None:
            if pending:
                stamp.start()  # fires once this paint (and the rest of its update) is done

        def on_stamp() -> None:
            now = time.perf_counter()
            keys, pending[:] = list(pending), []
            for key in keys:
                last = max((i for i, (_t, k) in enumerate(sent) if k == key), default=None)
                if last is None:
                    continue
                frames.append(now)
                for i in range(last + 1):
                    if i not in served:
                        served[i] = now
            if finished():
                loop.quit()

        def record(key) -> None:
            sent.append((time.perf_counter(), key))

        def send() -> None:
            assert steps is not None
            i = len(sent)
            if i >= len(steps):
                ticker.stop()
                if finished():
                    loop.quit()
                return
            t0 = time.perf_counter()
            key = steps[i]()
            handler.append(_ms(time.perf_counter() - t0))
            sent.append((t0, key))

        def check() -> None:
            if finished():
                loop.quit()

        probe = PaintProbe([window.domain.viewport()], on_paint)
        stamp.timeout.connect(on_stamp)
        window.sceneDrawn.connect(on_drawn)
        ticker = QTimer()
        ticker.setTimerType(Qt.TimerType.PreciseTimer)
        ticker.setInterval(max(1, round(interval_s * 1000)))
        ticker.timeout.connect(send)
        watchdog = QTimer()
        watchdog.setInterval(50)
        watchdog.timeout.connect(check)
        guard = QTimer()
        guard.setSingleShot(True)
        guard.timeout.connect(loop.quit)
        disconnect = None
        if self.gaps:
            gaps.start()
        try:
            if external is not None:
                disconnect = external(record)
            else:
                send()
                ticker.start()
            watchdog.start()
            guard.start(int(timeout_s * 1000))
            loop.exec()  # safe: Qt's event loop
        finally:
            if self.gaps:
                gaps.stop()
            for timer in (ticker, watchdog, guard, stamp):
                timer.stop()
            if disconnect is not None:
                disconnect()
            window.sceneDrawn.disconnect(on_drawn)
            probe.remove()
        out = StreamResult(steps=len(sent), frames=len(frames), handler_ms=handler)
        out.latencies_ms = [_ms(served[i] - t) for i, (t, _k) in enumerate(sent) if i in served]
        out.unpainted = len(sent) - len(served)
        times = [t for t, _k in sent] + [math.inf]
        out.step_stalls_ms = [gaps.longest(times[i], times[i + 1]) for i in range(len(sent))]
        out.stall_ms = gaps.longest()
        if sent and frames:
            out.seconds = frames[-1] - sent[0][0]
        return out


# ---------------------------------------------------------------------------------------
# What the window drew


def _scene_key(window) -> tuple:
    # The inputs of the scene on screen (mapping, parameters, tool transforms, fields): the
    # window's own record of them, read only to tell which step a painted frame serves.
    return getattr(window, "_scene_key", None) or ()


def drawn_parameter(window, name: str) -> float | None:
    """The value of parameter ``name`` the drawn scene was sampled for."""
    key = _scene_key(window)
    params = dict(key[1]) if len(key) > 1 else {}
    return params.get(name)


def drawn_morph_t(window) -> float:
    """The morph's t the drawn scene was sampled for (1.0 when the morph is off)."""
    key = _scene_key(window)
    names = list(window.tools)
    transforms = key[2] if len(key) > 2 else ()
    if "morph" in names and len(transforms) == len(names):
        return float(transforms[names.index("morph")])
    return math.nan


def drawn_visible(window) -> tuple | None:
    scene = window.scene
    return tuple(scene.visible) if scene is not None else None


# ---------------------------------------------------------------------------------------
# Input events


def _mouse(kind: str, widget, pos, held: bool):
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent

    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    types = {"press": QEvent.Type.MouseButtonPress, "move": QEvent.Type.MouseMove,
             "release": QEvent.Type.MouseButtonRelease}
    button = none if kind == "move" else left
    buttons = left if held else none
    point = QPointF(pos)
    return QMouseEvent(types[kind], point, QPointF(widget.mapToGlobal(pos)), button, buttons,
                       Qt.KeyboardModifier.NoModifier)


def _send(widget, event) -> None:
    from PySide6.QtWidgets import QApplication

    QApplication.sendEvent(widget, event)


def slider_handle(slider):
    """The centre of a QSlider's handle, in the slider's pixels."""
    from PySide6.QtWidgets import QStyle, QStyleOptionSlider

    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    rect = slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                         QStyle.SubControl.SC_SliderHandle, slider)
    return rect.center()


def wheel_event(widget, delta: int):
    """A wheel event of ``delta`` eighths of a degree at the centre of ``widget``."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent

    centre = QPointF(widget.width() / 2, widget.height() / 2)
    return QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, delta),
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                       False)


# ---------------------------------------------------------------------------------------
# The interactions


@dataclass
class Samples:
    """Raw measurements of the interactions of one mapping, in milliseconds unless named otherwise."""

    slider_step: list[float] = field(default_factory=list)  # step -> painted heatmap
    slider_handler: list[float] = field(default_factory=list)  # the step's synchronous part
    slider_step_stall: list[float] = field(default_factory=list)  # longest GUI gap after each step
    slider_stall: list[float] = field(default_factory=list)  # longest GUI gap per drag
    slider_fps: list[float] = field(default_factory=list)  # frames painted per second of drag
    slider_steps: int = 0
    slider_frames: int = 0
    zoom_step: list[float] = field(default_factory=list)  # settled: wheel -> painted
    zoom_first_paint: list[float] = field(default_factory=list)  # wheel -> the old scene painted, zoomed
    zoom_stall: list[float] = field(default_factory=list)
    zoom_factor: list[float] = field(default_factory=list)  # visible width after / before (>= 1)
    zoom_roll: list[float] = field(default_factory=list)  # continuous: notch -> painted
    zoom_roll_stall: list[float] = field(default_factory=list)
    morph_play_fps: list[float] = field(default_factory=list)  # the play button
    morph_play_frame: list[float] = field(default_factory=list)  # t changed -> painted
    morph_play_stall: list[float] = field(default_factory=list)
    morph_60_step: list[float] = field(default_factory=list)  # t stepped at 60 Hz -> painted
    morph_60_fps: list[float] = field(default_factory=list)
    morph_60_stall: list[float] = field(default_factory=list)
    linerr_switch: list[float] = field(default_factory=list)  # Ctrl+4 -> painted
    linerr_cursor: list[float] = field(default_factory=list)  # cursor move in that mode
    inflight_change: list[float] = field(default_factory=list)  # Enter -> painted, work in flight
    inflight_stall: list[float] = field(default_factory=list)  # longest GUI gap Enter -> painted
    inflight_burst_stall: list[float] = field(default_factory=list)  # the same over pans + moves + change
    unpainted_steps: int = 0
    floors: dict = field(default_factory=dict)


def measure_slider(window, plan: InteractionPlan, out: Samples) -> None:
    """Drag the slider of ``a`` back and forth ``plan.slider_drags`` times, no settling."""
    slider = window.parameters.controls[SLIDER_PARAMETER].slider
    width = slider.width()
    dx = max(1, round(0.4 * width / plan.slider_steps))
    stream = Stream(window, lambda: drawn_parameter(window, SLIDER_PARAMETER))
    for drag in range(plan.slider_drags):
        settle(window)
        start = slider_handle(slider)
        direction = 1 if drag % 2 == 0 else -1
        _send(slider, _mouse("press", slider, start, True))

        def step(k: int, start=start, direction=direction):
            def go():
                from PySide6.QtCore import QPoint

                pos = QPoint(start.x() + direction * dx * (k + 1), start.y())
                _send(slider, _mouse("move", slider, pos, True))
                return window.model.param_values()[SLIDER_PARAMETER]
            return go

        result = stream.run([step(k) for k in range(plan.slider_steps)], STEP_INTERVAL_S)
        end = slider_handle(slider)
        _send(slider, _mouse("release", slider, end, False))
        out.slider_step += result.latencies_ms
        out.slider_handler += result.handler_ms
        out.slider_step_stall += result.step_stalls_ms
        out.slider_stall.append(result.stall_ms)
        if result.seconds > 0:
            out.slider_fps.append(result.frames / result.seconds)
        out.slider_steps += result.steps
        out.slider_frames += result.frames
        out.unpainted_steps += result.unpainted
    settle(window)


def measure_zoom(window, plan: InteractionPlan, out: Samples) -> None:
    """Wheel steps of 10 % on the domain view: one at a time, then continuous rolls."""
    viewport = window.domain.viewport()
    probe = PaintProbe([viewport])
    stall = StallMeter()
    try:
        for i in range(plan.zoom_steps):
            delta = ZOOM_DELTA if i < plan.zoom_steps // 2 else -ZOOM_DELTA
            window.wait_until_drawn(WAIT_S)
            before = window.domain.visible_rect()
            waiter = SignalWaiter(window.sceneDrawn)
            stall.start()
            count = probe.count
            t0 = time.perf_counter()
            _send(viewport, wheel_event(viewport, delta))
            # the view repaints at once with the scene it has, zoomed (what the eye sees first)
            first = probe.wait(count) if not waiter.fired else None
            ok = waiter.wait()
            # sceneDrawn comes when show_scene has asked for a repaint, which Qt does later
            # in the event loop: the paint to wait for is the next one
            t1 = probe.wait(probe.count)
            stalled = stall.stop()
            if not ok or t1 is None:
                raise RuntimeError("a wheel zoom step was never drawn")
            if first is not None and first < t1:
                out.zoom_first_paint.append(_ms(first - t0))
            after = window.domain.visible_rect()
            w0, w1 = before[1] - before[0], after[1] - after[0]
            out.zoom_step.append(_ms(t1 - t0))
            out.zoom_stall.append(stalled)
            out.zoom_factor.append(max(w0, w1) / min(w0, w1))
    finally:
        probe.remove()
    stream = Stream(window, lambda: drawn_visible(window))
    for _ in range(plan.zoom_rolls):
        settle(window)
        for delta in (ZOOM_DELTA, -ZOOM_DELTA):
            def notch(delta=delta):
                _send(viewport, wheel_event(viewport, delta))
                return window.domain.visible_rect()

            result = stream.run([notch] * plan.zoom_roll_steps, ZOOM_ROLL_INTERVAL_S)
            out.zoom_roll += result.latencies_ms
            out.zoom_roll_stall.append(result.stall_ms)
            out.unpainted_steps += result.unpainted
    settle(window)


def measure_morph(window, plan: InteractionPlan, out: Samples) -> None:
    """The morph played with its button, and stepped at 60 Hz; frames per second and latency."""
    tool = window.tool("morph")
    model = window.model
    stream = Stream(window, lambda: drawn_morph_t(window))
    for _ in range(plan.morph_plays):
        settle(window)
        model.set_morph_t(1.0)
        settle(window)

        def external(record):
            def on_t(t: float) -> None:
                record(float(t))

            model.morphTChanged.connect(on_t)
            tool.play_button.setChecked(True)  # t goes to 0 and the tool's frame timer starts

            def disconnect() -> None:
                model.morphTChanged.disconnect(on_t)
                tool.play_button.setChecked(False)
            return disconnect

        result = stream.run(None, 0.0, external=external, done=lambda: not tool.play_button.isChecked(),
                            timeout_s=WAIT_S)
        out.morph_play_frame += result.latencies_ms
        out.morph_play_stall.append(result.stall_ms)
        if result.seconds > 0:
            out.morph_play_fps.append(result.frames / result.seconds)
        out.unpainted_steps += result.unpainted
    settle(window)
    for play in range(plan.morph_plays):
        n = plan.morph_steps
        values = [k / (n - 1) for k in range(n)]
        if play % 2:
            values.reverse()

        def step(t: float):
            def go():
                model.set_morph_t(t)
                return model.morph_t
            return go

        model.set_morph_t(values[0] - (1.0 / n if play % 2 == 0 else -1.0 / n))
        settle(window)
        result = stream.run([step(t) for t in values[1:]], STEP_INTERVAL_S)
        out.morph_60_step += result.latencies_ms
        out.morph_60_stall.append(result.stall_ms)
        if result.seconds > 0:
            out.morph_60_fps.append(result.frames / result.seconds)
        out.unpainted_steps += result.unpainted
    model.set_morph_t(1.0)
    settle(window)


def measure_linerr(window, plan: InteractionPlan, out: Samples) -> None:
    """Switch the heatmap to the linearization error (timed to painted), then move the cursor over it."""
    from jacviz.core.lab.linerror import MODE

    model = window.model
    before = model.heatmap_mode
    probe = PaintProbe([window.domain.viewport()])
    try:
        for _ in range(max(1, plan.floor_repeats // 2)):
            settle(window)
            waiter = SignalWaiter(window.sceneDrawn)
            t0 = time.perf_counter()
            model.set_heatmap_mode(MODE)
            ok = waiter.wait()
            t1 = probe.wait(probe.count)
            if not ok or t1 is None:
                raise RuntimeError("the linearization-error heatmap was never drawn")
            out.linerr_switch.append(_ms(t1 - t0))
            model.set_heatmap_mode(before)
            settle(window)
        model.set_heatmap_mode(MODE)
        settle(window)
        times, _delivered = natural_cursor_moves(window, plan.linerr_moves)
        out.linerr_cursor += times
        if "linerr" not in out.floors:
            out.floors["linerr"] = floors(window, plan.floor_repeats, mode=MODE)
    finally:
        probe.remove()
        model.set_heatmap_mode(before)
        settle(window)


def measure_inflight(window, workload: Workload, plan: InteractionPlan, out: Samples) -> None:
    """Pans that leave the margin and cursor moves, then Enter at once: Enter -> painted, GUI stall."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from jacviz.bench.interactive import cursor_path

    app = QApplication.instance()
    edit = window.mapping_bar.edit
    viewport = window.domain.viewport()
    probe = PaintProbe([viewport])
    gaps = GapRecorder()
    try:
        for _ in range(plan.inflight_changes):
            open_workload(window, _partner(workload))
            window.mapping_bar.set_text(workload.text)
            path = cursor_path(window, 2 * INFLIGHT_PANS)
            gaps.start()
            burst_start = time.perf_counter()
            for k in range(INFLIGHT_PANS):
                x0, x1, y0, y1 = window.domain.visible_rect()
                d = INFLIGHT_PAN_FRACTION * (x1 - x0)
                window.domain.show_rect((x0 + d, x1 + d, y0, y1))
                _run_for(app, INFLIGHT_SPACING_S)
                from jacviz.bench.interactive import _mouse_move_event

                _send(viewport, _mouse_move_event(viewport, path[2 * k][2]))
                _run_for(app, INFLIGHT_SPACING_S)
            waiter = SignalWaiter(window.mappingApplied, window.mappingFailed)
            t0 = time.perf_counter()
            QTest.keyClick(edit, Qt.Key.Key_Return)
            ok = waiter.wait()
            t1 = probe.wait(probe.count)
            gaps.stop()
            if not ok or t1 is None or window.prepared is None or window.prepared.text != workload.text:
                raise RuntimeError(f"a mapping change to {workload.text!r} in flight failed: "
                                   f"{waiter.failed or 'timeout'}")
            out.inflight_change.append(_ms(t1 - t0))
            out.inflight_stall.append(gaps.longest(t0, t1))
            out.inflight_burst_stall.append(gaps.longest(burst_start, t1))
    finally:
        probe.remove()
    open_workload(window, workload)


def _partner(workload: Workload) -> Workload:
    from jacviz.bench.workloads import PARTNER

    return PARTNER if workload.text != PARTNER_TEXT else workload


def _run_for(app, seconds: float) -> None:
    """Let the event loop run (no waiting for any result) for ``seconds``."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.0005)


# ---------------------------------------------------------------------------------------
# Floors: the parts on their own


def _median_ms(fn: Callable[[], object], repeats: int) -> float:
    import numpy as np

    fn()  # warm up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(_ms(time.perf_counter() - t0))
    return round(float(np.median(times)), 4)


def floors(window, repeats: int, *, numeric=None, params: dict | None = None, mode: str | None = None,
           quality=None) -> dict:
    """What resampling and redrawing the visible domain costs, part by part (median ms).

    ``numeric`` (default: what the window draws) and ``params`` (default: the model's)
    are sampled over the visible domain with the window's margin, at ``quality`` (default:
    the window's); ``mode`` adds that heatmap mode's fields. The scene is then drawn on
    the window as the window draws one, so the window ends up showing it.
    """
    from jacviz.core.pipeline.scene import sample_scene
    from jacviz.ui.main_window import PAN_MARGIN
    from jacviz.ui.views.paths import scene_paths

    numeric = numeric if numeric is not None else window.numeric()
    params = dict(params if params is not None else window.model.param_values())
    quality = quality or window.quality
    mode = mode or window.model.heatmap_mode
    fields = tuple(r for tool in window.tools.values() for r in tool.heatmap_fields(mode))
    rect = window.domain.visible_rect()
    holder: dict = {}

    def sample():
        holder["scene"] = sample_scene(numeric, rect, quality, params, fields=fields, margin=PAN_MARGIN)

    def paths():
        holder["paths"] = scene_paths(holder["scene"])

    def show():
        window.domain.show_scene(holder["scene"], holder["paths"])
        window.codomain.show_scene(holder["scene"], holder["paths"])

    targets = (window.domain.viewport(), window.codomain.viewport())

    def repaint():
        for widget in targets:
            widget.repaint()

    def show_and_paint():
        show()
        repaint()

    out = {
        "sample_scene": _median_ms(sample, repeats),
        "scene_paths": _median_ms(paths, repeats),
        "show_scene": _median_ms(show, repeats),
    }
    both = _median_ms(show_and_paint, repeats)
    out["first_paint"] = round(max(both - out["show_scene"], 0.001), 4)
    out["repaint_unchanged"] = _median_ms(repaint, repeats)
    out["grab_domain"] = _median_ms(window.domain.grab, repeats)
    out["samples_per_side"] = holder["scene"].samples
    out["worker_total"] = round(out["sample_scene"] + out["scene_paths"], 4)
    out["gui_total"] = round(both, 4)
    return out


def refinement(window, repeats: int) -> dict:
    """Progressive refinement: sample + draw + paint at each of :data:`QUALITIES` (median ms)."""
    from jacviz.core.pipeline.scene import Quality

    out = {}
    params = window.model.param_values()
    if SLIDER_PARAMETER in params:
        params[SLIDER_PARAMETER] = params[SLIDER_PARAMETER] + 0.1  # a new value, as a drag step
    for name, (heatmap, lines, samples) in QUALITIES.items():
        out[name] = floors(window, repeats, params=params, quality=Quality(heatmap, lines, samples))
        out[name]["quality"] = [heatmap, lines, samples]
    window.request_resample()  # back to the window's own scene
    settle(window)
    return out


def measure_slider_mapping(window, plan: InteractionPlan, progress: Callable[[str], None]) -> Samples:
    """The slider drag on its own mapping, its floors and the progressive-refinement costs."""
    out = Samples()
    waiter = SignalWaiter(window.mappingApplied, window.mappingFailed)
    window.open_mapping(SLIDER_TEXT, rect=SLIDER_RECT)
    if not waiter.wait():
        raise RuntimeError(f"jacviz did not draw {SLIDER_TEXT!r}: {waiter.failed or 'timeout'}")
    settle(window)
    if SLIDER_PARAMETER not in window.parameters.controls:
        raise RuntimeError(f"{SLIDER_TEXT!r} shows no slider for {SLIDER_PARAMETER}")
    progress("slider drag: x + a sin(y), y + a sin(x)")
    measure_slider(window, plan, out)
    out.floors["slider"] = floors(window, plan.floor_repeats,
                                  params={**window.model.param_values(), SLIDER_PARAMETER: 1.7})
    progress("slider drag: progressive refinement (128² scene) costs")
    out.floors["refinement"] = refinement(window, plan.floor_repeats)
    settle(window)
    return out


def measure_workload(window, workload: Workload, plan: InteractionPlan, selected: set[str],
                     progress: Callable[[str], None]) -> Samples:
    """The selected interactions (zoom, morph, linerr, inflight) on one workload, with their floors."""
    from jacviz.core.numeric.morph import MorphedMapping

    out = Samples()
    open_workload(window, workload)
    out.floors["view"] = floors(window, plan.floor_repeats)
    settle(window)
    if "zoom" in selected:
        progress(f"{workload.name}: wheel zoom")
        open_workload(window, workload)
        measure_zoom(window, plan, out)
    if "morph" in selected:
        progress(f"{workload.name}: morph playback")
        open_workload(window, workload)
        measure_morph(window, plan, out)
        out.floors["morph"] = floors(window, plan.floor_repeats,
                                     numeric=MorphedMapping(window.prepared.compiled, 0.5))
    if "linerr" in selected:
        progress(f"{workload.name}: linearization-error mode")
        open_workload(window, workload)
        measure_linerr(window, plan, out)
    if "inflight" in selected:
        progress(f"{workload.name}: mapping change with work in flight")
        measure_inflight(window, workload, plan, out)
    open_workload(window, workload)
    return out
