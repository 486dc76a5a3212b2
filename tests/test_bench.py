"""The benchmark suite runs and says what it measured. Nothing here judges speed.

The machines are shared and noisy, so no test asserts on a time: the smoke test checks
that ``python -m jacviz.bench --quick`` finishes, that its JSON has the promised shape,
that every number in it is a finite positive measurement, count or setting, and that the
matplotlib baseline ran. The other tests check the baseline's hand-written formulas
against jacviz's own compiled mappings, so the comparison is between equal figures.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from jacviz.bench import stats
from jacviz.bench.workloads import BY_NAME, PARTNER, WORKLOADS, select

ROOT = Path(__file__).resolve().parents[1]
WORKLOAD = "square"
SMOKE_TIMEOUT_S = 900  # generous: a quick run takes well under a minute on an idle machine

OPERATIONS = ("cold_start_window", "cold_start_export", "mapping_change", "mapping_change_stall",
              "cursor_move", "pan_step", "export_4k")
BASELINE_OPERATIONS = ("cold_start_figure", "mapping_change", "cursor_move_full_redraw", "cursor_move_blit",
                       "pan_step", "numpy_det_512")
SUMMARY_KEYS = ("median_ms", "p90_ms", "n")
INTERACTION_OPERATIONS = ("zoom_step", "zoom_roll", "morph_play_frame", "morph_60_step", "linerr_switch",
                          "linerr_cursor", "inflight_change", "inflight_stall")
DISPLAYS = ("1280x720@1", "3840x2160@2")


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> tuple[dict, str]:
    """One quick run of the whole harness on one workload, in its own process."""
    pytest.importorskip("matplotlib", reason="the baseline needs matplotlib: pip install -e '.[bench]'")
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-m", "jacviz.bench", "--quick", "--workload", WORKLOAD, "--json", str(out),
         "--quiet"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=SMOKE_TIMEOUT_S,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8")), proc.stdout


def _numbers(node, path: str = ""):
    """Every number in a JSON tree with where it is (booleans are not numbers here)."""
    if isinstance(node, bool):
        return
    if isinstance(node, (int, float)):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _numbers(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _numbers(value, f"{path}[{i}]")


@pytest.mark.slow
def test_quick_run_reports_every_operation(bench):
    result, _table = bench
    assert "errors" not in result, result.get("errors")
    assert result["schema"] == "jacviz-bench/1"
    assert result["mode"] == "quick"
    machine = result["machine"]
    for key in ("cpu_count", "python", "numpy", "PySide6", "pyqtgraph"):
        assert machine[key], key
    assert list(result["workloads"]) == [WORKLOAD]
    ours = result["jacviz"][WORKLOAD]
    for op in OPERATIONS:
        for key in SUMMARY_KEYS:
            assert key in ours[op], (op, key)
        assert ours[op]["p90_ms"] >= ours[op]["median_ms"] >= ours[op]["min_ms"]
    # every move of both passes (painted by the event loop, and forced) reached jacviz
    delivered = result["jacviz_detail"][WORKLOAD]["cursor_moves_delivered"]
    assert delivered == 2 * result["settings"]["cursor_moves"]
    memory = result["memory"]
    for key in ("jacviz_window_cold", "jacviz_export_cold"):
        assert memory[key][WORKLOAD]["median_mb"] > 0
    assert memory["bench_process_peak_mb"] > 0
    assert result["settings"]["bytecode_precompiled"] is True
    sizes = result["scaling"][WORKLOAD]["sizes"]
    assert list(sizes) == ["256", "512", "1024", "2048"]
    assert all("ms_per_msample" in s for s in sizes.values())


def test_precompile_writes_the_bytecode_a_cold_start_reads():
    """The cold starts read jacviz's ``.pyc`` files even under PYTHONDONTWRITEBYTECODE."""
    import importlib.util

    from jacviz.bench import proc

    source = ROOT / "jacviz" / "core" / "errors.py"
    cached = Path(importlib.util.cache_from_source(str(source)))
    cached.unlink(missing_ok=True)
    assert proc.precompile_package() == 0
    assert cached.is_file() and cached.stat().st_size > 0
    # valid for the source as it is (the header's mtime and size are what the import checks),
    # so a child started with the variable set loads it instead of compiling
    header = cached.read_bytes()[:16]
    assert header[:4] == importlib.util.MAGIC_NUMBER
    assert int.from_bytes(header[4:8], "little") == 0  # timestamp-based, not hash-based
    stat = source.stat()
    assert int.from_bytes(header[8:12], "little") == int(stat.st_mtime) & 0xFFFFFFFF
    assert int.from_bytes(header[12:16], "little") == stat.st_size & 0xFFFFFFFF


@pytest.mark.slow
def test_quick_run_ran_the_matplotlib_baseline(bench):
    result, table = bench
    baseline = result["baseline"]
    assert baseline["ran"] is True
    theirs = baseline["workloads"][WORKLOAD]
    for op in BASELINE_OPERATIONS:
        for key in SUMMARY_KEYS:
            assert key in theirs[op], (op, key)
    assert set(result["ratios"][WORKLOAD]) >= {"cursor_move_vs_full_redraw", "cursor_move_vs_blit",
                                               "pan_step", "mapping_change", "cold_start_export_vs_figure"}
    assert result["memory"]["matplotlib_cold"][WORKLOAD]["median_mb"] > 0
    assert "matplotlib" in table and "Targets" in table


@pytest.mark.slow
def test_every_number_is_finite_and_positive(bench):
    result, _table = bench
    numbers = list(_numbers(result))
    assert len(numbers) > 100
    # A GUI stall is the longest gap of a 1 ms timer less its period: on an idle GUI thread
    # it can be exactly 0, so stalls (and their minimum) may be 0; nothing else may.
    bad = [(path, value) for path, value in numbers
           if not (math.isfinite(value) and (value > 0 or ("stall" in path and value == 0)))]
    assert not bad, bad


@pytest.mark.slow
def test_quick_run_reports_every_interaction(bench):
    result, _table = bench
    ours = result["interactions"][WORKLOAD]
    for op in INTERACTION_OPERATIONS:
        for key in SUMMARY_KEYS:
            assert key in ours[op], (op, key)
        assert ours[op]["p90_ms"] >= ours[op]["median_ms"] >= ours[op]["min_ms"]
    for op in ("morph_play_fps", "morph_60_fps"):
        assert ours[op]["median_fps"] > 0
    slider = result["slider"]
    assert slider["parameter"] == "a" and "sin" in slider["text"]
    assert slider["slider_step"]["n"] >= 1 and slider["slider_fps"]["median_fps"] > 0
    # every frame painted served at least one step, and no step served more than one
    detail = result["slider_detail"]
    assert 1 <= detail["slider_frames"] <= detail["slider_steps"]
    assert "unpainted_steps" not in detail  # every step was served by a painted frame
    # a wheel step is about 10 %
    zoom = result["interactions_detail"][WORKLOAD]["zoom_factor"]["median"]
    assert 1.05 < zoom < 1.15
    floors = result["interactions_detail"][WORKLOAD]["floors"]
    assert set(floors) >= {"view", "morph", "linerr"}
    refine = result["slider_detail"]["floors"]["refinement"]
    assert refine["128"]["samples_per_side"] < refine["default"]["samples_per_side"]


@pytest.mark.slow
def test_display_children_ran_at_their_size_and_ratio(bench):
    result, _table = bench
    display = result["display"][WORKLOAD]
    assert set(display) == set(DISPLAYS)
    assert display["1280x720@1"]["device_pixel_ratio"] == 1.0
    assert display["3840x2160@2"]["device_pixel_ratio"] == 2.0
    assert display["3840x2160@2"]["size_device"] == [3840.0, 2160.0]
    assert display["3840x2160@2"]["size_logical"] == [1920.0, 1080.0]
    for config in display.values():
        # every move of both passes reached jacviz (a move off Qt's screen would not)
        assert config["cursor_moves_delivered"] == 2 * config["cursor_move"]["n"]
        assert config["pan_step"]["n"] >= 1


@pytest.mark.slow
def test_targets_say_pass_or_miss(bench):
    result, _table = bench
    targets = result["targets"]
    ids = {t["id"] for t in targets}
    assert {"cursor_move.median", "cursor_move.p90", "pan_step.median", "mapping_change.median",
            "mapping_change_stall.median", "cold_start_window.median", "cold_start_export.vs_matplotlib",
            "memory.window", "memory.export", "scaling.slope", "slider_step.median", "zoom_step.median",
            "morph_play_fps.median", "linerr_cursor.median", "inflight_stall.median",
            "display_cursor_1280.median", "display_cursor_4k.median", "display_pan_4k.median"} <= ids
    for target in targets:
        assert isinstance(target["passed"], bool)
        assert target["workload"] in (WORKLOAD, "slider")
        if target["unit"] == "fps":
            assert target["passed"] == (target["measured"] >= target["limit"])
        else:
            assert target["passed"] == (target["measured"] <= target["limit"]) or target["id"].endswith(
                "vs_matplotlib")


@pytest.mark.slow
def test_markdown_tables_render_from_the_json(bench):
    from jacviz.bench.report import render

    result, _table = bench
    text = render(result, markdown=True)
    assert "| cursor move (event → Qt has painted it) |" in text
    assert "|---|" in text
    assert "**Interactions, no settling" in text and "| slider drag, 60 Hz (step → painted heatmap) |" in text
    assert "**Display sizes" in text and "square 3840×2160 @2" in text
    assert "**Progressive refinement" in text
    assert f"Qt {result['machine']['qt']}" in text


# -- the baseline draws what jacviz draws: its hand-written formulas are jacviz's mappings


def _points(workload, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    x0, x1, y0, y1 = workload.rect
    return rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)


@pytest.mark.parametrize("workload", [*WORKLOADS, PARTNER], ids=lambda w: w.name)
def test_closed_forms_match_jacviz(workload):
    from jacviz.core.pipeline.prepare import prepare

    compiled = prepare(workload.text).compiled
    x, y = _points(workload)
    u, v = compiled.values(x, y)
    fu, fv = workload.values(x, y)
    np.testing.assert_allclose(np.broadcast_to(fu, x.shape), u, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.broadcast_to(fv, x.shape), v, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(workload.det(x, y), compiled.det(x, y), rtol=1e-8, atol=1e-10)
    a, b, c, d = (np.broadcast_to(e, x.shape) for e in workload.jac(x, y))
    np.testing.assert_allclose(a * d - b * c, workload.det(x, y), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w.name)
def test_baseline_derivation_matches_closed_forms(workload):
    pytest.importorskip("sympy")
    from jacviz.bench.mpl_baseline import derived

    funcs = derived(workload)
    x, y = _points(workload)
    np.testing.assert_allclose(funcs.det(x, y), workload.det(x, y), rtol=1e-8, atol=1e-10)
    for got, want in zip(funcs.jac(x, y), workload.jac(x, y), strict=True):
        np.testing.assert_allclose(got, np.broadcast_to(want, x.shape), rtol=1e-8, atol=1e-10)


def test_interaction_selection():
    from jacviz.bench.harness import select_interactions
    from jacviz.bench.interactions import INTERACTIONS

    assert select_interactions(None) == INTERACTIONS
    assert select_interactions(["zoom,slider", "display"]) == ("slider", "zoom", "display")
    assert select_interactions(["none"]) == ()
    with pytest.raises(ValueError, match="unknown interaction"):
        select_interactions(["drag"])


def test_gap_recorder_longest_gap_ends_in_the_window():
    from jacviz.bench.interactions import GapRecorder

    gaps = GapRecorder.__new__(GapRecorder)  # no timer: only the arithmetic on recorded ticks
    gaps.ticks = [0.000, 0.001, 0.002, 0.030, 0.031, 0.041]
    assert gaps.longest() == pytest.approx(27.0)  # 28 ms less the 1 ms period
    assert gaps.longest(0.031, 1.0) == pytest.approx(9.0)
    assert gaps.longest(0.0, 0.0015) == pytest.approx(0.0)
    assert gaps.longest(0.010, 0.020) == pytest.approx(27.0)  # a gap spanning the whole window counts


def test_workload_selection():
    assert [w.name for w in select(None)] == [w.name for w in WORKLOADS]
    assert [w.name for w in select(["joukowski,square"])] == ["square", "joukowski"]
    assert select(["polar"]) == [BY_NAME["polar"]]
    with pytest.raises(ValueError, match="unknown workload"):
        select(["nope"])


def test_summary_and_slope():
    s = stats.summary([1.0, 2.0, 3.0, 4.0, 100.0])
    assert s["median_ms"] == 3.0 and s["n"] == 5 and s["max_ms"] == 100.0
    assert s["median_ms"] <= s["p90_ms"] <= s["max_ms"]
    assert stats.loglog_slope([1, 4, 16], [2.0, 8.0, 32.0]) == pytest.approx(1.0)
    assert stats.ratio(10.0, 0.0) is None


# -- python -m jacviz.bench.shapes: the shapes pane next to the 2 → 2 reference

SHAPE_CASES = ("paraboloid", "rosenbrock", "sphere", "spherical")


@pytest.fixture(scope="module")
def shapes_bench(tmp_path_factory) -> tuple[dict, str]:
    """One quick run of the shapes benchmark: offscreen here, and the GL part under Xvfb where it exists."""
    out = tmp_path_factory.mktemp("shapes") / "shapes.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    command = [sys.executable, "-m", "jacviz.bench.shapes", "--quick", "--json", str(out), "--quiet"]
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=SMOKE_TIMEOUT_S)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8")), proc.stdout


def _check_summary(stats: dict) -> None:
    for key in SUMMARY_KEYS:
        assert key in stats, key
    assert stats["p90_ms"] >= stats["median_ms"] >= stats["min_ms"] > 0


@pytest.mark.slow
def test_shapes_bench_reports_every_row_offscreen(shapes_bench):
    from jacviz.bench.shapes import NEEDS_GL

    result, table = shapes_bench
    assert result["schema"] == "jacviz-bench-shapes/1" and result["mode"] == "quick"
    part = result["parts"]["offscreen"]
    assert part["platform"] == "offscreen" and part["gl"] is False
    assert part["window"] == [1280, 720]
    _check_summary(part["reference"]["cursor_move"])
    _check_summary(part["reference"]["pan_step"])
    assert list(part["shapes"]) == list(SHAPE_CASES)
    moves = result["settings"]["cursor_moves"]
    for name, row in part["shapes"].items():
        _check_summary(row["cursor_move"])
        _check_summary(row["cursor_handler"])
        assert row["cursor_moves_delivered"] == moves, name  # every move reached the pane
        assert row["ratios"]["cursor_move_vs_reference_cursor_move"] > 0
        assert row["orbit"] == {"unavailable": NEEDS_GL}  # no GL offscreen, and the row says so
    assert part["shapes"]["paraboloid"]["shape"] == [1, 2] and part["shapes"]["sphere"]["shape"] == [3, 2]
    for name in ("paraboloid", "rosenbrock"):
        _check_summary(part["shapes"][name]["pan_step"])
        _check_summary(part["shapes"][name]["pan_resample"])
    _check_summary(part["shapes"]["spherical"]["slice_step"])
    assert part["shapes"]["spherical"]["slice"] == pytest.approx(1.2, abs=0.02)
    ids = {t["id"] for t in result["targets"]}
    assert {f"offscreen.{n}.cursor_move.median" for n in SHAPE_CASES} <= ids
    assert {"offscreen.paraboloid.pan_step.median", "offscreen.rosenbrock.pan_step.median"} <= ids
    assert {f"gl.{n}.orbit.median" for n in SHAPE_CASES} <= ids  # measured, or "needs GL"
    for target in result["targets"]:
        if target["passed"] is None:
            assert target["note"].startswith(NEEDS_GL)
        else:
            assert target["passed"] == (target["measured_ms"] <= target["limit_ms"])
    assert "needs GL (run under Xvfb)" in table and "Targets" in table


@pytest.mark.slow
def test_shapes_bench_numbers_are_finite_and_positive(shapes_bench):
    result, _table = shapes_bench
    numbers = list(_numbers(result["parts"]))
    assert len(numbers) > 100
    bad = [(path, value) for path, value in numbers if not (math.isfinite(value) and value > 0)]
    assert not bad, bad


@pytest.mark.slow
@pytest.mark.xvfb
def test_shapes_bench_orbits_the_3d_view_under_xvfb(shapes_bench):
    result, _table = shapes_bench
    part = result["parts"]["gl"]
    if "shapes" not in part or not part["gl"]:
        pytest.skip(f"no GL part here: {part.get('unavailable', 'no OpenGL context under X11')}")
    assert part["platform"] == "xcb"
    _check_summary(part["window_repaint_with_3d"])
    for name in SHAPE_CASES:
        row = part["shapes"][name]
        for key in ("cursor_move", "orbit", "orbit_glfinish", "draw_3d"):
            _check_summary(row[key])
        assert row["orbit_glfinish"]["median_ms"] >= row["orbit"]["median_ms"]  # each waits longer
    ids = {t["id"] for t in result["targets"] if t["passed"] is not None}
    assert {f"gl.{n}.orbit.median" for n in SHAPE_CASES} <= ids


@pytest.mark.slow
def test_shapes_bench_renders_markdown_from_its_json(shapes_bench):
    from jacviz.bench.shapes import render

    result, _table = shapes_bench
    text = render(result, markdown=True)
    assert "| cursor move (event → Qt has painted it) |" in text and "|---|" in text
    assert "**Targets (medians)**" in text and "reference tanh(x + 2y), tanh(x - y)" in text


def test_help_lists_every_sub_benchmark_and_each_is_a_command():
    import importlib

    from jacviz.bench.harness import SUB_BENCHMARKS, _parser

    text = _parser().format_help()
    for name, _what in SUB_BENCHMARKS:
        assert f"python -m jacviz.bench.{name}" in text
        module = importlib.import_module(f"jacviz.bench.{name}")
        assert callable(module.main)
    assert {name for name, _ in SUB_BENCHMARKS} >= {"networks", "dynamics", "shapes"}
    with pytest.raises(SystemExit) as exit_info:
        importlib.import_module("jacviz.bench.shapes").main(["--repeat", "0"])
    assert exit_info.value.code == 2  # argparse's usage error, before any window is made
