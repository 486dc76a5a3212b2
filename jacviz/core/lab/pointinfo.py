"""Everything jacviz says about one point: F(p), J(p) and what J(p) means.

The readout in the window and ``jacviz eval`` both show this, so it is computed in one
place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from jacviz.core.numeric.protocol import NumericMapping
from jacviz.core.sampling.linearization import principal_stretches

# s2 / s1 below this counts as singular: J(p) squashes the neighbourhood onto a line.
SINGULAR_RATIO = 1e-9


@dataclass(frozen=True)
class PointInfo:
    """F and its Jacobian at one point, with the numbers a student asks about."""

    point: tuple[float, float]
    value: tuple[float, float]
    jacobian: np.ndarray  # 2×2
    det: float
    trace: float
    eigenvalues: tuple[complex, complex]
    singular_values: tuple[float, float]

    @property
    def defined(self) -> bool:
        return bool(np.isfinite(self.jacobian).all())

    @property
    def log_abs_det(self) -> float:
        """log|det J|, the change in log-density in a normalizing flow (−inf if singular)."""
        if not math.isfinite(self.det):
            return math.nan
        return math.log(abs(self.det)) if self.det != 0 else -math.inf

    def reading(self) -> str:
        """One plain sentence about what F does near p."""
        if not self.defined:
            return "F is not defined here (a pole, or outside the domain of a function)"
        s1, s2 = self.singular_values
        if s1 == 0:
            return "singular: J = 0, the whole neighbourhood is crushed to a point"
        if s2 <= SINGULAR_RATIO * s1:
            return "singular: the map folds here (area is crushed onto a curve)"
        scale = _number(abs(self.det))
        if self.det > 0:
            return f"area near p is scaled ×{scale}, orientation kept"
        return f"area near p is scaled ×{scale}, orientation reversed"


def _number(x: float) -> str:
    """At least 3 significant digits, without a forest of zeros."""
    if x == 0 or 1e-3 <= abs(x) < 1e5:
        return f"{x:.4g}" if abs(x) >= 1 else f"{x:.3g}"
    return f"{x:.3e}"


def point_info(compiled: NumericMapping, x: float, y: float, params=None) -> PointInfo:
    """Evaluate F and J at (x, y)."""
    a, b, c, d, det = compiled.jacobian(np.array(float(x)), np.array(float(y)), params)
    jac = np.array([[a, b], [c, d]], dtype=float)
    u, v = compiled.values(np.array(float(x)), np.array(float(y)), params)
    if np.isfinite(jac).all():
        eig = np.linalg.eigvals(jac)
        eigenvalues = (complex(eig[0]), complex(eig[1]))
        # order: real part descending, then imaginary part descending (conjugates: +i first)
        eigenvalues = tuple(sorted(eigenvalues, key=lambda z: (-z.real, -z.imag)))  # type: ignore[assignment]
        s = principal_stretches(jac).singular_values
        svals = (float(s[0]), float(s[1]))
        detf = float(det)
    else:
        eigenvalues = (complex(math.nan, 0), complex(math.nan, 0))
        svals = (math.nan, math.nan)
        detf = math.nan
    return PointInfo(
        (float(x), float(y)),
        (float(u), float(v)),
        jac,
        detf,
        float(a + d) if np.isfinite(jac).all() else math.nan,
        eigenvalues,  # type: ignore[arg-type]
        svals,
    )
