"""Gradient descent p ← p − η∇f on a scalar field f: R² → R: the iterates from one point.

This is what backpropagation's gradient is for: ∇f = Jᵀ points uphill, so a small step
against it lowers f by about η|∇f|² (f(p − η∇f) = f(p) − η|∇f|² + O(η²)). The step size η
decides everything: on the paraboloid x² + y² a step multiplies p by 1 − 2η, so 0 < η < 1
converges (η = 0.1: by 0.8 each step), η = 1 bounces between p₀ and −p₀ for ever, and η > 1
diverges (η = 1.5: by −2 each step).

:func:`gradient_descent` runs the plain iteration (no line search, no momentum: the picture
is of the gradient itself) and returns every iterate with f there and why it stopped: ∇f
or the step became negligible (``converged``), the step budget ran out (``max steps``), f
or ∇f became undefined (``undefined``), or an iterate overflowed or left the box
|x|, |y| ≤ :data:`ESCAPE`·max(1, |p₀|) (``diverged``). None of these is an exception.

numpy only; nothing here knows about Qt or sympy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from jacviz.core.errors import MappingError, UsageError
from jacviz.core.numeric.protocol import NumericMapping, Params

DEFAULT_ETA = 0.1
DEFAULT_STEPS = 200
MIN_ETA, MAX_ETA = 1e-4, 10.0
# converged when |∇f| ≤ GTOL or the step η|∇f| ≤ XTOL·max(1, |p|): further steps would not
# move p by a pixel of any view, and at 1e-12 relative they are rounding
GTOL = 1e-12
XTOL = 1e-12
ESCAPE = 1e8  # an iterate this many times max(1, |p₀|) away in x or y has diverged

STATUSES = ("converged", "max steps", "diverged", "undefined")


@dataclass(frozen=True)
class DescentPath:
    """The iterates p₀, p₁, ... of gradient descent and why it stopped.

    ``points`` is (k + 1, 2) and ``values`` (k + 1,) holds f there; when the run diverged
    or became undefined the last row is the iterate that did (it may be non-finite).
    ``status`` is one of :data:`STATUSES` and ``message`` says it in a sentence.
    """

    points: np.ndarray
    values: np.ndarray
    eta: float
    status: str
    message: str

    @property
    def steps(self) -> int:
        """How many steps were taken (iterates minus one)."""
        return len(self.points) - 1

    @property
    def end(self) -> tuple[float, float]:
        """The last iterate."""
        return float(self.points[-1, 0]), float(self.points[-1, 1])

    @property
    def end_value(self) -> float:
        """f at the last iterate."""
        return float(self.values[-1])

    def finite_points(self) -> np.ndarray:
        """The iterates at which p and f are finite, in order (what can be drawn)."""
        ok = np.isfinite(self.points).all(axis=1) & np.isfinite(self.values)
        return self.points[ok]


def _f_and_gradient(compiled: NumericMapping, p: np.ndarray, params: Params) -> tuple[float, np.ndarray]:
    ev = compiled.evaluate((np.array(p[0]), np.array(p[1])), params, jacobian=True)
    value = float(np.asarray(ev.values[0], dtype=float))
    grad = np.array([float(np.asarray(g, dtype=float)) for g in ev.jacobian[0]])
    return value, grad


def check_eta(eta) -> float:
    """η as a float in [:data:`MIN_ETA`, :data:`MAX_ETA`]; raises :class:`UsageError`."""
    try:
        value = float(eta)
    except (TypeError, ValueError):
        raise UsageError("the step size η needs a number") from None
    if not (math.isfinite(value) and MIN_ETA <= value <= MAX_ETA):
        raise UsageError(f"the step size η must be between {MIN_ETA:g} and {MAX_ETA:g} (got {value:g})")
    return value


def gradient_descent(compiled: NumericMapping, params: Params, p0, eta: float = DEFAULT_ETA,
                     steps: int = DEFAULT_STEPS) -> DescentPath:
    """Run p ← p − η∇f(p) from ``p0`` for at most ``steps`` steps (see the module docstring)."""
    if compiled.shape != (1, 2):
        raise MappingError("gradient descent needs a scalar field f(x, y) (one expression in two variables)")
    eta = check_eta(eta)
    steps = int(steps)
    if steps < 1:
        raise UsageError("gradient descent needs at least one step")
    p = np.asarray(p0, dtype=float).reshape(-1)
    if p.shape != (2,) or not np.isfinite(p).all():
        raise UsageError("gradient descent starts from a point with two finite coordinates")
    bound = ESCAPE * max(1.0, float(np.max(np.abs(p))))
    points, values = [p.copy()], []
    ups = 0  # steps at which f went up: η too large for the curvature there
    status = "max steps"
    with np.errstate(all="ignore"):
        value, grad = _f_and_gradient(compiled, p, params)
        values.append(value)
        for _k in range(steps):
            if not (math.isfinite(value) and np.isfinite(grad).all()):
                status = "undefined"
                break
            slope = float(np.hypot(grad[0], grad[1]))
            if slope <= GTOL:
                status = "converged"
                break
            previous = value
            p = p - eta * grad
            points.append(p.copy())
            if not np.isfinite(p).all() or float(np.max(np.abs(p))) > bound:
                values.append(_f_and_gradient(compiled, p, params)[0] if np.isfinite(p).all() else math.nan)
                status = "diverged"
                break
            value, grad = _f_and_gradient(compiled, p, params)
            values.append(value)
            ups += value > previous
            if eta * slope <= XTOL * max(1.0, float(np.hypot(p[0], p[1]))):
                status = "converged"
                break
        else:
            if not (math.isfinite(value) and np.isfinite(grad).all()):
                status = "undefined"
    pts, vals = np.array(points), np.array(values, dtype=float)
    return DescentPath(pts, vals, eta, status, _message(pts, vals, eta, status, ups, bound))


def _fmt(v: float) -> str:
    return f"{v:.6g}".replace("-", "−")  # the minus sign the readout writes


def _steps(k: int) -> str:
    return f"{k} step" if k == 1 else f"{k} steps"


def _message(points: np.ndarray, values: np.ndarray, eta: float, status: str, ups: int,
             bound: float) -> str:
    k, f = len(points) - 1, float(values[-1])
    where = f"({_fmt(points[-1, 0])}, {_fmt(points[-1, 1])})"
    if status == "diverged":
        how = ("overflowed" if not np.isfinite(points[-1]).all()
               else f"left the box |x|, |y| ≤ {bound:.3g}")
        last = "" if not np.isfinite(points[-1]).all() else f" at {where}"
        return (f"diverged after {_steps(k)}: the iterate {how}{last}; η = {_fmt(eta)} is too "
                "large for this f (try a smaller η)")
    if status == "undefined":
        return f"stopped after {_steps(k)}: f or ∇f is undefined at {where}"
    if status == "converged":
        return f"converged in {_steps(k)} to {where}, f = {_fmt(f)}"
    note = ""
    if ups:
        note = f"; f went up at {ups} of them, so η = {_fmt(eta)} may be too large"
    elif not f < values[0]:
        note = f"; f is no lower than at the start, so η = {_fmt(eta)} may be too large"
    return f"stopped after {_steps(k)} at {where}, f = {_fmt(f)}{note}"
