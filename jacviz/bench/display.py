"""The display child: cursor moves and pan steps at one window size and device pixel ratio.

Run by the benchmark as ``python -m jacviz.bench.display --workload NAME --size WxH`` in a
fresh process, with ``QT_SCALE_FACTOR`` set by the parent (Qt reads it once, when the
application starts, which is why this is a separate process). ``--size`` is the window's
size in device pixels: 3840×2160 at a scale factor of 2 is a 1920×1080 window in logical
pixels, painted at a device pixel ratio of 2, as on a 4K screen at 200 %.

It measures, with the functions of :mod:`jacviz.bench.interactive`, the cursor move (event
→ Qt has painted it, and the forced variant with its two halves) and the 1 % pan step, and
two floors: the cursor's own work without painting (the readout and the overlays, as the
forced variant's first half) and Qt's paint alone (``repaint()`` of the domain viewport
with nothing changed, and ``QWidget.grab()`` of the domain view). It prints
:data:`jacviz.bench.proc.MARKER` followed by JSON, then exits.
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def _times(fn, repeats: int) -> list[float]:
    fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def main(argv: list[str] | None = None) -> int:
    """Measure one display configuration; 0 when done."""
    p = argparse.ArgumentParser(prog="python -m jacviz.bench.display")
    p.add_argument("--workload", required=True)
    p.add_argument("--size", required=True, help="window size in device pixels, WxH")
    p.add_argument("--moves", type=int, default=120)
    p.add_argument("--pans", type=int, default=14)
    p.add_argument("--repeats", type=int, default=20, help="repetitions of each floor")
    args = p.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))

    from jacviz.bench import interactive
    from jacviz.bench.proc import MARKER, peak_rss_mb
    from jacviz.bench.workloads import BY_NAME
    from jacviz.ui.app import make_application

    workload = BY_NAME[args.workload]
    app = make_application()
    ratio = app.primaryScreen().devicePixelRatio()
    window = interactive.make_window(workload)
    window.resize(round(width / ratio), round(height / ratio))
    interactive.open_workload(window, workload)  # sampled for the new size
    samples = interactive.Samples()
    plan = interactive.Plan(cursor_moves=args.moves, pan_steps=args.pans)
    interactive.measure_cursor_moves(window, plan, samples)
    interactive.measure_pan_steps(window, plan, samples)
    interactive.open_workload(window, workload)
    viewport = window.domain.viewport()
    paint = _times(viewport.repaint, args.repeats)
    grab = _times(window.domain.grab, max(3, args.repeats // 4))
    dpr = window.devicePixelRatio()
    report = {
        "size_device": [window.width() * dpr, window.height() * dpr],
        "size_logical": [window.width(), window.height()],
        "device_pixel_ratio": window.devicePixelRatio(),
        "domain_viewport_device": [viewport.width() * viewport.devicePixelRatio(),
                                   viewport.height() * viewport.devicePixelRatio()],
        "cursor_move": samples.cursor_move,
        "cursor_move_forced": samples.cursor_move_forced,
        "cursor_move_handler": samples.cursor_move_handler,
        "cursor_move_paint": samples.cursor_move_paint,
        "cursor_moves_delivered": samples.cursor_moves_delivered,
        "pan_step": samples.pan_step,
        "pan_stall": samples.pan_stall,
        "paint_domain_unchanged": paint,
        "grab_domain": grab,
        "rss_mb": peak_rss_mb(),
    }
    sys.stdout.write(MARKER + json.dumps(report) + "\n")
    sys.stdout.flush()
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
