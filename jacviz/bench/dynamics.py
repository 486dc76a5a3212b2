"""``python -m jacviz.bench.dynamics``: how fast the vector field and Newton's method are.

::

    python -m jacviz.bench.dynamics [--repeat N] [--no-window] [--json PATH|-] [--quiet]

It times, in this process, the core computations the window runs for them (the drawing
is not included):

* **phase portrait**: the arrow field and the evenly spaced streamlines of the visible
  domain at the window's default density (``ARROWS`` arrows and ``STREAMLINE_CELLS``
  cells along the longer side), for the four vector-field presets and a rotation; target
  ≤ 50 ms. Next to it, where matplotlib is installed, the same streamlines by matplotlib's
  ``streamplot`` (density 1, which has the same 30×30 cells), for the ratio;
* **equilibria**: :func:`~jacviz.core.lab.dynamics.find_equilibria` for the same domains;
* **a trajectory** forward and backward from one point;
* **Newton basins**: 512² samples of z³ − 1 over [−2, 2]²; target ≤ 150 ms;
* **cursor**: what one cursor move adds in the vector-field and Newton modes: J at the
  point, its classification and trace–determinant point, and the Newton iterates from
  there; target ≤ 3 ms.

and then, unless ``--no-window``, in a 1280×720 :class:`~jacviz.ui.main_window.MainWindow`
(offscreen Qt, in this process), the way :mod:`jacviz.bench.interactive` times the window:

* **window cursor**: a real mouse move over the domain view (``QTest.mouseMove``) until Qt
  has painted what it changed, for the damped pendulum read as a vector field (the
  trace–determinant dot follows J) and as a mapping (the same moves without the tool),
  and for z³ − 1 with the Newton tool on (up to 50 iterates drawn in both views and listed;
  no target in the issue); target ≤ 3 ms for the vector field. Next to it the dot's own update
  (:meth:`TraceDeterminantDiagram.show_cursor`) in microseconds;
* **pan → portrait**: ``domain.show_rect`` shifted by 1 % of the width until the new
  arrows, streamlines and equilibria are drawn (the tool's ``portraitDrawn``, then a
  repaint), with the worker's own time for the portrait; target ≤ 50 ms for the worker;
* **basins mode**: switching the heatmap to the Newton basins of z³ − 1 until the scene is
  drawn (the scene is sampled with its pan margin: 768² samples for a 512² view).

Every timing is a median and 90th percentile over ``--repeat`` runs after one warm-up run.
The mappings are compiled in this process (sympy), as the worker would.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable

import numpy as np

from jacviz.bench.stats import ratio, summary
from jacviz.core.lab import dynamics, newton
from jacviz.core.persistence.presets import load_presets

TARGETS_MS = {"phase portrait": 50.0, "basins 512²": 150.0, "cursor": 3.0,
              "window cursor (vector field)": 3.0, "pan → portrait (worker)": 50.0}
PENDULUM = "Damped pendulum"
WAIT_S = 60.0  # generous: a shared machine may stall; nothing here asserts speed
ROTATION = ("Rotation (centre)", "y, -x", (-2.0, 2.0, -2.0, 2.0), {})
BASINS = ("z^3 - 1", (-2.0, 2.0, -2.0, 2.0), 512)


def _compile(text: str):
    from jacviz.core.symbolic.mapping import Mapping
    from jacviz.core.symbolic.translate import compile_mapping

    return compile_mapping(Mapping.from_text(text))


def _time(fn: Callable[[], object], repeat: int) -> dict:
    fn()  # warm-up: first-call costs (imports, caches) are not what a pan pays
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000.0)
    return summary(samples)


def fields() -> list[tuple[str, str, tuple[float, float, float, float], dict]]:
    """The vector fields timed: the presets read as vector fields, at their default parameters."""
    out = [(p.name, p.mapping, p.domain, {k: v.value for k, v in p.params.items()})
           for p in load_presets() if p.view == "vector field"]
    return [*out, ROTATION]


def bench_phase_portraits(repeat: int) -> list[dict]:
    """Arrow field + streamlines, equilibria and a trajectory, per vector field."""
    rows = []
    for name, text, rect, params in fields():
        mapping = _compile(text)
        centre = ((rect[0] + rect[1]) / 2 + 0.1 * (rect[1] - rect[0]), (rect[2] + rect[3]) / 2)

        def portrait(mapping=mapping, rect=rect, params=params):
            return (dynamics.arrow_field(mapping, rect, params),
                    dynamics.streamlines(mapping, rect, params))

        row = {
            "field": name, "mapping": text,
            "phase_portrait": _time(portrait, repeat),
            "arrows": _time(lambda m=mapping, r=rect, p=params: dynamics.arrow_field(m, r, p), repeat),
            "streamlines": _time(lambda m=mapping, r=rect, p=params: dynamics.streamlines(m, r, p), repeat),
            "equilibria": _time(lambda m=mapping, r=rect, p=params: dynamics.find_equilibria(m, r, p),
                                repeat),
            "trajectory": _time(lambda m=mapping, r=rect, p=params, c=centre: dynamics.trajectory(m, c, r, p),
                                max(3, repeat // 4)),
            "streamline_count": len(dynamics.streamlines(mapping, rect, params)),
        }
        base = _matplotlib_streamplot(text, mapping, rect, params, repeat)
        if base is not None:
            row["matplotlib_streamplot"] = base
            row["streamlines_vs_matplotlib"] = ratio(row["streamlines"]["median_ms"], base["median_ms"])
        rows.append(row)
    return rows


def _matplotlib_streamplot(text, mapping, rect, params, repeat: int) -> dict | None:
    """matplotlib's streamplot on the same field (sampled on 64² nodes), or None without matplotlib."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    x = np.linspace(rect[0], rect[1], 64)
    y = np.linspace(rect[2], rect[3], 64)
    u, v = mapping.values(x[None, :], y[:, None], params)
    u, v = np.broadcast_to(u, (64, 64)), np.broadcast_to(v, (64, 64))
    axes = Figure().add_subplot()

    def run():
        axes.cla()
        axes.streamplot(x, y, u, v, density=1)

    return _time(run, max(3, repeat // 2))


def bench_basins(repeat: int) -> dict:
    text, rect, n = BASINS
    mapping = _compile(text)
    result = newton.newton_basins(mapping, rect, n)
    return {"mapping": text, "samples": n, "roots": len(result.roots),
            "not_converged": result.as_dict()["not_converged"],
            "basins": _time(lambda: newton.newton_basins(mapping, rect, n), repeat),
            "colours": _time(result.rgba, repeat)}


def bench_cursor(repeat: int) -> dict:
    """One cursor move's core work: J, classification, trace–det point, Newton from there."""
    rng = np.random.default_rng(1)
    pendulum = _compile("y, -sin(x) - 0.5 y")
    cubic = _compile("z^3 - 1")
    points = rng.uniform(-2, 2, size=(max(repeat, 50), 2))
    state = {"i": 0}

    def classify_move():
        x, y = points[state["i"] % len(points)]
        state["i"] += 1
        lin = dynamics.classify(pendulum.jacobian_at(x, y))
        return lin.point, lin.region

    def newton_move():
        x, y = points[state["i"] % len(points)]
        state["i"] += 1
        return newton.newton_iterates(cubic, (x, y))

    return {"classification": _time(classify_move, max(repeat, 50)),
            "newton_iterates": _time(newton_move, max(repeat, 50))}


def _wait(window, tool=None, timeout_s: float = WAIT_S) -> None:
    """Until the window and the tool's workers are idle and what they made is drawn."""
    from PySide6.QtWidgets import QApplication

    from jacviz.bench.interactive import settle

    app = QApplication.instance()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        settle(window)
        app.processEvents()
        if tool is None or tool.is_idle():
            app.processEvents()
            if window._idle() and (tool is None or tool.is_idle()):
                return
        time.sleep(0.005)
    raise RuntimeError("the window did not settle")


def _cursor_moves(window, count: int) -> dict:
    """Real mouse moves over the domain view, each until Qt has painted what it changed."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from jacviz.bench.interactive import _spaced, cursor_path

    app = QApplication.instance()
    viewport = window.domain.viewport()
    path = cursor_path(window, count)
    last = 0.0
    for _x, _y, point in path[:10]:  # enter the view and warm up; not timed
        _spaced(app, last)
        last = time.perf_counter()
        QTest.mouseMove(viewport, point)
    samples = []
    for _x, _y, point in path:
        _spaced(app, last)
        t0 = last = time.perf_counter()
        QTest.mouseMove(viewport, point)
        app.processEvents()  # Qt paints the dirty regions, as the running app would
        samples.append((time.perf_counter() - t0) * 1000.0)
    return summary(samples)


def _pans(window, tool, count: int) -> tuple[dict, dict]:
    """1 % pans, back and forth, each until the new portrait is drawn; and the worker's time."""
    from jacviz.bench.interactive import SignalWaiter

    drawn, worker = [], []
    direction = 1.0
    for i in range(count + 1):
        if i and i % 5 == 0:
            direction = -direction
        _wait(window, tool)
        x0, x1, y0, y1 = window.domain.visible_rect()
        d = 0.01 * (x1 - x0) * direction
        waiter = SignalWaiter(tool.portraitDrawn)
        t0 = time.perf_counter()
        window.domain.show_rect((x0 + d, x1 + d, y0, y1))
        if not waiter.wait(WAIT_S):
            raise RuntimeError("a pan's portrait was never drawn")
        window.repaint()
        if i:  # the first is a warm-up
            drawn.append((time.perf_counter() - t0) * 1000.0)
            worker.append(tool.portrait.seconds * 1000.0)
    return summary(drawn), summary(worker)


def bench_window(moves: int, pans: int) -> dict:
    """The vector field and Newton tools in a real window (see the module docstring)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from jacviz.bench.interactive import SignalWaiter
    from jacviz.ui.app import make_application

    app = make_application()
    from jacviz.ui.main_window import MainWindow

    window = MainWindow()
    window.resize(1280, 720)
    waiter = SignalWaiter(window.mappingApplied, window.mappingFailed)
    window.show()
    if not waiter.wait(WAIT_S):
        raise RuntimeError("the window did not draw its first mapping")
    tool = window.tool("vectorfield")
    try:
        preset = next(p for p in load_presets() if p.name == PENDULUM)
        waiter = SignalWaiter(tool.portraitDrawn)
        window.load_preset(preset)  # a vector-field preset: the tool turns on
        if not waiter.wait(WAIT_S):
            raise RuntimeError("the pendulum's portrait was never drawn")
        _wait(window, tool)
        out: dict = {"field": PENDULUM, "size": [window.width(), window.height()]}
        out["cursor_vector_field"] = _cursor_moves(window, moves)
        diagram = tool.panel.diagram
        rng = np.random.default_rng(2)
        points = rng.uniform(-3, 3, size=(max(moves, 200), 2))
        samples = []
        for t, d in points:
            t0 = time.perf_counter()
            diagram.show_cursor(float(t), float(d))
            samples.append((time.perf_counter() - t0) * 1000.0)
        out["trace_det_dot"] = summary(samples)
        out["pan_to_portrait"], out["portrait_worker"] = _pans(window, tool, pans)
        out["equilibria_in_view"] = len(tool.portrait.equilibria)
        tool.set_on(False)
        _wait(window, tool)
        out["cursor_mapping"] = _cursor_moves(window, moves)
        # Newton's method from the cursor, and the basins heatmap, on z³ − 1
        waiter = SignalWaiter(window.mappingApplied, window.mappingFailed)
        window.open_mapping("z^3 - 1", rect=(-2.0, 2.0, -2.0, 2.0))
        if not waiter.wait(WAIT_S):
            raise RuntimeError("z^3 - 1 was never drawn")
        _wait(window, tool)
        window.model.set_dynamics(newton=True)
        out["cursor_newton"] = _cursor_moves(window, moves)
        window.model.set_dynamics(newton=False)
        _wait(window, tool)
        waiter = SignalWaiter(window.sceneDrawn)
        t0 = time.perf_counter()
        window.set_mode("basins")
        if not waiter.wait(WAIT_S):
            raise RuntimeError("the basins were never drawn")
        window.repaint()
        out["basins_mode"] = {"switch_ms": round((time.perf_counter() - t0) * 1000.0, 2),
                              "scene_worker_ms": round(window.scene.seconds * 1000.0, 2),
                              "samples": int(window.scene.fields["basins"].shape[0])}
        return out
    finally:
        window.close()
        app.processEvents()


def run(repeat: int, window: bool = True) -> dict:
    portraits = bench_phase_portraits(repeat)
    basins = bench_basins(repeat)
    cursor = bench_cursor(repeat)
    worst_portrait = max(r["phase_portrait"]["median_ms"] for r in portraits)
    cursor_ms = cursor["classification"]["median_ms"] + cursor["newton_iterates"]["median_ms"]
    measured = {"phase portrait": worst_portrait, "basins 512²": basins["basins"]["median_ms"],
                "cursor": cursor_ms}
    in_window = None
    if window:
        in_window = bench_window(max(60, 6 * repeat), max(10, repeat))
        measured["window cursor (vector field)"] = in_window["cursor_vector_field"]["median_ms"]
        measured["pan → portrait (worker)"] = in_window["portrait_worker"]["median_ms"]
    return {
        "schema": "jacviz-bench-dynamics/1",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "numpy": np.__version__, "platform": platform.platform()},
        "repeat": repeat,
        "defaults": {"arrows": dynamics.ARROWS, "streamline_cells": dynamics.STREAMLINE_CELLS},
        "phase_portraits": portraits,
        "basins": basins,
        "cursor": cursor,
        "window": in_window,
        "targets": {k: {"target_ms": TARGETS_MS[k], "median_ms": round(v, 4),
                        "result": "pass" if v <= TARGETS_MS[k] else "miss"} for k, v in measured.items()},
    }


def table(result: dict) -> str:
    lines = [f"jacviz vector fields and Newton's method ({result['machine']['cpus']} CPUs, "
             f"median / p90 ms over {result['repeat']} runs)", ""]
    head = (f"{'field':<26}{'arrows+stream':>15}{'streamplot':>14}{'ratio':>7}{'equilibria':>12}"
            f"{'trajectory':>12}")
    lines += [head, "-" * len(head)]

    def mp(s):
        return f"{s['median_ms']:.1f}/{s['p90_ms']:.1f}"

    for r in result["phase_portraits"]:
        base = r.get("matplotlib_streamplot")
        lines.append(f"{r['field']:<26}{mp(r['phase_portrait']):>15}{mp(base) if base else '-':>14}"
                     f"{r.get('streamlines_vs_matplotlib') or '-':>7}{mp(r['equilibria']):>12}"
                     f"{mp(r['trajectory']):>12}")
    b = result["basins"]
    lines += ["", f"Newton basins {b['mapping']} at {b['samples']}²: {mp(b['basins'])} ms "
              f"(+ colours {mp(b['colours'])} ms), {b['roots']} roots"]
    c = result["cursor"]
    def us(s):
        return f"{1000 * s['median_ms']:.0f}/{1000 * s['p90_ms']:.0f} µs"

    lines += [f"cursor: classification + trace–det point {us(c['classification'])}, "
              f"Newton iterates {us(c['newton_iterates'])}"]
    win = result.get("window")
    if win:
        lines += ["", f"in the window ({win['size'][0]}×{win['size'][1]}, offscreen), event → painted:",
                  f"  cursor, {win['field']} as a vector field: {mp(win['cursor_vector_field'])} ms "
                  f"(as a mapping: {mp(win['cursor_mapping'])} ms; the trace–det dot alone "
                  f"{us(win['trace_det_dot'])})",
                  f"  cursor, z³ − 1 with Newton's iterates: {mp(win['cursor_newton'])} ms",
                  f"  pan 1 % → arrows, streamlines, equilibria drawn: {mp(win['pan_to_portrait'])} ms "
                  f"(worker {mp(win['portrait_worker'])} ms, {win['equilibria_in_view']} equilibria)",
                  f"  heatmap → Newton basins of z³ − 1: {win['basins_mode']['switch_ms']:.0f} ms "
                  f"(scene {win['basins_mode']['scene_worker_ms']:.0f} ms on the worker, "
                  f"{win['basins_mode']['samples']}² samples)"]
    lines += ["", "targets:"]
    for name, t in result["targets"].items():
        lines.append(f"  {name:<30} {t['median_ms']:8.2f} ms  (≤ {t['target_ms']:g})  {t['result']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jacviz.bench.dynamics",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per measurement (default 20)")
    parser.add_argument("--json", metavar="PATH", help="write the numbers as JSON ('-' for stdout)")
    parser.add_argument("--quiet", action="store_true", help="no table")
    parser.add_argument("--no-window", action="store_true", help="only the core computations, no window")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat needs at least 1")
    result = run(args.repeat, window=not args.no_window)
    if args.json == "-":
        json.dump(result, sys.stdout, indent=1)
        sys.stdout.write("\n")
        if not args.quiet:
            print(table(result), file=sys.stderr)
        return 0
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=1)
    if not args.quiet:
        print(table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
