"""A trained network as a numeric mapping: F: R² → Rᵏ and its k×2 Jacobian on arrays of points.

:class:`NetworkMapping` implements the numeric mapping protocol of
:mod:`jacviz.core.numeric.protocol`, so sampling, the laboratory and the readout use a 2 → 2
model exactly like a compiled formula; a classifier (2 → k logits or probabilities) and a
scalar field (2 → 1) are mappings of other shapes.

F and J come out of one forward pass: the input stack carries the point and the two unit
tangents e₁, e₂, and every operator pushes both along (forward-mode differentiation), so J
costs about twice F and never a finite difference. Points are processed in chunks sized so
that the widest layer's stack stays below :data:`~.limits.CHUNK_VALUES` values, which bounds
memory for a 512² heatmap and keeps each chunk's arrays a few MiB, near the size of the
CPU's caches (the size was chosen by measuring, :mod:`.limits`); the chunks of one call are
shared between this thread and a helper (:mod:`.chunks`).

The mapping is the model's first output unless another is chosen; the others (such as a
flow's log-determinant) are available through :meth:`NetworkMapping.outputs_at`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from jacviz.core.errors import ModelError
from jacviz.core.network import limits
from jacviz.core.network.chunks import run_chunks
from jacviz.core.network.graph import ModelGraph
from jacviz.core.network.plan import Plan
from jacviz.core.network.reader import read_model, read_model_bytes
from jacviz.core.numeric.protocol import Evaluation, MappingBase, Params, nan_clean

VARIABLES = ("x", "y")


class NetworkMapping(MappingBase):
    """A model with input [batch, 2] as the mapping p ↦ (its chosen output at p).

    ``variables`` are ("x", "y"), the two columns of the input; a network has no
    parameters. ``output_names`` are the components' names ("logit 0", ...) for readouts.
    """

    parameters: tuple[str, ...] = ()

    def __init__(self, graph: ModelGraph, output: str | None = None, *, source: str | None = None) -> None:
        self.variables = VARIABLES
        self.graph = graph
        self.precision = np.dtype(graph.input_dtype)  # float32 for a float32 model (MappingBase)
        self.plan = Plan(graph)
        self.source = source
        self.name = graph.name
        if output is None:
            output = graph.outputs[0]
        if output not in graph.outputs:
            raise ModelError(f"the model has no output {output!r} (it has {', '.join(graph.outputs)})")
        self.output = output
        self.output_slot = self.plan.slot[output]
        if not self.plan.is_computed(self.output_slot):
            raise ModelError(f"the output {output!r} does not depend on the input")
        shape = self.plan.sample_shapes[self.output_slot]
        if len(shape) > 1 or math.prod(shape) < 1:
            raise ModelError(f"the output {output!r} has shape [batch, {', '.join(map(str, shape))}]; jacviz "
                             "shows outputs of shape [batch, k]")
        declared = graph.output_shapes.get(output)
        if declared is not None and (len(declared) != 1 + len(shape) or any(
                isinstance(d, int) and d != s for d, s in zip(declared[1:], shape, strict=False))):
            raise ModelError(f"the model declares its output {output!r} as {list(declared)} but computes "
                             f"[batch, {', '.join(map(str, shape))}]")
        self._k = math.prod(shape)
        self.route = self.plan.route([self.output_slot])
        self._width = self.plan.width(self.route)
        self.extra_outputs = tuple(n for n in graph.outputs if n != output)
        # Every computed tensor, for the one-point pass (the log-det outputs too).
        self._point_route = self.plan.route(sorted(self.plan.producer_step))
        self._memo: dict[str, tuple] = {}

    def __repr__(self) -> str:
        return f"NetworkMapping({self.name!r}, 2 → {self._k})"

    @property
    def n_outputs(self) -> int:
        return self._k

    @property
    def output_names(self) -> tuple[str, ...]:
        if self._k == 1:
            return (self.output,)
        return tuple(f"{self.output}[{i}]" for i in range(self._k))

    def chunk_size(self, tangents: int) -> int:
        """Points per chunk so that the widest stack holds about CHUNK_VALUES values."""
        return max(1, limits.CHUNK_VALUES // ((1 + tangents) * self._width))

    # -- the protocol

    def evaluate(self, coords: Sequence, params: Params = None, *, jacobian: bool = True,
                 dtype=np.float64) -> Evaluation:
        """F (and J) at the points given as two broadcasting arrays; NaN where undefined."""
        if len(coords) != 2:
            raise ModelError(f"a network on the plane takes 2 coordinates, not {len(coords)}")
        dtype = np.dtype(dtype)
        x, y = np.broadcast_arrays(np.asarray(coords[0], dtype=dtype), np.asarray(coords[1], dtype=dtype))
        shape = x.shape
        values, jac = self._run_points(x.reshape(-1), y.reshape(-1), jacobian, dtype)
        k = self._k
        vals = tuple(nan_clean(values[i].reshape(shape)) for i in range(k))
        if not jacobian:
            return Evaluation(vals)
        rows = tuple(tuple(nan_clean(jac[i, j].reshape(shape)) for j in range(2)) for i in range(k))
        return Evaluation(vals, rows)

    def _run_points(self, xs: np.ndarray, ys: np.ndarray, jacobian: bool, dtype: np.dtype):
        n, k = xs.size, self._k
        tangents = 2 if jacobian else 0
        values = np.empty((k, n), dtype=dtype)
        jac = np.empty((k, 2, n), dtype=dtype) if jacobian else None
        chunk = self.chunk_size(tangents)

        def work(start: int) -> None:
            stop = min(n, start + chunk)
            stack = np.zeros((1 + tangents, stop - start, 2), dtype=dtype)
            stack[0, :, 0] = xs[start:stop]
            stack[0, :, 1] = ys[start:stop]
            if jacobian:
                stack[1, :, 0] = 1
                stack[2, :, 1] = 1
            (out,) = self.plan.run(stack, self.route, basis=jacobian)
            out = out.reshape(1 + tangents, stop - start, k)
            values[:, start:stop] = out[0].T
            if jacobian:
                jac[:, 0, start:stop] = out[1].T
                jac[:, 1, start:stop] = out[2].T

        run_chunks(work, range(0, n, chunk))
        return values, jac

    def jacobian(self, x, y, params: Params = None, dtype=np.float64) -> tuple[np.ndarray, ...]:
        """(a, b, c, d, det) at the points (x, y) (2 → 2 models only)."""
        if self._k != 2:
            raise ModelError(f"det J needs a square Jacobian; this model's J is {self._k}×2")
        return super().jacobian(x, y, params, dtype)

    def values_and_jacobian(self, x, y, params: Params = None, dtype=np.float64):
        """(values, (a, b, c, d, det)) from one pass: what :meth:`values` and :meth:`jacobian`
        give, without evaluating the model twice (the readout asks for both at the cursor)."""
        if self._k != 2:
            raise ModelError(f"det J needs a square Jacobian; this model's J is {self._k}×2")
        if np.ndim(x) == 0 and np.ndim(y) == 0 and np.dtype(dtype) == np.float64:
            out = self.point_pass((float(x), float(y)))[self.output_slot].reshape(3, 2)
            u, v, a, c, b, d = (nan_clean(np.array(e)) for e in out.reshape(-1))  # F, ∂F/∂x, ∂F/∂y
            values = (u, v)
        else:
            ev = self.evaluate((x, y), params, jacobian=True, dtype=dtype)
            values, ((a, b), (c, d)) = ev.values, ev.jacobian
        with np.errstate(all="ignore"):
            det = nan_clean(np.asarray(a * d - b * c, dtype=dtype))
        return values, (a, b, c, d, det)

    # -- one point: the cursor

    def point_pass(self, p) -> dict[int, np.ndarray]:
        """Every tensor the model computes at the point p with its derivatives along x and y:
        slot -> a read-only (3, 1, *s) float64 stack (value, ∂/∂x, ∂/∂y).

        The last point's pass is kept, so the readout, the layer panel and backpropagation at
        one cursor position share one evaluation of the model (:meth:`remember`).
        """
        p = np.asarray(p, dtype=np.float64).reshape(2)
        return self.remember("point_pass", (float(p[0]), float(p[1])), lambda: self._pass_at(p[None])[0])

    def prefetch_values(self, xs: np.ndarray, ys: np.ndarray) -> None:
        """Run the model once for the point pass at (xs[0], ys[0]) and F at all of (xs, ys).

        For the cursor, which asks for both in turn: the readout and the layer panel for the
        pass (:meth:`point_pass`), the linearization for F on a small circle around p with p
        first (:func:`~jacviz.core.sampling.linearization.probe_points`). After this, those
        two calls are answered from the one run: for a coupling flow of 86 small steps that
        is one walk through them instead of two, each costing about as much as the other.
        :meth:`values` answers only for the very same arrays, which are kept.
        """
        xs = np.array(xs, dtype=np.float64).reshape(-1)
        ys = np.array(ys, dtype=np.float64).reshape(-1)
        if xs.size == 0 or xs.shape != ys.shape:
            return
        kept = self._memo.get("values")
        if kept is not None and np.array_equal(kept[0][0], xs) and np.array_equal(kept[0][1], ys):
            return  # the window redraws its overlay for the same cursor (a new scene, a pin)
        first, values = self._pass_at(np.stack([xs, ys], axis=1))
        self._memo["point_pass"] = ((float(xs[0]), float(ys[0])), first)
        xs.flags.writeable = ys.flags.writeable = False
        self._memo["values"] = ((xs, ys), values)

    def _pass_at(self, points: np.ndarray) -> tuple[dict[int, np.ndarray], tuple[np.ndarray, ...]]:
        """The point pass (see :meth:`point_pass`) at ``points[0]``, and F at every point.

        One run of every step with the two unit tangents at every point; the tangents at the
        points after the first cost little next to the walk through the steps.
        """
        n = len(points)
        stack = np.zeros((3, n, 2))
        stack[0] = points
        stack[1, :, 0] = stack[2, :, 1] = 1.0
        route = self._point_route
        outs = dict(zip(route.targets, self.plan.run(stack, route, basis=True), strict=True))
        outs[0] = stack
        first = {}
        for slot, arr in outs.items():
            view = arr[:, :1]
            view.flags.writeable = False
            first[slot] = view
        out = outs[self.output_slot][0].reshape(n, self._k)
        values = tuple(nan_clean(np.array(out[:, i])) for i in range(self._k))
        for v in values:
            v.flags.writeable = False
        return first, values

    def values(self, x, y, params: Params = None, dtype=np.float64) -> tuple[np.ndarray, ...]:
        """F at the points (x, y); the very arrays given to :meth:`prefetch_values` are
        answered from its run (read-only arrays)."""
        kept = self._memo.get("values")
        if kept is not None and np.dtype(dtype) == np.float64:
            (kx, ky), values = kept
            if (np.shape(x) == kx.shape and np.shape(y) == ky.shape
                    and np.array_equal(x, kx) and np.array_equal(y, ky)):
                return values
        return super().values(x, y, params, dtype)

    def remember(self, name: str, key, compute):
        """``compute()``, or its result kept from the last call under ``name`` with this ``key``.

        One entry per name: the numbers at the cursor are asked for by several panels in
        turn, and the cursor then moves on. The entry is replaced in one assignment, so a
        sampling thread calling this at the same time sees one result or the other.
        """
        kept = self._memo.get(name)
        if kept is not None and kept[0] == key:
            return kept[1]
        value = compute()
        self._memo[name] = (key, value)
        return value

    # -- everything the model computes

    def outputs_at(self, points) -> dict[str, np.ndarray]:
        """Every graph output at the points (..., 2), each as (..., size per point); no J."""
        pts = np.asarray(points, dtype=np.float64)
        if pts.shape[-1:] != (2,):
            raise ModelError("a point of a network on the plane has 2 coordinates")
        flat = pts.reshape(-1, 2)
        targets = [self.plan.slot[n] for n in self.graph.outputs]
        route = self.plan.route(targets)
        stack = flat[None].copy()
        results = self.plan.run(stack, route)
        out = {}
        for name, arr in zip(self.graph.outputs, results, strict=True):
            out[name] = nan_clean(arr[0].reshape((*pts.shape[:-1], -1)))
        return out


def open_model(path: str | os.PathLike, *, output: str | None = None) -> NetworkMapping:
    """Read, check and compile the ONNX model at ``path``; ModelError (one line) if it cannot."""
    graph = read_model(path)
    return NetworkMapping(graph, output, source=str(Path(path)))


def model_from_bytes(data: bytes, *, name: str = "model", output: str | None = None) -> NetworkMapping:
    """The same from bytes in memory (a model shipped in the wheel); no external data."""
    graph = read_model_bytes(data, folder=None, name=name)
    return NetworkMapping(graph, output, source=None)
