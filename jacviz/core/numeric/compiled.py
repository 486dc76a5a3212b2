"""A mapping compiled into numeric programs: F, J and det J on arrays, without sympy.

A :class:`CompiledMapping` is plain data (three :class:`~jacviz.core.numeric.program.Program`
objects) and can be cached as JSON; :mod:`jacviz.core.symbolic.translate` makes one from a
sympy-backed mapping.
"""

from __future__ import annotations

import json
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass

import numpy as np

from jacviz.core.errors import MappingError
from jacviz.core.numeric.program import Program


@dataclass(frozen=True)
class CompiledMapping:
    """Numeric functions of a mapping: F, the four entries of J, det J, all vectorised.

    ``variables`` and ``parameters`` give the order of the inputs. The programs are plain
    data and can be cached as JSON (see :meth:`to_json`).
    """

    variables: tuple[str, str]
    parameters: tuple[str, ...]
    values_program: Program  # u, v
    jacobian_program: Program  # a, b, c, d, det, u, v   (J = [[a, b], [c, d]])
    det_program: Program  # det, u, v

    def _inputs(self, x, y, params: MappingABC[str, float] | None) -> list:
        params = params or {}
        return [x, y, *(float(params.get(name, 1.0)) for name in self.parameters)]

    def values(self, x, y, params: MappingABC[str, float] | None = None, dtype=np.float64):
        """(u, v) at the points (x, y), broadcast together."""
        u, v = self.values_program.run(*self._inputs(x, y, params), dtype=dtype)
        return u, v

    def jacobian(self, x, y, params: MappingABC[str, float] | None = None, dtype=np.float64):
        """(a, b, c, d, det) at the points (x, y), where J = [[a, b], [c, d]].

        NaN wherever F itself is undefined: log(x) has the derivative 1/x for x < 0 too,
        but there is no mapping there to take the Jacobian of.
        """
        *entries, u, v = self.jacobian_program.run(*self._inputs(x, y, params), dtype=dtype)
        undefined = np.isnan(u) | np.isnan(v)
        if undefined.any():
            for e in entries:
                e[undefined] = np.nan
        return tuple(entries)

    def det(self, x, y, params: MappingABC[str, float] | None = None, dtype=np.float64):
        """det J at the points (x, y); NaN wherever F or J is undefined."""
        det, u, v = self.det_program.run(*self._inputs(x, y, params), dtype=dtype)
        det[np.isnan(u) | np.isnan(v)] = np.nan
        return det

    def jacobian_at(self, x: float, y: float, params: MappingABC[str, float] | None = None) -> np.ndarray:
        """J at one point as a 2×2 float array (NaN where undefined)."""
        a, b, c, d, _ = self.jacobian(np.array(float(x)), np.array(float(y)), params)
        return np.array([[a, b], [c, d]], dtype=float)

    def value_at(self, x: float, y: float, params: MappingABC[str, float] | None = None) -> np.ndarray:
        """F at one point as a length-2 float array (NaN where undefined)."""
        u, v = self.values(np.array(float(x)), np.array(float(y)), params)
        return np.array([u, v], dtype=float)

    def to_json(self) -> str:
        return json.dumps({
            "variables": self.variables,
            "parameters": self.parameters,
            "values": json.loads(self.values_program.to_json()),
            "jacobian": json.loads(self.jacobian_program.to_json()),
            "det": json.loads(self.det_program.to_json()),
        })

    @classmethod
    def from_json(cls, text: str) -> CompiledMapping:
        try:
            data = json.loads(text)
            return cls(
                tuple(data["variables"]),  # type: ignore[arg-type]
                tuple(data["parameters"]),
                Program.from_json(json.dumps(data["values"])),
                Program.from_json(json.dumps(data["jacobian"])),
                Program.from_json(json.dumps(data["det"])),
            )
        except MappingError:
            raise
        except (ValueError, TypeError, KeyError, RecursionError) as err:  # see Program.from_json
            raise MappingError(f"invalid compiled mapping: {err}") from None
