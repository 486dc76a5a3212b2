"""The straight-line homotopy from the identity to F: F_t(p) = p + t·(F(p) − p).

Dragging t from 0 to 1 lets the grid flow from the domain into its image. By linearity
the Jacobian is J_t = I + t·(J − I), so det J_t = det(I + t(J − I)); a point where det J_t
passes through 0 is where the morph starts to fold the sheet. :class:`MorphedMapping`
computes F_t and J_t from the wrapped mapping's own numbers (nothing is recompiled, so
moving the slider costs one evaluation of F or J) and is a numeric mapping like any other
(:mod:`jacviz.core.numeric.protocol`), so everything that samples F samples F_t unchanged.
The morph needs F to map a space to itself (m = n).
"""

from __future__ import annotations

import math

import numpy as np

from jacviz.core.errors import MappingError
from jacviz.core.numeric.protocol import Evaluation, MappingBase, NumericMapping, Params, nan_clean


class MorphedMapping(MappingBase):
    """F_t = (1 − t)·id + t·F for a fixed t, with J_t = I + t·(J − I) = (1 − t)I + tJ.

    ``t`` is any finite number: 0 gives the identity, 1 gives F, values outside [0, 1]
    extrapolate. F_t is undefined (NaN) wherever F is, even at t = 0: the morph moves the
    part of the plane on which F is defined.
    """

    def __init__(self, compiled: NumericMapping, t: float) -> None:
        t = float(t)
        if not math.isfinite(t):
            raise MappingError("the morph parameter t must be a finite number")
        if compiled.n_outputs != len(compiled.variables):
            raise MappingError("the morph from the identity needs as many components as variables")
        self.compiled = compiled
        self.t = t
        self.variables = compiled.variables
        self.parameters = compiled.parameters
        # (1 − t)·x + t·F(x) knows no more digits than F does (a float32 network's: MappingBase)
        self.precision = getattr(compiled, "precision", np.dtype(np.float64))

    def __repr__(self) -> str:
        return f"MorphedMapping({self.compiled!r}, t={self.t!r})"

    @property
    def n_outputs(self) -> int:
        return self.compiled.n_outputs

    def evaluate(self, coords, params: Params = None, *, jacobian: bool = True,
                 dtype=np.float64) -> Evaluation:
        """F_t and J_t = (1 − t)I + tJ, from one evaluation of the wrapped mapping."""
        coords = tuple(np.asarray(c, dtype=dtype) for c in coords)
        ev = self.compiled.evaluate(coords, params, jacobian=jacobian, dtype=dtype)
        t = dtype(self.t)
        s = dtype(1.0) - t
        undefined = np.logical_or.reduce([np.isnan(v) for v in ev.values])
        with np.errstate(all="ignore"):
            values = tuple(
                nan_clean(np.asarray(np.where(undefined, np.nan, s * x + t * v), dtype=dtype))
                for x, v in zip(coords, ev.values, strict=True)
            )
            if ev.jacobian is None:
                return Evaluation(values)
            rows = tuple(
                tuple(nan_clean(np.asarray((s if i == j else 0.0) + t * e, dtype=dtype))
                      for j, e in enumerate(row))
                for i, row in enumerate(ev.jacobian)
            )
        return Evaluation(values, rows)

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
        return nan_clean(ut), nan_clean(vt)

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
        return tuple(nan_clean(np.asarray(e, dtype=dtype)) for e in (at, bt, ct, dt, det))

    def det(self, x, y, params: Params = None, dtype=np.float64) -> np.ndarray:
        """det J_t = det(I + t(J − I)) at the points (x, y); NaN wherever F or J is undefined."""
        return self.jacobian(x, y, params, dtype=dtype)[4]
