"""A formula compiled into numeric programs: F, J and (when square) det J on arrays, without sympy.

A :class:`CompiledMapping` is plain data (:class:`~jacviz.core.numeric.program.Program`
objects) and can be cached as JSON; :mod:`jacviz.core.symbolic.translate` makes one from a
sympy-backed mapping. Its programs, for n variables and m components:

* ``values_program``: the m components;
* ``jacobian_program``: the m·n entries of J row by row, then det J when m = n, then the m
  components (so J can be blanked wherever F itself is undefined);
* ``det_program``: det J and the m components, only when m = n (the heatmap's fast path);
* ``kink_program``: the kink indicators, expressions that are exactly 0 wherever F may not be
  differentiable (the argument of abs or sign, a point on a branch cut), or None when F has
  none. Only :meth:`CompiledMapping.on_kink` runs it, for the readout's notes: J's formula
  at such a point follows sympy's sign(0) = 0, which is not a derivative. A cached mapping
  saved before this program existed loads with None.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

from jacviz.core.errors import MappingError, UsageError
from jacviz.core.numeric.program import Program
from jacviz.core.numeric.protocol import Evaluation, MappingBase, Params, nan_where_undefined


@dataclass(frozen=True)
class CompiledMapping(MappingBase):
    """F: Rⁿ → Rᵐ compiled from a formula; ``variables`` and ``parameters`` order the inputs."""

    variables: tuple[str, ...]
    parameters: tuple[str, ...]
    values_program: Program
    jacobian_program: Program
    det_program: Program | None = None
    kink_program: Program | None = None

    def __post_init__(self) -> None:
        m, n = len(self.values_program.outputs), len(self.variables)
        want = m * n + (1 if m == n else 0) + m
        inputs = n + len(self.parameters)
        ok = (
            m >= 1 and n >= 1
            and len(self.jacobian_program.outputs) == want
            and all(len(p.inputs) == inputs for p in self._programs())
            and (self.det_program is None) == (m != n)
            and (self.det_program is None or len(self.det_program.outputs) == 1 + m)
            and (self.kink_program is None or len(self.kink_program.inputs) == inputs)
        )
        if not ok:
            raise MappingError("invalid compiled mapping: its programs do not fit together")

    def _programs(self) -> list[Program]:
        progs = [self.values_program, self.jacobian_program]
        return progs if self.det_program is None else [*progs, self.det_program]

    @property
    def n_outputs(self) -> int:
        return len(self.values_program.outputs)

    def _inputs(self, coords, params: Params) -> list:
        params = params or {}
        return [*coords, *(float(params.get(name, 1.0)) for name in self.parameters)]

    def evaluate(self, coords, params: Params = None, *, jacobian: bool = True,
                 dtype=np.float64) -> Evaluation:
        coords = tuple(coords)
        if len(coords) != self.n_inputs:
            raise MappingError(f"this mapping takes {self.n_inputs} coordinates, not {len(coords)}")
        if not jacobian:
            return Evaluation(tuple(self.values_program.run(*self._inputs(coords, params), dtype=dtype)))
        m, n = self.shape
        out = self.jacobian_program.run(*self._inputs(coords, params), dtype=dtype)
        entries, values = out[: m * n], out[len(out) - m:]
        nan_where_undefined(entries, np.logical_or.reduce([np.isnan(v) for v in values]))
        rows = tuple(tuple(entries[i * n:(i + 1) * n]) for i in range(m))
        return Evaluation(tuple(values), rows)

    # -- the planar fast paths: one program run each
    def values(self, x, y, params: Params = None, dtype=np.float64):
        """The components of F at the points (x, y), broadcast together."""
        return tuple(self.values_program.run(*self._inputs((x, y), params), dtype=dtype))

    def jacobian(self, x, y, params: Params = None, dtype=np.float64):
        """(a, b, c, d, det) at the points (x, y), where J = [[a, b], [c, d]] (2×2 only).

        NaN wherever F itself is undefined: log(x) has the derivative 1/x for x < 0 too,
        but there is no mapping there to take the Jacobian of.
        """
        if self.shape != (2, 2):
            return super().jacobian(x, y, params, dtype)
        *entries, u, v = self.jacobian_program.run(*self._inputs((x, y), params), dtype=dtype)
        nan_where_undefined(entries, np.isnan(u) | np.isnan(v))
        return tuple(entries)

    def values_and_jacobian(self, x, y, params: Params = None, dtype=np.float64):
        """((u, v), (a, b, c, d, det)): what :meth:`values` and :meth:`jacobian` give (2×2 only).

        At one point (the cursor) both come from plain floats (:meth:`Program.run_point`):
        the readout asks for them on every mouse move, and four fifths of the time of two
        array runs was bookkeeping for arrays of one element.
        """
        if self.shape != (2, 2) or np.ndim(x) or np.ndim(y) or np.dtype(dtype) != np.float64:
            return self.values(x, y, params, dtype), self.jacobian(x, y, params, dtype)
        inputs = self._inputs((float(x), float(y)), params)
        u, v = self.values_program.run_point(*inputs)
        *entries, ju, jv = self.jacobian_program.run_point(*inputs)
        if math.isnan(ju) or math.isnan(jv):
            entries = [math.nan] * len(entries)
        return (np.array(u), np.array(v)), tuple(np.array(e) for e in entries)

    def point_values_and_jacobian(self, p, params: Params = None):
        """F(p) and J(p) at one point, from plain floats (:meth:`Program.run_point`): the
        numbers of :meth:`evaluate` bit for bit, without its bookkeeping for arrays."""
        coords = [float(c) for c in np.asarray(p, dtype=float).reshape(-1)]
        if len(coords) != self.n_inputs:
            raise UsageError(f"a point of this mapping needs {self.n_inputs} coordinates, not {len(coords)}")
        m, n = self.shape
        out = self.jacobian_program.run_point(*self._inputs(coords, params))
        entries, values = out[: m * n], out[len(out) - m:]
        if any(math.isnan(v) for v in values):
            entries = [math.nan] * (m * n)
        return tuple(values), tuple(tuple(entries[i * n:(i + 1) * n]) for i in range(m))

    def det(self, x, y, params: Params = None, dtype=np.float64):
        """det J at the points (x, y) (square only); NaN wherever F or J is undefined."""
        if self.det_program is None or self.n_inputs != 2:
            raise MappingError(f"det J needs a square Jacobian of 2 variables (this one is {self.shape})")
        det, *values = self.det_program.run(*self._inputs((x, y), params), dtype=dtype)
        det[np.logical_or.reduce([np.isnan(v) for v in values])] = np.nan
        return det

    # -- one point: what the readout's notes need
    def on_kink(self, point, params: Params = None) -> bool:
        """True when some kink indicator is exactly 0 at ``point`` (a candidate, see point_info)."""
        if self.kink_program is None:
            return False
        out = self.kink_program.run(*self._inputs(tuple(float(c) for c in point), params))
        return any(bool(np.asarray(k) == 0) for k in out)

    def overflows(self, point, params: Params = None) -> tuple[tuple[bool, ...], tuple[bool, ...]]:
        """At one point: (which components, which entries of J row by row) overflow a float64.

        See :meth:`Program.overflows`; a pole or an undefined value is not an overflow.
        """
        inputs = self._inputs(tuple(float(c) for c in point), params)
        m, n = self.shape
        values = self.values_program.overflows(*inputs)
        entries = self.jacobian_program.overflows(*inputs)[: m * n]
        return values, entries

    # -- persistence (the compiled-code cache)
    def to_json(self) -> str:
        data = {
            "variables": self.variables,
            "parameters": self.parameters,
            "values": json.loads(self.values_program.to_json()),
            "jacobian": json.loads(self.jacobian_program.to_json()),
            "det": json.loads(self.det_program.to_json()) if self.det_program is not None else None,
        }
        if self.kink_program is not None:  # absent, not null, so older readers see what they know
            data["kinks"] = json.loads(self.kink_program.to_json())
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> CompiledMapping:
        """Load a saved mapping; anything malformed raises :class:`MappingError`."""
        try:
            data = json.loads(text)
            det = data["det"]
            kinks = data.get("kinks")  # missing in entries saved before kink programs existed
            return cls(
                tuple(str(v) for v in data["variables"]),
                tuple(str(p) for p in data["parameters"]),
                Program.from_json(json.dumps(data["values"])),
                Program.from_json(json.dumps(data["jacobian"])),
                Program.from_json(json.dumps(det)) if det is not None else None,
                Program.from_json(json.dumps(kinks)) if kinks is not None else None,
            )
        except MappingError:
            raise
        except (ValueError, TypeError, KeyError, RecursionError) as err:  # see Program.from_json
            raise MappingError(f"invalid compiled mapping: {err}") from None
