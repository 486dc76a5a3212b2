"""Networks as mappings: the shipped models, closed forms, the chain rule, flows, backprop, eval.

Numbers are checked against onnxruntime (forward), central differences (J), closed forms
(a one-layer tanh map) and the models' own log-determinant output (flows).
"""

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from onnx import helper

from jacviz.core.errors import ModelError, UsageError
from jacviz.core.network.build import Coupling, flow_model, graph_model, mlp_model, model_bytes, random_mlp
from jacviz.core.network.catalog import load_model_presets, model_preset_bytes, open_model_preset
from jacviz.core.network.layers import (
    CrossEntropy,
    LinearLoss,
    backprop_at,
    cross_entropy,
    layers_at,
    network_layers,
)
from jacviz.core.network.mapping import model_from_bytes, open_model
from jacviz.core.network.report import eval_report
from jacviz.core.numeric.protocol import MappingBase, NumericMapping
from jacviz.core.sampling.fields import cell_centres, det_field

ort = pytest.importorskip("onnxruntime")
ROOT = Path(__file__).resolve().parents[2]


def _presets():
    return {p.file: p for p in load_model_presets()}


def _random_points(rect, n=300, seed=0):
    x0, x1, y0, y1 = rect
    rng = np.random.default_rng(seed)
    return np.stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)], axis=1)


def _central(net, pts, h=1e-6):
    cols = []
    for e in np.eye(2):
        plus = net.evaluate((pts[:, 0] + h * e[0], pts[:, 1] + h * e[1]), jacobian=False).vector()
        minus = net.evaluate((pts[:, 0] - h * e[0], pts[:, 1] - h * e[1]), jacobian=False).vector()
        cols.append((plus - minus) / (2 * h))
    return np.stack(cols, axis=-1)


# -- the shipped models


def test_index_lists_both_models_with_files_scripts_and_domains():
    presets = _presets()
    assert set(presets) == {"spirals_mlp.onnx", "moons_flow.onnx"}
    for p in presets.values():
        assert (ROOT / "resources" / "models" / p.file).is_file()
        assert (ROOT / p.script).is_file()
        assert p.description and p.domain[0] < p.domain[1] and p.domain[2] < p.domain[3]


@pytest.mark.parametrize("file", ["spirals_mlp.onnx", "moons_flow.onnx"])
def test_shipped_models_match_onnxruntime(file):
    preset = _presets()[file]
    data = model_preset_bytes(preset)
    net = open_model_preset(preset)
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    pts = _random_points(preset.domain).astype(np.float32)
    refs = sess.run(None, {sess.get_inputs()[0].name: pts})
    ours = net.evaluate((pts[:, 0].astype(float), pts[:, 1].astype(float)), jacobian=False).vector()
    ref = refs[0].astype(float)  # float32 model: compare relative to the output's scale
    # onnxruntime computes in float32 (eps 6e-8) and jacviz in float64: through the flow's six
    # coupling blocks the float32 rounding reaches ~6e-6 of the output's scale (measured), so
    # 1e-5, about 170 float32 steps; a wrong operator is off by far more.
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-5 * np.abs(ref).max())
    for name, arr in net.outputs_at(pts.astype(float)).items():
        i = [o.name for o in sess.get_outputs()].index(name)
        np.testing.assert_allclose(arr, refs[i], rtol=1e-5, atol=1e-5 * np.abs(refs[i]).max())


@pytest.mark.parametrize("file", ["spirals_mlp.onnx", "moons_flow.onnx"])
def test_shipped_models_jacobian_matches_central_differences(file):
    preset = _presets()[file]
    net = open_model_preset(preset)
    pts = _random_points(preset.domain, 100, seed=1)
    jac = net.evaluate((pts[:, 0], pts[:, 1])).matrix()
    fd = _central(net, pts)
    np.testing.assert_allclose(jac, fd, rtol=1e-5, atol=1e-6 * np.abs(fd).max())


def test_the_spirals_classifier_folds_the_plane_and_separates_the_arms():
    preset = _presets()["spirals_mlp.onnx"]
    net = open_model_preset(preset)
    field = det_field(net, preset.domain, 64)
    assert (field > 0).mean() > 0.1 and (field < 0).mean() > 0.1  # det J changes sign: folds
    script = _script("train_spirals")
    x, y = script.two_spirals(np.random.default_rng(script.SEED))
    logits = net.evaluate((x[:, 0], x[:, 1]), jacobian=False).vector()
    assert np.mean(logits.argmax(axis=1) == y) > 0.97


def test_the_flow_never_folds_and_its_log_det_output_is_the_sum_over_layers():
    preset = _presets()["moons_flow.onnx"]
    net = open_model_preset(preset)
    assert (det_field(net, preset.domain, 64) > 0).all()
    layers = network_layers(net)
    assert [lay.name for lay in layers] == ["Mul → Add"] + ["coupling block"] * 6
    for p in _random_points(preset.domain, 20, seed=2):
        r = layers_at(net, p)
        assert r.model_log_det_output == "log_det"
        assert r.sum_log_abs_det == pytest.approx(r.log_abs_det, abs=1e-9)
        # the model computes its log-det in float32; ours is float64 from the same weights
        assert r.sum_log_abs_det == pytest.approx(r.model_log_det, abs=1e-5)
        assert r.chain_rule_max_abs_difference < 1e-9 * max(1.0, np.abs(r.jacobian).max())


def _script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name, file", [("train_spirals", "spirals_mlp.onnx"),
                                        ("train_moons_flow", "moons_flow.onnx")])
def test_training_again_gives_the_committed_model(name, file):
    """The scripts are deterministic (fixed seed, full batch, OpenBLAS's Haswell kernels on every
    x86 CPU): retraining reproduces the file. Run as a user would, in a child, because the
    kernels are chosen when numpy loads, which this process did long ago."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS")}
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / f"{name}.py"), "--check"],
                          capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"identical to {ROOT / 'resources' / 'models' / file}" in done.stdout


# -- closed forms and the chain rule


def test_one_tanh_layer_has_the_closed_form_jacobian():
    rng = np.random.default_rng(11)
    w, b = rng.normal(size=(2, 2)), rng.normal(size=2)
    net = model_from_bytes(model_bytes(mlp_model([(w, b)], final="Tanh", dtype=np.float64)))
    for p in rng.uniform(-2, 2, size=(25, 2)):
        z = w @ p + b
        expected = np.diag(1 - np.tanh(z) ** 2) @ w
        np.testing.assert_allclose(net.jacobian_at(*p), expected, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(net.value_at(*p), np.tanh(z), rtol=1e-14)


def test_layers_of_an_mlp_and_the_chain_rule():
    net = model_from_bytes(model_bytes(mlp_model(random_mlp([2, 32, 32, 2], 4), dtype=np.float64)))
    layers = network_layers(net)
    assert [(lay.name, lay.output_size, lay.input_size) for lay in layers] == [
        ("Gemm → Tanh", 32, 2), ("Gemm → Tanh", 32, 32), ("Gemm", 2, 32)]
    r = layers_at(net, (0.4, -1.1))
    assert [lay.jacobian.shape for lay in r.layers] == [(32, 2), (32, 32), (2, 32)]
    np.testing.assert_allclose(r.layers[2].jacobian @ r.layers[1].jacobian @ r.layers[0].jacobian, r.jacobian,
                               rtol=1e-12, atol=1e-14)
    assert r.chain_rule_max_abs_difference < 1e-12
    assert r.layers[1].log_abs_det is not None and r.layers[0].log_abs_det is None
    sv = np.linalg.svd(r.layers[1].jacobian, compute_uv=False)
    np.testing.assert_allclose(r.layers[1].singular_values, sv)
    # a layer's Jacobian is the derivative of that layer alone: check one against the closed form
    w1, b1 = random_mlp([2, 32, 32, 2], 4)[1]
    a0 = r.layers[1].input
    np.testing.assert_allclose(r.layers[1].jacobian, np.diag(1 - np.tanh(w1 @ a0 + b1) ** 2) @ w1, rtol=1e-12)
    json.dumps(r.as_dict())  # JSON-ready


def test_matmul_add_exports_are_one_layer_with_their_activation():
    w, b = np.ones((2, 3)), np.arange(3.0)
    nodes = [helper.make_node("MatMul", ["x", "W"], ["h"]), helper.make_node("Add", ["h", "b"], ["a"]),
             helper.make_node("Relu", ["a"], ["r"]), helper.make_node("MatMul", ["r", "W2"], ["y"])]
    net = model_from_bytes(model_bytes(graph_model(nodes, {"W": w, "b": b, "W2": np.ones((3, 2))},
                                                   outputs=(("y", ["batch", 2]),))))
    assert [lay.name for lay in network_layers(net)] == ["MatMul → Add → Relu", "MatMul"]


def test_permutation_between_couplings_is_its_own_layer_with_det_minus_one():
    rng = np.random.default_rng(2)
    weights = tuple((rng.normal(size=(o, n)) * 0.3, rng.normal(size=o) * 0.1) for n, o in [(1, 4), (4, 2)])
    flow = flow_model([Coupling(0, weights, 1.0)], dtype=np.float64)
    g = flow.graph
    g.node.append(helper.make_node("Gather", ["z", "perm"], ["zp"], axis=1, name="swap"))
    g.initializer.append(helper.make_tensor("perm", 7, [2], [1, 0]))
    g.output[0].name = "zp"
    net = model_from_bytes(model_bytes(flow))
    names = [lay.name for lay in network_layers(net)]
    assert names[-1] == "Gather"
    r = layers_at(net, (0.2, 0.3))
    assert r.layers[-1].det == pytest.approx(-1.0)
    assert r.layers[-1].log_abs_det == pytest.approx(0.0)


# -- shapes other than 2 → 2


def _classifier():
    """A 2-8-3 tanh MLP whose output is the probabilities of three classes."""
    model = mlp_model(random_mlp([2, 8, 3], 5), final="Softmax", dtype=np.float64)
    return model_from_bytes(model_bytes(model))


def test_a_classifier_is_a_2_to_k_mapping():
    net = _classifier()
    assert isinstance(net, NumericMapping) and isinstance(net, MappingBase)
    assert net.shape == (3, 2) and not net.is_planar and net.variables == ("x", "y") and net.parameters == ()
    xs, ys = np.linspace(-1, 1, 7), np.linspace(-2, 2, 5)
    ev = net.evaluate((xs[None, :], ys[:, None]))
    assert len(ev.values) == 3 and ev.values[0].shape == (5, 7)
    np.testing.assert_allclose(sum(ev.values), 1.0)  # probabilities
    np.testing.assert_allclose(sum(ev.jacobian[i][0] for i in range(3)), 0.0, atol=1e-15)
    with pytest.raises(ModelError, match="square"):
        net.det(xs, xs)
    rep = eval_report(net, (0.5, -0.5), vjp=[1, 0, 0])
    assert rep["shape"] == [3, 2] and "det" not in rep and len(rep["jacobian"]) == 3
    assert len(rep["singular_values"]) == 2 and rep["singular_values"][0] >= rep["singular_values"][1]
    np.testing.assert_allclose(rep["vjp"], np.array(rep["jacobian"])[0])


def test_a_scalar_field_is_a_2_to_1_mapping():
    w = np.array([[1.0, -2.0]])
    nodes = [helper.make_node("Gemm", ["x", "W"], ["h"], transB=1), helper.make_node("Tanh", ["h"], ["t"]),
             helper.make_node("Squeeze", ["t", "ax"], ["y"])]
    net = model_from_bytes(model_bytes(graph_model(nodes, {"W": w, "ax": np.array([1])},
                                                   outputs=(("y", ["batch"]),))))
    assert net.shape == (1, 2)
    p = np.array([0.3, 0.1])
    np.testing.assert_allclose(net.point_jacobian(p), (1 - np.tanh(w @ p) ** 2)[:, None] * w, rtol=1e-14)


def test_a_chosen_output_and_a_missing_one():
    weights = ((np.ones((3, 1)), np.zeros(3)), (np.ones((2, 3)), np.zeros(2)))
    data = model_bytes(flow_model([Coupling(1, weights, 1.0)], dtype=np.float64, gain=(2.0, 3.0)))
    assert model_from_bytes(data, output="z").n_outputs == 2
    ld = model_from_bytes(data, output="log_det")
    assert ld.n_outputs == 1
    p = np.array([0.3, -0.4])
    det = np.linalg.det(model_from_bytes(data).jacobian_at(*p))
    assert ld.point_value(p)[0] == pytest.approx(np.log(det))
    with pytest.raises(ModelError, match="no output 'nope'"):
        model_from_bytes(data, output="nope")


# -- sampling uses a network like a formula


def test_det_field_of_a_network_equals_its_pointwise_det():
    preset = _presets()["spirals_mlp.onnx"]
    net = open_model_preset(preset)
    field = det_field(net, preset.domain, 40, dtype=np.float64)
    xs, ys = cell_centres(preset.domain, 40)
    for i, j in [(0, 0), (7, 30), (39, 39), (20, 5)]:
        assert field[i, j] == pytest.approx(np.linalg.det(net.jacobian_at(xs[j], ys[i])), rel=1e-9)


def test_chunks_do_not_change_the_numbers(monkeypatch):
    from jacviz.core.network import limits

    net = model_from_bytes(model_bytes(mlp_model(random_mlp([2, 16, 2], 3), dtype=np.float64)))
    pts = np.random.default_rng(0).normal(size=(1000, 2))
    whole = net.evaluate((pts[:, 0], pts[:, 1])).matrix()
    monkeypatch.setattr(limits, "CHUNK_VALUES", 100)
    assert net.chunk_size(2) < 10
    # BLAS may round the last bit of a row differently with the number of rows it is given
    np.testing.assert_allclose(net.evaluate((pts[:, 0], pts[:, 1])).matrix(), whole, rtol=1e-13, atol=1e-15)


def _flow_and_mlp_float32():
    flow = open_model_preset(_presets()["moons_flow.onnx"])
    mlp = model_from_bytes(model_bytes(mlp_model(random_mlp([2, 64, 64, 2], seed=1))))
    return [("flow", flow), ("mlp", mlp)]


@pytest.mark.parametrize("n", [0, 1, 7, 29, 250])
def test_chunked_float32_evaluation_matches_one_pass(monkeypatch, n):
    """Chunks of 7 points (n = 29 and 250 are not multiples of it, n = 1 and 0 are edge
    cases) give the values and J of one pass over all the points, to float32 rounding."""
    from jacviz.core.network import limits

    pts = np.random.default_rng(n).uniform(-1.5, 1.5, size=(n, 2)).astype(np.float32)
    for name, net in _flow_and_mlp_float32():
        whole = net.evaluate((pts[:, 0], pts[:, 1]), dtype=np.float32)
        monkeypatch.setattr(limits, "CHUNK_VALUES", 7 * 3 * net.plan.width(net.route))
        assert net.chunk_size(2) == 7, name
        chunked = net.evaluate((pts[:, 0], pts[:, 1]), dtype=np.float32)
        monkeypatch.undo()
        assert chunked.matrix().shape == (n, 2, 2) and chunked.matrix().dtype == np.float32, name
        for a, b in zip((*chunked.values, chunked.matrix()), (*whole.values, whole.matrix()), strict=True):
            # BLAS sums a chunk of 7 in another order than 250 points: float32 steps, which the
            # flow's six exp(s) gains amplify to 7e-5 relative at worst (measured, the retrained
            # flow); a chunking error (a row shifted or lost) is off by far more
            np.testing.assert_allclose(a, b, rtol=2e-4, atol=1e-5, err_msg=name)
        if n:  # and both are the model's numbers: float32 J against the float64 one
            exact = net.evaluate((pts[:, 0].astype(float), pts[:, 1].astype(float))).matrix()
            scale = max(1.0, float(np.abs(exact).max()))  # float32 cancels: entries near 0 lose digits
            np.testing.assert_allclose(chunked.matrix(), exact, rtol=1e-3, atol=1e-3 * scale, err_msg=name)


def test_det_field_with_a_block_not_a_multiple_of_the_chunk(monkeypatch):
    """A 37² field in chunks of 5 points (37² = 1369 is not a multiple of 5) is the pointwise det J."""
    from jacviz.core.network import limits

    net = _flow_and_mlp_float32()[0][1]
    monkeypatch.setattr(limits, "CHUNK_VALUES", 5 * 3 * net.plan.width(net.route))
    rect = _presets()["moons_flow.onnx"].domain
    field = det_field(net, rect, 37, dtype=np.float32)
    monkeypatch.undo()
    xs, ys = cell_centres(rect, 37)
    for i, j in [(0, 0), (36, 36), (5, 31), (20, 17)]:
        assert field[i, j] == pytest.approx(np.linalg.det(net.jacobian_at(xs[j], ys[i])), rel=1e-4)


def test_specialised_kernels_do_the_checked_kernels_arithmetic():
    """Plan.run's unchecked kernels (operators.fast_kernel) give exactly the checked kernels'
    numbers, for the value and any number of tangents, on both shipped models and the MLP."""
    nets = [open_model_preset(p) for p in _presets().values()] + [n for _, n in _flow_and_mlp_float32()]
    rng = np.random.default_rng(5)
    for net in nets:
        plan = net.plan
        specialised = sum(k is not s.kernel for k, s in zip(plan.kernels, plan.steps, strict=True))
        assert specialised >= 3, net.name  # the Gemms at least
        # a Split too, with its sizes given as an integer input (the flow's couplings)
        pairs = zip(plan.kernels, plan.steps, strict=True)
        assert all(k is not s.kernel for k, s in pairs if s.node.op == "Split"), net.name
        targets = [plan.slot[o] for o in net.graph.outputs if plan.is_computed(plan.slot[o])]
        route = plan.route(targets)
        for dtype, tangents in ((np.float64, 2), (np.float32, 2), (np.float64, 5), (np.float32, 0)):
            stack = rng.normal(size=(1 + tangents, 33, 2)).astype(dtype)
            fast = plan.run(stack, route)
            kernels, plan.kernels = plan.kernels, [s.kernel for s in plan.steps]
            try:
                checked = plan.run(stack, route)
            finally:
                plan.kernels = kernels
            for a, b in zip(fast, checked, strict=True):
                assert a.dtype == b.dtype == dtype
                np.testing.assert_array_equal(a, b)


def test_undefined_points_are_nan_not_inf_and_warn_nothing(warnings_are_errors):
    nodes = [helper.make_node("Log", ["x"], ["y"])]
    net = model_from_bytes(model_bytes(graph_model(nodes, outputs=(("y", ["batch", 2]),))))
    ev = net.evaluate((np.array([-1.0, 0.0, 2.0]), np.array([1.0, 1.0, 1.0])))
    assert np.isnan(ev.values[0][:2]).all() and ev.values[0][2] == pytest.approx(math.log(2))
    assert not np.isinf(ev.matrix()).any()


# -- backpropagation


def test_backprop_cross_entropy_steps_and_finite_differences():
    preset = _presets()["spirals_mlp.onnx"]
    net = open_model_preset(preset)
    loss = cross_entropy(net, 1)
    assert loss == CrossEntropy(1, probabilities=False)
    p = (0.35, -0.2)
    r = backprop_at(net, p, loss)
    assert [s.layer.index for s in r.steps] == [3, 2, 1]
    assert r.steps[0].output_gradient.shape == (2,) and r.steps[0].input_gradient.shape == (16,)
    q = r.value
    np.testing.assert_allclose(r.output_gradient, np.exp(q) / np.exp(q).sum() - [0, 1], rtol=1e-12)
    np.testing.assert_allclose(r.input_gradient, net.jacobian_at(*p).T @ r.output_gradient, rtol=1e-10)
    assert r.max_abs_difference < 1e-6 * max(1.0, np.abs(r.input_gradient).max())
    for later, earlier in zip(r.steps[:-1], r.steps[1:], strict=True):
        np.testing.assert_array_equal(later.input_gradient, earlier.output_gradient)
    json.dumps(r.as_dict())


def test_backprop_of_a_covector_and_of_probabilities():
    net = _classifier()
    r = backprop_at(net, (0.1, 0.2), output_gradient=[0.0, 1.0, -1.0])
    np.testing.assert_allclose(r.input_gradient, net.point_jacobian((0.1, 0.2)).T @ [0, 1, -1], rtol=1e-10)
    assert r.max_abs_difference < 1e-8
    ce = cross_entropy(net, 2)
    assert ce.probabilities
    r = backprop_at(net, (0.1, 0.2), ce)
    assert r.loss == pytest.approx(-math.log(net.point_value((0.1, 0.2))[2]))
    assert r.max_abs_difference < 1e-7
    with pytest.raises(UsageError, match="classes 0 to 2"):
        cross_entropy(net, 3)
    with pytest.raises(UsageError, match="3 numbers"):
        backprop_at(net, (0.1, 0.2), output_gradient=[1.0, 2.0])


# -- what jacviz eval prints


def test_eval_report_for_the_flow(tmp_path):
    path = tmp_path / "flow.onnx"
    path.write_bytes(model_preset_bytes(_presets()["moons_flow.onnx"]))
    net = open_model(path)
    rep = eval_report(net, (0.5, 0.25), jvp=[1, 0], vjp=[0, 1])
    json.dumps(rep)
    jac = np.array(rep["jacobian"])
    assert rep["det"] == pytest.approx(np.linalg.det(jac))
    assert rep["sum_log_abs_det"] == pytest.approx(rep["log_abs_det"], abs=1e-9)
    assert rep["model_log_det"] == pytest.approx(rep["log_abs_det"], abs=1e-5)
    np.testing.assert_allclose(rep["jvp"], jac[:, 0])
    np.testing.assert_allclose(rep["vjp"], jac[1, :])
    assert len(rep["layers"]) == 7 and rep["layers"][1]["shape"] == [2, 2]
    assert rep["source"] == str(path)


@pytest.mark.parametrize("kw, words", [
    ({"jvp": [1, 2, 3]}, "--jvp needs 2 numbers"),
    ({"vjp": [1]}, "--vjp needs 2 numbers"),
    ({"vjp": [1, float("nan")]}, "finite"),
])
def test_eval_report_refuses_vectors_of_the_wrong_length(kw, words):
    net = open_model_preset(_presets()["spirals_mlp.onnx"])
    with pytest.raises(UsageError, match=words):
        eval_report(net, (0.0, 0.0), **kw)
    with pytest.raises(UsageError, match="2 coordinates"):
        eval_report(net, (0.0, 0.0, 1.0))



def test_the_cursor_evaluates_a_flow_once_for_the_readout_and_the_layer_panel(monkeypatch):
    """point_info (F and J), layers_at and backprop_at at one point share one pass over the
    whole model (NetworkMapping.point_pass); each layer then runs alone for its Jacobian."""
    from jacviz.core.lab.pointinfo import point_info
    from jacviz.core.network.plan import Plan

    net = open_model_preset(_presets()["moons_flow.onnx"])
    p = (0.4, -0.25)
    expected = net.evaluate((np.array(p[0]), np.array(p[1])))
    runs = []
    real_run = Plan.run

    def counting_run(self, stack, route, start=0, **kw):
        whole = start == 0 and net.output_slot in route.targets
        runs.append(("whole model" if whole else "one layer", stack.shape[0] - 1))  # and its tangents
        return real_run(self, stack, route, start, **kw)

    monkeypatch.setattr(Plan, "run", counting_run)
    info = point_info(net, *p)
    assert runs == [("whole model", 2)]  # F and J together
    report = layers_at(net, p)
    assert runs == [("whole model", 2)] + [("one layer", 2)] * len(network_layers(net))
    del runs[:]
    backprop_at(net, p, LinearLoss(np.array([1.0, -2.0])))
    assert runs == [("whole model", 0)]  # only its finite-difference check, F at p ± h
    np.testing.assert_array_equal(info.value, [float(v) for v in expected.values])
    np.testing.assert_array_equal(info.jacobian, expected.matrix())
    np.testing.assert_array_equal(report.jacobian, expected.matrix())
    assert info.det == pytest.approx(np.linalg.det(expected.matrix()), rel=1e-12)
    moved = layers_at(net, (0.41, -0.25))  # a new point: a new pass
    assert runs[1] == ("whole model", 2) and not np.array_equal(moved.jacobian, report.jacobian)


@pytest.mark.parametrize("file", ["moons_flow.onnx", "spirals_mlp.onnx"])
def test_a_prefetch_gives_the_cursor_its_pass_and_the_circle_in_one_run(monkeypatch, file):
    """The window runs the model once per cursor move: prefetch_values carries the
    linearization's circle through the point pass, and point_info, linearization and
    layers_at are answered from it, with the numbers of separate runs."""
    from jacviz.core.lab.pointinfo import point_info
    from jacviz.core.network.plan import Plan
    from jacviz.core.sampling.linearization import linearization, probe_points

    net = open_model_preset(_presets()[file])
    p, h = (0.4, -0.25), 0.03
    xs, ys = probe_points(p, h)
    separate = open_model_preset(_presets()[file])
    expected_info = point_info(separate, *p)
    expected_lin = linearization(separate, p, h, jacobian=expected_info.jacobian)
    runs = []
    real_run = Plan.run

    def counting_run(self, stack, route, start=0, **kw):
        whole = start == 0 and net.output_slot in route.targets
        runs.append(("whole model" if whole else "one layer", stack.shape[0] - 1, stack.shape[1]))
        return real_run(self, stack, route, start, **kw)

    monkeypatch.setattr(Plan, "run", counting_run)
    net.prefetch_values(xs, ys)
    info = point_info(net, *p)
    lin = linearization(net, p, h, jacobian=info.jacobian, stretches=info.stretches)
    assert runs == [("whole model", 2, len(xs))]  # F and J at p and F on the circle: one run
    net.prefetch_values(xs.copy(), ys.copy())  # the overlay redrawn at the same cursor
    assert runs == [("whole model", 2, len(xs))]  # nothing to run again
    report = layers_at(net, p)
    assert [(kind, n) for kind, _, n in runs[1:]] == [("one layer", 1)] * len(network_layers(net))
    np.testing.assert_allclose(info.value, expected_info.value, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(info.jacobian, expected_info.jacobian, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(lin.true_image, expected_lin.true_image, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(report.jacobian, info.jacobian, rtol=1e-12, atol=1e-14)
    # the circle is answered only for the very same points
    del runs[:]
    u, _ = net.values(xs + 1e-3, ys)
    assert runs == [("whole model", 0, len(xs))]
    np.testing.assert_allclose(u, separate.values(xs + 1e-3, ys)[0], rtol=1e-13, atol=1e-15)


def test_a_float32_model_has_its_grid_sampled_in_float32_where_its_field_is(monkeypatch):
    """A float32 network is a float32 computation: its grid lines are evaluated in float32
    when its det J field is (the images as float64 would give them, to float32's digits); a
    float64 model, a typed mapping and a deep zoom keep float64."""
    from jacviz.core.pipeline.prepare import prepare
    from jacviz.core.pipeline.scene import sample_scene
    from jacviz.core.sampling.grid import sample_grid

    calls = []
    real_values = MappingBase.values

    def spying_values(self, x, y, params=None, dtype=np.float64):
        calls.append((type(self).__name__, np.dtype(dtype).name, np.size(x)))
        return real_values(self, x, y, params, dtype)

    flow = open_model_preset(_presets()["moons_flow.onnx"])
    assert flow.precision == np.float32
    rect = (-1.5, 2.5, -1.0, 1.5)
    monkeypatch.setattr(MappingBase, "values", spying_values)
    scene = sample_scene(flow, rect)
    assert scene.det.dtype == np.float32
    grid_calls = [c for c in calls if c[2] > 1000]  # the two families of grid lines
    assert [c[:2] for c in grid_calls] == [("NetworkMapping", "float32")] * 2
    exact = sample_grid(flow, rect, scene_quality(), visible=rect)
    for a, b in ((scene.grid.vertical_image, exact.vertical_image),
                 (scene.grid.horizontal_image, exact.horizontal_image)):
        assert a.dtype == np.float64 and np.array_equal(np.isnan(a), np.isnan(b))
        pixel = (np.nanmax(b) - np.nanmin(b)) / 3840  # of a 4K-wide view of the whole image
        np.testing.assert_allclose(a, b, rtol=0, atol=0.1 * pixel)  # float32 through 86 steps
        assert not np.array_equal(a, b)  # float32 digits, not float64's
    # the morph of a float32 model is a float32 computation too
    from jacviz.core.numeric.morph import MorphedMapping

    del calls[:]
    morph = MorphedMapping(flow, 0.5)
    assert sample_scene(morph, rect).det.dtype == np.float32
    assert [c[1] for c in calls if c[2] > 1000][:2] == ["float32"] * 2  # (then the fold's image)
    # a deep zoom: float32 cannot place the cell centres, so neither the field nor the grid is float32
    del calls[:]
    deep = (0.3, 0.3 + 1e-6, 0.2, 0.2 + 1e-6)
    assert sample_scene(flow, deep).det.dtype == np.float64
    assert {c[1] for c in calls if c[2] > 1000} == {"float64"}
    # a typed mapping samples its grid in float64 (its det J field is float32 here)
    typed = prepare("tanh(x + 2y), tanh(x - y)").compiled
    assert sample_scene(typed, rect).det.dtype == np.float32
    exact = sample_grid(typed, rect, scene_quality(), visible=rect)
    np.testing.assert_array_equal(sample_scene(typed, rect).grid.vertical_image, exact.vertical_image)


def scene_quality():
    from jacviz.core.pipeline.scene import DEFAULT_QUALITY

    return DEFAULT_QUALITY
