"""``python -m jacviz.bench``: how fast jacviz is, next to a plain matplotlib script doing the same.

::

    python -m jacviz.bench [--quick] [--repeat N] [--workload NAME ...] [--json PATH|-]
                           [--markdown] [--no-baseline] [--profile DIR] [--quiet]
                           [--interaction NAME ...] [--interactions-only]
    python -m jacviz.bench --from-json PATH [--markdown]     # the tables of a saved result

For each workload (:mod:`jacviz.bench.workloads`) it measures, offscreen, with a 1280×720
window at the app's default quality:

* **cold start to the first painted window** (a fresh process, :mod:`jacviz.bench.coldstart`,
  timed from ``Popen`` to its "painted" line) and **``jacviz export`` from cold** (to the
  process's exit), each with the process's peak RSS;
* **mapping change**, **GUI stall**, **cursor move**, **pan step** and a **3840×2160
  export** in this process (:mod:`jacviz.bench.interactive`);
* **heatmap resampling**: ``det_field`` at 256² … 2048² (ms and ms per million samples);

and runs :mod:`jacviz.bench.mpl_baseline` (in its own processes) for the same workloads.
Then the *interactions* (:mod:`jacviz.bench.interactions`), each from the input event to the
painted frame with no settling between steps: dragging the parameter slider of
``x + a sin(y), y + a sin(x)`` (with what a coarse 128² scene would cost), wheel zoom, morph
playback, the linearization-error mode, a mapping change with work in flight; and the cursor
and the pan at 1280×720 (ratio 1) and 3840×2160 (ratio 2) in their own processes
(:mod:`jacviz.bench.display`). ``--interaction`` picks some of them; ``--interactions-only``
skips everything else.
Cold starts of jacviz's window, of ``jacviz export`` and of the baseline are interleaved
round by round, so a noisy neighbour on a shared machine hurts all three alike.

The result is one JSON object (``--json PATH``; ``--json -`` writes it to stdout and the
table to stderr) and a table (``--markdown`` for a Markdown one). Every number in the JSON
is a positive measurement, count or setting; the workloads' domains are given as text.
Nothing here judges speed except the *targets* section, which reports pass or miss next
to each target and never fails the command.

The other benchmarks are commands of their own, each printing its table (see
:data:`SUB_BENCHMARKS`; ``--help`` lists them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from jacviz.bench import proc
from jacviz.bench.interactions import INTERACTIONS, InteractionPlan
from jacviz.bench.interactive import Plan, Samples
from jacviz.bench.stats import loglog_slope, ratio, summary
from jacviz.bench.workloads import Workload, select

SCHEMA = "jacviz-bench/1"
WINDOW_SIZE = (1280, 720)
SCALING_SIZES = (256, 512, 1024, 2048)
COLD_TIMEOUT_S = 180.0
BASELINE_TIMEOUT_S = 1800.0
DISPLAY_TIMEOUT_S = 900.0
# (window size in device pixels, QT_SCALE_FACTOR): a laptop's window, and a 4K screen at 200 %
DISPLAYS = (((1280, 720), 1), ((3840, 2160), 2))
SUB_BENCHMARKS = (  # (module, what it measures): each is ``python -m jacviz.bench.<module> [--json PATH]``
    ("networks", "trained networks: fields, the layer report, onnxruntime's finite differences"),
    ("dynamics", "vector fields and Newton's method: phase portraits, basins, the window's cursor"),
    ("shapes", "scalar fields, surfaces and maps of space: cursor, pan, slice, orbiting the 3D view "
               "(under Xvfb when there is no display)"),
)


@dataclass
class BenchPlan:
    """Repetitions for every part of the benchmark."""

    quick: bool = False
    cold_runs: int = 7  # per workload: jacviz window, jacviz export and matplotlib, interleaved
    interactive: Plan = field(default_factory=Plan)
    baseline_moves: int = 200
    baseline_blit_moves: int = 200
    baseline_pans: int = 28
    baseline_changes: int = 14
    fresh_changes: int = 7  # mapping changes after clearing sympy's cache
    scaling_repeats: int = 5
    scaling_sizes: tuple[int, ...] = SCALING_SIZES
    interactions: InteractionPlan = field(default_factory=InteractionPlan)

    @classmethod
    def make(cls, quick: bool, repeat: int | None) -> BenchPlan:
        """The full plan, or the quick one (a smoke test); ``repeat`` scales the repetitions."""
        if quick:
            n = repeat or 1
            return cls(
                quick=True, cold_runs=n,
                interactive=Plan(mapping_changes=2 * n, cursor_moves=40, pan_steps=3 * n, exports=1),
                baseline_moves=10, baseline_blit_moves=30, baseline_pans=3 * n, baseline_changes=2 * n,
                fresh_changes=n, scaling_repeats=1, interactions=InteractionPlan.make(True, repeat),
            )
        n = repeat or 7
        return cls(
            quick=False, cold_runs=n,
            interactive=Plan(mapping_changes=2 * n, cursor_moves=max(200, 30 * n), pan_steps=4 * n,
                             exports=max(3, n // 2)),
            baseline_moves=200, baseline_blit_moves=max(200, 30 * n), baseline_pans=4 * n,
            baseline_changes=2 * n, fresh_changes=n, scaling_repeats=max(3, n // 2 + 1),
            interactions=InteractionPlan.make(False, repeat),
        )


class Progress:
    """Progress lines on stderr with the elapsed time."""

    def __init__(self, quiet: bool = False) -> None:
        self.start = time.monotonic()
        self.quiet = quiet

    def __call__(self, message: str) -> None:
        if not self.quiet:
            sys.stderr.write(f"[{time.monotonic() - self.start:6.1f}s] {message}\n")
            sys.stderr.flush()


# ---------------------------------------------------------------------------------------
# Machine


def _version(module: str) -> str:
    try:
        mod = __import__(module)
    except ImportError:
        return "not installed"
    return str(getattr(mod, "__version__", "unknown"))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git() -> str:
    """The commit of the jacviz being measured (its package's checkout), and whether it is modified."""
    import jacviz

    root = Path(jacviz.__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}{' (modified)' if dirty else ''}" if head else "unknown"


def _loadavg() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def machine_info() -> dict:
    """What the numbers were measured on (versions as text; counts as numbers)."""
    import PySide6
    from PySide6.QtCore import qVersion

    import jacviz

    return {
        "cpu_count": os.cpu_count() or 1,
        "cpu_model": _cpu_model(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "sympy": _version("sympy"),
        "PySide6": PySide6.__version__,
        "qt": qVersion(),
        "pyqtgraph": _version("pyqtgraph"),
        "matplotlib": _version("matplotlib"),
        "jacviz": jacviz.__version__,
        "jacviz_path": str(Path(jacviz.__file__).resolve().parent),
        "git": _git(),
        "qt_platform": os.environ.get("QT_QPA_PLATFORM", ""),
        "loadavg_start": _loadavg(),
    }


def _rss_mb() -> float:
    return proc.peak_rss_mb()


# ---------------------------------------------------------------------------------------
# Cold starts


@dataclass
class ColdSamples:
    """Cold-start measurements of one workload."""

    window_ms: list[float] = field(default_factory=list)  # Popen -> "painted" line
    window_own_ms: list[float] = field(default_factory=list)  # the child's own clock
    window_rss_mb: list[float] = field(default_factory=list)  # the child's peak RSS when painted
    window_phases: list[dict] = field(default_factory=list)
    export_ms: list[float] = field(default_factory=list)  # Popen -> exit
    export_rss_mb: list[float] = field(default_factory=list)
    baseline_ms: list[float] = field(default_factory=list)  # Popen -> exit
    baseline_rss_mb: list[float] = field(default_factory=list)


def _range_arg(rect: tuple[float, float, float, float]) -> str:
    return ",".join(repr(float(v)) for v in rect)


def measure_cold(workload: Workload, runs: int, baseline: bool, folder: Path,
                 progress: Callable[[str], None]) -> ColdSamples:
    """``runs`` rounds of: jacviz's window, ``jacviz export``, the matplotlib script."""
    out = ColdSamples()
    py = proc.python()
    rng = _range_arg(workload.rect)
    for i in range(runs):
        progress(f"{workload.name}: cold starts, round {i + 1}/{runs}")
        run = proc.run_child([py, "-m", "jacviz.bench.coldstart", workload.text, "--range", rng],
                             expect_marker=True, timeout=COLD_TIMEOUT_S)
        assert run.marker_s is not None
        out.window_ms.append(run.marker_s * 1000.0)
        out.window_own_ms.append(float(run.report["elapsed_ms"]))
        out.window_rss_mb.append(float(run.report["rss_mb"]))
        out.window_phases.append(dict(run.report["phases_ms"]))
        png = folder / f"cold-export-{i}.png"
        run = proc.run_child([py, "-m", "jacviz", "export", workload.text, "-o", str(png), "--range", rng],
                             timeout=COLD_TIMEOUT_S)
        if not png.exists() or png.stat().st_size == 0:
            raise proc.ChildError(f"jacviz export wrote no image for {workload.text!r}")
        png.unlink()
        out.export_ms.append(run.exit_s * 1000.0)
        out.export_rss_mb.append(run.max_rss_mb)
        if baseline:
            png = folder / f"cold-mpl-{i}.png"
            run = proc.run_child([py, "-m", "jacviz.bench.mpl_baseline", "cold", "--workload", workload.name,
                                  "-o", str(png)], expect_marker=True, timeout=COLD_TIMEOUT_S)
            if not png.exists() or png.stat().st_size == 0:
                raise proc.ChildError(f"the matplotlib baseline wrote no image for {workload.name}")
            png.unlink()
            out.baseline_ms.append(run.exit_s * 1000.0)
            out.baseline_rss_mb.append(run.max_rss_mb)
    return out


# ---------------------------------------------------------------------------------------
# The matplotlib baseline's interactive operations (in its own process)


def run_baseline(workload: Workload, plan: BenchPlan, folder: Path) -> dict:
    """Run :mod:`jacviz.bench.mpl_baseline` ``run`` for one workload; its raw samples."""
    out_json = folder / f"mpl-{workload.name}.json"
    argv = [proc.python(), "-m", "jacviz.bench.mpl_baseline", "run", "--workload", workload.name,
            "--moves", str(plan.baseline_moves), "--blit-moves", str(plan.baseline_blit_moves),
            "--pans", str(plan.baseline_pans), "--changes", str(plan.baseline_changes),
            "--fresh-changes", str(plan.fresh_changes), "--json", str(out_json)]
    run = proc.run_child(argv, timeout=BASELINE_TIMEOUT_S)
    data = json.loads(out_json.read_text(encoding="utf-8"))
    data["process_rss_mb"] = float(data.get("rss_mb") or run.max_rss_mb)
    out_json.unlink()
    return data


# ---------------------------------------------------------------------------------------
# Heatmap resampling


def measure_scaling(workload: Workload, plan: BenchPlan) -> dict:
    """``det_field`` at each size: median ms, ms per million samples, and the numpy floor."""
    import numpy as np

    from jacviz.core.pipeline.prepare import prepare
    from jacviz.core.sampling.fields import cell_centres, det_field

    compiled = prepare(workload.text).compiled
    sizes: dict[str, dict] = {}
    for n in plan.scaling_sizes:
        det_field(compiled, workload.rect, n)  # warm up
        times = []
        for _ in range(plan.scaling_repeats):
            t0 = time.perf_counter()
            det_field(compiled, workload.rect, n)
            times.append((time.perf_counter() - t0) * 1000.0)
        xs, ys = cell_centres(workload.rect, n)
        x32, y32 = xs[None, :].astype(np.float32), ys[:, None].astype(np.float32)
        floor = []
        for _ in range(plan.scaling_repeats):
            t0 = time.perf_counter()
            with np.errstate(all="ignore"):
                workload.det(x32, y32)
            floor.append((time.perf_counter() - t0) * 1000.0)
        stats = summary(times)
        stats["ms_per_msample"] = round(stats["median_ms"] / (n * n / 1e6), 4)
        stats["numpy_floor_ms"] = round(float(np.median(floor)), 4)
        sizes[str(n)] = stats
    counts = [n * n for n in plan.scaling_sizes]
    medians = [sizes[str(n)]["median_ms"] for n in plan.scaling_sizes]
    return {"sizes": sizes, "loglog_slope": round(loglog_slope(counts, medians), 4),
            "loglog_slope_from_512": round(loglog_slope(counts[1:], medians[1:]), 4)}


# ---------------------------------------------------------------------------------------
# The interactions


def display_name(size: tuple[int, int], scale: int) -> str:
    return f"{size[0]}x{size[1]}@{scale}"


def run_display(workload: Workload, size: tuple[int, int], scale: int, plan: InteractionPlan,
                folder: Path) -> dict:
    """Cursor moves and pan steps at one window size and device pixel ratio, in a fresh process.

    Qt's offscreen screen is 800×800 unless told otherwise, and a mouse move outside the
    screen never reaches the window; the child gets a screen of the window's size.
    """
    width, height = size
    screen = folder / f"screen-{width}x{height}.json"
    screen.write_text(json.dumps({"screens": [{"name": "bench", "x": 0, "y": 0, "width": width,
                                               "height": height, "logicalDpi": 96, "logicalBaseDpi": 96,
                                               "dpr": 1}]}), encoding="utf-8")
    env = {"QT_QPA_PLATFORM": f"offscreen:configfile={screen}", "QT_SCALE_FACTOR": str(scale)}
    argv = [proc.python(), "-m", "jacviz.bench.display", "--workload", workload.name,
            "--size", f"{width}x{height}", "--moves", str(plan.display_moves),
            "--pans", str(plan.display_pans)]
    run = proc.run_child(argv, expect_marker=True, timeout=DISPLAY_TIMEOUT_S, env=env)
    r = run.report
    out = {key: summary(r[key]) for key in ("cursor_move", "cursor_move_forced", "cursor_move_handler",
                                            "cursor_move_paint", "pan_step", "pan_stall",
                                            "paint_domain_unchanged", "grab_domain")}
    out["device_pixel_ratio"] = float(r["device_pixel_ratio"])
    out["size_device"] = [float(v) for v in r["size_device"]]
    out["size_logical"] = [float(v) for v in r["size_logical"]]
    out["domain_viewport_device"] = [float(v) for v in r["domain_viewport_device"]]
    out["cursor_moves_delivered"] = int(r["cursor_moves_delivered"])
    out["rss_mb"] = float(r["rss_mb"])
    return out


def _fps(values: list[float]) -> dict:
    return summary(values, "fps")


def interaction_section(s) -> tuple[dict, dict]:
    """The summaries of one mapping's interactions (:class:`jacviz.bench.interactions.Samples`)."""
    main: dict = {}
    detail: dict = {}
    for key in ("slider_step", "slider_step_stall", "zoom_step", "zoom_first_paint", "zoom_stall",
                "zoom_roll", "zoom_roll_stall", "morph_play_frame", "morph_play_stall", "morph_60_step",
                "morph_60_stall", "linerr_switch", "linerr_cursor", "inflight_change", "inflight_stall",
                "inflight_burst_stall"):
        values = getattr(s, key)
        if values:
            main[key] = summary(values)
    for key in ("slider_fps", "morph_play_fps", "morph_60_fps"):
        values = getattr(s, key)
        if values:
            main[key] = _fps(values)
    if s.slider_stall:
        main["slider_stall"] = summary(s.slider_stall)
    if s.slider_handler:
        detail["slider_handler"] = summary(s.slider_handler)
    if s.zoom_factor:
        detail["zoom_factor"] = {"median": round(float(sorted(s.zoom_factor)[len(s.zoom_factor) // 2]), 4)}
    if s.slider_steps:
        detail["slider_steps"] = s.slider_steps
        detail["slider_frames"] = s.slider_frames
    if s.unpainted_steps:
        detail["unpainted_steps"] = s.unpainted_steps
    detail["floors"] = s.floors
    return main, detail


# ---------------------------------------------------------------------------------------
# Putting it together


METHODS = {
    "cold_start_window": "fresh process (python -m jacviz.bench.coldstart MAPPING --range ...): wall time "
                         "from Popen until it prints that mappingApplied fired and window.repaint() "
                         "returned; jacviz's bytecode is compiled first (compileall), as a wheel has it",
    "cold_start_export": "fresh process: python -m jacviz export MAPPING -o x.png --range ...; wall time "
                         "from Popen to exit",
    "mapping_change": "text set on the mapping edit (untimed), QTest.keyClick Return, until mappingApplied "
                      "and a synchronous window.repaint(); alternating with the partner mapping, only the "
                      "changes into the workload timed",
    "mapping_change_cold_cache": "the same with sympy's cache cleared first (a mapping never seen)",
    "mapping_change_stall": "largest gap between ticks of a 1 ms precise QTimer on the GUI thread during a "
                            "mapping change, less 1 ms",
    "cursor_move": "QTest.mouseMove over the domain viewport, then the event loop, in which Qt paints what "
                   "the move changed (overlays, lens, readout), as the running app does",
    "cursor_move_forced": "a QMouseEvent sent to the domain viewport, then repaint() in full of the domain "
                          "and codomain viewports, the lens and the readout (an upper bound)",
    "pan_step": "domain.show_rect shifted by 1 % of the visible width, until sceneDrawn and a synchronous "
                "window.repaint()",
    "export_4k": "jacviz.ui.export.export(window, path, size=(3840, 2160)) to PNG, in process",
    "memory": "peak RSS as VmHWM (/proc/PID/status): the window and matplotlib children report their "
              "own (the window child when painted); jacviz export's is sampled by the parent until it "
              "exits. Not ru_maxrss: a child's starts at its parent's peak on Linux",
    "baseline": "jacviz.bench.mpl_baseline: Figure + FigureCanvasAgg 1280x720, same layers and counts; "
                "closed-form numpy F and det J; sympy-derived J on a mapping change",
    "targets": "judged on the statistic named in each target; factor = measured / limit",
}


def _interactive_section(s: Samples) -> tuple[dict, dict]:
    """Headline operations and their details, summarised."""
    main = {
        "mapping_change": summary(s.mapping_change),
        "mapping_change_stall": summary(s.mapping_change_stall),
        "cursor_move": summary(s.cursor_move),
        "pan_step": summary(s.pan_step),
        "pan_stall": summary(s.pan_stall),
        "export_4k": summary(s.export),
    }
    detail = {
        "mapping_change_compile": summary(s.mapping_change_compile),
        "mapping_change_sample": summary(s.mapping_change_sample),
        "mapping_change_repaint": summary(s.mapping_change_repaint),
        "cursor_move_forced": summary(s.cursor_move_forced),
        "cursor_move_handler": summary(s.cursor_move_handler),
        "cursor_move_paint": summary(s.cursor_move_paint),
        "pan_resample": summary(s.pan_resample),
        "simplify_busy_after_change": summary(s.simplify_settle),
        "cursor_moves_delivered": s.cursor_moves_delivered,
        "export_png_bytes": s.export_bytes,
    }
    if s.mapping_change_cold_cache:
        main["mapping_change_cold_cache"] = summary(s.mapping_change_cold_cache)
    return main, detail


def _phase_medians(phases: list[dict]) -> dict:
    import numpy as np

    keys = [k for k in phases[0] if all(k in p for p in phases)]
    return {k: round(float(np.median([p[k] for p in phases])), 3) for k in keys}


def run_benchmark(workloads: list[Workload], plan: BenchPlan, *, baseline: bool = True,
                  profile_dir: Path | None = None, progress: Callable[[str], None] | None = None,
                  interactions: tuple[str, ...] = INTERACTIONS, interactions_only: bool = False) -> dict:
    """Run everything; the JSON-ready result (see the module's docstring).

    ``interactions`` names the interactions to measure (:data:`INTERACTIONS`); with
    ``interactions_only`` the cold starts, the settled operations, the baseline and the
    resampling scaling are skipped.
    """
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # jacviz keeps an autosave and recent files; the benchmark (and every child it starts) gets
    # its own empty folder, so it never touches the user's and never starts from their session
    config = tempfile.mkdtemp(prefix="jacviz-bench-config-")
    previous_config = os.environ.get("JACVIZ_CONFIG_DIR")
    os.environ["JACVIZ_CONFIG_DIR"] = config
    try:
        return _run(workloads, plan, baseline=baseline and not interactions_only, profile_dir=profile_dir,
                    progress=progress or Progress(), interactions=tuple(interactions),
                    interactions_only=interactions_only)
    finally:
        if previous_config is None:
            os.environ.pop("JACVIZ_CONFIG_DIR", None)
        else:
            os.environ["JACVIZ_CONFIG_DIR"] = previous_config
        shutil.rmtree(config, ignore_errors=True)


def _run(workloads: list[Workload], plan: BenchPlan, *, baseline: bool, profile_dir: Path | None,
         progress: Callable[[str], None], interactions: tuple[str, ...], interactions_only: bool) -> dict:
    started = time.monotonic()
    result: dict = {
        "schema": SCHEMA,
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "mode": "quick" if plan.quick else "full",
        "interactions_only": interactions_only,
        "machine": machine_info(),
        "methods": METHODS,
    }
    from jacviz.core.pipeline.scene import DEFAULT_QUALITY
    from jacviz.ui.app import make_application

    app = make_application()
    from jacviz.bench import interactive

    result["settings"] = {
        "window": list(WINDOW_SIZE),
        "quality": {"heatmap": DEFAULT_QUALITY.heatmap, "lines": DEFAULT_QUALITY.lines,
                    "samples": DEFAULT_QUALITY.samples},
        "export_size": list(plan.interactive.export_size),
        "cold_runs": plan.cold_runs,
        "mapping_changes": plan.interactive.mapping_changes,
        "cursor_moves": plan.interactive.cursor_moves,
        "pan_steps": plan.interactive.pan_steps,
        "exports": plan.interactive.exports,
        "scaling_sizes": list(plan.scaling_sizes),
        "interactions": list(interactions),
        "displays": [display_name(size, scale) for size, scale in DISPLAYS],
    }
    result["workloads"] = {
        w.name: {"title": w.title, "text": w.text,
                 "domain": "[{:.4g}, {:.4g}] × [{:.4g}, {:.4g}]".format(*w.rect)}
        for w in workloads
    }
    jv: dict = {}
    detail: dict = {}
    base: dict = {}
    memory: dict = {"jacviz_window_cold": {}, "jacviz_export_cold": {}, "matplotlib_cold": {},
                    "matplotlib_interactive": {}}
    errors: dict[str, str] = {}
    window = None
    if not interactions_only:
        result["settings"]["bytecode_precompiled"] = proc.precompile_package() == 0
    with tempfile.TemporaryDirectory(prefix="jacviz-bench-") as tmp:
        folder = Path(tmp)
        for workload in workloads if not interactions_only else ():
            try:
                cold = measure_cold(workload, plan.cold_runs, baseline, folder, progress)
                if window is None:
                    progress("opening the window")
                    window = interactive.make_window(workload)
                    size = window.size()
                    result["settings"]["window_measured"] = [size.width(), size.height()]
                samples = interactive.measure_workload(window, workload, plan.interactive, folder, progress,
                                                       fresh_changes=plan.fresh_changes)
                data = None
                if baseline:
                    progress(f"{workload.name}: matplotlib baseline")
                    data = run_baseline(workload, plan, folder)
            except Exception as err:  # one broken workload must not throw away the others' results
                errors[workload.name] = f"{type(err).__name__}: {err}"
                progress(f"{workload.name}: FAILED: {errors[workload.name]}")
                if window is not None:
                    window.close()
                    app.processEvents()
                    window = None
                continue
            main, extra = _interactive_section(samples)
            jv[workload.name] = {
                "cold_start_window": summary(cold.window_ms),
                "cold_start_export": summary(cold.export_ms),
                **main,
            }
            detail[workload.name] = {
                "cold_start_window_own_clock": summary(cold.window_own_ms),
                "cold_start_window_phases_ms": _phase_medians(cold.window_phases),
                **extra,
            }
            memory["jacviz_window_cold"][workload.name] = summary(cold.window_rss_mb, "mb")
            memory["jacviz_export_cold"][workload.name] = summary(cold.export_rss_mb, "mb")
            if data is not None:
                base[workload.name] = {
                    "cold_start_figure": summary(cold.baseline_ms),
                    "mapping_change": summary(data["mapping_change"]),
                    "mapping_change_cold_cache": summary(data["mapping_change_cold_cache"]),
                    "cursor_move_full_redraw": summary(data["cursor_full"]),
                    "cursor_move_blit": summary(data["cursor_blit"]),
                    "pan_step": summary(data["pan_step"]),
                    "numpy_det_512": summary(data["numpy_det_512"]),
                }
                memory["matplotlib_cold"][workload.name] = summary(cold.baseline_rss_mb, "mb")
                memory["matplotlib_interactive"][workload.name] = summary([data["process_rss_mb"]], "mb")
                result.setdefault("baseline_versions", data.get("versions", {}))
        memory["bench_process_after_interactive_mb"] = round(_rss_mb(), 2)
        window = _run_interactions(result, workloads, plan, interactions, window, folder, errors, progress)
        if profile_dir is not None and window is not None:
            from jacviz.bench.profiling import profile_all

            progress(f"profiling into {profile_dir}")
            done = [w for w in workloads if w.name in jv]
            result["profiles"] = profile_all(window, done, profile_dir, progress)
            from jacviz.bench.paintprofile import profile_interactions

            result["profiles"]["interactions"] = profile_interactions(window, profile_dir, progress)
        if window is not None:
            window.close()
            app.processEvents()
    scaling: dict = {}
    for workload in workloads:
        if workload.name not in jv or interactions_only:
            continue
        progress(f"{workload.name}: heatmap resampling scaling")
        try:
            scaling[workload.name] = measure_scaling(workload, plan)
        except Exception as err:  # as above: report it, keep the rest
            errors[f"{workload.name} (scaling)"] = f"{type(err).__name__}: {err}"
    memory["bench_process_peak_mb"] = round(_rss_mb(), 2)
    if not baseline:
        for key in ("matplotlib_cold", "matplotlib_interactive"):
            memory.pop(key)
    result["jacviz"] = jv
    result["jacviz_detail"] = detail
    result["baseline"] = {"ran": bool(base), "script": "jacviz.bench.mpl_baseline", "workloads": base}
    result["memory"] = memory
    result["scaling"] = scaling
    result["ratios"] = ratios(jv, base, memory)
    result["targets"] = evaluate_targets(jv, base, memory, scaling) + evaluate_interaction_targets(result)
    result["interaction_ratios"] = interaction_ratios(result)
    if errors:
        result["errors"] = errors
    result["machine"]["loadavg_end"] = _loadavg()
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


def _run_interactions(result: dict, workloads: list[Workload], plan: BenchPlan, selected: tuple[str, ...],
                      window, folder: Path, errors: dict, progress: Callable[[str], None]):
    """Measure the selected interactions into ``result``; the window (opened if needed)."""
    from jacviz.bench import interactions as ia
    from jacviz.bench import interactive
    from jacviz.ui.app import make_application

    app = make_application()
    chosen = set(selected)
    iplan = plan.interactions
    result["interactions"] = {}
    result["interactions_detail"] = {}
    result["display"] = {}
    in_window = chosen & {"slider", "zoom", "morph", "linerr", "inflight"}
    if in_window and window is None and workloads:
        progress("opening the window")
        window = interactive.make_window(workloads[0])
    if "slider" in chosen and window is not None:
        try:
            samples = ia.measure_slider_mapping(window, iplan, progress)
            main, detail = interaction_section(samples)
            result["slider"] = {"text": ia.SLIDER_TEXT, "parameter": ia.SLIDER_PARAMETER,
                                "domain": "[{:.4g}, {:.4g}] × [{:.4g}, {:.4g}]".format(*ia.SLIDER_RECT),
                                **main}
            result["slider_detail"] = detail
        except Exception as err:  # report it, keep the rest
            errors["slider"] = f"{type(err).__name__}: {err}"
            progress(f"slider: FAILED: {errors['slider']}")
    for workload in workloads:
        if in_window - {"slider"} and window is not None:
            try:
                samples = ia.measure_workload(window, workload, iplan, chosen, progress)
                main, detail = interaction_section(samples)
                result["interactions"][workload.name] = main
                result["interactions_detail"][workload.name] = detail
            except Exception as err:
                errors[f"{workload.name} (interactions)"] = f"{type(err).__name__}: {err}"
                progress(f"{workload.name}: interactions FAILED: {err}")
                window.close()
                app.processEvents()
                window = interactive.make_window(workload)
        if "display" in chosen:
            result["display"][workload.name] = {}
            for size, scale in DISPLAYS:
                name = display_name(size, scale)
                progress(f"{workload.name}: cursor and pan at {size[0]}×{size[1]}, ratio {scale} (a child)")
                try:
                    result["display"][workload.name][name] = run_display(workload, size, scale, iplan, folder)
                except Exception as err:
                    errors[f"{workload.name} (display {name})"] = f"{type(err).__name__}: {err}"
    for key in ("interactions", "interactions_detail", "display"):
        result[key] = {k: v for k, v in result[key].items() if v}
    return window


def ratios(jv: dict, base: dict, memory: dict) -> dict:
    """matplotlib's median / jacviz's median per operation: above 1, jacviz is faster."""
    out: dict = {}
    pairs = (
        ("cursor_move_vs_full_redraw", "cursor_move", "cursor_move_full_redraw"),
        ("cursor_move_vs_blit", "cursor_move", "cursor_move_blit"),
        ("pan_step", "pan_step", "pan_step"),
        ("mapping_change", "mapping_change", "mapping_change"),
        ("mapping_change_cold_cache", "mapping_change_cold_cache", "mapping_change_cold_cache"),
        ("cold_start_export_vs_figure", "cold_start_export", "cold_start_figure"),
        ("cold_start_window_vs_figure", "cold_start_window", "cold_start_figure"),
    )
    for name, ours in jv.items():
        theirs = base.get(name)
        if not theirs:
            continue
        row = {}
        for key, j_op, m_op in pairs:
            if j_op in ours and m_op in theirs:
                value = ratio(theirs[m_op]["median_ms"], ours[j_op]["median_ms"])
                if value is not None:
                    row[key] = value
        mem = ratio(memory.get("matplotlib_cold", {}).get(name, {}).get("median_mb"),
                    memory["jacviz_export_cold"][name]["median_mb"])
        if mem is not None:
            row["peak_memory_cold_figure_vs_export"] = mem
        out[name] = row
    return out


@dataclass(frozen=True)
class Target:
    """One of jacviz's performance targets."""

    id: str
    text: str
    unit: str
    limit: float
    statistic: str  # which statistic is judged: median, p90, max, slope


TARGETS = (
    Target("cursor_move.median", "cursor move, median", "ms", 3.0, "median"),
    Target("cursor_move.p90", "cursor move, p90", "ms", 6.0, "p90"),
    Target("pan_step.median", "pan step, median", "ms", 16.0, "median"),
    Target("mapping_change.median", "mapping change, median", "ms", 60.0, "median"),
    Target("mapping_change_stall.median", "GUI stall in a mapping change, median", "ms", 30.0, "median"),
    Target("cold_start_window.median", "cold start to painted window, median", "ms", 1000.0, "median"),
    Target("cold_start_export.vs_matplotlib", "jacviz export (cold) faster than matplotlib's first figure",
           "ms", 0.0, "median"),
    Target("memory.window", "peak memory, cold-started window", "MB", 200.0, "max"),
    Target("memory.export", "peak memory, jacviz export", "MB", 200.0, "max"),
    Target("scaling.slope", "resampling linear in samples (log-log slope, 512²…2048²)", "", 1.15, "slope"),
)


def evaluate_targets(jv: dict, base: dict, memory: dict, scaling: dict) -> list[dict]:
    """Each target for each workload: measured, limit, passed, and measured / limit."""
    out = []
    for target in TARGETS:
        for name in jv:
            measured: float | None
            limit = target.limit
            if target.id == "cold_start_export.vs_matplotlib":
                if name not in base:
                    continue
                measured = jv[name]["cold_start_export"]["median_ms"]
                limit = base[name]["cold_start_figure"]["median_ms"]
            elif target.id.startswith("memory."):
                key = "jacviz_window_cold" if target.id == "memory.window" else "jacviz_export_cold"
                measured = memory[key][name]["max_mb"]
            elif target.id == "scaling.slope":
                measured = scaling.get(name, {}).get("loglog_slope_from_512")
            else:
                op, stat = target.id.rsplit(".", 1)
                measured = jv[name][op][f"{stat}_ms"]
            if measured is None:
                continue
            out.append({
                "id": target.id,
                "target": target.text,
                "workload": name,
                "statistic": target.statistic,
                "unit": target.unit,
                "limit": round(limit, 4),
                "measured": round(measured, 4),
                "factor": round(measured / limit, 3),  # below 1 passes (for "faster than": too)
                "passed": bool(measured <= limit) if target.id != "cold_start_export.vs_matplotlib"
                else bool(measured < limit),
            })
    return out


@dataclass(frozen=True)
class InteractionTarget:
    """A target of an interaction: ``where`` says the section ("interactions", "slider",
    "display:<name>"), ``op`` the operation, ``statistic`` median or p90 (of ms or fps)."""

    id: str
    text: str
    where: str
    op: str
    statistic: str
    unit: str
    limit: float
    at_least: bool = False  # frames per second: the measurement must reach the limit


FRAME_MS, FRAME_P90_MS, CURSOR_MS, STALL_MS, FPS = 16.0, 25.0, 3.0, 16.0, 60.0
_T = InteractionTarget
INTERACTION_TARGETS = (
    _T("slider_step.median", "slider drag, step → painted, median", "slider", "slider_step",
                      "median", "ms", FRAME_MS),
    _T("slider_step.p90", "slider drag, step → painted, p90", "slider", "slider_step", "p90", "ms",
                      FRAME_P90_MS),
    _T("slider_step_stall.p90", "slider drag, GUI stall per step, p90", "slider",
                      "slider_step_stall", "p90", "ms", STALL_MS),
    _T("zoom_step.median", "wheel zoom 10 %, median", "interactions", "zoom_step", "median", "ms",
                      FRAME_MS),
    _T("zoom_step.p90", "wheel zoom 10 %, p90", "interactions", "zoom_step", "p90", "ms",
                      FRAME_P90_MS),
    _T("zoom_roll.median", "wheel roll, notch → painted, median", "interactions", "zoom_roll",
                      "median", "ms", FRAME_MS),
    _T("zoom_roll.p90", "wheel roll, notch → painted, p90", "interactions", "zoom_roll", "p90",
                      "ms", FRAME_P90_MS),
    _T("morph_play_fps.median", "morph playback (▶), frames per second", "interactions",
                      "morph_play_fps", "median", "fps", FPS, at_least=True),
    _T("morph_60_fps.median", "morph stepped at 60 Hz, frames per second", "interactions",
                      "morph_60_fps", "median", "fps", FPS, at_least=True),
    _T("morph_60_step.p90", "morph stepped at 60 Hz, step → painted, p90", "interactions",
                      "morph_60_step", "p90", "ms", FRAME_P90_MS),
    _T("linerr_cursor.median", "cursor move, linearization-error mode, median", "interactions",
                      "linerr_cursor", "median", "ms", CURSOR_MS),
    _T("inflight_change.median", "mapping change with work in flight, median", "interactions",
                      "inflight_change", "median", "ms", 60.0),
    _T("inflight_stall.median", "GUI stall, mapping change in flight, median", "interactions",
                      "inflight_stall", "median", "ms", STALL_MS),
    _T("display_cursor_1280.median", "cursor move 1280×720 ratio 1, median", "display:1280x720@1",
                      "cursor_move", "median", "ms", CURSOR_MS),
    _T("display_pan_1280.median", "pan step 1280×720 ratio 1, median", "display:1280x720@1",
                      "pan_step", "median", "ms", FRAME_MS),
    _T("display_cursor_4k.median", "cursor move 3840×2160 ratio 2, median", "display:3840x2160@2",
                      "cursor_move", "median", "ms", FRAME_MS),
    _T("display_cursor_4k.p90", "cursor move 3840×2160 ratio 2, p90", "display:3840x2160@2",
                      "cursor_move", "p90", "ms", FRAME_P90_MS),
    _T("display_pan_4k.median", "pan step 3840×2160 ratio 2, median", "display:3840x2160@2",
                      "pan_step", "median", "ms", FRAME_MS),
    _T("display_pan_4k.p90", "pan step 3840×2160 ratio 2, p90", "display:3840x2160@2",
                      "pan_step", "p90", "ms", FRAME_P90_MS),
)


def _interaction_stats(result: dict, where: str) -> dict[str, dict]:
    """workload (or the slider's mapping) -> its operations, for a target's section."""
    if where == "slider":
        return {"slider": result["slider"]} if "slider" in result else {}
    if where.startswith("display:"):
        name = where.split(":", 1)[1]
        return {w: d[name] for w, d in result.get("display", {}).items() if name in d}
    return result.get(where, {})


def evaluate_interaction_targets(result: dict) -> list[dict]:
    """Each interaction target for each workload measured (pass or miss, as :func:`evaluate_targets`)."""
    out = []
    for target in INTERACTION_TARGETS:
        for name, ops in _interaction_stats(result, target.where).items():
            stats = ops.get(target.op)
            if not stats:
                continue
            measured = stats[f"{target.statistic}_{target.unit}"]
            passed = measured >= target.limit if target.at_least else measured <= target.limit
            out.append({
                "id": target.id, "target": target.text, "workload": name, "statistic": target.statistic,
                "unit": target.unit, "limit": target.limit, "measured": round(measured, 4),
                "factor": round(measured / target.limit, 3), "passed": bool(passed),
            })
    return out


RATIO_OPS = ("zoom_step", "zoom_roll", "morph_play_frame", "morph_60_step", "linerr_switch",
             "linerr_cursor", "inflight_change", "display_cursor_1280", "display_cursor_4k",
             "display_pan_1280", "display_pan_4k")


def interaction_ratios(result: dict) -> dict:
    """Each interaction's median over a cursor move's (same workload; 1280×720 in its own process
    when the settled cursor move was not measured), and matplotlib's median over jacviz's for
    the operation the baseline also does (above 1: jacviz is faster)."""
    out: dict = {}
    base = result.get("baseline", {}).get("workloads", {})
    versus = {"zoom_step": "pan_step", "zoom_roll": "pan_step", "inflight_change": "mapping_change",
              "linerr_cursor": "cursor_move_blit", "display_cursor_1280": "cursor_move_blit",
              "display_cursor_4k": "cursor_move_blit", "display_pan_1280": "pan_step",
              "display_pan_4k": "pan_step"}
    names = set(result.get("interactions", {})) | set(result.get("display", {}))
    for name in sorted(names):
        ops = dict(result.get("interactions", {}).get(name, {}))
        display = result.get("display", {}).get(name, {})
        for short, key in (("1280", "1280x720@1"), ("4k", "3840x2160@2")):
            if key in display:
                ops[f"display_cursor_{short}"] = display[key]["cursor_move"]
                ops[f"display_pan_{short}"] = display[key]["pan_step"]
        cursor = result.get("jacviz", {}).get(name, {}).get("cursor_move") or ops.get("display_cursor_1280")
        row: dict = {}
        for op in RATIO_OPS:
            stats = ops.get(op)
            if not stats:
                continue
            if cursor:
                value = ratio(stats["median_ms"], cursor["median_ms"])
                if value is not None:
                    row[f"{op}_vs_cursor"] = value
            theirs = base.get(name, {}).get(versus.get(op, ""))
            if theirs:
                value = ratio(theirs["median_ms"], stats["median_ms"])
                if value is not None:
                    row[f"{op}_vs_matplotlib"] = value
        if row:
            out[name] = row
    slider = result.get("slider", {})
    if "slider_step" in slider:
        cursor = next((d["1280x720@1"]["cursor_move"] for d in result.get("display", {}).values()
                       if "1280x720@1" in d), None)
        cursor = cursor or next((j["cursor_move"] for j in result.get("jacviz", {}).values()), None)
        if cursor:
            value = ratio(slider["slider_step"]["median_ms"], cursor["median_ms"])
            if value is not None:
                out["slider"] = {"slider_step_vs_cursor": value}
    return out


# ---------------------------------------------------------------------------------------
# The command


def _parser() -> argparse.ArgumentParser:
    epilog = "other benchmarks, each its own command:\n" + "\n".join(
        f"  python -m jacviz.bench.{name:<9} {what}" for name, what in SUB_BENCHMARKS)
    p = argparse.ArgumentParser(prog="python -m jacviz.bench",
                                description="Benchmark jacviz offscreen, next to a matplotlib script.",
                                epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="few repetitions: a smoke test, not a measurement")
    p.add_argument("--repeat", type=int, metavar="N",
                   help="cold starts per workload (default 7; other counts scale with it)")
    p.add_argument("--workload", action="append", metavar="NAME",
                   help="only this workload (repeatable, or comma-separated): "
                        "square, polar, tanh-layer, whitney-cusp, joukowski")
    p.add_argument("--json", metavar="PATH", help="write the JSON result here ('-' for stdout)")
    p.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    p.add_argument("--no-baseline", action="store_true", help="skip the matplotlib baseline")
    p.add_argument("--profile", metavar="DIR", help="also profile each operation (cProfile) into DIR")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--interaction", action="append", metavar="NAME",
                   help="only this interaction (repeatable, or comma-separated): "
                        f"{', '.join(INTERACTIONS)}; 'none' for none (default: all)")
    p.add_argument("--interactions-only", action="store_true",
                   help="measure only the interactions (no cold starts, baseline or scaling)")
    p.add_argument("--from-json", metavar="PATH",
                   help="do not measure: print the tables of a result saved with --json")
    return p


def select_interactions(names: list[str] | None) -> tuple[str, ...]:
    """The interactions named (comma-separated allowed; 'none' for none), in canonical order; all if none."""
    if not names:
        return INTERACTIONS
    wanted = [n.strip() for item in names for n in item.split(",") if n.strip()]
    if wanted == ["none"]:
        return ()
    unknown = [n for n in wanted if n not in INTERACTIONS]
    if unknown:
        choices = ", ".join(INTERACTIONS)
        raise ValueError(f"unknown interaction {unknown[0]!r} (choose from {choices}, or none)")
    return tuple(n for n in INTERACTIONS if n in wanted)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 unless a measurement failed (a target missed is not a failure)."""
    args = _parser().parse_args(argv)
    from jacviz.bench.report import render

    if args.from_json:
        result = json.loads(Path(args.from_json).read_text(encoding="utf-8"))
        sys.stdout.write(render(result, markdown=args.markdown) + "\n")
        return 0
    if args.repeat is not None and args.repeat < 1:
        _parser().error("--repeat must be at least 1")
    try:
        workloads = select(args.workload)
        chosen = select_interactions(args.interaction)
    except ValueError as err:
        _parser().error(str(err))
    plan = BenchPlan.make(args.quick, args.repeat)
    progress = Progress(args.quiet)
    result = run_benchmark(workloads, plan, baseline=not args.no_baseline,
                           profile_dir=Path(args.profile) if args.profile else None, progress=progress,
                           interactions=chosen, interactions_only=args.interactions_only)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.json and args.json != "-":
        Path(args.json).write_text(text + "\n", encoding="utf-8")  # before rendering can fail
    table = render(result, markdown=args.markdown)
    if args.json == "-":
        sys.stdout.write(text + "\n")
        sys.stderr.write(table + "\n")
    else:
        sys.stdout.write(table + "\n")
    return 1 if result.get("errors") else 0
