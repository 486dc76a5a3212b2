"""Where a newly typed mapping is shown: its natural domain.

A preset carries its own domain. A typed mapping gets one from two rules, in this order:

* **Polar-like variables.** A radius and an angle by name, such as ``(r, t)``, ``(r, theta)``
  or ``(rho, phi)``, are shown over r ∈ [0, 2] and the angle over [−π, π]: the part where
  the coordinates mean something, as the polar preset does.
* **Where F is defined.** F is sampled on a coarse grid over the default square. When a
  sizeable part of it is undefined (``log(x)``, ``sqrt(1 - x^2 - y^2)``), the domain
  shrinks to the bounding box of the defined samples, so the picture is not mostly blank.
  Isolated poles (``1/z``) leave almost every sample defined and keep the default square;
  the automatic colour scale (:mod:`.heatmap`) keeps such a view readable.

Nothing here knows about Qt; the window calls :func:`natural_domain` on its worker thread
and fits the result to the view's aspect with :func:`fit_aspect`.
"""

from __future__ import annotations

import math

import numpy as np

from jacviz.core.numeric.protocol import NumericMapping, Params

Rect = tuple[float, float, float, float]

DEFAULT_DOMAIN: Rect = (-2.0, 2.0, -2.0, 2.0)
POLAR_DOMAIN: Rect = (0.0, 2.0, -math.pi, math.pi)
RADIUS_NAMES = frozenset({"r", "rho", "ρ", "R"})
ANGLE_NAMES = frozenset({"t", "theta", "θ", "phi", "φ", "psi", "ψ", "alpha", "α", "angle"})
SAMPLES = 81  # per side: cheap (6,561 points) and fine enough to find a half-plane or a disc
DEFINED_ENOUGH = 0.97  # at least this share defined: keep the default square
SHRINK_WORTH_IT = 0.85  # the defined box must be at most this share of the area to be used
HUGE = 1e12  # |F| above this at a sample counts as a pole there


def is_polar(variables: tuple[str, ...]) -> bool:
    """True when the variables are named as a radius and an angle, in that order."""
    return len(variables) == 2 and variables[0] in RADIUS_NAMES and variables[1] in ANGLE_NAMES


def shape_domain(variables: tuple[str, ...]) -> tuple[Rect, tuple[float, float] | None] | None:
    """The domain of a typed curve, surface or map of space with polar-like variables, or None.

    The same rule as for the plane, per variable: a radius over [0, 2], the first angle over
    [−π, π] and a second angle (spherical coordinates' polar angle; ``p`` counts as one after a
    radius and an angle) over [0, π]. Returns the first two variables' rectangle and the third
    variable's range (None for two variables); None when no variable is polar-like.
    """
    ranges = []
    angles = 0
    for i, name in enumerate(variables):
        if name in RADIUS_NAMES:
            ranges.append((0.0, 2.0))
        elif name in ANGLE_NAMES or (name == "p" and i == 2 and angles == 1 and variables[0] in RADIUS_NAMES):
            ranges.append((-math.pi, math.pi) if angles == 0 else (0.0, math.pi))
            angles += 1
        else:
            ranges.append(None)
    if not any(ranges) or len(variables) not in (2, 3) or not (variables[0] in RADIUS_NAMES or angles):
        return None
    filled = [r if r is not None else DEFAULT_DOMAIN[:2] for r in ranges]
    rect = (*filled[0], *filled[1])
    return rect, (tuple(filled[2]) if len(filled) == 3 else None)


def natural_domain(numeric: NumericMapping, variables: tuple[str, ...], params: Params = None,
                   default: Rect = DEFAULT_DOMAIN) -> tuple[Rect, str]:
    """The domain to show a new mapping on, and a few words on why (for the status bar).

    Never raises on a mapping that evaluates: a mapping undefined everywhere keeps
    ``default`` (the window then says so in its own words).
    """
    if is_polar(variables):
        return POLAR_DOMAIN, f"{variables[0]} ≥ 0 and {variables[1]} over one turn"
    x0, x1, y0, y1 = default
    xs = np.linspace(x0, x1, SAMPLES)
    ys = np.linspace(y0, y1, SAMPLES)
    gx, gy = np.meshgrid(xs, ys)
    try:
        with np.errstate(all="ignore"):
            ev = numeric.evaluate((gx, gy), params, jacobian=False)
            defined = np.ones(gx.shape, dtype=bool)
            for component in ev.values:
                arr = np.broadcast_to(np.asarray(component, dtype=float), gx.shape)
                defined &= np.isfinite(arr) & (np.abs(arr) < HUGE)
    except (ArithmeticError, ValueError, TypeError, MemoryError):
        return default, ""
    share = float(defined.mean())
    if share >= DEFINED_ENOUGH or not defined.any():
        return default, ""
    cols = np.flatnonzero(defined.any(axis=0))
    rows = np.flatnonzero(defined.any(axis=1))
    step_x, step_y = xs[1] - xs[0], ys[1] - ys[0]
    # one sample's margin outside the defined box, but never beyond the default square
    bx0, bx1 = max(x0, xs[cols[0]] - step_x), min(x1, xs[cols[-1]] + step_x)
    by0, by1 = max(y0, ys[rows[0]] - step_y), min(y1, ys[rows[-1]] + step_y)
    if (bx1 - bx0) * (by1 - by0) > SHRINK_WORTH_IT * (x1 - x0) * (y1 - y0):
        return default, ""
    return (float(bx0), float(bx1), float(by0), float(by1)), "framed where F is defined"


def fit_aspect(rect: Rect, aspect: float | None) -> Rect:
    """``rect`` widened in one direction so that width / height equals ``aspect``.

    The views keep equal units in x and y, so the rectangle they show is always of the
    view's aspect; ``aspect`` None or not positive returns ``rect`` unchanged.
    """
    x0, x1, y0, y1 = (float(v) for v in rect)
    if aspect is None or not (aspect > 0 and math.isfinite(aspect)):
        return (x0, x1, y0, y1)
    dx, dy = x1 - x0, y1 - y0
    if dx / dy < aspect:
        grow = (dy * aspect - dx) / 2
        return (x0 - grow, x1 + grow, y0, y1)
    grow = (dx / aspect - dy) / 2
    return (x0, x1, y0 - grow, y1 + grow)


__all__ = ["DEFAULT_DOMAIN", "POLAR_DOMAIN", "fit_aspect", "is_polar", "natural_domain"]
