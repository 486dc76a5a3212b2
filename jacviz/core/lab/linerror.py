"""How good is the linear approximation? The relative remainder of Taylor's theorem, as a field.

For a step of length h in the unit direction w, F(p + h·w) = F(p) + J(p)·h·w + R, and for
a C² map ‖R‖ ≤ ½ h² max‖D²F‖ (Taylor's theorem with remainder). The field

    E_h(p) = max over unit w of ‖F(p + h·w) − F(p) − J(p)·h·w‖ / h

is the error of the linearization relative to the step: it is 0 for an affine map,
≈ ½·h·max_w ‖D²F(p)[w, w]‖ for small h (so it halves when h halves), and large where
the map bends sharply, such as near the critical curve of a fold or near a pole. It is
what the lens's two curves (true image vs. ellipse) show at one point, over the whole view.
"""

from __future__ import annotations

import numpy as np

from jacviz.core.errors import MappingError
from jacviz.core.numeric.protocol import NumericMapping, Params
from jacviz.core.sampling.fields import cell_centres
from jacviz.core.sampling.geometry import Rect


def linearization_error_field(compiled: NumericMapping, rect: Rect, n: int, h: float,
                              params: Params = None, directions: int = 16) -> np.ndarray:
    """max_w ‖F(p + h w) − F(p) − J(p) h w‖ / h at the centres of an n×n grid over ``rect``.

    Same layout as :func:`jacviz.core.sampling.fields.det_field` (row i is y, column j is x), so it
    can be drawn as an image over the same rectangle. The maximum is over ``directions``
    unit vectors w at equal angles starting at w = (1, 0) (both w and −w are included when
    ``directions`` is even: the cubic term of the remainder is odd in w). The grid is
    vectorised; the few directions are a loop. NaN where F or J is undefined at p or at
    p + h·w.
    """
    n = int(n)
    if n < 1:
        raise MappingError("the grid needs at least one cell per side")
    h = float(h)
    if not (h > 0 and np.isfinite(h)):
        raise MappingError("the step h must be a positive number")
    directions = int(directions)
    if directions < 1:
        raise MappingError("at least one direction is needed")
    xs, ys = cell_centres(rect, n)
    x = np.broadcast_to(xs[None, :], (n, n))
    y = np.broadcast_to(ys[:, None], (n, n))
    u, v = compiled.values(x, y, params)
    a, b, c, d, _ = compiled.jacobian(x, y, params)
    worst = np.zeros((n, n))
    undefined = np.isnan(u) | np.isnan(v) | np.isnan(a) | np.isnan(b) | np.isnan(c) | np.isnan(d)
    for k in range(directions):
        theta = 2.0 * np.pi * k / directions
        wx, wy = np.cos(theta), np.sin(theta)  # k = 0 is exactly (1, 0)
        su, sv = compiled.values(x + h * wx, y + h * wy, params)
        with np.errstate(all="ignore"):
            ru = su - u - h * (a * wx + b * wy)
            rv = sv - v - h * (c * wx + d * wy)
            err = np.hypot(ru, rv) / h
        undefined |= np.isnan(err)
        worst = np.fmax(worst, err)
    worst[undefined] = np.nan
    return worst


MODE = "linerr"


def _field(h: float, numeric, rect, n: int, params):
    return linearization_error_field(numeric, rect, n, h, params)


def field_request(h: float):
    """The heatmap field of this mode for a step h, sampled with a scene at half its resolution.

    (It costs ``directions`` evaluations of F per sample, hence the coarser grid.)
    """
    from functools import partial

    from jacviz.core.pipeline.scene import FieldRequest

    return FieldRequest(MODE, partial(_field, float(h)), (MODE, float(h)), resolution=0.5)
