"""ONNX graphs for the two kinds of network jacviz ships, written with ``onnx.helper``.

The training scripts in ``scripts/`` save their weights through these functions, the
benchmark builds its 2-64-64-2 MLP with them, and the tests build models from them. The
graphs are laid out as PyTorch's exporter would write them (Gemm with ``transB=1``, weights
stored output × input, a dynamic batch dimension), so they exercise what real files hold.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

OPSET = 17
FLOW_LOG_DET = "log_det"


def _helpers():
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    return onnx, TensorProto, helper, numpy_helper


def _tensor(name: str, arr, dtype) -> object:
    _, _, _, numpy_helper = _helpers()
    return numpy_helper.from_array(np.asarray(arr, dtype=dtype), name)


def _model(nodes, inits, inputs, outputs, *, name: str, doc: str, opset: int = OPSET):
    onnx, _, helper, _ = _helpers()
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=inits, doc_string=doc)
    model = helper.make_model(graph, opset_imports=[helper.make_operatorsetid("", opset)],
                              producer_name="jacviz", doc_string=doc)
    model.ir_version = 8  # onnxruntime reads IR 8 everywhere; opset 17 needs no more
    onnx.checker.check_model(model)
    return model


def _elem(dtype) -> int:
    tensor_proto = _helpers()[1]
    return tensor_proto.DOUBLE if np.dtype(dtype) == np.float64 else tensor_proto.FLOAT


def mlp_model(layers: Sequence[tuple[np.ndarray, np.ndarray]], activation: str = "Tanh", *,
              final: str | None = None, name: str = "mlp", doc: str = "", dtype=np.float32,
              input_name: str = "input", output_name: str = "output"):
    """An MLP: Gemm (W is output × input, as PyTorch stores it) then ``activation`` after every
    layer but the last, which gets ``final`` (None, "Softmax", ...)."""
    _, _, helper, _ = _helpers()
    nodes, inits = [], []
    current = input_name
    for i, (w, b) in enumerate(layers):
        w, b = np.asarray(w), np.asarray(b)
        inits += [_tensor(f"W{i}", w, dtype), _tensor(f"b{i}", b, dtype)]
        last = i == len(layers) - 1
        out = f"h{i}" if not last or final else output_name
        nodes.append(helper.make_node("Gemm", [current, f"W{i}", f"b{i}"], [out], name=f"gemm{i}", transB=1))
        current = out
        act = final if last else activation
        if act:
            out = f"a{i}" if not last else output_name
            nodes.append(helper.make_node(act, [current], [out], name=f"{act.lower()}{i}"))
            current = out
    k = int(np.asarray(layers[-1][0]).shape[0])
    elem = _elem(dtype)
    return _model(nodes, inits, [helper.make_tensor_value_info(input_name, elem, ["batch", 2])],
                  [helper.make_tensor_value_info(output_name, elem, ["batch", k])], name=name, doc=doc)


@dataclass(frozen=True)
class Coupling:
    """One affine coupling block: the coordinate ``condition`` passes unchanged and conditions
    the other, f ↦ f·exp(s) + t, with (s_raw, t) = MLP(condition) and s = scale·tanh(s_raw).

    The MLP is 1 → H → H → 2 with tanh; weights are stored output × input.
    """

    condition: int
    weights: tuple[tuple[np.ndarray, np.ndarray], ...]
    scale: float


def flow_model(couplings: Sequence[Coupling], *, shift=(0.0, 0.0), gain=(1.0, 1.0), name: str = "flow",
               doc: str = "", dtype=np.float32, input_name: str = "x", output_name: str = "z"):
    """A RealNVP-style flow x ↦ z: first the fixed normalisation x·gain + shift, then the couplings.

    A second output, ``log_det`` [batch, 1], is the flow's own log|det ∂z/∂x| = Σ log|gain| +
    Σ s over the couplings, as a flow computes it for its likelihood.
    """
    helper = _helpers()[2]
    nodes, inits = [], []
    gain, shift = np.asarray(gain, dtype=float), np.asarray(shift, dtype=float)
    inits += [_tensor("gain", gain, dtype), _tensor("shift", shift, dtype),
              _tensor("halves", np.array([1, 1], dtype=np.int64), np.int64),
              _tensor("log_gain", np.array([np.log(np.abs(gain)).sum()]), dtype)]
    nodes += [helper.make_node("Mul", [input_name, "gain"], ["scaled"], name="normalise_scale"),
              helper.make_node("Add", ["scaled", "shift"], ["u0"], name="normalise_shift")]
    current, log_det = "u0", "log_gain"
    for i, c in enumerate(couplings):
        p = f"c{i}_"
        nodes.append(helper.make_node("Split", [current, "halves"], [p + "x0", p + "x1"], name=p + "split",
                                      axis=1))
        cond, free = (p + "x0", p + "x1") if c.condition == 0 else (p + "x1", p + "x0")
        h = cond
        for j, (w, b) in enumerate(c.weights):
            inits += [_tensor(f"{p}W{j}", w, dtype), _tensor(f"{p}b{j}", b, dtype)]
            nodes.append(helper.make_node("Gemm", [h, f"{p}W{j}", f"{p}b{j}"], [f"{p}g{j}"],
                                          name=f"{p}gemm{j}", transB=1))
            h = f"{p}g{j}"
            if j < len(c.weights) - 1:
                nodes.append(helper.make_node("Tanh", [h], [f"{p}h{j}"], name=f"{p}tanh{j}"))
                h = f"{p}h{j}"
        inits.append(_tensor(p + "scale", np.array([c.scale]), dtype))
        nodes += [
            helper.make_node("Split", [h, "halves"], [p + "s_raw", p + "t"], name=p + "split_st", axis=1),
            helper.make_node("Tanh", [p + "s_raw"], [p + "s_tanh"], name=p + "tanh_s"),
            helper.make_node("Mul", [p + "s_tanh", p + "scale"], [p + "s"], name=p + "scale_s"),
            helper.make_node("Exp", [p + "s"], [p + "e"], name=p + "exp"),
            helper.make_node("Mul", [free, p + "e"], [p + "fe"], name=p + "mul"),
            helper.make_node("Add", [p + "fe", p + "t"], [p + "y"], name=p + "add"),
        ]
        parts = [cond, p + "y"] if c.condition == 0 else [p + "y", cond]
        out = output_name if i == len(couplings) - 1 else p + "out"
        nodes.append(helper.make_node("Concat", parts, [out], name=p + "concat", axis=1))
        nodes.append(helper.make_node("Add", [log_det, p + "s"], [p + "log_det" if i < len(couplings) - 1
                                                                   else FLOW_LOG_DET], name=p + "log_det"))
        current, log_det = out, p + "log_det"
    elem = _elem(dtype)
    return _model(nodes, inits, [helper.make_tensor_value_info(input_name, elem, ["batch", 2])],
                  [helper.make_tensor_value_info(output_name, elem, ["batch", 2]),
                   helper.make_tensor_value_info(FLOW_LOG_DET, elem, ["batch", 1])], name=name, doc=doc)


def model_bytes(model) -> bytes:
    """The serialized model (deterministic for the same graph)."""
    return model.SerializeToString()


def random_mlp(sizes: Sequence[int], seed: int = 0,
               scale: float = 1.0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Glorot-scaled random weights for an MLP with the given layer sizes (W is out × in)."""
    rng = np.random.default_rng(seed)
    layers = []
    for n_in, n_out in itertools.pairwise(sizes):
        w = rng.normal(0.0, scale * np.sqrt(2.0 / (n_in + n_out)), size=(n_out, n_in))
        b = rng.normal(0.0, 0.1 * scale, size=n_out)
        layers.append((w, b))
    return layers


def graph_model(nodes, initializers: dict[str, np.ndarray] | None = None, *, outputs=(("y", None),),
                input_name: str = "x", input_dims=("batch", 2), dtype=np.float64, opset: int = OPSET,
                check: bool = True, name: str = "graph"):
    """A model from ``onnx.helper`` nodes: one input ``input_name`` of ``input_dims`` and the
    given ``outputs`` as (name, dims or None for an undeclared shape). Integer initializers
    keep their type; float ones get ``dtype``. ``check=False`` skips onnx's checker, for
    building the broken files the hostile-model tests need."""
    onnx, _, helper, numpy_helper = _helpers()
    inits = []
    for key, arr in (initializers or {}).items():
        arr = np.asarray(arr)
        inits.append(numpy_helper.from_array(arr if arr.dtype.kind in "iub" else arr.astype(dtype), key))
    elem = _elem(dtype)
    outs = [helper.make_tensor_value_info(n, elem, dims) for n, dims in outputs]
    dims_in = None if input_dims is None else list(input_dims)
    inputs = [helper.make_tensor_value_info(input_name, elem, dims_in)]
    graph = helper.make_graph(nodes, name, inputs, outs, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_operatorsetid("", opset)],
                              producer_name="jacviz")
    model.ir_version = 8
    if check:
        onnx.checker.check_model(model)
    return model
