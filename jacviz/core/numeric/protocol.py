"""The numeric mapping protocol: F: Rⁿ → Rᵐ and its m×n Jacobian, evaluated on arrays of points.

Everything that draws or measures a mapping (sampling, the laboratory, the readout, the
command line) depends on this protocol and not on how the mapping was made: a compiled
formula (:class:`~jacviz.core.numeric.compiled.CompiledMapping`), a chain of stages
(:class:`~jacviz.core.numeric.chain.CompiledChain`), the morph from the identity
(:class:`~jacviz.core.numeric.morph.MorphedMapping`) and, later, networks all implement it.

The one method a mapping must have is :meth:`NumericMapping.evaluate`: coordinates are
given as n arrays (or scalars) that broadcast together, so a grid can be passed as a row
and a column and a term that depends on one variable is computed once per row; the result
holds m arrays of the broadcast shape and, when asked, the m×n entries of J. Undefined
values are NaN, never inf, and no floating-point warning escapes.

:class:`MappingBase` adds what every implementation would otherwise write again: the shape,
values and J at one point, and the planar forms (``values(x, y)``, ``jacobian(x, y)`` as
``(a, b, c, d, det)``, ``det(x, y)``) that the two-dimensional views use on their hot paths.
An implementation may override any of them with a faster one.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from jacviz.core.errors import UsageError

Params = MappingABC[str, float] | None


@dataclass(frozen=True)
class Evaluation:
    """F and, when it was asked for, J at some points.

    ``values`` holds m arrays (one per component of F); ``jacobian`` holds m rows of n
    arrays, ``jacobian[i][j]`` = ∂Fᵢ/∂xⱼ, or is None. All arrays share one shape.
    """

    values: tuple[np.ndarray, ...]
    jacobian: tuple[tuple[np.ndarray, ...], ...] | None = None

    def vector(self) -> np.ndarray:
        """F as one array of shape (..., m)."""
        return np.stack(self.values, axis=-1)

    def matrix(self) -> np.ndarray:
        """J as one array of shape (..., m, n); raises if J was not evaluated."""
        if self.jacobian is None:
            raise UsageError("the Jacobian was not evaluated (pass jacobian=True)")
        return np.stack([np.stack(row, axis=-1) for row in self.jacobian], axis=-2)


@runtime_checkable
class NumericMapping(Protocol):
    """What the numeric tools need from a mapping of n variables to m components."""

    variables: tuple[str, ...]  # the n input names, in order
    parameters: tuple[str, ...]

    @property
    def n_outputs(self) -> int: ...

    def evaluate(self, coords: Sequence, params: Params = None, *, jacobian: bool = True,
                 dtype=np.float64) -> Evaluation: ...

    def point_values_and_jacobian(self, p, params: Params = None
                                  ) -> tuple[tuple[float, ...], tuple[tuple[float, ...], ...]]: ...


def nan_where_undefined(arrays, undefined: np.ndarray) -> None:
    """Set every array in ``arrays`` to NaN where ``undefined`` is True (in place)."""
    if undefined.any():
        for arr in arrays:
            arr[undefined] = np.nan


def nan_clean(arr: np.ndarray) -> np.ndarray:
    """NaN for anything not finite (a copy when the array is read-only)."""
    bad = ~np.isfinite(arr)
    if bad.any():
        if not arr.flags.writeable:
            arr = arr.copy()
        arr[bad] = np.nan
    return arr


def _point(p, n: int) -> list[np.ndarray]:
    arr = np.asarray(p, dtype=float).reshape(-1)
    if arr.size != n:
        raise UsageError(f"a point of this mapping needs {n} coordinates, not {arr.size}")
    return [np.array(float(c)) for c in arr]


class MappingBase:
    """Shape, one-point helpers and the planar forms, all in terms of :meth:`evaluate`.

    Subclasses set ``variables`` and ``parameters``, define ``n_outputs`` and
    :meth:`evaluate`, and may override the planar methods with faster ones.
    """

    variables: tuple[str, ...]
    parameters: tuple[str, ...]
    # The precision of the mapping's own numbers. A formula is exact, so float64 is only a
    # limit of the sampling; a trained network with a float32 input is a float32 computation
    # in any runtime, and sampling its grid lines in float64 would buy digits it does not have
    # (at four times the cost of its transcendental functions).
    precision: np.dtype = np.dtype(np.float64)

    @property
    def n_outputs(self) -> int:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    @property
    def n_inputs(self) -> int:
        return len(self.variables)

    @property
    def shape(self) -> tuple[int, int]:
        """(m, n): the shape of J."""
        return self.n_outputs, self.n_inputs

    @property
    def is_planar(self) -> bool:
        """True for F: R² → R², the mappings the two linked views show."""
        return self.shape == (2, 2)

    def evaluate(self, coords: Sequence, params: Params = None, *, jacobian: bool = True,
                 dtype=np.float64) -> Evaluation:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    # -- one point, any shape
    def point_value(self, p, params: Params = None) -> np.ndarray:
        """F(p) as a length-m float array (NaN where undefined)."""
        ev = self.evaluate(_point(p, self.n_inputs), params, jacobian=False)
        return np.array([float(v) for v in ev.values])

    def point_jacobian(self, p, params: Params = None) -> np.ndarray:
        """J(p) as an m×n float array (NaN where undefined)."""
        ev = self.evaluate(_point(p, self.n_inputs), params, jacobian=True)
        return np.array([[float(e) for e in row] for row in ev.jacobian], dtype=float)

    def point_values_and_jacobian(self, p, params: Params = None
                                  ) -> tuple[tuple[float, ...], tuple[tuple[float, ...], ...]]:
        """F(p) (m floats) and J(p) (m rows of n floats) at one point, NaN where undefined.

        The shapes pane's readout asks for both on every mouse move; a mapping with a faster
        way to answer for one point overrides this.
        """
        ev = self.evaluate(_point(p, self.n_inputs), params, jacobian=True)
        return (tuple(float(v) for v in ev.values),
                tuple(tuple(float(e) for e in row) for row in ev.jacobian))

    # -- the planar forms (two variables)
    def values(self, x, y, params: Params = None, dtype=np.float64) -> tuple[np.ndarray, ...]:
        """The m components of F at the points (x, y), broadcast together."""
        return self.evaluate((x, y), params, jacobian=False, dtype=dtype).values

    def jacobian(self, x, y, params: Params = None, dtype=np.float64) -> tuple[np.ndarray, ...]:
        """(a, b, c, d, det) at the points (x, y), where J = [[a, b], [c, d]] (2×2 only)."""
        ev = self.evaluate((x, y), params, jacobian=True, dtype=dtype)
        (a, b), (c, d) = ev.jacobian
        with np.errstate(all="ignore"):
            det = nan_clean(np.asarray(a * d - b * c, dtype=dtype))
        return a, b, c, d, det

    def det(self, x, y, params: Params = None, dtype=np.float64) -> np.ndarray:
        """det J at the points (x, y) (2×2 only); NaN wherever F or J is undefined."""
        return self.jacobian(x, y, params, dtype=dtype)[4]

    def value_at(self, x: float, y: float, params: Params = None) -> np.ndarray:
        """F at one point (x, y) as a float array (NaN where undefined)."""
        return self.point_value((x, y), params)

    def jacobian_at(self, x: float, y: float, params: Params = None) -> np.ndarray:
        """J at one point (x, y) as an m×2 float array (NaN where undefined)."""
        return self.point_jacobian((x, y), params)
