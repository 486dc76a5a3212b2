"""The ONNX operators jacviz evaluates, each with its forward-mode derivative.

Why a hand-written interpreter: onnxruntime computes F but not J, and running a model
through any general runtime means trusting its handling of every operator a file may name.
Here the list is short, declared in :data:`SUPPORTED_OPERATORS`, and each operator is a few
lines of numpy that carry derivatives along.

Values are of two kinds:

* a constant is a plain ``np.ndarray`` (weights, shapes, indices): it has no batch axis and
  no derivative;
* a computed tensor is a :class:`Dual`, whose ``data`` stacks the value and its tangents:
  ``data[0]`` is the value of shape (B, *s) for B points, ``data[1 + j]`` its derivative
  along the j-th input direction. Linear operators (MatMul by a constant, Concat, Slice,
  Reshape, ...) therefore apply once to the whole stack; a nonlinear elementwise f gives
  ``f(x)`` in slot 0 and ``f'(x)·dx`` in the others.

ONNX axes count the batch axis as 0. An operator that would mix different points (along the
batch axis, or a constant that spans it) is refused with a one-line ModelError, as is any
shape that would exceed the budgets of :mod:`.limits`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from jacviz.core.errors import ModelError
from jacviz.core.network import limits

SUPPORTED_OPERATORS: tuple[str, ...] = (
    "Add", "Concat", "Constant", "Div", "Elu", "Exp", "Flatten", "Gather", "Gelu", "Gemm",
    "Identity", "LeakyRelu", "Log", "MatMul", "Mul", "Neg", "ReduceSum", "Relu", "Reshape",
    "Sigmoid", "Slice", "Softmax", "Softplus", "Split", "Squeeze", "Sub", "Tanh", "Transpose",
    "Unsqueeze",
)
# Applied point by point after an affine map: merged into the layer before them.
ACTIVATIONS = frozenset({"Relu", "LeakyRelu", "Tanh", "Sigmoid", "Softplus", "Elu", "Gelu", "Exp", "Log",
                         "Softmax"})
# Move values around without computing: merged into a neighbouring layer.
SHAPE_ONLY = frozenset({"Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose"})


class Dual:
    """A computed tensor: ``data`` is (1 + k, B, *s): the value, then k tangents.

    ``basis`` says that the tangents are the unit vectors: data is (1 + n, B, n) and tangent
    i is eᵢ at every point, as for the model's input when F and J are computed together. A
    first linear layer then has W's rows as its tangents and need not multiply them
    (:func:`_fast_gemm`). Every kernel's result is a plain Dual (basis False), except that
    Identity, and ReduceSum over no axes, hand on the Dual they were given, flag and all,
    which is right: its tangents are still the unit vectors.

    A Dual may also hold its tangents as *scaled rows* (:meth:`scaled_rows`): tangent i at
    point b is ``scale[b] * rows[i]``, with ``rows`` (k, *s) the same at every point and
    ``scale`` (B, *s), or None for ones. That is what a first linear layer and the
    activation after it give (rows = W's rows, scale = the activation's derivative), and the
    next linear layer then multiplies ``scale`` by W with its rows folded in, instead of k
    stacks of tangents made and scaled point by point (:func:`_fast_gemm`, :func:`_unary`).
    Any other kernel reads ``data``, which builds the full stack once and keeps it.
    """

    __slots__ = ("_data", "basis", "rows", "scale", "value")

    def __init__(self, data: np.ndarray, basis: bool = False) -> None:
        self._data = data
        self.basis = basis
        self.value = data[0]
        self.rows: np.ndarray | None = None
        self.scale: np.ndarray | None = None

    @classmethod
    def scaled_rows(cls, value: np.ndarray, scale: np.ndarray | None, rows: np.ndarray) -> Dual:
        """A Dual whose tangent i is ``scale * rows[i]`` at every point (see the class)."""
        d = cls.__new__(cls)
        d._data = None
        d.basis = False
        d.value, d.scale, d.rows = value, scale, rows
        return d

    @property
    def data(self) -> np.ndarray:
        """The whole stack (1 + k, B, *s), built from scaled rows on first use."""
        if self._data is None:
            rows, value = self.rows, self.value
            out = np.empty((1 + rows.shape[0], *value.shape), dtype=value.dtype)
            out[0] = value
            if self.scale is None:
                out[1:] = rows[:, None]
            else:
                np.multiply(self.scale, rows[:, None], out=out[1:])
            self._data = out
        return self._data

    @property
    def rank(self) -> int:
        """The rank ONNX sees, batch axis included."""
        return self.value.ndim

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return self.value.shape[1:]


@dataclass(frozen=True)
class Context:
    """What an operator needs besides its inputs and attributes."""

    opset: int
    batch: int | None  # the declared batch size of the model's input (None: dynamic)
    n_outputs: int


Kernel = Callable[[list, dict, Context], list]


def _is_dual(v) -> bool:
    return type(v) is Dual


def _axis(axis: int, rank: int) -> int:
    if not -rank <= axis < rank:
        raise ModelError(f"axis {axis} is out of range for a tensor of rank {rank}")
    return axis % rank


def _mixes_points() -> ModelError:
    return ModelError("it would mix different points (it works along the batch axis)")


def _guard(shape, dual: bool) -> None:
    """Refuse a result larger than the budget before computing it."""
    size = math.prod(int(d) for d in shape)
    cap = limits.MAX_SAMPLE_VALUES if dual else limits.MAX_WEIGHT_VALUES
    if size > cap:
        what = "per point" if dual else "as a constant"
        raise ModelError(f"its result would hold {size} values {what}, more than jacviz allows ({cap})")


def _const(v, what: str = "this input") -> np.ndarray:
    if _is_dual(v):
        raise ModelError(f"{what} must be a constant, not computed from the input")
    if v is None:
        raise ModelError(f"{what} is missing")
    return v


def _ints(v, what: str) -> list[int]:
    arr = _const(v, what)
    if arr.dtype.kind not in "iu" or arr.ndim > 1:
        raise ModelError(f"{what} must be a list of integers")
    return [int(i) for i in arr.reshape(-1)]


def _like(c: np.ndarray, d: Dual) -> np.ndarray:
    """A constant in the dtype of a computed tensor (so float32 stays float32)."""
    return c if c.dtype == d.value.dtype else c.astype(d.value.dtype)


def _aligned(c: np.ndarray, d: Dual) -> np.ndarray:
    """A constant broadcast against a computed tensor of shape (B, *s): it may not span B."""
    c = _like(c, d)
    if c.ndim < d.rank:
        return c
    if c.ndim == d.rank and c.shape[0] == 1:
        return c.reshape(c.shape[1:])
    raise ModelError(f"a constant of shape {list(c.shape)} would broadcast along the batch axis")


def _value_slot(c: np.ndarray, d: Dual) -> np.ndarray:
    """c in the value slot of a stack like ``d`` and zero in the tangent slots."""
    if d.data.shape[0] == 1:
        return c
    pad = np.zeros((d.data.shape[0],) + (1,) * (d.data.ndim - 1 - c.ndim) + c.shape, dtype=d.data.dtype)
    pad[0] = c
    return pad


# -- elementwise, one input


def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _erf(x):
    from scipy.special import erf  # numpy has no erf; only models with Gelu load scipy

    return erf(x)


_SQRT_2_PI = math.sqrt(2 / math.pi)


def _gelu(x, attrs):
    if attrs.get("approximate", "none") == "tanh":
        c = x.dtype.type(_SQRT_2_PI)
        inner = c * (x + 0.044715 * x ** 3)
        t = np.tanh(inner)
        return 0.5 * x * (1 + t), 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
    cdf = 0.5 * (1 + _erf(x / math.sqrt(2)))
    pdf = np.exp(-0.5 * x * x) / x.dtype.type(math.sqrt(2 * math.pi))
    return x * cdf, cdf + x * pdf


def _elu(x, attrs):
    alpha = x.dtype.type(attrs.get("alpha", 1.0))
    neg = x < 0
    ex = np.exp(np.where(neg, x, 0))
    return np.where(neg, alpha * (ex - 1), x), np.where(neg, alpha * ex, x.dtype.type(1))


def _leaky(x, attrs):
    alpha = x.dtype.type(attrs.get("alpha", 0.01))
    slope = np.where(x < 0, alpha, x.dtype.type(1))
    return x * slope, slope


def _tanh(x, attrs):
    v = np.tanh(x)
    return v, 1 - v * v


def _sigmoid_pair(x, attrs):
    v = _sigmoid(x)
    return v, v * (1 - v)


def _softplus(x, attrs):
    return np.logaddexp(x.dtype.type(0), x), _sigmoid(x)


def _exp(x, attrs):
    v = np.exp(x)
    return v, v


def _log(x, attrs):
    return np.log(x), 1 / x


def _relu(x, attrs):
    mask = (x > 0).astype(x.dtype)
    return x * mask, mask


_UNARY = {
    "Relu": _relu, "LeakyRelu": _leaky, "Tanh": _tanh, "Sigmoid": _sigmoid_pair, "Softplus": _softplus,
    "Elu": _elu, "Gelu": _gelu, "Exp": _exp, "Log": _log,
}


def _unary(op: str) -> Kernel:
    fn = _UNARY[op]

    def kernel(ins, attrs, ctx):
        (x,) = ins
        if not _is_dual(x):
            return [fn(np.asarray(_const(x), dtype=np.float64), attrs)[0]]
        if x.rows is not None:  # point by point: the derivative joins the scale, rows unchanged
            if op == "Tanh":
                v = np.tanh(x.value)
                dv = v * v
                np.subtract(1, dv, out=dv)
            else:
                v, dv = fn(x.value, attrs)
            if x.scale is not None:
                dv = dv * x.scale
            return [Dual.scaled_rows(v, dv, x.rows)]
        d = x.data
        if op in ("Relu", "LeakyRelu"):  # x·mask: value and tangents in one product
            return [Dual(d * fn(d[0], attrs)[1])]
        if op == "Tanh":  # the hot path of MLPs: no temporary beyond 1 − tanh²
            out = np.empty_like(d)
            v = np.tanh(d[0], out=out[0])
            dv = v * v
            np.subtract(1, dv, out=dv)
            np.multiply(d[1:], dv, out=out[1:])
            return [Dual(out)]
        v, dv = fn(d[0], attrs)
        out = np.empty_like(d)
        out[0] = v
        if d.shape[0] > 1:
            np.multiply(d[1:], dv, out=out[1:])
        return [Dual(out)]

    return kernel


def _neg(ins, attrs, ctx):
    (x,) = ins
    return [Dual(-x.data) if _is_dual(x) else -_const(x)]


def _identity(ins, attrs, ctx):
    return [ins[0]]


# -- elementwise, two inputs (numpy broadcasting)


def _binary(op: str) -> Kernel:
    def kernel(ins, attrs, ctx):
        a, b = ins
        if not _is_dual(a) and not _is_dual(b):
            a, b = _const(a), _const(b)
            _guard(np.broadcast_shapes(a.shape, b.shape), dual=False)
            if op == "Div" and a.dtype.kind in "iu" and b.dtype.kind in "iu":
                with np.errstate(all="ignore"):
                    return [np.trunc(a / b).astype(np.int64)]
            return [{"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.true_divide}[op](a, b)]
        if _is_dual(a) and _is_dual(b):
            if a.rank != b.rank:
                raise ModelError("two computed tensors of different ranks cannot be broadcast point by point")
            _guard(np.broadcast_shapes(a.sample_shape, b.sample_shape), dual=True)
            x, y = a.data, b.data
            if op == "Add":
                return [Dual(x + y)]
            if op == "Sub":
                return [Dual(x - y)]
            v = x[0] * y[0] if op == "Mul" else x[0] / y[0]
            out = np.empty((max(x.shape[0], y.shape[0]), *v.shape), dtype=v.dtype)
            out[0] = v
            if out.shape[0] > 1:
                if op == "Mul":
                    out[1:] = x[1:] * y[0] + x[0] * y[1:]
                else:
                    out[1:] = (x[1:] - v * y[1:]) / y[0]
            return [Dual(out)]
        d, c, dual_first = (a, b, True) if _is_dual(a) else (b, a, False)
        c = _aligned(_const(c), d)
        _guard(np.broadcast_shapes(d.sample_shape, c.shape), dual=True)
        x = d.data
        if x.shape[2:] != np.broadcast_shapes(d.sample_shape, c.shape):
            x = np.broadcast_to(x, x.shape[:2] + np.broadcast_shapes(d.sample_shape, c.shape))
        if op == "Add":
            return [Dual(x + _value_slot(c, d))]
        if op == "Sub":
            return [Dual(x - _value_slot(c, d) if dual_first else _value_slot(c, d) - x)]
        if op == "Mul":
            return [Dual(x * c)]
        if dual_first:  # x / c is linear in x
            return [Dual(x / c)]
        v = c / x[0]  # c / x: derivative −c/x² = −v/x
        out = np.empty_like(x)
        out[0] = v
        if x.shape[0] > 1:
            out[1:] = x[1:] * (-v / x[0])
        return [Dual(out)]

    return kernel


# -- matrix products


def _matmul_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    a1, b1 = len(a) == 1, len(b) == 1
    a2, b2 = ((1, *a) if a1 else a), ((*b, 1) if b1 else b)
    if a2[-1] != b2[-2]:
        raise ModelError(f"MatMul of shapes {list(a)} and {list(b)}: the inner dimensions differ")
    out = (*np.broadcast_shapes(a2[:-2], b2[:-2]), a2[-2], b2[-1])
    if a1:
        out = out[:-2] + out[-1:]
    if b1:
        out = out[:-1]
    return tuple(out)


def _product(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """x @ w for a stack x (..., n) and a matrix w (n, m), the way numpy does it fastest.

    With n ≤ 4 (the first layer of a network on the plane, a coupling's conditioner) it is an
    einsum: the same sum of n products per entry as broadcasting, in the same order, so the
    numbers do not depend on how the points are chunked, but in one pass. Broadcasting
    x[..., i:i + 1] * w[i] was 5× slower (numpy's loop for a stride-0 operand), and BLAS, a
    little faster still, rounds a few entries of this K = 2 product differently depending on
    the row count (measured on the 2 → 64 layer of a 512² field, python -m jacviz.bench.networks).
    Otherwise the stack is made contiguous and given to BLAS as one (rows × n) matrix: numpy
    falls back to a slow loop for strided operands, such as the halves a Split returns.
    """
    if w.ndim != 2 or x.ndim < 2:
        return x @ w
    n = w.shape[0]
    if n <= 4:
        return np.einsum("...i,ij->...j", x, w)
    x = np.ascontiguousarray(x)
    return (x.reshape(-1, n) @ w).reshape((*x.shape[:-1], w.shape[1]))


def _matmul(ins, attrs, ctx):
    a, b = ins
    if not _is_dual(a) and not _is_dual(b):
        a, b = _const(a), _const(b)
        _guard(_matmul_shape(a.shape, b.shape), dual=False)
        return [a @ b]
    if _is_dual(a) and not _is_dual(b):
        w = _like(_const(b), a)
        r = a.rank
        if r < 2:
            raise _mixes_points()
        if w.ndim > r or (w.ndim == r and r >= 3 and w.shape[0] != 1):
            raise ModelError(f"a constant of shape {list(w.shape)} would broadcast along the batch axis")
        if w.ndim == r and r >= 3:
            w = w[0]
        _guard(_matmul_shape((*a.sample_shape[:-1], 1, *a.sample_shape[-1:]) if r == 2 else a.sample_shape,
                             w.shape), dual=True)
        return [Dual(_product(a.data, w))]
    if not _is_dual(a) and _is_dual(b):
        w = _like(_const(a), b)
        r = b.rank
        if r < 3:
            raise _mixes_points()
        if w.ndim > r or (w.ndim == r and w.shape[0] != 1):
            raise ModelError(f"a constant of shape {list(w.shape)} would broadcast along the batch axis")
        if w.ndim == r:
            w = w[0]
        _guard(_matmul_shape(w.shape, b.sample_shape), dual=True)
        return [Dual(w @ b.data)]
    if a.rank != b.rank or a.rank < 3:
        raise _mixes_points()
    _guard(_matmul_shape(a.sample_shape, b.sample_shape), dual=True)
    x, y = a.data, b.data
    v = x[0] @ y[0]
    out = np.empty((max(x.shape[0], y.shape[0]), *v.shape), dtype=v.dtype)
    out[0] = v
    if out.shape[0] > 1:
        out[1:] = x[1:] @ y[0] + x[0] @ y[1:]
    return [Dual(out)]


def _gemm(ins, attrs, ctx):
    a, b, c = ([*list(ins), None, None])[:3]
    alpha, beta = attrs.get("alpha", 1.0), attrs.get("beta", 1.0)
    if _is_dual(b) or _is_dual(c):
        raise ModelError("B and C must be constants (weights), not computed from the input")
    w = _const(b, "B")
    if w.ndim != 2:
        raise ModelError("B must be a matrix")
    if attrs.get("transB", 0):
        w = w.T
    if alpha != 1.0:
        w = alpha * w
    if not _is_dual(a):
        a = _const(a, "A")
        if a.ndim != 2:
            raise ModelError("A must be a matrix")
        if attrs.get("transA", 0):
            a = a.T
        _guard(_matmul_shape(a.shape, w.shape), dual=False)
        out = a @ w
        return [out if c is None else out + beta * c]
    if a.rank != 2:
        raise ModelError("A must be a matrix [batch, n]")
    if attrs.get("transA", 0):
        raise _mixes_points()
    w = _like(w, a)
    if a.sample_shape[0] != w.shape[0]:
        raise ModelError(f"A has {a.sample_shape[0]} columns but B has {w.shape[0]} rows")
    _guard((w.shape[1],), dual=True)
    out = _product(a.data, w)
    if c is not None:
        bias = _aligned(_const(c, "C"), Dual(out))
        if np.broadcast_shapes(bias.shape, (w.shape[1],)) != (w.shape[1],):
            raise ModelError(f"C of shape {list(c.shape)} does not broadcast to [batch, {w.shape[1]}]")
        if beta != 1.0:
            bias = bias * beta
        out[0] += bias
    return [Dual(out)]


# -- along an axis


def _softmax(ins, attrs, ctx):
    (x,) = ins
    legacy = ctx.opset < 13  # before opset 13 Softmax worked on all axes from `axis` on
    axis = int(attrs.get("axis", 1 if legacy else -1))
    rank = x.rank if _is_dual(x) else _const(x).ndim
    a = _axis(axis, rank)
    axes = tuple(range(a, rank)) if legacy else (a,)

    def softmax(v, ax):
        e = np.exp(v - v.max(axis=ax, keepdims=True))
        return e / e.sum(axis=ax, keepdims=True)

    if not _is_dual(x):
        return [softmax(np.asarray(x, dtype=np.float64), axes)]
    if a == 0:
        raise _mixes_points()
    d = x.data
    v = softmax(d[0], axes)
    out = np.empty_like(d)
    out[0] = v
    if d.shape[0] > 1:
        t = d[1:]
        out[1:] = v * (t - np.sum(v * t, axis=tuple(i + 1 for i in axes), keepdims=True))
    return [Dual(out)]


def _concat(ins, attrs, ctx):
    if "axis" not in attrs:
        raise ModelError("the attribute 'axis' is required")
    parts = [v for v in ins if v is not None]
    if not parts:
        raise ModelError("it has no inputs")
    duals = [v for v in parts if _is_dual(v)]
    if not duals:
        rank = parts[0].ndim
        a = _axis(int(attrs["axis"]), rank)
        _guard((sum(int(p.size) for p in parts),), dual=False)
        return [np.concatenate(parts, axis=a)]
    ref = duals[0]
    a = _axis(int(attrs["axis"]), ref.rank)
    if a == 0:
        raise _mixes_points()
    stacks = []
    for v in parts:
        if _is_dual(v):
            stacks.append(v.data)
            continue
        c = _like(v, ref)
        if c.ndim != ref.rank or c.shape[0] != 1:
            raise ModelError(f"a constant of shape {list(c.shape)} cannot be joined to computed tensors "
                             "point by point")
        pad = np.zeros((ref.data.shape[0], ref.data.shape[1], *c.shape[1:]), dtype=ref.data.dtype)
        pad[0] = c[0]
        stacks.append(pad)
    _guard((sum(math.prod(s.shape[2:]) for s in stacks),), dual=True)
    if len({s.shape[0] for s in stacks}) > 1:
        full = max(s.shape[0] for s in stacks)
        stacks = [s if s.shape[0] == full else np.concatenate(
            [s, np.zeros((full - s.shape[0], *s.shape[1:]), dtype=s.dtype)]) for s in stacks]
    return [Dual(np.concatenate(stacks, axis=a + 1))]


def _split(ins, attrs, ctx):
    x = ins[0]
    rank = x.rank if _is_dual(x) else _const(x).ndim
    a = _axis(int(attrs.get("axis", 0)), rank)
    if _is_dual(x) and a == 0:
        raise _mixes_points()
    dim = (x.data.shape[a + 1] if _is_dual(x) else x.shape[a])
    n = ctx.n_outputs
    if len(ins) > 1 and ins[1] is not None:
        sizes = _ints(ins[1], "the split sizes")
    elif "split" in attrs:
        sizes = list(attrs["split"])
    elif "num_outputs" in attrs:
        n = int(attrs["num_outputs"])
        chunk = -(-dim // max(n, 1))
        sizes = [chunk] * (n - 1) + [dim - chunk * (n - 1)]
    else:
        if n < 1 or dim % n:
            raise ModelError(f"a dimension of {dim} cannot be split into {n} equal parts")
        sizes = [dim // n] * n
    if len(sizes) != ctx.n_outputs or any(s < 0 for s in sizes) or sum(sizes) != dim:
        raise ModelError(f"split sizes {sizes} do not add up to the dimension {dim} over "
                         f"{ctx.n_outputs} outputs")
    cuts = np.cumsum(sizes)[:-1]
    if _is_dual(x):
        return [Dual(p) for p in np.split(x.data, cuts, axis=a + 1)]
    return np.split(x, cuts, axis=a)


_BIG = 2**31 - 1  # exporters write "to the end" as INT32_MAX or INT64_MAX


def _slice(ins, attrs, ctx):
    x = ins[0]
    if ctx.opset < 10:
        starts, ends = list(attrs.get("starts", ())), list(attrs.get("ends", ()))
        axes = list(attrs["axes"]) if "axes" in attrs else None
        steps = None
    else:
        starts, ends = _ints(ins[1], "starts"), _ints(ins[2], "ends")
        axes = _ints(ins[3], "axes") if len(ins) > 3 and ins[3] is not None else None
        steps = _ints(ins[4], "steps") if len(ins) > 4 and ins[4] is not None else None
    dual = _is_dual(x)
    shape = (None, *x.sample_shape) if dual else _const(x).shape
    rank = len(shape)
    axes = list(range(len(starts))) if axes is None else [_axis(a, rank) for a in axes]
    steps = [1] * len(starts) if steps is None else steps
    if not len(starts) == len(ends) == len(axes) == len(steps) or len(set(axes)) != len(axes):
        raise ModelError("starts, ends, axes and steps do not match")
    index: list[slice] = [slice(None)] * rank
    for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
        if step == 0:
            raise ModelError("a step of 0")
        dim = shape[axis]
        if dim is None:  # the batch axis: only "everything" keeps the points apart
            if start == 0 and step == 1 and end >= _BIG:
                continue
            raise _mixes_points()
        start, end = start + dim if start < 0 else start, end + dim if end < 0 else end
        if step > 0:
            start, end = min(max(start, 0), dim), min(max(end, 0), dim)
        else:
            start, end = min(max(start, 0), dim - 1), min(max(end, -1), dim - 1)
        index[axis] = slice(start, end if end >= 0 else None, step)
    if dual:
        return [Dual(x.data[(slice(None), *index)])]
    return [x[tuple(index)]]


def _reshape(ins, attrs, ctx):
    x = ins[0]
    target = _ints(ins[1] if len(ins) > 1 else None, "the target shape") if ctx.opset >= 5 else list(
        attrs.get("shape", ()))
    allowzero = bool(attrs.get("allowzero", 0))
    if target.count(-1) > 1 or any(t < -1 for t in target):
        raise ModelError(f"the target shape {target} is not valid")
    if allowzero and 0 in target:
        raise ModelError("a dimension of size 0")
    if not _is_dual(x):
        x = _const(x)
        resolved = [x.shape[i] if t == 0 and i < x.ndim else t for i, t in enumerate(target)]
        return [x.reshape(resolved)]
    if not target:
        raise _mixes_points()
    first = target[0]
    if not (first in (0, -1) or (ctx.batch is not None and first == ctx.batch)):
        raise ModelError(f"the target shape {target} changes the batch axis, which would mix "
                         "different points")
    s = x.sample_shape
    rest = []
    for i, t in enumerate(target[1:], 1):
        if t == 0:
            if i > len(s):
                raise ModelError(f"the target shape {target} copies a dimension the input does not have")
            t = s[i - 1]
        rest.append(t)
    size = math.prod(s)
    if -1 in rest:
        known = math.prod(t for t in rest if t != -1)
        if known == 0 or size % known:
            raise ModelError(f"cannot reshape {size} values per point into {target}")
    elif math.prod(rest) != size:
        raise ModelError(f"cannot reshape {size} values per point into {target}")
    return [Dual(x.data.reshape(x.data.shape[:2] + tuple(rest)))]


def _flatten(ins, attrs, ctx):
    x = ins[0]
    axis = int(attrs.get("axis", 1))
    if not _is_dual(x):
        x = _const(x)
        a = axis + x.ndim + 1 if axis < 0 else axis
        if not 0 <= a <= x.ndim:
            raise ModelError(f"axis {axis} is out of range")
        return [x.reshape(math.prod(x.shape[:a]), -1)]
    a = axis + x.rank + 1 if axis < 0 else axis
    if a != 1:
        raise _mixes_points()
    return [Dual(x.data.reshape((*x.data.shape[:2], -1)))]


def _axes_input(ins, attrs, ctx, since: int) -> list[int] | None:
    if ctx.opset >= since:
        return _ints(ins[1], "axes") if len(ins) > 1 and ins[1] is not None else None
    return list(attrs["axes"]) if "axes" in attrs else None


def _unsqueeze(ins, attrs, ctx):
    x = ins[0]
    axes = _axes_input(ins, attrs, ctx, 13)
    if not axes:
        raise ModelError("'axes' is required")
    rank = (x.rank if _is_dual(x) else _const(x).ndim) + len(axes)
    norm = sorted(_axis(a, rank) for a in axes)
    if len(set(norm)) != len(norm):
        raise ModelError("an axis is repeated")
    if not _is_dual(x):
        return [np.expand_dims(x, tuple(norm))]
    if 0 in norm:
        raise _mixes_points()
    return [Dual(np.expand_dims(x.data, tuple(a + 1 for a in norm)))]


def _squeeze(ins, attrs, ctx):
    x = ins[0]
    axes = _axes_input(ins, attrs, ctx, 13)
    if not _is_dual(x):
        x = _const(x)
        norm = None if axes is None else tuple(_axis(a, x.ndim) for a in axes)
        return [np.squeeze(x, axis=norm)]
    if axes is None:
        norm = [i + 1 for i, d in enumerate(x.sample_shape) if d == 1]
    else:
        norm = [_axis(a, x.rank) for a in axes]
    if 0 in norm:
        raise _mixes_points()
    if any(x.data.shape[a + 1] != 1 for a in norm):
        raise ModelError("it squeezes an axis whose size is not 1")
    return [Dual(np.squeeze(x.data, axis=tuple(a + 1 for a in norm)))]


def _gather(ins, attrs, ctx):
    x, idx = ins[0], ins[1]
    if _is_dual(idx):
        raise ModelError("the indices must be constants, not computed from the input")
    idx = _const(idx, "indices")
    if idx.dtype.kind not in "iu":
        raise ModelError("the indices must be integers")
    rank = x.rank if _is_dual(x) else _const(x).ndim
    a = _axis(int(attrs.get("axis", 0)), rank)
    dual = _is_dual(x)
    if dual and a == 0:
        raise _mixes_points()
    shape = x.data.shape[1:] if dual else x.shape
    dim = shape[a]
    if idx.size and (idx.min() < -dim or idx.max() >= dim):
        raise ModelError(f"an index is out of range for a dimension of {dim}")
    idx = np.where(idx < 0, idx + dim, idx)
    out_shape = tuple(shape[:a]) + idx.shape + tuple(shape[a + 1:])
    _guard(out_shape[1:] if dual else out_shape, dual=dual)
    if dual:
        return [Dual(np.take(x.data, idx, axis=a + 1))]
    return [np.take(x, idx, axis=a)]


def _reduce_sum(ins, attrs, ctx):
    x = ins[0]
    axes = _axes_input(ins, attrs, ctx, 13)
    keep = bool(attrs.get("keepdims", 1))
    if not axes and attrs.get("noop_with_empty_axes", 0) and ctx.opset >= 13:
        return [x]
    if not _is_dual(x):
        x = _const(x)
        norm = None if not axes else tuple(_axis(a, x.ndim) for a in axes)
        return [np.sum(x, axis=norm, keepdims=keep)]
    if not axes:
        raise ModelError("a sum over all axes would add up different points")
    norm = sorted({_axis(a, x.rank) for a in axes})
    if 0 in norm:
        raise _mixes_points()
    return [Dual(np.sum(x.data, axis=tuple(a + 1 for a in norm), keepdims=keep))]


def _transpose(ins, attrs, ctx):
    x = ins[0]
    rank = x.rank if _is_dual(x) else _const(x).ndim
    perm = list(attrs.get("perm", range(rank - 1, -1, -1)))
    if sorted(perm) != list(range(rank)):
        raise ModelError(f"perm {perm} is not a permutation of the {rank} axes")
    if not _is_dual(x):
        return [np.transpose(x, perm)]
    if perm[0] != 0:
        raise _mixes_points()
    return [Dual(x.data.transpose([0] + [p + 1 for p in perm]))]


def _constant(ins, attrs, ctx):
    if len(attrs) != 1:
        raise ModelError("it must have exactly one value attribute")
    (key, value), = attrs.items()
    if key == "value" and isinstance(value, np.ndarray):
        return [value]
    if key == "value_float":
        return [np.array(float(value))]
    if key == "value_floats":
        return [np.array(value, dtype=np.float64)]
    if key == "value_int":
        return [np.array(int(value), dtype=np.int64)]
    if key == "value_ints":
        return [np.array(value, dtype=np.int64)]
    raise ModelError(f"its value attribute {key!r} is not a number or a tensor")


# -- specialised kernels for the evaluation loop

# The kernels above check their operands on every call. Once a plan has run a step on its
# probe, the per-point shapes and which inputs are constants are known and do not change with
# the number of points or of tangents, so :meth:`Plan.run` may call a kernel that skips the
# checks. Each does exactly the arithmetic of the checked kernel (the tests compare them),
# and :func:`fast_kernel` offers one only for operand kinds it has been written for. For a
# cursor move on the shipped flow (86 nodes evaluated on one point) the checks were most of
# the time (python -m jacviz.bench.networks).


def fast_kernel(op: str, ins: list, attrs: dict, ctx: Context) -> Kernel | None:
    """A kernel without checks for a step whose probe inputs were ``ins``, or None."""
    if op == "Split":  # its integer input is the sizes, fixed when the plan is made
        return _fast_split(ins, attrs, ctx)
    if any(v is not None and not _is_dual(v) and v.dtype.kind != "f" for v in ins):
        return None  # an integer constant: the checked kernel casts it to the points' dtype
    if op == "Gemm":
        return _fast_gemm(ins, attrs)
    if op in ("Add", "Sub", "Mul"):
        return _fast_binary(op, ins)
    return None


def _fast_gemm(ins, attrs) -> Kernel | None:
    a, b, c = ([*list(ins), None, None])[:3]
    if set(attrs) - {"transA"} or attrs.get("transA", 0) or not _is_dual(a) or _is_dual(b) or _is_dual(c):
        return None  # alpha, beta and transB are folded into B and C by the plan
    if b is None or b.ndim != 2 or a.rank != 2:
        return None
    if c is not None and (c.ndim > 2 or (c.ndim == 2 and c.shape[0] != 1)):
        return None
    def gemm(ins, attrs, ctx):
        x, w = ins[0], ins[1]
        if x.rows is not None:
            return [_gemm_scaled_rows(x, w, ins[2] if c is not None else None)]
        if x.basis and x.value.shape[1] == w.shape[0] <= 4:
            # tangent i of x·W is eᵢ·W, row i of W, at every point: kept as rows, not stacked
            # (for a 2 → 64 first layer this was two thirds of the layer's work). Only where
            # _product is an einsum, whose value rows have the bits of the full product; BLAS
            # (n > 4, a layer's own Jacobian inside the network) rounds by row count.
            value = _product(x.value, w)
            if c is not None:
                value += ins[2]
            return [Dual.scaled_rows(value, None, w)]
        out = _product(x.data, w)
        if c is not None:
            out[0] += ins[2]
        return [Dual(out)]

    return gemm


def _gemm_scaled_rows(x: Dual, w: np.ndarray, c: np.ndarray | None) -> Dual:
    """x·W (+ c) for an x with scaled-row tangents: tangent i is (scale ⊙ rowᵢ)·W, which is
    scale·(diag(rowᵢ) W), so each is one matrix product with rowᵢ folded into W's rows (a
    k × n × m product per chunk) instead of a stack scaled point by point and multiplied."""
    value = _product(x.value, w)
    if c is not None:
        value += c
    if x.scale is None:  # constant tangents stay constant: rows·W
        return Dual.scaled_rows(value, None, x.rows @ w)
    folded = x.rows[:, :, None] * w  # (k, n, m): row i of x's tangents folded into W
    out = np.empty((1 + folded.shape[0], *value.shape), dtype=value.dtype)
    out[0] = value
    for i in range(folded.shape[0]):
        if w.shape[0] > 4:
            np.matmul(x.scale, folded[i], out=out[1 + i])
        else:
            out[1 + i] = _product(x.scale, folded[i])
    return Dual(out)


def _fast_split(ins, attrs, ctx) -> Kernel | None:
    x = ins[0]
    if not _is_dual(x):
        return None
    try:
        parts = _split(ins, attrs, ctx)
    except ModelError:
        return None
    axis = _axis(int(attrs.get("axis", 0)), x.rank) + 1
    index, start = [], 0
    for part in parts:
        stop = start + part.data.shape[axis]
        index.append((slice(None),) * axis + (slice(start, stop),))
        start = stop
    index = tuple(index)

    def split(ins, attrs, ctx):
        d = ins[0].data
        return [Dual(d[i]) for i in index]

    return split


def _fast_binary(op: str, ins) -> Kernel | None:
    a, b = ins
    if _is_dual(a) and _is_dual(b):
        if a.sample_shape != b.sample_shape:
            return None
        if op == "Add":
            return lambda ins, attrs, ctx: [Dual(ins[0].data + ins[1].data)]
        if op == "Sub":
            return lambda ins, attrs, ctx: [Dual(ins[0].data - ins[1].data)]

        def mul(ins, attrs, ctx):
            x, y = ins[0].data, ins[1].data
            v = x[0] * y[0]
            out = np.empty((max(x.shape[0], y.shape[0]), *v.shape), dtype=v.dtype)
            out[0] = v
            if out.shape[0] > 1:
                out[1:] = x[1:] * y[0] + x[0] * y[1:]
            return [Dual(out)]

        return mul
    if not _is_dual(a) or _is_dual(b) or b is None:
        return None  # a constant on the left: the checked kernel
    if b.ndim > a.rank or (b.ndim == a.rank and b.shape[0] != 1):
        return None
    if np.broadcast_shapes(a.sample_shape, b.shape[1:] if b.ndim == a.rank else b.shape) != a.sample_shape:
        return None
    if op == "Mul":
        return lambda ins, attrs, ctx: [Dual(ins[0].data * _unbatched(ins[1], ins[0]))]

    def shift(ins, attrs, ctx):  # x ± c moves the value only: the tangents are x's
        x = ins[0].data
        c = _unbatched(ins[1], ins[0])
        out = np.empty(np.broadcast_shapes(x.shape, (1, 1, *c.shape)), dtype=x.dtype)
        np.add(x[0], c, out=out[0]) if op == "Add" else np.subtract(x[0], c, out=out[0])
        if out.shape[0] > 1:
            out[1:] = x[1:]
        return [Dual(out)]

    return shift


def _unbatched(c: np.ndarray, d: Dual) -> np.ndarray:
    """A constant of the same rank as ``d`` without its batch axis of 1 (as _aligned, unchecked)."""
    return c.reshape(c.shape[1:]) if c.ndim == d.rank else c


KERNELS: dict[str, Kernel] = {
    **{op: _unary(op) for op in _UNARY},
    **{op: _binary(op) for op in ("Add", "Sub", "Mul", "Div")},
    "Neg": _neg, "Identity": _identity, "MatMul": _matmul, "Gemm": _gemm, "Softmax": _softmax,
    "Concat": _concat, "Split": _split, "Slice": _slice, "Reshape": _reshape, "Flatten": _flatten,
    "Unsqueeze": _unsqueeze, "Squeeze": _squeeze, "Gather": _gather, "ReduceSum": _reduce_sum,
    "Transpose": _transpose, "Constant": _constant,
}
assert set(KERNELS) == set(SUPPORTED_OPERATORS), "every declared operator has a kernel"
