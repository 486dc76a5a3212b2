"""Every supported operator: values against onnxruntime to 1e-6, J against finite differences.

Each case is a small graph on the input x [batch, 2], built with onnx.helper. onnxruntime
runs it in double precision where it has a double kernel, otherwise in float32 (the
comparison is then relative to the output's scale, since float32 itself carries ~1e-7).
"""

import numpy as np
import pytest
from onnx import helper

from jacviz.core.network.build import graph_model, model_bytes
from jacviz.core.network.mapping import model_from_bytes
from jacviz.core.network.operators import SUPPORTED_OPERATORS

ort = pytest.importorskip("onnxruntime")

RNG = np.random.default_rng(20240611)
W23 = RNG.normal(size=(2, 3))
W32 = RNG.normal(size=(3, 2))
W24 = RNG.normal(size=(2, 4))
B3 = RNG.normal(size=3)
N = helper.make_node


def _xw():
    """h = x @ W, the usual first node of a case."""
    return N("MatMul", ["x", "W"], ["h"])


def _i64(*v):
    return np.array(v, dtype=np.int64)


# name -> (nodes, initializers, output width, opset)
CASES = {
    "Gemm": ([N("Gemm", ["x", "W", "b"], ["y"], alpha=0.7, beta=1.3, transB=1)],
             {"W": W32, "b": B3}, 3, 17),
    "Gemm-row-bias": ([N("Gemm", ["x", "W", "b"], ["y"])], {"W": W23, "b": B3[None, :]}, 3, 17),
    "MatMul+Add": ([_xw(), N("Add", ["h", "b"], ["y"])], {"W": W23, "b": B3}, 3, 17),
    "Add-computed": ([N("Mul", ["x", "x"], ["h"]), N("Add", ["h", "x"], ["y"])], {}, 2, 17),
    "Sub": ([N("Sub", ["c", "x"], ["h"]), N("Sub", ["h", "x"], ["h2"]), N("Sub", ["h2", "c"], ["y"])],
            {"c": np.array([0.5, -1.5])}, 2, 17),
    "Mul": ([N("Mul", ["x", "c"], ["h"]), N("Mul", ["h", "x"], ["y"])], {"c": np.array([2.0, -0.5])}, 2, 17),
    "Div": ([N("Add", ["x", "c"], ["d"]), N("Div", ["x", "d"], ["h"]), N("Div", ["c", "d"], ["h2"]),
             N("Div", ["h2", "c"], ["h3"]), N("Add", ["h", "h3"], ["y"])],
            {"c": np.array([3.0, 4.0])}, 2, 17),
    "Neg": ([_xw(), N("Neg", ["h"], ["y"])], {"W": W23}, 3, 17),
    "Relu": ([_xw(), N("Relu", ["h"], ["y"])], {"W": W23}, 3, 17),
    "LeakyRelu": ([_xw(), N("LeakyRelu", ["h"], ["y"], alpha=0.2)], {"W": W23}, 3, 17),
    "Tanh": ([_xw(), N("Tanh", ["h"], ["y"])], {"W": W23}, 3, 17),
    "Sigmoid": ([_xw(), N("Sigmoid", ["h"], ["y"])], {"W": W23 * 3}, 3, 17),
    "Softplus": ([_xw(), N("Softplus", ["h"], ["y"])], {"W": W23}, 3, 17),
    "Elu": ([_xw(), N("Elu", ["h"], ["y"], alpha=0.8)], {"W": W23}, 3, 17),
    "Gelu": ([_xw(), N("Gelu", ["h"], ["y"])], {"W": W23}, 3, 20),
    "Gelu-tanh": ([_xw(), N("Gelu", ["h"], ["y"], approximate="tanh")],
                  {"W": W23}, 3, 20),
    "Exp": ([_xw(), N("Exp", ["h"], ["y"])], {"W": W23 * 0.5}, 3, 17),
    "Log": ([N("Mul", ["x", "x"], ["h"]), N("Add", ["h", "c"], ["h2"]), N("Log", ["h2"], ["y"])],
            {"c": np.array([0.5, 0.25])}, 2, 17),
    "Softmax": ([_xw(), N("Softmax", ["h"], ["y"], axis=-1)], {"W": W23}, 3, 17),
    "Softmax-opset11": ([_xw(), N("Softmax", ["h"], ["y"], axis=1)],
                        {"W": W23}, 3, 11),
    "Concat": ([N("Tanh", ["x"], ["t"]), N("Concat", ["x", "t"], ["y"], axis=1)], {}, 4, 17),
    "Split": ([N("Split", ["x", "s"], ["a", "b"], axis=1), N("Exp", ["a"], ["e"]),
               N("Mul", ["b", "e"], ["m"]), N("Concat", ["m", "a"], ["y"], axis=-1)],
              {"s": _i64(1, 1)}, 2, 17),
    "Split-equal": ([N("Split", ["x"], ["a", "b"], axis=1), N("Mul", ["a", "b"], ["m"]),
                     N("Concat", ["m", "b"], ["y"], axis=1)], {}, 2, 17),
    "Slice": ([_xw(), N("Slice", ["h", "st", "en", "ax", "sp"], ["y"])],
              {"W": W24, "st": _i64(1), "en": _i64(4), "ax": _i64(1), "sp": _i64(2)}, 2, 17),
    "Slice-reverse": ([_xw(), N("Slice", ["h", "st", "en", "ax", "sp"], ["y"])],
                      {"W": W24, "st": _i64(-1), "en": _i64(-2**63), "ax": _i64(1), "sp": _i64(-1)}, 4, 17),
    "Reshape": ([_xw(), N("Reshape", ["h", "s1"], ["r"]), N("Tanh", ["r"], ["t"]),
                 N("Reshape", ["t", "s2"], ["y"])],
                {"W": W24, "s1": _i64(0, 2, 2), "s2": _i64(-1, 4)}, 4, 17),
    "Flatten": ([_xw(), N("Reshape", ["h", "s1"], ["r"]), N("Flatten", ["r"], ["y"])],
                {"W": W24, "s1": _i64(-1, 2, 2)}, 4, 17),
    "Transpose": ([_xw(), N("Reshape", ["h", "s1"], ["r"]),
                   N("Transpose", ["r"], ["t"], perm=[0, 2, 1]), N("Reshape", ["t", "s2"], ["y"])],
                  {"W": W24 + 1.0, "s1": _i64(0, 2, 2), "s2": _i64(0, -1)}, 4, 17),
    "Identity": ([N("Identity", ["x"], ["h"]), N("Tanh", ["h"], ["y"])], {}, 2, 17),
    "Constant": ([N("Constant", [], ["c"], value=helper.make_tensor("v", 11, [2], [1.5, -2.0])),
                  N("Mul", ["x", "c"], ["h"]), N("Tanh", ["h"], ["y"])], {}, 2, 17),
    "Unsqueeze+Squeeze": ([N("Unsqueeze", ["x", "a"], ["u"]), N("Tanh", ["u"], ["t"]),
                           N("Squeeze", ["t", "a"], ["y"])], {"a": _i64(1)}, 2, 17),
    "Gather": ([N("Gather", ["x", "i"], ["g"], axis=1), N("Tanh", ["x"], ["t"]), N("Mul", ["g", "t"], ["y"])],
               {"i": _i64(1, 0)}, 2, 17),
    "ReduceSum": ([_xw(), N("Tanh", ["h"], ["t"]),
                   N("ReduceSum", ["t", "a"], ["s"], keepdims=1), N("Mul", ["s", "x"], ["y"])],
                  {"W": W23, "a": _i64(1)}, 2, 17),
    "ReduceSum-opset11": ([_xw(), N("Tanh", ["h"], ["t"]),
                           N("ReduceSum", ["t"], ["y"], axes=[1], keepdims=0)], {"W": W23}, 1, 11),
}


def _model(case, dtype):
    nodes, inits, width, opset = CASES[case]
    dims = ["batch"] if width == 1 and case.endswith("opset11") else ["batch", width]
    return graph_model(nodes, inits, outputs=(("y", dims),), dtype=dtype, opset=opset)


def _session(case):
    """(bytes, session, dtype): double where onnxruntime has the kernels, else float32."""
    for dtype in (np.float64, np.float32):
        data = model_bytes(_model(case, dtype))
        try:
            return data, ort.InferenceSession(data, providers=["CPUExecutionProvider"]), dtype
        except Exception as err:  # onnxruntime: NOT_IMPLEMENTED for a missing double kernel
            if dtype == np.float32:
                raise AssertionError(f"onnxruntime cannot run {case}: {err}") from err
    raise AssertionError("unreachable")


def _points(n=200):
    return np.random.default_rng(5).uniform(-2.0, 2.0, size=(n, 2))


def test_every_declared_operator_is_covered():
    used = {n.op_type for nodes, *_ in CASES.values() for n in nodes}
    assert set(SUPPORTED_OPERATORS) <= used, set(SUPPORTED_OPERATORS) - used


@pytest.mark.parametrize("case", sorted(CASES))
def test_forward_matches_onnxruntime(case):
    data, sess, dtype = _session(case)
    net = model_from_bytes(data)
    pts = _points()
    ref = sess.run(None, {"x": pts.astype(dtype)})[0].reshape(len(pts), -1).astype(float)
    ours = net.evaluate((pts[:, 0].astype(dtype).astype(float), pts[:, 1].astype(dtype).astype(float)),
                        jacobian=False).vector()
    assert ours.shape == ref.shape
    if dtype == np.float64:
        np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-12)
    else:  # float32 in onnxruntime: relative to the scale of the output
        np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-6 * np.abs(ref).max())


@pytest.mark.parametrize("case", sorted(CASES))
def test_jacobian_matches_central_differences(case):
    data = model_bytes(_model(case, np.float64))
    net = model_from_bytes(data)
    pts = _points(60)
    # stay off the kinks of Relu/LeakyRelu/Elu, where a central difference straddles two slopes
    jac = net.evaluate((pts[:, 0], pts[:, 1])).matrix()
    h = 1e-6
    fd = []
    for e in np.eye(2):
        plus = net.evaluate((pts[:, 0] + h * e[0], pts[:, 1] + h * e[1]), jacobian=False).vector()
        minus = net.evaluate((pts[:, 0] - h * e[0], pts[:, 1] - h * e[1]), jacobian=False).vector()
        fd.append((plus - minus) / (2 * h))
    fd = np.stack(fd, axis=-1)
    scale = max(1.0, np.abs(fd).max())
    np.testing.assert_allclose(jac, fd, rtol=1e-5, atol=1e-6 * scale)


@pytest.mark.parametrize("case", ["Tanh", "Softmax", "Split", "Gelu"])
def test_float32_evaluation_stays_float32_and_close(case):
    net = model_from_bytes(model_bytes(_model(case, np.float64)))
    pts = _points(50)
    ev32 = net.evaluate((pts[:, 0], pts[:, 1]), dtype=np.float32)
    ev64 = net.evaluate((pts[:, 0], pts[:, 1]))
    assert ev32.values[0].dtype == np.float32 and ev32.jacobian[0][0].dtype == np.float32
    np.testing.assert_allclose(ev32.matrix(), ev64.matrix(), rtol=1e-4, atol=1e-5)


def test_derivative_at_points_onnxruntime_finite_differences_agree_with():
    """J from jacviz's forward mode against onnxruntime's forward pass + central differences."""
    data, sess, dtype = _session("Gemm")
    assert dtype == np.float64
    net = model_from_bytes(data)
    pts = _points(40)
    h = 1e-6
    fd = np.stack([(sess.run(None, {"x": pts + h * e})[0] - sess.run(None, {"x": pts - h * e})[0]) / (2 * h)
                   for e in np.eye(2)], axis=-1)
    np.testing.assert_allclose(net.evaluate((pts[:, 0], pts[:, 1])).matrix(), fd, atol=1e-7)
