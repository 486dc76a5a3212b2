"""Reading an ONNX model file into a checked :class:`~.graph.ModelGraph`, refusing anything unsafe.

The file is parsed by the ``onnx`` package (protobuf) with ``load_external_data=False``, so
onnx never opens another file; external data is read by :mod:`.tensors`, only inside the
model's folder. Before and after parsing, every budget of :mod:`.limits` is checked: the
file size before a byte is read, the node count before the graph is walked, every tensor's
declared size before its values are allocated. The graph must then be something jacviz can
evaluate: one input of shape [batch, 2], operators from the declared subset, every tensor
defined exactly once, no cycle. Each refusal is a :class:`ModelError` with one line.

Pickled PyTorch files (``.pt``, ``.pth``) are refused by name and by content, with the
command that exports the model to ONNX: unpickling a file runs code from it.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import numpy as np

from jacviz.core.errors import ModelError
from jacviz.core.network import limits
from jacviz.core.network.graph import ModelGraph, Node, topological_order
from jacviz.core.network.operators import SUPPORTED_OPERATORS
from jacviz.core.network.tensors import FLOAT_TYPES, Budget, tensor_to_array, type_name

PICKLE_SUFFIXES = (".pt", ".pth", ".pkl", ".pickle", ".ckpt")
EXPORT_HINT = ("export it to ONNX with torch.onnx.export(model, torch.zeros(1, 2), 'model.onnx') "
               "and open the .onnx file")
_DEFAULT_DOMAINS = ("", "ai.onnx")
# AttributeProto.AttributeType codes jacviz reads.
_A_FLOAT, _A_INT, _A_STRING, _A_TENSOR, _A_FLOATS, _A_INTS = 1, 2, 3, 4, 6, 7


def _pickle_refusal(name: str) -> ModelError:
    return ModelError(f"{name!r} is a pickled PyTorch file, which jacviz never opens (unpickling runs "
                      f"code from the file); {EXPORT_HINT}")


def _looks_pickled(head: bytes) -> bool:
    """A pickle (protocol 2 and later start with 0x80 and the protocol number) or a zip
    archive, the container ``torch.save`` writes since PyTorch 1.6."""
    return (len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5) or head.startswith(b"PK\x03\x04")


def read_model(path: str | os.PathLike) -> ModelGraph:
    """Read and check the ONNX model at ``path``; external data may come from its folder."""
    path = Path(path)
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise _pickle_refusal(path.name)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        raise ModelError(f"cannot open {path.name!r}: {err.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ModelError(f"{path.name!r} is not a regular file")
        if st.st_size > limits.MAX_FILE_BYTES:
            raise ModelError(f"{path.name!r} is {st.st_size / 2**20:.0f} MiB; jacviz opens models up to "
                             f"{limits.MAX_FILE_BYTES // 2**20} MiB")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(st.st_size + 1)  # read(n) allocates n bytes at once: ask for what is there
    finally:
        os.close(fd)
    return read_model_bytes(data, folder=path.resolve().parent, name=path.name)


def read_model_bytes(data: bytes, *, folder: Path | None = None, name: str = "model") -> ModelGraph:
    """Check and parse a model held in memory. ``folder`` is where external data may be read
    from (None refuses a model whose weights live in another file)."""
    if len(data) > limits.MAX_FILE_BYTES:
        raise ModelError(f"{name!r} is larger than the {limits.MAX_FILE_BYTES // 2**20} MiB jacviz opens")
    if _looks_pickled(data[:4]):
        raise _pickle_refusal(name)
    if not data:
        raise ModelError(f"{name!r} is empty")
    import onnx  # ~0.5 s the first time (ml_dtypes): only when a model is really opened

    try:
        model = onnx.load(io.BytesIO(data), load_external_data=False)
    except Exception:  # protobuf raises DecodeError, RuntimeError or ValueError, by version
        raise ModelError(f"{name!r} is not an ONNX model (the file is truncated or is not "
                         "protobuf)") from None
    return _check_model(model, folder, name)


def _opset(model, name: str) -> int:
    versions = [int(o.version) for o in model.opset_import if o.domain in _DEFAULT_DOMAINS]
    if not versions:
        raise ModelError(f"{name!r} is not an ONNX model (it declares no operator set; the file is "
                         "truncated or is not protobuf)")
    opset = max(versions)
    if not limits.MIN_OPSET <= opset <= limits.MAX_OPSET:
        raise ModelError(f"{name!r} uses ONNX opset {opset}; jacviz reads opsets "
                         f"{limits.MIN_OPSET} to {limits.MAX_OPSET} (re-export with opset_version=17)")
    return opset


def _check_model(model, folder: Path | None, name: str) -> ModelGraph:
    if not model.HasField("graph"):
        raise ModelError(f"{name!r} is not an ONNX model (it has no graph; the file is truncated or is "
                         "not protobuf)")
    graph = model.graph
    if len(graph.node) > limits.MAX_NODES:
        raise ModelError(f"{name!r} has {len(graph.node)} nodes; jacviz evaluates graphs of up to "
                         f"{limits.MAX_NODES}")
    opset = _opset(model, name)
    if len(graph.sparse_initializer):
        raise ModelError(f"{name!r} has sparse initializers, which jacviz does not read")
    budget = Budget()
    constants: dict[str, np.ndarray] = {}
    for t in graph.initializer:
        if not t.name:
            raise ModelError("an initializer has no name")
        if t.name in constants:
            raise ModelError(f"the tensor name {t.name!r} is defined twice in the graph (two initializers)")
        constants[t.name] = tensor_to_array(t, f"the weight {t.name!r}", budget, folder)
    input_name, batch, dtype = _the_input(graph, constants)
    nodes = [_node(i, n, budget, folder) for i, n in enumerate(graph.node)]
    ordered = topological_order(nodes, {input_name, *constants})
    outputs, shapes = [], {}
    for vi in graph.output:
        if not vi.name:
            raise ModelError("a graph output has no name")
        if vi.name in outputs:
            raise ModelError(f"the graph output {vi.name!r} is listed twice")
        produced = any(vi.name in n.outputs for n in nodes) or vi.name == input_name or vi.name in constants
        if not produced:
            raise ModelError(f"the graph output {vi.name!r} is not computed by any node (is the file "
                             "truncated?)")
        outputs.append(vi.name)
        shapes[vi.name] = _declared_shape(vi)
    if not outputs:
        raise ModelError(f"{name!r} declares no output")
    return ModelGraph(
        name=graph.name or name, opset=opset, input_name=input_name, input_batch=batch,
        input_dtype=dtype, constants=constants, nodes=tuple(ordered), outputs=tuple(outputs),
        output_shapes=shapes, producer=str(model.producer_name),
        doc=str(model.doc_string or graph.doc_string),
    )


def _declared_shape(vi) -> tuple[int | str | None, ...] | None:
    if not vi.type.HasField("tensor_type") or not vi.type.tensor_type.HasField("shape"):
        return None
    dims: list[int | str | None] = []
    for d in vi.type.tensor_type.shape.dim:
        if d.HasField("dim_value"):
            dims.append(int(d.dim_value))
        elif d.HasField("dim_param"):
            dims.append(str(d.dim_param))
        else:
            dims.append(None)
    return tuple(dims)


def _the_input(graph, constants) -> tuple[str, int | None, np.dtype]:
    inputs = [vi for vi in graph.input if vi.name not in constants]
    if len(inputs) != 1:
        names = ", ".join(repr(vi.name) for vi in inputs) or "none"
        raise ModelError(f"the model must have one input of shape [batch, 2], but it has {len(inputs)} "
                         f"({names})")
    vi = inputs[0]
    what = f"the input {vi.name!r}"
    if not vi.name:
        raise ModelError("the model's input has no name")
    if not vi.type.HasField("tensor_type"):
        raise ModelError(f"{what} is not a tensor")
    tt = vi.type.tensor_type
    if tt.elem_type not in FLOAT_TYPES:
        raise ModelError(f"{what} holds {type_name(tt.elem_type)} values; it must be float or double")
    if not tt.HasField("shape"):
        raise ModelError(f"{what} has an unknown shape; it must be [batch, 2]")
    dims = list(tt.shape.dim)
    if len(dims) != 2:
        raise ModelError(f"{what} has {len(dims)} dimensions; it must be [batch, 2] (two coordinates "
                         "per point)")
    width = dims[1]
    if not width.HasField("dim_value"):
        raise ModelError(f"{what} has a dynamic or unknown width; it must be [batch, 2]")
    if width.dim_value != 2:
        raise ModelError(f"{what} is {width.dim_value} wide; jacviz shows networks on the plane, whose "
                         "input is [batch, 2]")
    batch = int(dims[0].dim_value) if dims[0].HasField("dim_value") else None
    if batch is not None and batch < 1:
        raise ModelError(f"{what} has a batch size of {batch}")
    dtype = np.dtype(np.float64 if tt.elem_type == 11 else np.float32)
    return vi.name, batch, dtype


def _node(index: int, proto, budget: Budget, folder: Path | None) -> Node:
    name = proto.name or f"#{index}"
    op = str(proto.op_type)
    if proto.domain not in _DEFAULT_DOMAINS or op not in SUPPORTED_OPERATORS:
        full = f"{proto.domain}.{op}" if proto.domain not in _DEFAULT_DOMAINS else op
        raise ModelError(f"the operator {full!r} (node {name!r}) is not supported; jacviz evaluates "
                         f"{', '.join(SUPPORTED_OPERATORS)}")
    if len(proto.input) > limits.MAX_NODE_INPUTS:
        raise ModelError(f"{op} node {name!r} has {len(proto.input)} inputs; jacviz allows "
                         f"{limits.MAX_NODE_INPUTS}")
    outputs = tuple(str(o) for o in proto.output)
    if not any(outputs):
        raise ModelError(f"{op} node {name!r} has no output")
    if len(set(o for o in outputs if o)) != len([o for o in outputs if o]):
        raise ModelError(f"{op} node {name!r} names the same output twice")
    attrs: dict[str, object] = {}
    for a in proto.attribute:
        what = f"the attribute {a.name!r} of {op} node {name!r}"
        if a.ref_attr_name:
            raise ModelError(f"{what} refers to a function attribute, which jacviz does not evaluate")
        if a.name in attrs:
            raise ModelError(f"{what} is given twice")
        if a.type == _A_FLOAT:
            attrs[a.name] = float(a.f)
        elif a.type == _A_INT:
            attrs[a.name] = int(a.i)
        elif a.type == _A_STRING:
            attrs[a.name] = bytes(a.s).decode("utf-8", "replace")
        elif a.type == _A_TENSOR:
            attrs[a.name] = tensor_to_array(a.t, f"the constant of {op} node {name!r}", budget, folder)
        elif a.type in (_A_FLOATS, _A_INTS) and len(a.floats) + len(a.ints) > limits.MAX_ATTRIBUTE_VALUES:
            raise ModelError(f"{what} holds more than {limits.MAX_ATTRIBUTE_VALUES} values")
        elif a.type == _A_FLOATS:
            attrs[a.name] = tuple(float(f) for f in a.floats)
        elif a.type == _A_INTS:
            attrs[a.name] = tuple(int(i) for i in a.ints)
        else:
            raise ModelError(f"{what} is of a kind jacviz does not read (a graph, a sparse tensor or a list "
                             "of them)")
        if isinstance(attrs[a.name], float | tuple) and not np.isfinite(
                np.asarray(attrs[a.name], dtype=float)).all():
            raise ModelError(f"{what} is NaN or infinite")
    return Node(name, op, tuple(str(i) for i in proto.input), outputs, attrs)
