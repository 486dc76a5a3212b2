"""A checked model graph compiled into steps that evaluate values and tangents together.

Compiling does three things once, when the model is opened:

* every node whose inputs are all constants is computed now (constant folding), so what is
  left are the steps that depend on the input point;
* the steps are run on a probe of two points with one tangent, which checks every shape and
  every rule of :mod:`.operators` before the model is shown (an error names the node);
* the size of every computed tensor per point is recorded, for choosing chunk sizes and for
  the layer panel.

:meth:`Plan.run` then evaluates a list of steps on a stack (1 + k, B, *s) for the input (or
for any tensor a layer starts from), dropping each intermediate as soon as nothing needs it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jacviz.core.errors import ModelError
from jacviz.core.network import limits
from jacviz.core.network.graph import ModelGraph, Node
from jacviz.core.network.operators import KERNELS, Context, Dual, Kernel, fast_kernel


@dataclass(frozen=True)
class Step:
    """One node that depends on the input: slot numbers in, slot numbers out."""

    kernel: Kernel
    inputs: tuple[int | None, ...]
    outputs: tuple[int | None, ...]
    attrs: dict
    context: Context
    node: Node


@dataclass(frozen=True)
class Route:
    """The steps needed for some tensors, in order, and the slots to free after each."""

    steps: tuple[int, ...]
    free_after: tuple[tuple[int, ...], ...]
    targets: tuple[int, ...]


def _node_error(node: Node, err: Exception) -> ModelError:
    if isinstance(err, ModelError):
        return ModelError(f"{node.describe()}: {err.message}")
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    return ModelError(f"{node.describe()}: its inputs do not fit ({text})")


def call(step_or_node, kernel: Kernel, ins: list, attrs: dict, context: Context) -> list:
    """Run one kernel, turning any failure into a ModelError that names the node."""
    try:
        with np.errstate(all="ignore"):
            return kernel(ins, attrs, context)
    except (ModelError, ValueError, IndexError, TypeError, ArithmeticError) as err:
        raise _node_error(step_or_node, err) from None


class Plan:
    """A model graph compiled for evaluation; see the module docstring."""

    def __init__(self, graph: ModelGraph) -> None:
        self.graph = graph
        self.slot: dict[str, int] = {graph.input_name: 0}
        self.constants: dict[int, np.ndarray] = {}
        folded = 0
        for name, arr in graph.constants.items():
            self.constants[self._slot(name)] = arr
        self.steps: list[Step] = []
        for node in graph.nodes:
            ins = tuple(self._slot(n) if n else None for n in node.inputs)
            outs = tuple(self._slot(n) if n else None for n in node.outputs)
            context = Context(graph.opset, graph.input_batch, len(node.outputs))
            kernel = KERNELS[node.op]
            if all(s is None or s in self.constants for s in ins):
                values = call(node, kernel, [None if s is None else self.constants[s] for s in ins],
                              node.attrs, context)
                for s, v in zip(outs, values, strict=False):
                    if s is None:
                        continue
                    v = np.asarray(v)
                    folded += v.size
                    if folded > limits.MAX_WEIGHT_VALUES:
                        raise ModelError(f"{node.describe()}: its constants hold more values than jacviz "
                                         f"allows ({limits.MAX_WEIGHT_VALUES})")
                    if v.dtype.kind == "f" and not np.isfinite(v).all():
                        raise ModelError(f"{node.describe()}: it computes NaN or infinite constants")
                    if v.dtype.kind == "f":
                        v = v.astype(np.float64)
                    self.constants[s] = v
            else:
                attrs = node.attrs
                if node.op == "Gemm":
                    ins, attrs = self._prepare_gemm(node, ins, attrs)
                self.steps.append(Step(kernel, ins, outs, attrs, context, node))
        self.n_slots = len(self.slot)
        self.outputs = tuple(self.slot[name] for name in graph.outputs)
        self._names = {s: n for n, s in self.slot.items()}
        self._routes: dict[tuple[int, ...], Route] = {}
        self._templates: dict[np.dtype, list] = {}
        self.producer_step: dict[int, int] = {}
        for i, step in enumerate(self.steps):
            for s in step.outputs:
                if s is not None:
                    self.producer_step[s] = i
        # The kernel run() calls for each step: a specialised one where the probe allows it.
        self.kernels: list[Kernel] = [step.kernel for step in self.steps]
        self.sample_shapes = self._probe()

    def _prepare_gemm(self, node: Node, ins, attrs):
        """Fold alpha and transB into a contiguous weight matrix (and beta into C) once, so
        each evaluation is one plain matrix product plus a bias."""
        if len(ins) < 2 or ins[1] not in self.constants or self.constants[ins[1]].ndim != 2:
            return ins, attrs
        w = self.constants[ins[1]]
        w = np.ascontiguousarray(w.T if attrs.get("transB", 0) else w) * float(attrs.get("alpha", 1.0))
        new = list(ins)
        new[1] = self._slot(f"{node.name}/prepared-B#{len(self.slot)}")
        self.constants[new[1]] = w
        if len(ins) > 2 and ins[2] is not None and ins[2] in self.constants:
            new[2] = self._slot(f"{node.name}/prepared-C#{len(self.slot)}")
            self.constants[new[2]] = self.constants[ins[2]] * float(attrs.get("beta", 1.0))
        keep_beta = new[2] == ins[2] if len(ins) > 2 else False  # C not folded: the kernel refuses it
        drop = {"alpha", "transB"} | (set() if keep_beta else {"beta"})
        attrs = {k: v for k, v in attrs.items() if k not in drop}
        return tuple(new), attrs

    def _slot(self, name: str) -> int:
        if name not in self.slot:
            self.slot[name] = len(self.slot)
        return self.slot[name]

    def name_of(self, slot: int) -> str:
        return self._names[slot]

    def is_computed(self, slot: int) -> bool:
        return slot == 0 or slot in self.producer_step

    # -- routes

    def route(self, targets: Sequence[int], start: int = 0) -> Route:
        """The steps from ``start`` (the slot the stack is given for) to ``targets``.

        Only the ancestors of the targets are kept, so the log-determinant output of a flow
        costs nothing when only its first output is asked for.
        """
        key = (start, *targets)
        if key in self._routes:
            return self._routes[key]
        needed: set[int] = set()
        pending = [t for t in targets if t in self.producer_step and t != start]
        seen = set(pending)
        while pending:
            i = self.producer_step[pending.pop()]
            if i in needed:
                continue
            needed.add(i)
            for s in self.steps[i].inputs:
                if s is not None and s in self.producer_step and s != start and s not in seen:
                    seen.add(s)
                    pending.append(s)
        order = sorted(needed)
        last_use: dict[int, int] = {}
        for pos, i in enumerate(order):
            for s in self.steps[i].inputs:
                if s is not None and s not in self.constants:
                    last_use[s] = pos
        keep = set(targets)
        frees: list[list[int]] = [[] for _ in order]
        for s, pos in last_use.items():
            if s not in keep:
                frees[pos].append(s)
        route = Route(tuple(order), tuple(tuple(f) for f in frees), tuple(targets))
        self._routes[key] = route
        return route

    def _template(self, dtype: np.dtype) -> list:
        """The slot table with every float constant in ``dtype`` (cast once per dtype)."""
        dtype = np.dtype(dtype)
        if dtype not in self._templates:
            env: list = [None] * self.n_slots
            for s, arr in self.constants.items():
                env[s] = arr.astype(dtype) if arr.dtype.kind == "f" else arr
            self._templates[dtype] = env
        return self._templates[dtype]

    def run(self, stack: np.ndarray, route: Route, start: int = 0, *,
            basis: bool = False) -> list[np.ndarray]:
        """Evaluate ``route`` with ``stack`` (1 + k, B, *s) given for the slot ``start``.

        ``basis`` promises that the stack's tangents are the unit vectors (k = s = n and
        tangent i is eᵢ), which lets a first linear layer skip multiplying them.
        Returns one stack per target. Floating-point warnings are silenced: NaN and inf are
        what undefined values become, and the mapping cleans them.
        """
        if basis and not (stack.ndim == 3 and stack.shape[0] == 1 + stack.shape[2]):
            raise ValueError(f"a stack of shape {stack.shape} cannot hold the unit tangents")
        env = list(self._template(stack.dtype))
        env[start] = Dual(stack, basis=basis)
        steps, kernels = self.steps, self.kernels
        with np.errstate(all="ignore"):
            for i, frees in zip(route.steps, route.free_after, strict=True):
                step = steps[i]
                outs = kernels[i]([None if s is None else env[s] for s in step.inputs], step.attrs,
                                  step.context)
                for s, v in zip(step.outputs, outs, strict=False):
                    if s is not None:
                        env[s] = v
                for s in frees:
                    env[s] = None
        out = []
        for t in route.targets:
            v = env[t]
            out.append(v.data if type(v) is Dual else _constant_stack(v, stack))
        return out

    # -- the probe

    def _probe(self) -> dict[int, tuple[int, ...]]:
        """Run every step once on two points with one tangent, recording the shapes per point
        and choosing each step's kernel for :meth:`run` (:func:`.operators.fast_kernel`)."""
        stack = np.zeros((2, 2, 2))
        stack[0] = [[0.25, -0.5], [0.75, 0.5]]
        stack[1, :, 0] = 1.0
        env: list = list(self._template(np.dtype(np.float64)))
        env[0] = Dual(stack)
        shapes = {0: (2,)}
        for i, step in enumerate(self.steps):
            ins = [None if s is None else env[s] for s in step.inputs]
            outs = call(step.node, step.kernel, ins, step.attrs, step.context)
            self.kernels[i] = fast_kernel(step.node.op, ins, step.attrs, step.context) or step.kernel
            for s, v in zip(step.outputs, outs, strict=False):
                if s is None:
                    continue
                if type(v) is not Dual or v.data.shape[:2] != (2, 2):
                    raise ModelError(f"{step.node.describe()}: it does not keep the points apart")
                if math.prod(v.sample_shape) > limits.MAX_SAMPLE_VALUES:
                    raise ModelError(f"{step.node.describe()}: its result holds "
                                     f"{math.prod(v.sample_shape)} values per point, more than jacviz "
                                     f"allows ({limits.MAX_SAMPLE_VALUES})")
                env[s] = v
                shapes[s] = v.sample_shape
        return shapes

    def width(self, route: Route) -> int:
        """The most values per point any tensor on ``route`` holds (for chunk sizes)."""
        widest = max([math.prod(self.sample_shapes[0])] + [
            math.prod(self.sample_shapes[s]) for i in route.steps for s in self.steps[i].outputs
            if s is not None])
        return max(1, widest)


def _constant_stack(value: np.ndarray, like: np.ndarray) -> np.ndarray:
    """A constant output broadcast over the points of ``like``, with zero tangents."""
    out = np.zeros((like.shape[0], like.shape[1], *np.shape(value)), dtype=like.dtype)
    out[0] = value
    return out
