"""The layers of a network at one point: their Jacobians, and backpropagation step by step.

**What a layer is.** A graph has no layers, only operators; jacviz cuts it where the whole
computation passes through a single tensor. A *boundary* is a computed tensor that every
path from the input to the output goes through (after the nodes that make it, nothing
older is still needed). Between two consecutive boundaries lies one segment, and:

* a segment made only of point-wise activations (Tanh, Relu, Softmax, ...), of operators
  that only move values (Identity, Reshape, Flatten, ...) or of a constant shift (the bias
  Add of an exported ``MatMul → Add``) is merged into the segment before it (a leading one
  into the segment after it), so an MLP's affine map and its activation are one layer,
  ``Gemm → Tanh`` or ``MatMul → Add → Tanh``;
* a coupling block of a flow, whose two halves meet again only at its Concat, is one
  segment, hence one layer; so is a permutation between two blocks.

Only the ancestors of the chosen output count, so a flow's log-determinant side output does
not join its blocks together.

**At a point** (:func:`layers_at`): every layer's input and output, its Jacobian Jᵢ (an
mᵢ × nᵢ matrix, by forward mode with nᵢ tangents through that layer alone), its singular
values, log|det Jᵢ| where it is square, and the chain rule checked: Jₗ ⋯ J₁ = J. For a flow,
Σ log|det Jᵢ| = log|det J|, next to the model's own log-determinant output when it has one
(an output named like ``log_det``).

**Backpropagation** (:func:`backprop_at`): from the gradient g at the output (of a loss, of
cross-entropy for a chosen class, or a covector), each layer's vector–Jacobian product
gᵢ₋₁ = Jᵢᵀ gᵢ, down to ∇ₓL, compared with a central finite difference of L∘F.
"""

from __future__ import annotations

import itertools
import math
import weakref
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from jacviz.core.errors import UsageError
from jacviz.core.network import limits
from jacviz.core.network.mapping import NetworkMapping
from jacviz.core.network.operators import ACTIVATIONS, SHAPE_ONLY
from jacviz.core.numeric.protocol import nan_clean

LOG_DET_NAMES = ("log_det", "logdet", "log_abs_det", "log_jacobian", "ldj")


@dataclass(frozen=True)
class Layer:
    """One layer of the graph: the steps from one boundary tensor to the next."""

    index: int  # 1-based, in the order of evaluation
    name: str  # "Gemm → Tanh", "coupling block", ...
    operators: tuple[str, ...]
    nodes: tuple[str, ...]
    input: str  # tensor names
    output: str
    input_slot: int
    output_slot: int
    input_size: int  # values per point
    output_size: int


def _name(ops: list[str]) -> str:
    if "Split" in ops and "Concat" in ops:
        return "coupling block"
    if len(ops) <= 4:
        return " → ".join(ops)
    return f"{ops[0]} … {ops[-1]} ({len(ops)} operators)"


def _is_shift(plan, i: int) -> bool:
    """An Add or Sub of a constant: the bias of the affine map before it."""
    step = plan.steps[i]
    computed = [s for s in step.inputs if s is not None and plan.is_computed(s)]
    return step.node.op in ("Add", "Sub") and len(computed) == 1


_LAYERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def network_layers(net: NetworkMapping) -> tuple[Layer, ...]:
    """The layers of ``net`` as defined in the module docstring (computed once per model)."""
    if net in _LAYERS:
        return _LAYERS[net]
    plan, route = net.plan, net.route
    uses: dict[int, int] = {}
    for i in route.steps:
        for s in plan.steps[i].inputs:
            if s is not None and plan.is_computed(s):
                uses[s] = uses.get(s, 0) + 1
    uses[net.output_slot] = uses.get(net.output_slot, 0) + 1
    live = {0}
    cuts = [(0, -1)]  # (boundary slot, position in the route after which it stands alone)
    for pos, i in enumerate(route.steps):
        step = plan.steps[i]
        for s in step.inputs:
            if s is not None and s in uses:
                uses[s] -= 1
                if uses[s] == 0:
                    live.discard(s)
        for s in step.outputs:
            if s is not None and uses.get(s, 0) > 0:
                live.add(s)
        if len(live) == 1 and pos > cuts[-1][1]:
            (only,) = live
            if only != cuts[-1][0]:
                cuts.append((only, pos))
    segments = []
    for (a, pa), (b, pb) in itertools.pairwise(cuts):
        steps = route.steps[pa + 1: pb + 1]
        segments.append([a, b, list(steps)])
    merged: list[list] = []
    for seg in segments:
        ops = [plan.steps[i].node.op for i in seg[2]]
        passive = all(op in ACTIVATIONS or op in SHAPE_ONLY for op in ops) or all(
            _is_shift(plan, i) for i in seg[2])
        if merged and passive:
            merged[-1][1] = seg[1]
            merged[-1][2] += seg[2]
        elif merged and all(plan.steps[i].node.op in SHAPE_ONLY for i in merged[-1][2]) and len(merged) == 1:
            seg[0] = merged[-1][0]
            seg[2] = merged[-1][2] + seg[2]
            merged[-1] = seg
        else:
            merged.append(seg)
    layers = []
    for index, (a, b, steps) in enumerate(merged, 1):
        ops = [plan.steps[i].node.op for i in steps]
        layers.append(Layer(
            index=index, name=_name(ops), operators=tuple(ops),
            nodes=tuple(plan.steps[i].node.name for i in steps),
            input=plan.name_of(a), output=plan.name_of(b), input_slot=a, output_slot=b,
            input_size=math.prod(plan.sample_shapes[a]), output_size=math.prod(plan.sample_shapes[b]),
        ))
    result = tuple(layers)
    _LAYERS[net] = result
    return result


# -- at one point


def _num(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _vec(v) -> list[float | None] | None:
    return None if v is None else [_num(x) for x in np.asarray(v).reshape(-1)]


def _mat(m) -> list[list[float | None]] | None:
    return None if m is None else [[_num(x) for x in row] for row in np.asarray(m)]


def _slogdet(m: np.ndarray) -> tuple[float, float]:
    """(det, log|det|); NaN when not finite, log|det| = −inf when singular."""
    if not np.isfinite(m).all():
        return math.nan, math.nan
    sign, logabs = np.linalg.slogdet(m)
    with np.errstate(over="ignore"):
        det = float(sign * np.exp(logabs)) if sign != 0 else 0.0
    return det, float(logabs)


def _svals(m: np.ndarray) -> np.ndarray:
    if not np.isfinite(m).all():
        return np.full(min(m.shape), np.nan)
    return np.linalg.svd(m, compute_uv=False)


@dataclass(frozen=True)
class LayerAtPoint:
    """One layer at one point: what it sees, what it gives, its Jacobian there."""

    layer: Layer
    input: np.ndarray  # flattened, length n
    output: np.ndarray  # flattened, length m
    jacobian: np.ndarray | None  # m × n (None when too large to form)
    singular_values: np.ndarray | None
    det: float | None  # square layers only
    log_abs_det: float | None

    def as_dict(self) -> dict[str, object]:
        lay = self.layer
        return {
            "index": lay.index, "name": lay.name, "operators": list(lay.operators),
            "input_tensor": lay.input, "output_tensor": lay.output,
            "shape": [lay.output_size, lay.input_size],
            "input": _vec(self.input), "output": _vec(self.output),
            "jacobian": _mat(self.jacobian), "singular_values": _vec(self.singular_values),
            "det": None if self.det is None else _num(self.det),
            "log_abs_det": None if self.log_abs_det is None else _num(self.log_abs_det),
        }


@dataclass(frozen=True)
class LayersReport:
    """Every layer at one point, the chain rule checked, and the flow's log-determinants."""

    point: np.ndarray
    value: np.ndarray  # F(p), length k
    jacobian: np.ndarray  # J(p), k × 2, from the whole model
    layers: tuple[LayerAtPoint, ...]
    product: np.ndarray | None  # Jₗ ⋯ J₁ (None when a layer's J was too large)
    chain_rule_max_abs_difference: float | None
    sum_log_abs_det: float | None  # Σ log|det Jᵢ| when every layer is square
    log_abs_det: float | None  # log|det J| when J is square
    model_log_det: float | None  # the model's own log-det output at p, if it has one
    model_log_det_output: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "point": _vec(self.point), "value": _vec(self.value), "jacobian": _mat(self.jacobian),
            "layers": [lay.as_dict() for lay in self.layers],
            "product": _mat(self.product),
            "chain_rule_max_abs_difference": None if self.chain_rule_max_abs_difference is None
            else _num(self.chain_rule_max_abs_difference),
            "sum_log_abs_det": None if self.sum_log_abs_det is None else _num(self.sum_log_abs_det),
            "log_abs_det": None if self.log_abs_det is None else _num(self.log_abs_det),
            "model_log_det": None if self.model_log_det is None else _num(self.model_log_det),
            "model_log_det_output": self.model_log_det_output,
        }


def _point(p) -> np.ndarray:
    arr = np.asarray(p, dtype=float).reshape(-1)
    if arr.size != 2:
        raise UsageError(f"a point of a network on the plane needs 2 coordinates, not {arr.size}")
    if not np.isfinite(arr).all():
        raise UsageError("the point's coordinates must be finite numbers")
    return arr


def log_det_output(net: NetworkMapping) -> str | None:
    """The name of the model's own log-determinant output (one value per point), if any."""
    for name in net.extra_outputs:
        slot = net.plan.slot[name]
        low = name.lower()
        if any(key in low for key in LOG_DET_NAMES) and net.plan.is_computed(slot) and \
                math.prod(net.plan.sample_shapes[slot]) == 1:
            return name
    return None


def layers_at(net: NetworkMapping, p) -> LayersReport:
    """Every layer of ``net`` at the point p, with the chain-rule and log-det checks."""
    p = _point(p)
    return net.remember("layers_at", (float(p[0]), float(p[1])), lambda: _layers_at(net, p))


def _layers_at(net: NetworkMapping, p: np.ndarray) -> LayersReport:
    layers = network_layers(net)
    plan = net.plan
    name = log_det_output(net)
    # One forward pass with the two unit tangents gives F, J, every boundary tensor and the
    # model's own log-det (the pass the readout made at this point, NetworkMapping.point_pass);
    # then each layer alone gives its Jacobian.
    outs = net.point_pass(p)
    at = {t: o[0, 0].reshape(-1) for t, o in outs.items()}
    at[0] = p
    reports = []
    for lay in layers:
        x = at[lay.input_slot]
        y = at[lay.output_slot]
        jac = _layer_jacobian(net, lay, x)
        if jac is None:
            reports.append(LayerAtPoint(lay, x, y, None, None, None, None))
            continue
        square = jac.shape[0] == jac.shape[1]
        det, lad = _slogdet(jac) if square else (None, None)
        reports.append(LayerAtPoint(lay, x, y, jac, _svals(jac), det, lad))
    final = outs[net.output_slot]
    value = nan_clean(final[0, 0].reshape(-1).astype(float))
    jac = nan_clean(final[1:3, 0].reshape(2, -1).T.astype(float))
    product = None
    diff = None
    if reports and all(r.jacobian is not None for r in reports):
        product = np.eye(2)
        with np.errstate(all="ignore"):
            for r in reports:
                product = r.jacobian @ product
            d = np.abs(product - jac)
        diff = float(d.max()) if np.isfinite(d).all() else math.nan
    sum_lad = None
    if reports and all(r.log_abs_det is not None for r in reports):
        sum_lad = float(sum(r.log_abs_det for r in reports))
    lad_total = _slogdet(jac)[1] if jac.shape == (2, 2) else None
    model_ld = None
    if name is not None:
        model_ld = float(nan_clean(outs[plan.slot[name]][0].reshape(-1))[0])
    return LayersReport(p, value, jac, tuple(reports), product, diff, sum_lad, lad_total, model_ld, name)


def _layer_jacobian(net: NetworkMapping, lay: Layer, x: np.ndarray) -> np.ndarray | None:
    """Jᵢ at the layer's input x, by forward mode with one tangent per input value."""
    plan = net.plan
    route = plan.route([lay.output_slot], start=lay.input_slot)
    n = lay.input_size
    if (1 + n) * plan.width(route) > 16 * limits.WORK_VALUES:
        return None
    shape = plan.sample_shapes[lay.input_slot]
    stack = np.zeros((1 + n, 1, *shape))
    stack[0, 0] = x.reshape(shape)
    stack[1:, 0] = np.eye(n).reshape((n, *shape))
    (out,) = plan.run(stack, route, start=lay.input_slot, basis=len(shape) == 1)
    return out[1:, 0].reshape(n, -1).T.copy()


# -- backpropagation


class OutputLoss(Protocol):
    """A scalar loss on the model's output q (..., k): its value (...) and gradient (..., k).

    :class:`jacviz.core.lab.backprop.Loss` (a typed L(u, v)) fits this for 2-output models.
    """

    def value(self, q: np.ndarray) -> np.ndarray: ...

    def gradient(self, q: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class LinearLoss:
    """L(q) = ⟨g, q⟩: backpropagating a covector g (the vectors tool's blue handle)."""

    g: np.ndarray

    def value(self, q):
        return np.tensordot(np.asarray(q, dtype=float), np.asarray(self.g, dtype=float), axes=([-1], [0]))

    def gradient(self, q):
        return np.broadcast_to(np.asarray(self.g, dtype=float), np.shape(q)).copy()


@dataclass(frozen=True)
class HalfSquaredError:
    """L(q) = ½‖q − target‖² (target 0 by default)."""

    target: np.ndarray | None = None

    def value(self, q):
        q = np.asarray(q, dtype=float)
        r = q - (0 if self.target is None else np.asarray(self.target, dtype=float))
        return 0.5 * np.sum(r * r, axis=-1)

    def gradient(self, q):
        q = np.asarray(q, dtype=float)
        return q - (0 if self.target is None else np.asarray(self.target, dtype=float))


@dataclass(frozen=True)
class CrossEntropy:
    """Cross-entropy for class ``target``: from logits L = logsumexp(q) − q_c, gradient
    softmax(q) − e_c; from probabilities L = −log q_c, gradient −e_c / q_c."""

    target: int
    probabilities: bool = False

    def value(self, q):
        q = np.asarray(q, dtype=float)
        if self.probabilities:
            with np.errstate(divide="ignore", invalid="ignore"):
                return -np.log(q[..., self.target])
        top = q.max(axis=-1, keepdims=True)
        return (top[..., 0] + np.log(np.exp(q - top).sum(axis=-1))) - q[..., self.target]

    def gradient(self, q):
        q = np.asarray(q, dtype=float)
        g = np.zeros_like(q)
        if self.probabilities:
            with np.errstate(divide="ignore", invalid="ignore"):
                g[..., self.target] = -1.0 / q[..., self.target]
            return g
        e = np.exp(q - q.max(axis=-1, keepdims=True))
        g = e / e.sum(axis=-1, keepdims=True)
        g[..., self.target] -= 1.0
        return g


def outputs_probabilities(net: NetworkMapping) -> bool:
    """True when the chosen output is made by a Softmax (a classifier's probabilities)."""
    step = net.plan.producer_step.get(net.output_slot)
    return step is not None and net.plan.steps[step].node.op == "Softmax"


def cross_entropy(net: NetworkMapping, target: int) -> CrossEntropy:
    """Cross-entropy for class ``target`` of ``net``, on logits or on probabilities as the
    model outputs them."""
    if not 0 <= int(target) < net.n_outputs:
        raise UsageError(f"class {target} does not exist; the model has classes 0 to {net.n_outputs - 1}")
    return CrossEntropy(int(target), outputs_probabilities(net))


@dataclass(frozen=True)
class BackpropStep:
    """One layer going back: the gradient at its output and Jᵢᵀ times it at its input."""

    layer: Layer
    output_gradient: np.ndarray  # gᵢ, length mᵢ
    input_gradient: np.ndarray | None  # gᵢ₋₁ = Jᵢᵀ gᵢ, length nᵢ

    def as_dict(self) -> dict[str, object]:
        return {"index": self.layer.index, "name": self.layer.name,
                "output_gradient": _vec(self.output_gradient), "input_gradient": _vec(self.input_gradient)}


@dataclass(frozen=True)
class BackpropReport:
    """Backpropagation through every layer at p, checked against finite differences."""

    point: np.ndarray
    value: np.ndarray  # F(p)
    loss: float  # L(F(p))
    output_gradient: np.ndarray  # ∇L at F(p)
    steps: tuple[BackpropStep, ...]  # from the last layer back to the first
    input_gradient: np.ndarray  # ∇ₓ(L∘F)(p) = Jᵀ ∇L, through the layers when they are all formed
    finite_difference: np.ndarray  # central differences of L∘F at p
    step: np.ndarray  # h per coordinate
    max_abs_difference: float

    def as_dict(self) -> dict[str, object]:
        return {
            "point": _vec(self.point), "value": _vec(self.value), "loss": _num(self.loss),
            "output_gradient": _vec(self.output_gradient), "steps": [s.as_dict() for s in self.steps],
            "input_gradient": _vec(self.input_gradient), "finite_difference": _vec(self.finite_difference),
            "max_abs_difference": _num(self.max_abs_difference),
        }


def backprop_at(net: NetworkMapping, p, loss: OutputLoss | None = None, *,
                output_gradient=None, h: float | None = None) -> BackpropReport:
    """Backpropagate a loss (or a covector at the output) through the layers of ``net`` at p.

    Give ``loss`` (anything with ``value(q)`` and ``gradient(q)``, such as
    :class:`CrossEntropy`) or ``output_gradient`` (a covector g of length k, backpropagated
    as the loss ⟨g, F⟩). The finite difference uses h = ε^(1/3)·max(1, |pᵢ|) unless ``h``
    is given.
    """
    p = _point(p)
    if loss is None:
        if output_gradient is None:
            loss = HalfSquaredError()
        else:
            g = np.asarray(output_gradient, dtype=float).reshape(-1)
            if g.size != net.n_outputs:
                raise UsageError(f"the output gradient needs {net.n_outputs} numbers (one per output), "
                                 f"not {g.size}")
            loss = LinearLoss(g)
    report = layers_at(net, p)
    q = report.value
    g = np.asarray(loss.gradient(q), dtype=float).reshape(-1)
    steps = []
    current: np.ndarray | None = g
    for lay in reversed(report.layers):
        back = None
        if current is not None and lay.jacobian is not None:
            with np.errstate(all="ignore"):
                back = lay.jacobian.T @ current
        steps.append(BackpropStep(lay.layer, current, back))
        current = back
    with np.errstate(all="ignore"):
        via_j = report.jacobian.T @ g
    grad = current if current is not None else via_j
    if h is None:
        step = np.cbrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(p))
    else:
        if not (h > 0 and math.isfinite(h)):
            raise UsageError("the finite-difference step must be a positive number")
        step = np.full(2, float(h))
    offsets = np.array([[step[0], 0.0], [-step[0], 0.0], [0.0, step[1]], [0.0, -step[1]]])
    pts = p + offsets
    ev = net.evaluate((pts[:, 0], pts[:, 1]), jacobian=False)
    losses = np.asarray(loss.value(ev.vector()), dtype=float)
    fd = np.array([(losses[0] - losses[1]) / (2 * step[0]), (losses[2] - losses[3]) / (2 * step[1])])
    with np.errstate(invalid="ignore"):
        diff = np.abs(grad - fd)
    value = float(np.asarray(loss.value(q), dtype=float))
    return BackpropReport(p, q, value, g, tuple(steps), grad, fd, step,
                          float(diff.max()) if np.isfinite(diff).all() else math.nan)

