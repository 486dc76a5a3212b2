"""Everything jacviz says about one point: F(p), J(p), what J(p) means, and notes on what went wrong.

The readout in the window and ``jacviz eval`` both show this, so it is computed in one
place.

**Kinks and jumps.** sympy differentiates abs(x) as sign(x) with sign(0) = 0, so J's formula
at x = 0 gives 0 where abs has no derivative; at a point of a branch cut the formula gives
the derivative of one side while F jumps. The compiled mapping knows where such points can
be (its kink indicators are exactly 0 there: :meth:`CompiledMapping.on_kink`). At such a
point, F and J are compared on both sides, at distances δ = 10⁻⁶ and 10⁻⁹ (relative to
the point) along each axis: when the difference between the two sides does not shrink with
δ, F jumps or J does, F is not differentiable at p, J is reported undefined (NaN) and a note
says so. |x|³ has the same indicator and passes: its J differs by 6δ² across 0.

**Overflow.** A value beyond the range of a float64 is NaN like an undefined one; the notes
tell them apart (:meth:`Program.overflows`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from jacviz.core.numeric.protocol import NumericMapping
from jacviz.core.numeric.small import eigenvalues2
from jacviz.core.sampling.linearization import Stretches, principal_stretches

# s2 / s1 below this counts as singular: J(p) squashes the neighbourhood onto a line.
SINGULAR_RATIO = 1e-9

# The notes (PointInfo.notes); the readout and jacviz eval show them as they are.
NOT_DIFFERENTIABLE = "not differentiable here"
JUMPS = "not differentiable here: F jumps (a branch cut or a step)"
J_UNDEFINED = "not differentiable here: J is infinite or undefined"
COMPONENT_NAMES = ("u", "v")

# The two probe distances, relative to max(1, |x|, |y|), and the thresholds of the test.
_PROBES = (1e-6, 1e-9)
_JUMP_FLOOR = 1e-7  # a difference below this (relative) is no jump at all


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
    notes: tuple[str, ...] = ()  # see NOT_DIFFERENTIABLE, JUMPS, "u overflows at this point", ...
    # J's singular value decomposition read geometrically, which the linearization reuses
    stretches: Stretches | None = field(default=None, repr=False, compare=False)

    @property
    def defined(self) -> bool:
        return bool(np.isfinite(self.jacobian).all())

    @property
    def differentiable(self) -> bool:
        """False where F is defined but has no derivative (a kink, a jump, an infinite slope)."""
        return not any(note.startswith(NOT_DIFFERENTIABLE) for note in self.notes)

    @property
    def log_abs_det(self) -> float:
        """log|det J|, the change in log-density in a normalizing flow (−inf if singular)."""
        if not math.isfinite(self.det):
            return math.nan
        return math.log(abs(self.det)) if self.det != 0 else -math.inf

    def reading(self) -> str:
        """One plain sentence about what F does near p."""
        if not self.defined:
            if any("overflows" in note for note in self.notes):
                return "the numbers are too large here (beyond about 1.8e308)"
            if not self.differentiable and np.isfinite(self.value).all():
                return "F is not differentiable here (a kink, a jump or an infinite slope)"
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
    """Evaluate F and J at (x, y), with notes where F is not differentiable or overflows."""
    px, py = np.array(float(x)), np.array(float(y))
    both = getattr(compiled, "values_and_jacobian", None)  # one evaluation (a network) or two
    if callable(both):
        (u, v), (a, b, c, d, det) = both(px, py, params)
    else:
        a, b, c, d, det = compiled.jacobian(px, py, params)
        u, v = compiled.values(px, py, params)
    jac = np.array([[a, b], [c, d]], dtype=float)
    value = np.array([float(u), float(v)])
    notes: list[str] = []
    if np.isfinite(value).all() and _on_kink(compiled, (float(x), float(y)), params):
        verdict = _one_sided(compiled, float(x), float(y), params)
        if verdict is not None:
            notes.append(verdict)
            jac = np.full((2, 2), np.nan)
    if not (np.isfinite(value).all() and np.isfinite(jac).all()):
        notes.extend(_undefined_notes(compiled, (float(x), float(y)), params, value, jac, notes))
    stretches = principal_stretches(jac)  # NaN where J is undefined
    svals = (float(stretches.singular_values[0]), float(stretches.singular_values[1]))
    if np.isfinite(jac).all():
        # order: real part descending, then imaginary part descending (conjugates: +i first)
        eigenvalues = eigenvalues2(*(float(e) for e in jac.reshape(4)))
        detf = float(det)
    else:
        eigenvalues = (complex(math.nan, 0), complex(math.nan, 0))
        detf = math.nan
    return PointInfo(
        (float(x), float(y)),
        (float(value[0]), float(value[1])),
        jac,
        detf,
        float(jac[0, 0] + jac[1, 1]) if np.isfinite(jac).all() else math.nan,
        eigenvalues,  # type: ignore[arg-type]
        svals,
        tuple(notes),
        stretches,
    )


def _on_kink(mapping, point: tuple[float, float], params) -> bool:
    """True when one of the mapping's kink indicators is 0 at ``point`` (duck-typed).

    A compiled formula answers itself; a morph asks the mapping it wraps; a chain asks each
    stage at the point that stage sees. Anything else has no indicators.
    """
    on_kink = getattr(mapping, "on_kink", None)
    if callable(on_kink):
        return bool(on_kink(point, params))
    inner = getattr(mapping, "compiled", None)
    if inner is not None and inner is not mapping:
        return _on_kink(inner, point, params)
    stages, forward = getattr(mapping, "stages", None), getattr(mapping, "forward", None)
    if stages and callable(forward):
        seen = forward([np.array(c) for c in point], params)
        return any(
            _on_kink(stage, tuple(float(c) for c in p), params)
            for stage, p in zip(stages, seen[:-1], strict=True)
            if all(math.isfinite(float(c)) for c in p)
        )
    return False


def _one_sided(compiled: NumericMapping, x: float, y: float, params) -> str | None:
    """JUMPS or NOT_DIFFERENTIABLE when F or J differs on the two sides of (x, y), else None.

    F and J are evaluated at p ± δ·e along both axes for the two distances of _PROBES. At a
    jump or a kink the difference across p stays as δ shrinks 1000-fold; for a differentiable
    F it shrinks (by 1000 for J of a C² mapping, by 1000^α for a C^(1,α) one such as |x|^1.5).
    """
    scale = max(1.0, abs(x), abs(y))
    offsets = []
    for rel in _PROBES:
        h = rel * scale
        offsets += [(h, 0.0), (-h, 0.0), (0.0, h), (0.0, -h)]
    xs = np.array([x + dx for dx, _ in offsets])
    ys = np.array([y + dy for _, dy in offsets])
    u, v = compiled.values(xs, ys, params)
    a, b, c, d, _ = compiled.jacobian(xs, ys, params)
    f = np.stack([u, v], axis=1)
    j = np.stack([a, b, c, d], axis=1)
    with np.errstate(invalid="ignore"):
        size_f = 1.0 + float(np.nanmax(np.abs(f))) if np.isfinite(f).any() else 1.0
        size_j = 1.0 + float(np.nanmax(np.abs(j))) if np.isfinite(j).any() else 1.0

    def persists(arr: np.ndarray, size: float) -> bool:
        # rows: (+h, −h) along x, then along y, for the far probe (0..3) and the near one (4..7)
        for axis in (0, 2):
            far = np.abs(arr[axis] - arr[axis + 1]).max()
            near = np.abs(arr[4 + axis] - arr[5 + axis]).max()
            if near > _JUMP_FLOOR * size and near > 0.5 * far:
                return True
        return False

    if persists(f, size_f):
        return JUMPS
    if persists(j, size_j):
        return NOT_DIFFERENTIABLE
    return None


def _undefined_notes(compiled, point, params, value: np.ndarray, jac: np.ndarray,
                     notes: list[str]) -> list[str]:
    """Why F or J is NaN at ``point``: an overflow, an undefined component, an infinite slope."""
    out: list[str] = []
    overflows = getattr(compiled, "overflows", None)
    if not callable(overflows):
        inner = getattr(compiled, "compiled", None)
        overflows = getattr(inner, "overflows", None) if inner is not None else None
    over_values: tuple[bool, ...] = ()
    over_entries: tuple[bool, ...] = ()
    if callable(overflows):
        try:
            over_values, over_entries = overflows(point, params)
        except (ValueError, TypeError):  # a mapping of another shape: no notes
            over_values, over_entries = (), ()
    for k, name in enumerate(COMPONENT_NAMES):
        if np.isfinite(value[k]):
            continue
        if k < len(over_values) and over_values[k]:
            out.append(f"{name} overflows at this point")
        else:
            out.append(f"{name} is undefined at this point")
    if np.isfinite(value).all() and not notes:
        if any(over_entries):
            out.append("J overflows at this point")
        elif not np.isfinite(jac).all():
            out.append(J_UNDEFINED)
    return out
