"""``--profile DIR``: where the time goes, per operation, as cProfile reports.

Profiling slows everything down, so it runs after the measurements, on the same window,
and its times are never reported as measurements. Qt's slots run on the GUI thread, which
cProfile sees; the background parts (``prepare`` and ``sample_scene`` on the workers'
threads) are profiled by calling them directly with the same arguments.

For each workload and operation DIR gets ``<workload>-<operation>.pstats`` (open it with
``python -m pstats`` or snakeviz) and ``.txt`` (the top functions by cumulative and by own
time).
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections.abc import Callable
from pathlib import Path

from jacviz.bench.workloads import PARTNER_TEXT, Workload


def _write(profile: cProfile.Profile, folder: Path, stem: str, title: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    profile.dump_stats(str(folder / f"{stem}.pstats"))
    buffer = io.StringIO()
    buffer.write(f"{title}\n\n")
    stats = pstats.Stats(profile, stream=buffer)
    stats.strip_dirs()
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)
    path = folder / f"{stem}.txt"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return str(path)


def profile_all(window, workloads: list[Workload], folder: Path,
                progress: Callable[[str], None] = lambda _m: None) -> dict:
    """Profile cursor moves, pan steps, mapping changes and the workers' jobs; the report paths."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from jacviz.bench import interactive as ia
    from jacviz.core.pipeline.prepare import prepare
    from jacviz.core.pipeline.scene import sample_scene

    out: dict = {}
    for workload in workloads:
        progress(f"{workload.name}: profiling")
        paths: dict[str, str] = {}
        ia.open_workload(window, workload)

        # cursor moves: event delivery, readout, overlays, repaints (all on the GUI thread)
        viewport = window.domain.viewport()
        targets = (viewport, window.codomain.viewport(), window.codomain.lens, window.readout)
        path = ia.cursor_path(window, 200)
        for _x, _y, point in path[:10]:
            QTest.mouseMove(viewport, point)
        profile = cProfile.Profile()
        profile.enable()
        for _x, _y, point in path:
            QTest.mouseMove(viewport, point)
            for widget in targets:
                widget.repaint()
        profile.disable()
        paths["cursor_move"] = _write(profile, folder, f"{workload.name}-cursor_move",
                                      f"{workload.name}: 200 cursor moves, each repainted (GUI thread)")

        # pan steps: the GUI thread's part (the resample itself is profiled below)
        ia.settle(window)
        profile = cProfile.Profile()
        for _ in range(10):
            window.wait_until_drawn(ia.WAIT_S)
            x0, x1, y0, y1 = window.domain.visible_rect()
            d = 0.01 * (x1 - x0)
            waiter = ia.SignalWaiter(window.sceneDrawn)
            profile.enable()
            window.domain.show_rect((x0 + d, x1 + d, y0, y1))
            waiter.wait()
            window.repaint()
            profile.disable()
        paths["pan_step_gui"] = _write(profile, folder, f"{workload.name}-pan_step_gui",
                                       f"{workload.name}: 10 pan steps, GUI thread only")

        rect = window.domain.visible_rect()
        compiled = window.prepared.compiled
        params = window.parameters.values()
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(10):
            sample_scene(compiled, rect, window.quality, params)
        profile.disable()
        paths["resample_worker"] = _write(
            profile, folder, f"{workload.name}-resample_worker",
            f"{workload.name}: 10 × sample_scene (what the sampler thread runs)",
        )

        # mapping changes: the GUI thread's part, then prepare() as the compiler thread runs it
        ia.settle(window)
        profile = cProfile.Profile()
        edit = window.mapping_bar.edit
        for _ in range(5):
            for text in (PARTNER_TEXT, workload.text):
                ia.settle(window)
                window.mapping_bar.set_text(text)
                waiter = ia.SignalWaiter(window.mappingApplied, window.mappingFailed)
                profile.enable()
                QTest.keyClick(edit, Qt.Key.Key_Return)
                waiter.wait()
                window.repaint()
                profile.disable()
        paths["mapping_change_gui"] = _write(profile, folder, f"{workload.name}-mapping_change_gui",
                                             f"{workload.name}: 10 mapping changes, GUI thread only")
        from sympy.core.cache import clear_cache

        profile = cProfile.Profile()
        t0 = time.perf_counter()
        for _ in range(5):
            clear_cache()
            profile.enable()
            prepare(workload.text)
            profile.disable()
        paths["prepare_worker"] = _write(
            profile, folder, f"{workload.name}-prepare_worker",
            f"{workload.name}: 5 × prepare() with sympy's cache cleared (what the compiler thread runs); "
            f"{(time.perf_counter() - t0) / 5 * 1000:.1f} ms each under the profiler",
        )
        ia.settle(window)
        out[workload.name] = paths
    return out
