"""Grid lines in the domain and their images, with breaks where the image jumps.

Each family of lines is one (M, 2) array with NaN rows as breaks, so a pole breaks a line
instead of bridging it, and a whole family draws as one polyline.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from jacviz.core.numeric.protocol import NumericMapping
from jacviz.core.sampling.geometry import Rect
from jacviz.core.sampling.limits import robust_span


@dataclass(frozen=True)
class GridLines:
    """Grid lines in the domain and their images, one (M, 2) array per family.

    ``vertical`` holds the lines x = const, ``horizontal`` the lines y = const; each line is
    ``samples`` points followed by one NaN row, so the whole family draws as one polyline
    with NaN breaks.
    """

    vertical: np.ndarray
    horizontal: np.ndarray
    vertical_image: np.ndarray
    horizontal_image: np.ndarray


def with_breaks(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(lines, samples) coordinates -> one (lines·(samples+1), 2) array with NaN separators."""
    lines, samples = x.shape
    out = np.full((lines, samples + 1, 2), np.nan)
    out[:, :samples, 0] = x
    out[:, :samples, 1] = y
    return out.reshape(-1, 2)


def break_jumps(u: np.ndarray, v: np.ndarray, factor: float = 40.0) -> tuple[np.ndarray, np.ndarray]:
    """Insert NaN where an image line jumps, as it does across a pole or a branch cut.

    Between two neighbouring samples the image of a smooth curve moves about as far as
    between their neighbours. A step much longer than the typical step of the same line
    (``factor`` times its median), that is also long compared with the whole picture,
    crosses a singularity: its far end is set to NaN, so the line breaks there and no drawn
    segment spans the jump.
    """
    u = u.copy()
    v = v.copy()
    du, dv = np.diff(u, axis=1), np.diff(v, axis=1)
    step = np.hypot(du, dv)
    finite = np.isfinite(step)
    if not finite.any():
        return u, v
    with np.errstate(all="ignore"), warnings.catch_warnings():
        # a line that is undefined everywhere has no median step; numpy warns, we don't care
        warnings.simplefilter("ignore", RuntimeWarning)
        typical = np.nanmedian(np.where(finite, step, np.nan), axis=1, keepdims=True)
        span = robust_span(u, v)
        jump = finite & (step > factor * typical) & (step > 0.25 * span)
    if jump.any():
        rows, cols = np.nonzero(jump)
        # Blanking the far end removes both segments that touch it; the jump is one of them.
        u[rows, cols + 1] = np.nan
        v[rows, cols + 1] = np.nan
    return u, v


def grid_positions(lo: float, hi: float, count: int, step: float | None = None) -> np.ndarray:
    """At least ``count`` evenly spaced positions covering [lo, hi], anchored at 0.

    The spacing is (hi − lo)/(count − 1) (or ``step``) and positions are its integer
    multiples, so panning moves the view over fixed lines instead of dragging them along.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return np.linspace(-1.0, 1.0, count)
    if step is None or not step > 0:
        step = (hi - lo) / (count - 1)
    first = math.floor(lo / step)
    last = math.ceil(hi / step)
    k = np.arange(first, last + 1, dtype=float)
    return k * step


def sample_grid(compiled: NumericMapping, rect: Rect, quality, params=None,
                visible: Rect | None = None, dtype=np.float64) -> GridLines:
    """Grid lines over ``rect`` (see :func:`grid_positions`) and their images.

    With ``visible`` (a part of ``rect``), the spacing of lines and of samples along them is
    what ``quality`` asks for on ``visible``, carried out over the whole of ``rect``.
    ``dtype`` is the precision F is evaluated in; the images are float64 arrays either way.
    """
    x0, x1, y0, y1 = rect
    v0, v1, w0, w1 = visible or rect
    xs = grid_positions(x0, x1, quality.lines, (v1 - v0) / (quality.lines - 1))
    ys = grid_positions(y0, y1, quality.lines, (w1 - w0) / (quality.lines - 1))
    # each line runs over the positions' full extent, so the grid is a closed lattice
    nx = max(quality.samples, round(quality.samples * (xs[-1] - xs[0]) / max(v1 - v0, 1e-300)))
    ny = max(quality.samples, round(quality.samples * (ys[-1] - ys[0]) / max(w1 - w0, 1e-300)))
    tx = np.linspace(xs[0], xs[-1], nx)
    ty = np.linspace(ys[0], ys[-1], ny)
    vx = np.broadcast_to(xs[:, None], (xs.size, ny))
    vy = np.broadcast_to(ty[None, :], (xs.size, ny))
    hx = np.broadcast_to(tx[None, :], (ys.size, nx))
    hy = np.broadcast_to(ys[:, None], (ys.size, nx))
    vu, vv = (np.asarray(a, dtype=np.float64) for a in compiled.values(vx, vy, params, dtype=dtype))
    hu, hv = (np.asarray(a, dtype=np.float64) for a in compiled.values(hx, hy, params, dtype=dtype))
    return GridLines(
        with_breaks(vx, vy),
        with_breaks(hx, hy),
        with_breaks(*break_jumps(vu, vv)),
        with_breaks(*break_jumps(hu, hv)),
    )
