"""Hostile and broken model files: each is refused with one line, a ModelError, and bounded memory.

The files are built with onnx.helper (with its checker off where the file must be invalid).
Memory is measured with tracemalloc (numpy reports its buffers to it); time is not asserted.
"""

import os
import tracemalloc

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from jacviz.core.errors import ModelError
from jacviz.core.network import limits
from jacviz.core.network.build import graph_model, mlp_model, model_bytes, random_mlp
from jacviz.core.network.mapping import model_from_bytes, open_model
from jacviz.core.network.operators import SUPPORTED_OPERATORS

N = helper.make_node
W = np.random.default_rng(1).normal(size=(3, 2))


def _tanh_layer(**kw):
    """x → Gemm(W, transB) → Tanh: a valid model to break."""
    return graph_model([N("Gemm", ["x", "W"], ["h"], transB=1), N("Tanh", ["h"], ["y"])], {"W": W},
                       outputs=(("y", ["batch", 3]),), **kw)


def _refused(tmp_path, data_or_model, name="model.onnx", *, budget_mb=64) -> str:
    """Write the model, open it, and return the one-line message of the ModelError."""
    data = data_or_model if isinstance(data_or_model, bytes) else model_bytes(data_or_model)
    path = tmp_path / name
    path.write_bytes(data)
    tracemalloc.start()
    try:
        with pytest.raises(ModelError) as info:
            open_model(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert type(info.value) is ModelError
    assert message and "\n" not in message and "Traceback" not in message
    assert peak < budget_mb * 2**20, f"peak {peak / 2**20:.1f} MiB"
    return message


# -- not ONNX at all


@pytest.mark.parametrize("suffix", [".pt", ".pth"])
def test_pickled_pytorch_files_are_refused_with_the_export_command(tmp_path, suffix):
    msg = _refused(tmp_path, b"\x80\x04\x95 anything", name="net" + suffix)
    assert "pickled PyTorch" in msg and "torch.onnx.export(" in msg


@pytest.mark.parametrize("head", [b"\x80\x02}q\x00.", b"PK\x03\x04rest-of-a-torch-zip"])
def test_pickle_or_torch_zip_content_is_refused_whatever_the_name(tmp_path, head):
    assert "torch.onnx.export(" in _refused(tmp_path, head + b"\x00" * 64)


def test_empty_file(tmp_path):
    assert "empty" in _refused(tmp_path, b"")


def test_random_bytes_are_not_onnx(tmp_path):
    msg = _refused(tmp_path, bytes(np.random.default_rng(3).integers(0, 256, 4096, dtype=np.uint8)))
    assert "not an ONNX model" in msg


def test_truncated_file(tmp_path):
    data = model_bytes(mlp_model(random_mlp([2, 16, 16, 2], 1)))
    msg = _refused(tmp_path, data[: len(data) // 2])
    assert "truncated" in msg


def test_file_above_the_size_budget_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.onnx"
    with open(path, "wb") as f:  # sparse: takes no disk space
        f.truncate(limits.MAX_FILE_BYTES + 1)
    tracemalloc.start()
    with pytest.raises(ModelError, match="MiB"):
        open_model(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 16 * 2**20


# -- operators and shapes


def test_unsupported_operator_is_named_with_the_supported_list(tmp_path):
    model = graph_model([N("LSTM", ["x"], ["y"], name="rnn")], outputs=(("y", None),), check=False)
    msg = _refused(tmp_path, model)
    assert "'LSTM'" in msg and "'rnn'" in msg and ", ".join(SUPPORTED_OPERATORS) in msg


def test_operator_from_another_domain(tmp_path):
    model = graph_model([N("Tanh", ["x"], ["y"], domain="com.example")], outputs=(("y", None),), check=False)
    assert "com.example.Tanh" in _refused(tmp_path, model)


def test_if_with_subgraphs_is_unsupported(tmp_path):
    branch = helper.make_graph([N("Identity", ["x"], ["o"])], "b", [], [helper.make_tensor_value_info(
        "o", TensorProto.DOUBLE, None)])
    model = graph_model([N("If", ["x"], ["y"], then_branch=branch, else_branch=branch)],
                        outputs=(("y", None),), check=False)
    assert "'If'" in _refused(tmp_path, model)


@pytest.mark.parametrize("dims, words", [
    (["batch", 3], "3 wide"),
    (["batch", "width"], "dynamic or unknown width"),
    (None, "unknown shape"),
    ([2], "1 dimensions"),
    (["batch", 2, 1], "3 dimensions"),
])
def test_inputs_that_are_not_batch_by_two(tmp_path, dims, words):
    model = graph_model([N("Tanh", ["x"], ["y"])], input_dims=dims, outputs=(("y", None),), check=False)
    assert words in _refused(tmp_path, model)


def test_two_inputs(tmp_path):
    model = graph_model([N("Add", ["x", "x2"], ["y"])], outputs=(("y", None),), check=False)
    model.graph.input.append(helper.make_tensor_value_info("x2", TensorProto.DOUBLE, ["batch", 2]))
    assert "one input" in _refused(tmp_path, model)


def test_integer_input(tmp_path):
    model = graph_model([N("Identity", ["x"], ["y"])], outputs=(("y", None),), check=False)
    model.graph.input[0].type.tensor_type.elem_type = TensorProto.INT64
    assert "int64" in _refused(tmp_path, model)


def test_output_that_is_not_batch_by_k(tmp_path):
    model = graph_model([N("Reshape", ["x", "s"], ["y"])], {"s": np.array([0, 2, 1])},
                        outputs=(("y", ["batch", 2, 1]),))
    assert "[batch, k]" in _refused(tmp_path, model)


@pytest.mark.parametrize("nodes, inits, words", [
    ([N("Reshape", ["x", "s"], ["y"])], {"s": np.array([1, -1])}, "batch axis"),
    ([N("Concat", ["x", "x"], ["y"], axis=0)], {}, "mix different points"),
    ([N("ReduceSum", ["x"], ["y"], keepdims=0)], {}, "different points"),
    ([N("Softmax", ["x"], ["y"], axis=0)], {}, "mix different points"),
    ([N("Add", ["x", "c"], ["y"])], {"c": np.ones((5, 2))}, "batch axis"),
    ([N("Gemm", ["x", "W"], ["y"])], {"W": np.ones((3, 2))}, "2 columns but B has 3 rows"),
    ([N("Reshape", ["x", "x"], ["y"])], {}, "must be a constant"),
])
def test_graphs_that_would_mix_points_or_do_not_fit(tmp_path, nodes, inits, words):
    model = graph_model(nodes, inits, outputs=(("y", None),), check=False)
    msg = _refused(tmp_path, model)
    assert words in msg and "node" in msg


# -- graph structure


def test_cycle(tmp_path):
    nodes = [N("Add", ["x", "b"], ["a"], name="first"), N("Tanh", ["a"], ["b"], name="second"),
             N("Identity", ["a"], ["y"])]
    assert "cycle" in _refused(tmp_path, graph_model(nodes, outputs=(("y", None),), check=False))


def test_dangling_input(tmp_path):
    model = graph_model([N("Add", ["x", "ghost"], ["y"])], outputs=(("y", None),), check=False)
    assert "'ghost'" in _refused(tmp_path, model)


def test_tensor_defined_twice(tmp_path):
    nodes = [N("Tanh", ["x"], ["h"]), N("Exp", ["x"], ["h"]), N("Identity", ["h"], ["y"])]
    assert "defined twice" in _refused(tmp_path, graph_model(nodes, outputs=(("y", None),), check=False))


def test_output_nothing_computes(tmp_path):
    model = graph_model([N("Tanh", ["x"], ["h"])], outputs=(("y", None),), check=False)
    assert "not computed" in _refused(tmp_path, model)


def test_ten_thousand_nodes_deep_is_refused_at_once(tmp_path):
    nodes = [N("Identity", [f"t{i}" if i else "x"], [f"t{i + 1}"]) for i in range(10_000)]
    nodes.append(N("Identity", ["t10000"], ["y"]))
    msg = _refused(tmp_path, graph_model(nodes, outputs=(("y", None),), check=False))
    assert "10001 nodes" in msg


def test_node_with_too_many_inputs(tmp_path):
    model = graph_model([N("Concat", ["x"] * (limits.MAX_NODE_INPUTS + 1), ["y"], axis=1)],
                        outputs=(("y", None),), check=False)
    assert "inputs" in _refused(tmp_path, model)


def test_width_doubling_is_stopped_at_the_budget(tmp_path):
    nodes, cur = [], "x"
    for i in range(40):  # 2·2⁴⁰ values per point if nothing stopped it
        nodes.append(N("Concat", [cur, cur], [f"c{i}"], axis=1))
        cur = f"c{i}"
    nodes.append(N("Identity", [cur], ["y"]))
    msg = _refused(tmp_path, graph_model(nodes, outputs=(("y", None),), check=False), budget_mb=32)
    assert "per point" in msg


def test_opset_too_new(tmp_path):
    model = _tanh_layer(check=False)
    model.opset_import[0].version = 99
    assert "opset 99" in _refused(tmp_path, model)


# -- weights


def _raw_tensor(name, data_type, dims, raw):
    """A tensor whose declared size and data disagree (onnx.helper refuses to make one)."""
    t = TensorProto()
    t.name, t.data_type, t.raw_data = name, data_type, raw
    t.dims.extend(dims)
    return t


def test_declared_two_gigabyte_initializer_is_refused_before_allocating(tmp_path):
    model = _tanh_layer()
    model.graph.initializer[0].CopyFrom(_raw_tensor("W", TensorProto.FLOAT, [2**29], b"\x00" * 16))
    msg = _refused(tmp_path, model, budget_mb=16)
    assert "values" in msg and "'W'" in msg


def test_declared_tensor_larger_than_its_data(tmp_path):
    model = _tanh_layer()
    model.graph.initializer[0].CopyFrom(_raw_tensor("W", TensorProto.DOUBLE, [3, 2], b"\x00" * 16))
    assert "declares 6 values but its data holds 2" in _refused(tmp_path, model)


def test_declared_tensor_larger_than_its_typed_data(tmp_path):
    model = _tanh_layer()
    t = model.graph.initializer[0]
    t.ClearField("raw_data")
    t.double_data.extend([1.0, 2.0])
    assert "declares 6 values" in _refused(tmp_path, model)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weights(tmp_path, bad):
    w = W.copy()
    w[1, 1] = bad
    model = graph_model([N("Gemm", ["x", "W"], ["y"], transB=1)], {"W": w}, outputs=(("y", ["batch", 3]),))
    assert "NaN or infinite" in _refused(tmp_path, model)


def test_constant_node_with_nan(tmp_path):
    model = graph_model([N("Constant", [], ["c"], value=helper.make_tensor("v", TensorProto.DOUBLE, [2],
                                                                          [1.0, float("nan")])),
                         N("Mul", ["x", "c"], ["y"])], outputs=(("y", ["batch", 2]),))
    assert "NaN or infinite" in _refused(tmp_path, model)


def test_string_tensor(tmp_path):
    model = _tanh_layer()
    model.graph.initializer[0].CopyFrom(helper.make_tensor("W", TensorProto.STRING, [1], [b"rm -rf"]))
    assert "string" in _refused(tmp_path, model)


# -- external data (CVE-2022-25882, CVE-2024-27318, CVE-2026-27489, CVE-2026-34445)


def _external(model, **entries) -> onnx.ModelProto:
    t = model.graph.initializer[0]
    t.ClearField("raw_data")
    t.ClearField("double_data")
    t.data_location = TensorProto.EXTERNAL
    for key, value in entries.items():
        e = t.external_data.add()
        e.key, e.value = key, str(value)
    return model


def test_external_data_inside_the_folder_is_read(tmp_path):
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / "w.bin").write_bytes(b"\x00" * 8 + W.astype("<f8").tobytes())
    model = _external(_tanh_layer(), location="weights/w.bin", offset=8, length=48)
    path = tmp_path / "m.onnx"
    path.write_bytes(model_bytes(model))
    net = open_model(path)
    p = np.array([0.3, -0.7])
    np.testing.assert_allclose(net.point_value(p), np.tanh(W @ p), rtol=1e-14)


@pytest.mark.parametrize("location", ["../secret.bin", "weights/../../secret.bin", "/etc/passwd",
                                      "\\\\server\\share\\w.bin", "C:\\w.bin"])
def test_external_data_outside_the_folder(tmp_path, location):
    (tmp_path / "secret.bin").write_bytes(b"\x00" * 48)
    inner = tmp_path / "model"
    inner.mkdir()
    model = _external(_tanh_layer(), location=location)
    path = inner / "m.onnx"
    path.write_bytes(model_bytes(model))
    with pytest.raises(ModelError, match="outside the model's folder") as info:
        open_model(path)
    assert "\n" not in str(info.value)


def test_external_data_through_a_symlinked_file(tmp_path):
    (tmp_path / "secret.bin").write_bytes(b"\x00" * 48)
    inner = tmp_path / "model"
    inner.mkdir()
    os.symlink(tmp_path / "secret.bin", inner / "w.bin")
    (inner / "m.onnx").write_bytes(model_bytes(_external(_tanh_layer(), location="w.bin")))
    with pytest.raises(ModelError, match="symbolic link"):
        open_model(inner / "m.onnx")


def test_external_data_through_a_symlinked_folder(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "w.bin").write_bytes(b"\x00" * 48)
    inner = tmp_path / "model"
    inner.mkdir()
    os.symlink(tmp_path / "elsewhere", inner / "data")
    (inner / "m.onnx").write_bytes(model_bytes(_external(_tanh_layer(), location="data/w.bin")))
    with pytest.raises(ModelError, match="symbolic link"):
        open_model(inner / "m.onnx")


@pytest.mark.parametrize("entries, words", [
    ({"location": "w.bin", "offset": 40}, "declares 48 bytes of data but its external data holds 8"),
    ({"location": "w.bin", "offset": 4096}, "outside the file"),
    ({"location": "w.bin", "offset": 0, "length": 4096}, "outside the file"),
    ({"location": "w.bin", "length": 16}, "declares 48 bytes"),
    ({"location": "w.bin", "offset": "-8"}, "not a whole number"),
    ({"location": "w.bin", "basepath": "/"}, "unknown external-data key 'basepath'"),
    ({"location": "w.bin", "__class__": "x"}, "unknown external-data key"),
    ({"location": "missing.bin"}, "missing"),
    ({"offset": 0}, "does not say which"),
])
def test_external_data_descriptions_that_do_not_fit(tmp_path, entries, words):
    (tmp_path / "w.bin").write_bytes(b"\x00" * 48)
    assert words in _refused(tmp_path, _external(_tanh_layer(), **entries))


def test_external_data_from_bytes_has_no_folder():
    data = model_bytes(_external(_tanh_layer(), location="w.bin"))
    with pytest.raises(ModelError, match="open the model from its folder"):
        model_from_bytes(data)
