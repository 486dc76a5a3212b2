"""Where a cursor move and a slider drag spend their time: what Qt repaints, and the top costs.

::

    python -m jacviz.bench.paintprofile [--moves N] [--json PATH] [--profile DIR]

On a shown 1280×720 window (offscreen) with the slider preset ``x + a sin(y), y + a sin(x)``:

* **what a cursor move repaints**: an event filter on every widget of the window records
  each paint event's widget and region during real mouse moves (:func:`paint_regions`):
  paints per move, the region's bounding size and area, and the time to repaint that
  region of that widget alone (``QWidget.repaint(region)``);
* **the cursor's own work**, part by part, called directly at the cursor with the window's
  arguments (:func:`cursor_work`): the numbers at the point, the linearization, both
  views' overlays (the codomain's includes the lens), the readout, the tools;
* **cProfile** of the moves and of a slider drag (GUI thread), and of the sampler's job
  (``sample_scene`` + ``scene_paths``) called directly: the top functions by own time.

It is also run by ``python -m jacviz.bench --profile DIR``. Profiling slows everything,
so its times are never reported as measurements; the repaint and part times are taken
without the profiler.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

TOP = 15


def _median_ms(fn: Callable[[], object], repeats: int = 30) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    return round(float(np.median(times)), 4)


def _label(widget) -> str:
    """``Class(objectName)``; an unnamed widget (a view's viewport) is named after its parent."""
    name = widget.objectName()
    if name:
        return f"{type(widget).__name__}({name})"
    parent = widget.parentWidget()
    return f"{_label(parent)}/{type(widget).__name__}" if parent is not None else type(widget).__name__


def paint_regions(window, moves: int = 100) -> dict:
    """What Qt repaints per cursor move, per widget, and what repainting that region costs alone."""
    from PySide6.QtGui import QRegion
    from PySide6.QtWidgets import QWidget

    from jacviz.bench.interactions import PaintProbe
    from jacviz.bench.interactive import cursor_path, natural_cursor_moves

    widgets = [window, *window.findChildren(QWidget)]
    probe = PaintProbe(widgets)
    path = cursor_path(window, moves + 10)
    natural_cursor_moves(window, 10, path=path[:10], warm_up=0)  # enter the view
    probe.record = True
    probe.events.clear()
    times, delivered = natural_cursor_moves(window, moves, path=path[10:], warm_up=0)
    probe.record = False
    probe.remove()
    per: dict[object, list[tuple[int, int, int]]] = defaultdict(list)
    for widget, w, h, area in probe.events:
        per[widget].append((w, h, area))
    out: dict = {"moves": moves, "delivered": delivered,
                 "cursor_move_median_ms": round(float(np.median(times)), 4), "widgets": {}}
    for widget, regions in sorted(per.items(), key=lambda kv: -sum(r[2] for r in kv[1])):
        areas = [r[2] for r in regions]
        w = int(np.median([r[0] for r in regions]))
        h = int(np.median([r[1] for r in regions]))
        region = QRegion(0, 0, w, h)
        entry = {
            "paints_per_move": round(len(regions) / moves, 3),
            "region_median": [w, h],
            "area_median_px": int(np.median(areas)),
            "widget_size": [widget.width(), widget.height()],
            "share_of_widget": round(float(np.median(areas)) / max(widget.width() * widget.height(), 1), 4),
            "repaint_region_ms": _median_ms(lambda widget=widget, region=region: widget.repaint(region)),
            "repaint_full_ms": _median_ms(widget.repaint),
        }
        label = _label(widget)
        while label in out["widgets"]:
            label += "'"
        out["widgets"][label] = entry
    return out


def cursor_work(window, repeats: int = 200) -> dict:
    """The GUI thread's work for one cursor move, part by part (median ms), at the current cursor."""
    from jacviz.core.lab.pointinfo import point_info
    from jacviz.core.sampling.linearization import linearization
    from jacviz.ui.tools.base import CursorState
    from jacviz.ui.views.codomain import linearization_paths

    numeric = window.numeric()
    x, y = window.model.cursor
    params = window.model.param_values()
    h = window.model.h
    info = point_info(numeric, x, y, params)
    lin = linearization(numeric, (x, y), h, params, jacobian=info.jacobian)
    state = CursorState(np.array([x, y], dtype=float), info, numeric, params)
    lens_paths = linearization_paths(lin)

    def tools():
        for tool in window.tools.values():
            tool.cursor_moved(state)

    return {
        "point_info": _median_ms(lambda: point_info(numeric, x, y, params), repeats),
        "linearization": _median_ms(lambda: linearization(numeric, (x, y), h, params, jacobian=info.jacobian),
                                    repeats),
        "domain_overlay": _median_ms(lambda: window.domain.show_linearization(lin), repeats),
        "codomain_overlay_and_lens": _median_ms(lambda: window.codomain.show_linearization(lin), repeats),
        "lens_only": _median_ms(lambda: window.codomain.lens.show_linearization(lin, lens_paths), repeats),
        "readout": _median_ms(lambda: window.readout.show_point(info), repeats),
        "tools": _median_ms(tools, repeats),
        "whole_update": _median_ms(lambda: window.model.cursorChanged.emit(window.model.cursor), repeats),
    }


def cursor_delivery(window, moves: int = 100) -> dict:
    """One cursor move through each layer (median ms): what the event's route costs on top of the work.

    ``qtest_and_paint``: ``QTest.mouseMove`` (through Qt's window-system queue) then the
    event loop paints, the headline measurement; ``send_and_paint``: the QMouseEvent sent
    straight to the viewport, then the event loop; ``send_only``: the same without painting;
    ``model_only``: the model's cursor set directly, without painting (the work of the move).
    """
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from jacviz.bench.interactive import MOVE_SPACING_S, _mouse_move_event, cursor_path

    app = QApplication.instance()
    viewport = window.domain.viewport()
    path = cursor_path(window, moves)
    routes = {
        "qtest_and_paint": lambda x, y, p: (QTest.mouseMove(viewport, p), app.processEvents()),
        "send_and_paint": lambda x, y, p: (QApplication.sendEvent(viewport, _mouse_move_event(viewport, p)),
                                           app.processEvents()),
        "send_only": lambda x, y, p: QApplication.sendEvent(viewport, _mouse_move_event(viewport, p)),
        "model_only": lambda x, y, p: window.model.set_cursor((x, y)),
    }
    out = {}
    for name, route in routes.items():
        times = []
        for x, y, point in path:
            app.processEvents()  # what the previous move left to paint, untimed
            time.sleep(MOVE_SPACING_S)
            app.processEvents()
            t0 = time.perf_counter()
            route(x, y, point)
            times.append((time.perf_counter() - t0) * 1000.0)
        out[name] = round(float(np.median(times)), 4)
    app.processEvents()
    return out


def _top(profile: cProfile.Profile, folder: Path | None, stem: str, title: str) -> list[dict]:
    """The top functions by own time (and, with ``folder``, the .pstats and a .txt report there)."""
    stats = pstats.Stats(profile)
    rows = []
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():
        rows.append({"function": f"{os.path.basename(filename)}:{line}({name})", "calls": calls,
                     "own_ms": round(tottime * 1000, 3), "cumulative_ms": round(cumtime * 1000, 3)})
    rows.sort(key=lambda r: -r["own_ms"])
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        profile.dump_stats(str(folder / f"{stem}.pstats"))
        buffer = io.StringIO()
        buffer.write(f"{title}\n\n")
        printer = pstats.Stats(profile, stream=buffer)
        printer.strip_dirs()
        printer.sort_stats("tottime").print_stats(30)
        printer.sort_stats("cumulative").print_stats(30)
        (folder / f"{stem}.txt").write_text(buffer.getvalue(), encoding="utf-8")
    return rows[:TOP]


def profile_cursor(window, folder: Path | None, moves: int = 200) -> list[dict]:
    from jacviz.bench.interactive import natural_cursor_moves

    profile = cProfile.Profile()
    profile.enable()
    natural_cursor_moves(window, moves)
    profile.disable()
    return _top(profile, folder, "interaction-cursor_move", f"{moves} cursor moves, painted (GUI thread)")


def profile_slider(window, folder: Path | None) -> dict:
    """cProfile of one slider drag on the GUI thread, and of the sampler's job called directly."""
    from PySide6.QtCore import QPoint

    from jacviz.bench import interactions as ia
    from jacviz.core.pipeline.scene import sample_scene
    from jacviz.ui.main_window import PAN_MARGIN
    from jacviz.ui.views.paths import scene_paths

    slider = window.parameters.controls[ia.SLIDER_PARAMETER].slider
    start = ia.slider_handle(slider)
    ia._send(slider, ia._mouse("press", slider, start, True))

    def step(k: int):
        def go():
            ia._send(slider, ia._mouse("move", slider, QPoint(start.x() + 3 * (k + 1), start.y()), True))
            return window.model.param_values()[ia.SLIDER_PARAMETER]
        return go

    profile = cProfile.Profile()
    profile.enable()
    ia.Stream(window, lambda: ia.drawn_parameter(window, ia.SLIDER_PARAMETER), gaps=False).run(
        [step(k) for k in range(40)], ia.STEP_INTERVAL_S)
    profile.disable()
    ia._send(slider, ia._mouse("release", slider, ia.slider_handle(slider), False))
    gui = _top(profile, folder, "interaction-slider_gui", "a 40-step slider drag (GUI thread only)")
    numeric = window.numeric()
    rect = window.domain.visible_rect()
    params = window.model.param_values()
    profile = cProfile.Profile()
    profile.enable()
    for k in range(10):
        scene = sample_scene(numeric, rect, window.quality, {**params, ia.SLIDER_PARAMETER: 1.0 + 0.05 * k},
                             margin=PAN_MARGIN)
        scene_paths(scene)
    profile.disable()
    worker = _top(profile, folder, "interaction-slider_worker",
                  "10 × sample_scene + scene_paths (the sampler)")
    return {"gui_thread": gui, "sampler": worker}


def profile_interactions(window, folder: Path | None, progress: Callable[[str], None] = lambda _m: None,
                         moves: int = 100) -> dict:
    """All of the above on the slider preset; the window shows it afterwards."""
    from jacviz.bench import interactions as ia
    from jacviz.bench.interactive import SignalWaiter, settle

    progress("profiling the cursor move and the slider drag")
    waiter = SignalWaiter(window.mappingApplied, window.mappingFailed)
    window.open_mapping(ia.SLIDER_TEXT, rect=ia.SLIDER_RECT)
    if not waiter.wait():
        raise RuntimeError(f"jacviz did not draw {ia.SLIDER_TEXT!r}")
    settle(window)
    out = {"paint_regions": paint_regions(window, moves)}
    settle(window)
    out["cursor_work_ms"] = cursor_work(window)
    out["cursor_delivery_ms"] = cursor_delivery(window)
    out["cursor_profile"] = profile_cursor(window, folder)
    settle(window)
    out["slider_profile"] = profile_slider(window, folder)
    settle(window)
    return out


def render(result: dict) -> str:
    """The profile as text tables."""
    lines = [f"What one cursor move repaints ({result['paint_regions']['moves']} moves, median "
             f"{result['paint_regions']['cursor_move_median_ms']:.2f} ms each)", ""]
    lines.append(f"{'widget':44} {'paints/move':>11} {'region':>11} {'area px':>9} {'of widget':>9} "
                 f"{'region ms':>9} {'full ms':>8}")
    for name, e in result["paint_regions"]["widgets"].items():
        lines.append(f"{name[:44]:44} {e['paints_per_move']:>11.2f} {e['region_median'][0]:>5}×"
                     f"{e['region_median'][1]:<5} {e['area_median_px']:>9} {e['share_of_widget']:>9.1%} "
                     f"{e['repaint_region_ms']:>9.3f} {e['repaint_full_ms']:>8.3f}")
    lines += ["", "The cursor's own work, part by part (median ms)"]
    lines += [f"  {k:28} {v:8.3f}" for k, v in result["cursor_work_ms"].items()]
    lines += ["", "One cursor move by route (median ms)"]
    lines += [f"  {k:28} {v:8.3f}" for k, v in result["cursor_delivery_ms"].items()]
    slider = result["slider_profile"]
    for title, rows in (("cProfile, cursor moves (GUI thread), by own time", result["cursor_profile"]),
                        ("cProfile, slider drag (GUI thread), by own time", slider["gui_thread"]),
                        ("cProfile, the sampler's job, by own time", slider["sampler"])):
        lines += ["", title]
        lines += [f"  {r['own_ms']:9.1f} ms own {r['cumulative_ms']:9.1f} ms cum {r['calls']:7}  "
                  f"{r['function']}" for r in rows[:10]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m jacviz.bench.paintprofile",
                                description="what a cursor move repaints; where a slider drag's time goes")
    p.add_argument("--moves", type=int, default=100)
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--profile", metavar="DIR", help="also write the .pstats and .txt reports here")
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile

    os.environ["JACVIZ_CONFIG_DIR"] = tempfile.mkdtemp(prefix="jacviz-bench-config-")
    from jacviz.bench import interactions as ia
    from jacviz.bench.interactive import make_window
    from jacviz.bench.workloads import PARTNER
    from jacviz.ui.app import make_application

    app = make_application()
    window = make_window(PARTNER)
    result = profile_interactions(window, Path(args.profile) if args.profile else None, moves=args.moves)
    result["mapping"] = ia.SLIDER_TEXT
    window.close()
    app.processEvents()
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(render(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
