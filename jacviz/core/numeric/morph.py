"""The straight-line homotopy from the identity to F: F_t(p) = p + t·(F(p) − p).

Dragging t from 0 to 1 lets the grid flow from the domain into its image. By linearity
the Jacobian is J_t = I + t·(J − I), so det J_t = det(I + t(J − I)); a point where det J_t
passes through 0 is where the morph starts to fold the sheet. :class:`MorphedMapping`
computes F_t and J_t from the wrapped compiled mapping's own numbers (nothing is
recompiled, so moving the slider costs one evaluation of F or J) and has the same numeric
interface as :class:`~jacviz.core.numeric.compiled.CompiledMapping`, so every function of
:mod:`jacviz.core.sampling` works on it unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping as MappingABC
from typing import Protocol, runtime_checkable

import numpy as np

from jacviz.core.errors import MappingError

Params = MappingABC[str, float] | None


@runtime_checkable
class NumericMapping(Protocol):
    """What the numeric tools need from a mapping: CompiledMapping and MorphedMapping have it."""

    variables: tuple[str, str]
    parameters: tuple[str, ...]

    def values(self, x, y, params: Params = None, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]: ...

    def jacobian(self, x, y, params: Params = None, dtype=np.float64) -> tuple[np.ndarray, ...]: ...

    def det(self, x, y, params: Params = None, dtype=np.float64) -> np.ndarray: ...

    def jacobian_at(self, x: float, y: float, params: Params = None) -> np.ndarray: ...

    def value_at(self, x: float, y: float, params: Params = None) -> np.ndarray: ...


class MorphedMapping:
    """F_t = (1 − t)·id + t·F for a fixed t, with J_t = I + t·(J − I) = (1 − t)I + tJ.

    ``t`` is any finite number: 0 gives the identity, 1 gives F, values outside [0, 1]
    extrapolate. F_t is undefined (NaN) wherever F is, even at t = 0: the morph moves the
    part of the plane on which F is defined.
    """

    def __init__(self, compiled: NumericMapping, t: float) -> None:
        t = float(t)
        if not math.isfinite(t):
            raise MappingError("the morph parameter t must be a finite number")
        self.compiled = compiled
        self.t = t
        self.variables = compiled.variables
        self.parameters = compiled.parameters

    def __repr__(self) -> str:
        return f"MorphedMapping({self.compiled!r}, t={self.t!r})"

    def with_t(self, t: float) -> MorphedMapping:
        """The same morph at another t (cheap: nothing is compiled)."""
        return MorphedMapping(self.compiled, t)

    def values(self, x, y, params: Params = None, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
        """(u_t, v_t) = ((1 − t)x + t·u, (1 − t)y + t·v) at the points (x, y), broadcast together.

        Written as a weighted mean, so that t = 0 and t = 1 give x and u exactly. NaN in
        both where F is undefined (u or v is NaN).
        """
        u, v = self.compiled.values(x, y, params, dtype=dtype)
        t = dtype(self.t)
        s = dtype(1.0) - t
        x = np.asarray(x, dtype=dtype)
        y = np.asarray(y, dtype=dtype)
        with np.errstate(all="ignore"):
            ut = np.asarray(s * x + t * u, dtype=dtype)
            vt = np.asarray(s * y + t * v, dtype=dtype)
            undefined = np.isnan(u) | np.isnan(v)
        if undefined.any():
            ut = np.where(undefined, np.nan, ut).astype(dtype)
            vt = np.where(undefined, np.nan, vt).astype(dtype)
        return _nan_clean(ut), _nan_clean(vt)

    def jacobian(self, x, y, params: Params = None, dtype=np.float64) -> tuple[np.ndarray, ...]:
        """(a_t, b_t, c_t, d_t, det_t) where J_t = (1 − t)I + tJ = [[a_t, b_t], [c_t, d_t]]."""
        a, b, c, d, _ = self.compiled.jacobian(x, y, params, dtype=dtype)
        t = dtype(self.t)
        s = dtype(1.0) - t
        with np.errstate(all="ignore"):
            at = s + t * a
            bt = t * b
            ct = t * c
            dt = s + t * d
            det = at * dt - bt * ct
        return tuple(_nan_clean(np.asarray(e, dtype=dtype)) for e in (at, bt, ct, dt, det))

    def det(self, x, y, params: Params = None, dtype=np.float64) -> np.ndarray:
        """det J_t = det(I + t(J − I)) at the points (x, y); NaN wherever F or J is undefined."""
        return self.jacobian(x, y, params, dtype=dtype)[4]

    def jacobian_at(self, x: float, y: float, params: Params = None) -> np.ndarray:
        """J_t at one point as a 2×2 float array (NaN where undefined)."""
        a, b, c, d, _ = self.jacobian(np.array(float(x)), np.array(float(y)), params)
        return np.array([[a, b], [c, d]], dtype=float)

    def value_at(self, x: float, y: float, params: Params = None) -> np.ndarray:
        """F_t at one point as a length-2 float array (NaN where undefined)."""
        u, v = self.values(np.array(float(x)), np.array(float(y)), params)
        return np.array([u, v], dtype=float)


def _nan_clean(arr: np.ndarray) -> np.ndarray:
    """NaN for anything not finite, like CompiledMapping's outputs."""
    bad = ~np.isfinite(arr)
    if bad.any():
        arr = arr.copy() if not arr.flags.writeable else arr
        arr[bad] = np.nan
    return arr
