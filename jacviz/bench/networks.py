"""How fast jacviz evaluates trained networks, and how its J compares with onnxruntime + finite differences.

For a 2-64-64-2 tanh MLP (random weights, float32 as exported models are) and the shipped
RealNVP flow it times:

* the 512² det J field the heatmap asks for (:func:`jacviz.core.sampling.fields.det_field`,
  float32, as the window samples it; target ≤ 40 ms);
* one cursor move: F, J and the whole layer report at one point (:func:`layers_at`; the
  layer panel's work; target ≤ 3 ms);
* opening the model to evaluable: read, check, compile and the first J (target ≤ 300 ms as
  part of the first frame), with onnx already imported (as the window can do at start-up),
  and cold in a fresh interpreter including ``import onnx``;
* onnxruntime doing the same field by finite differences: four forward passes of the 512²
  grid (x ± h, y ± h), and how far its det J is from jacviz's forward-mode det J.

In the window (``--window``; offscreen, 1280×720, the default quality), with the 2 → 2
typed mapping ``tanh(x + 2y), tanh(x - y)`` (the tanh-layer workload) as the reference:

* a cursor move, event → Qt has painted it (:func:`jacviz.bench.interactive.measure_cursor_moves`),
  for the typed mapping and for each shipped model with the layer panel open, and the ratio;
* opening a model (Presets → Networks) to the first painted frame: the model read and
  checked and its first scene sampled on the compiler thread, then drawn;
* the 512² det J field on the worker thread, as :attr:`Scene.seconds` of the first scene
  (512², no margin) and of the scene with the 25 % pan margin (768²) that follows it;
* the same field in a fresh process with OpenBLAS limited to one thread, next to the
  default: on a loaded 2-core machine OpenBLAS's threads spin against each other (measured
  6.2 s against 0.37 s for the flow's 512² field at a load average of 8).

``python -m jacviz.bench.networks [--repeat N] [--window] [--json PATH]`` prints a table.
Nothing here is asserted: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from jacviz.bench.stats import ratio, summary

GRID = 512
TARGETS_MS = {"det_field_512": 40.0, "cursor_layers": 3.0, "open_warm": 300.0}


def _times(fn, repeat: int, warmup: int = 1, cpu: list | None = None) -> list[float]:
    """Wall-clock milliseconds of ``repeat`` calls; the process's CPU milliseconds (all its
    threads) go to ``cpu`` when given: on a loaded shared machine that is the steadier number."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        out.append((time.perf_counter() - t) * 1000.0)
        if cpu is not None:
            cpu.append((time.process_time() - c) * 1000.0)
    return out


def _workloads(folder: Path) -> dict[str, tuple[Path, tuple[float, float, float, float]]]:
    from jacviz.core.network.build import mlp_model, model_bytes, random_mlp
    from jacviz.core.network.catalog import load_model_presets, model_preset_bytes

    mlp = folder / "mlp_2_64_64_2.onnx"
    mlp.write_bytes(model_bytes(mlp_model(random_mlp([2, 64, 64, 2], seed=1), name="tanh MLP 2-64-64-2")))
    flow = next(p for p in load_model_presets() if p.kind == "flow")
    flow_path = folder / flow.file
    flow_path.write_bytes(model_preset_bytes(flow))
    return {"mlp-2-64-64-2": (mlp, (-3.0, 3.0, -3.0, 3.0)), "moons-flow": (flow_path, flow.domain)}


def _cold_open(path: Path, repeat: int) -> list[float]:
    code = ("import time; t = time.perf_counter()\n"
            "from jacviz.core.network.mapping import open_model\n"
            f"net = open_model({str(path)!r}); net.jacobian_at(0.1, 0.2)\n"
            "print((time.perf_counter() - t) * 1000)")
    out = []
    for _ in range(repeat):
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        out.append(float(res.stdout.strip().splitlines()[-1]))
    return out


def _as_double(path: Path) -> bytes:
    """The model with every float tensor in double precision (for the accuracy comparison:
    a float32 finite difference cannot resolve J to better than ~1e-3)."""
    import onnx
    from onnx import TensorProto, numpy_helper

    model = onnx.load(str(path), load_external_data=False)
    for i, t in enumerate(model.graph.initializer):
        if t.data_type == TensorProto.FLOAT:
            arr = numpy_helper.to_array(t).astype(np.float64)
            model.graph.initializer[i].CopyFrom(numpy_helper.from_array(arr, t.name))
    for vi in [*model.graph.input, *model.graph.output]:
        if vi.type.tensor_type.elem_type == TensorProto.FLOAT:
            vi.type.tensor_type.elem_type = TensorProto.DOUBLE
    return model.SerializeToString()


def _onnxruntime_field(model: Path | bytes, rect, n: int, h: float = 1e-3, dtype=np.float32):
    """A function computing the det J field by central differences of onnxruntime's forward
    pass: four passes over the n×n grid, x ± h and y ± h."""
    import onnxruntime as ort

    sess = ort.InferenceSession(model if isinstance(model, bytes) else str(model),
                                providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    from jacviz.core.sampling.fields import cell_centres

    xs, ys = cell_centres(rect, n)
    gx, gy = np.meshgrid(xs, ys)
    pts = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(dtype)
    shifts = [np.array(s, dtype=dtype) for s in ([h, 0], [-h, 0], [0, h], [0, -h])]

    def run():
        f = [sess.run(None, {name: pts + s})[0] for s in shifts]
        dx = (f[0] - f[1]) / (2 * h)
        dy = (f[2] - f[3]) / (2 * h)
        return (dx[:, 0] * dy[:, 1] - dy[:, 0] * dx[:, 1]).reshape(n, n)

    return run


def measure(repeat: int = 15, cold_repeat: int = 3) -> dict:
    """All the numbers, as a dict (milliseconds)."""
    from jacviz.core.network.layers import layers_at
    from jacviz.core.network.mapping import open_model
    from jacviz.core.sampling.fields import det_field

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (path, rect) in _workloads(Path(tmp)).items():
            open_model(path)  # imports onnx once
            net = open_model(path)
            row: dict[str, object] = {"domain": list(rect)}
            opened = _times(lambda path=path: open_model(path).jacobian_at(0.1, 0.2), repeat)
            row["open_warm"] = summary(opened)
            row["open_cold"] = summary(_cold_open(path, cold_repeat))
            cpu: list[float] = []
            field = _times(lambda net=net, rect=rect: det_field(net, rect, GRID), repeat, cpu=cpu)
            row["det_field_512"] = summary(field)
            row["det_field_512_cpu"] = summary(cpu)
            centre = np.array([(rect[0] + rect[1]) / 2, (rect[2] + rect[3]) / 2])
            pts = np.random.default_rng(0).uniform(-0.3, 0.3, size=(repeat + 2, 2)) + centre
            it = iter(pts)
            row["cursor_layers"] = summary(_times(lambda net=net, it=it: layers_at(net, next(it)), repeat))
            try:
                ort_run = _onnxruntime_field(path, rect, GRID)
            except ImportError:
                row["onnxruntime_fd_512"] = None
            else:
                cpu = []
                row["onnxruntime_fd_512"] = summary(_times(ort_run, repeat, cpu=cpu))
                row["onnxruntime_fd_512_cpu"] = summary(cpu)
                ours = det_field(net, rect, GRID, dtype=np.float64)
                fd64 = _onnxruntime_field(_as_double(path), rect, GRID, 1e-6, np.float64)()
                for key, fd in (("fd32_vs_forward_rel_diff", ort_run()), ("fd64_vs_forward_rel_diff", fd64)):
                    rel = np.abs(fd - ours) / np.abs(ours)
                    row[key] = {"median": float(np.median(rel)), "max": float(rel.max())}
                row["speedup_vs_onnxruntime_fd"] = ratio(row["onnxruntime_fd_512"]["median_ms"],
                                                         row["det_field_512"]["median_ms"])
            results[name] = row
    return {"machine": {"cores": os.cpu_count(), "python": sys.version.split()[0],
                        "numpy": np.__version__}, "workloads": results, "targets_ms": TARGETS_MS}


REFERENCE_TEXT = "tanh(x + 2y), tanh(x - y)"  # the tanh-layer workload of jacviz.bench.workloads


def _blas_field(preset_file: str, threads: str | None, repeat: int) -> list[float]:
    """The 512² det J field of a shipped model in a fresh process, OpenBLAS threads as given."""
    code = ("import time\n"
            "from jacviz.core.pipeline.network import prepare_network_preset\n"
            "from jacviz.core.sampling.fields import det_field\n"
            f"p = prepare_network_preset({preset_file!r}); net = p.network\n"
            "from jacviz.core.network.catalog import load_model_presets\n"
            f"rect = next(q.domain for q in load_model_presets() if q.file == {preset_file!r})\n"
            "det_field(net, rect, 512)\n"
            f"for _ in range({repeat}):\n"
            "    t = time.perf_counter(); det_field(net, rect, 512)\n"
            "    print((time.perf_counter() - t) * 1000)\n")
    env = dict(os.environ)
    if threads is not None:
        env["OPENBLAS_NUM_THREADS"] = threads
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return [float(v) for v in res.stdout.split()]


def measure_window(moves: int = 120) -> dict:
    """Cursor moves, opening a model and its fields in a real window (offscreen); see the docstring."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from jacviz.bench.interactive import Plan, Samples, SignalWaiter, measure_cursor_moves, settle
    from jacviz.core.network.catalog import load_model_presets
    from jacviz.ui.app import make_application
    from jacviz.ui.main_window import MainWindow

    make_application()
    window = MainWindow(REFERENCE_TEXT, rect=(-2.0, 2.0, -2.0, 2.0))
    window.resize(1280, 720)
    waiter = SignalWaiter(window.mappingApplied, window.mappingFailed)
    window.show()
    if not waiter.wait():
        raise RuntimeError("the reference mapping was not drawn")
    settle(window)
    plan = Plan(cursor_moves=moves)
    out: dict[str, object] = {}
    reference = Samples()
    measure_cursor_moves(window, plan, reference)
    out["reference"] = {"text": REFERENCE_TEXT, "cursor_move": summary(reference.cursor_move),
                        "cursor_move_forced": summary(reference.cursor_move_forced)}
    for preset in load_model_presets():
        row: dict[str, object] = {"file": preset.file}
        opened = []
        first_field, margin_field = [], []
        for _ in range(3):
            window.open_mapping(REFERENCE_TEXT, rect=(-2.0, 2.0, -2.0, 2.0))
            settle(window)
            waiter = SignalWaiter(window.mappingApplied, window.mappingFailed)
            t0 = time.perf_counter()
            window.network.open_preset(preset)
            if not waiter.wait():
                raise RuntimeError(f"{preset.file} was not drawn: {waiter.failed}")
            window.repaint()
            opened.append((time.perf_counter() - t0) * 1000.0)
            first_field.append(window.scene.seconds * 1000.0)
            settle(window)  # the scene with the pan margin follows from the sampler
            margin_field.append(window.scene.seconds * 1000.0)
        row["open_to_first_frame"] = summary(opened)
        row["first_scene_512"] = summary(first_field)
        row["margin_scene_768"] = summary(margin_field)
        samples = Samples()
        measure_cursor_moves(window, plan, samples)
        row["cursor_move_layers"] = summary(samples.cursor_move)
        row["cursor_move_layers_forced"] = summary(samples.cursor_move_forced)
        row["ratio_to_typed_cursor_move"] = ratio(row["cursor_move_layers"]["median_ms"],
                                                  out["reference"]["cursor_move"]["median_ms"])
        out[preset.file] = row
    window.files.autosave_enabled = False
    window.close()
    for preset in load_model_presets():
        out[preset.file]["det_field_512_blas_default"] = summary(_blas_field(preset.file, None, 7))
        out[preset.file]["det_field_512_blas_1_thread"] = summary(_blas_field(preset.file, "1", 7))
    return out


def window_table(data: dict) -> str:
    models = [k for k in data if k != "reference"]
    ref = data["reference"]["cursor_move"]
    lines = ["| median / p90 (ms) | " + " | ".join(models) + " |", "|---|" + "---:|" * len(models)]

    def cell(v):
        return "—" if v is None else f"{v['median_ms']:.2f} / {v['p90_ms']:.2f}"

    rows = [("cursor move, layer panel open (event → painted)", "cursor_move_layers"),
            ("↳ all four widgets repainted", "cursor_move_layers_forced"),
            ("open (Presets → Networks) → first painted frame", "open_to_first_frame"),
            ("first scene on the worker (512², no margin)", "first_scene_512"),
            ("scene with the pan margin (768²)", "margin_scene_768"),
            ("det J 512², fresh process, OpenBLAS default", "det_field_512_blas_default"),
            ("det J 512², fresh process, OpenBLAS 1 thread", "det_field_512_blas_1_thread")]
    for label, key in rows:
        lines.append(f"| {label} | " + " | ".join(cell(data[m].get(key)) for m in models) + " |")
    lines.append("| cursor move ÷ typed 2 → 2 mapping's | "
                 + " | ".join(f"{data[m]['ratio_to_typed_cursor_move']}" for m in models) + " |")
    lines.append(f"\nreference: {data['reference']['text']!r}, cursor move {cell(ref)} ms")
    return "\n".join(lines)


def table(data: dict) -> str:
    names = list(data["workloads"])
    lines = ["| median / p90 (ms) | " + " | ".join(names) + " | target |",
             "|---|" + "---:|" * (len(names) + 1)]
    rows = [("512² det J field (float32)", "det_field_512", "≤ 40"),
            ("↳ CPU time, both cores", "det_field_512_cpu", ""),
            ("cursor: F, J and layer report", "cursor_layers", "≤ 3"),
            ("open → evaluable (onnx imported)", "open_warm", "≤ 300"),
            ("open → evaluable (cold process)", "open_cold", ""),
            ("onnxruntime 4 passes + FD, 512²", "onnxruntime_fd_512", ""),
            ("↳ CPU time, both cores", "onnxruntime_fd_512_cpu", "")]
    for label, key, target in rows:
        cells = []
        for n in names:
            s = data["workloads"][n].get(key)
            cells.append("—" if s is None else f"{s['median_ms']:.2f} / {s['p90_ms']:.2f}")
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {target} |")
    cells = [str(data["workloads"][n].get("speedup_vs_onnxruntime_fd")) for n in names]
    lines.append("| onnxruntime FD time ÷ jacviz J time | " + " | ".join(cells) + " | > 1 |")
    for key, label in (("fd32_vs_forward_rel_diff", "float32, h = 1e-3"), ("fd64_vs_forward_rel_diff",
                                                                          "float64, h = 1e-6")):
        cells = []
        for n in names:
            d = data["workloads"][n].get(key)
            cells.append("—" if d is None else f"{d['median']:.1e} / {d['max']:.1e}")
        head = f"| \\|det FD − det J\\| / \\|det J\\|, median / max ({label}) | "
        lines.append(head + " | ".join(cells) + " | |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark jacviz on trained networks.")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    parser.add_argument("--window", action="store_true", help="also measure in a real (offscreen) window")
    parser.add_argument("--no-core", action="store_true", help="skip the core measurements")
    args = parser.parse_args(argv)
    machine = {"cores": os.cpu_count(), "python": sys.version.split()[0], "numpy": np.__version__}
    data = {"machine": machine} if args.no_core else measure(args.repeat)
    if args.window:
        data["window"] = measure_window()
    print(f"machine: {data['machine']['cores']} cores, Python {data['machine']['python']}, "
          f"numpy {data['machine']['numpy']}, load average {os.getloadavg()[0]:.1f}")
    if not args.no_core:
        print(table(data))
    if args.window:
        print(window_table(data["window"]))
    if args.json:
        args.json.write_text(json.dumps(data, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
