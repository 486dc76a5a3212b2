"""Sampling a compiled mapping for the two views.

Everything here is numpy on arrays; nothing knows about Qt. The window asks for:

* :func:`det_field`: det J on an N×N grid over a rectangle (the heatmap);
* :func:`grid_lines`: the images of the two families of grid lines, each family one (M, 2)
  array with NaN rows as breaks, so a pole breaks a line instead of bridging it;
* :func:`critical_segments`: the curve det J = 0 as line segments (marching squares);
* :func:`linearization`: the true image of a small circle around p next to the ellipse
  that J(p) predicts, with :func:`principal_stretches` for the ellipse's axes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from jacviz.core.numeric import CompiledMapping

Rect = tuple[float, float, float, float]  # x0, x1, y0, y1


def det_field(compiled: CompiledMapping, rect: Rect, n: int, params=None,
              dtype=np.float32) -> np.ndarray:
    """det J at the centres of an n×n grid of cells covering ``rect``.

    Returns an (n, n) array, row-major: row i is y = y0 + (i + ½)·dy, column j is
    x = x0 + (j + ½)·dx, so it can be shown as an image covering exactly ``rect``.
    The grid is given as a row and a column that broadcast, so a term that depends on
    only one variable is computed n times instead of n² times.
    """
    xs, ys = cell_centres(rect, n)
    xs, ys = xs.astype(dtype), ys.astype(dtype)
    # In blocks of rows of about 64k samples: every operation of the program then works
    # on arrays that stay in the CPU's cache, so the cost per sample does not grow with n.
    rows = max(1, BLOCK_SAMPLES // max(n, 1))
    if rows >= n:
        return compiled.det(xs[None, :], ys[:, None], params, dtype=dtype)
    out = np.empty((n, n), dtype=dtype)
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        out[start:stop] = compiled.det(xs[None, :], ys[start:stop, None], params, dtype=dtype)
    return out


BLOCK_SAMPLES = 65536


def cell_centres(rect: Rect, n: int) -> tuple[np.ndarray, np.ndarray]:
    """x and y coordinates of the centres of an n×n grid of cells over ``rect``."""
    x0, x1, y0, y1 = rect
    xs = x0 + (np.arange(n) + 0.5) * ((x1 - x0) / n)
    ys = y0 + (np.arange(n) + 0.5) * ((y1 - y0) / n)
    return xs, ys


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


def grid_lines(compiled: CompiledMapping, rect: Rect, lines: int = 41, samples: int = 400,
               params=None) -> GridLines:
    """Sample ``lines`` lines per family across ``rect`` and map them through F."""
    x0, x1, y0, y1 = rect
    at = np.linspace(0.0, 1.0, lines)
    t = np.linspace(0.0, 1.0, samples)
    xs, ys = x0 + at * (x1 - x0), y0 + at * (y1 - y0)
    # vertical lines: x fixed per line, y runs
    vx = np.repeat(xs, samples).reshape(lines, samples)
    vy = np.tile(y0 + t * (y1 - y0), (lines, 1))
    hx = np.tile(x0 + t * (x1 - x0), (lines, 1))
    hy = np.repeat(ys, samples).reshape(lines, samples)
    vertical = with_breaks(vx, vy)
    horizontal = with_breaks(hx, hy)
    vu, vv = compiled.values(vx, vy, params)
    hu, hv = compiled.values(hx, hy, params)
    return GridLines(
        vertical,
        horizontal,
        with_breaks(*break_jumps(vu, vv)),
        with_breaks(*break_jumps(hu, hv)),
    )


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
    crosses a singularity: both of its ends are set to NaN so the line breaks there.
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
        # Break the segment by blanking its far end when the near end is nearer the rest of
        # the line; blank both when unsure. Either way no segment spans the jump.
        u[rows, cols + 1] = np.nan
        v[rows, cols + 1] = np.nan
    return u, v


def robust_span(u: np.ndarray, v: np.ndarray) -> float:
    """The larger side of the 2nd-98th percentile box of the finite points."""
    lo, hi = robust_limits(u, v, pad=0.0)
    return float(max(hi[0] - lo[0], hi[1] - lo[1], 1e-12))


Limits = tuple[tuple[float, float], tuple[float, float]]


def robust_limits(u: np.ndarray, v: np.ndarray, pad: float = 0.05,
                  quantiles: tuple[float, float] = (2.0, 98.0)) -> Limits:
    """Limits ((u0, v0), (u1, v1)) that hold most finite points, ignoring far outliers.

    A pole sends a few samples to enormous values; percentiles instead of min/max keep
    them from blowing up the range. ``pad`` widens the box by that fraction on each side.
    """
    u = np.asarray(u, dtype=float).ravel()
    v = np.asarray(v, dtype=float).ravel()
    ok = np.isfinite(u) & np.isfinite(v)
    if not ok.any():
        return (-1.0, -1.0), (1.0, 1.0)
    u, v = u[ok], v[ok]
    u0, u1 = np.percentile(u, quantiles)
    v0, v1 = np.percentile(v, quantiles)
    # keep the whole picture when it is not heavy-tailed: extend to min/max when they are
    # within a modest factor of the percentile box
    for arr, (a, b), idx in ((u, (u0, u1), 0), (v, (v0, v1), 1)):
        lo, hi = float(arr.min()), float(arr.max())
        width = max(b - a, 1e-12)
        if lo > a - 0.5 * width:
            a = lo
        if hi < b + 0.5 * width:
            b = hi
        if idx == 0:
            u0, u1 = a, b
        else:
            v0, v1 = a, b
    wu, wv = max(u1 - u0, 1e-9), max(v1 - v0, 1e-9)
    return (u0 - pad * wu, v0 - pad * wv), (u1 + pad * wu, v1 + pad * wv)


def robust_level(field: np.ndarray, quantile: float = 98.0) -> float:
    """A symmetric colour level m for a diverging map: levels are (-m, m).

    m is a high percentile of |field| over the finite values, so a pole does not wash out
    the picture, and never 0 (a constant det J still gets a usable colour scale). A large
    field is subsampled to about 65,000 values first: a percentile of a smooth field does
    not need every pixel, and sorting 262,144 of them took longer than computing them.
    """
    field = np.asarray(field)
    if field.ndim == 2 and field.size > 2 * 65536:
        step = int(np.sqrt(field.size / 65536))
        field = field[::step, ::step]
    a = np.abs(np.asarray(field, dtype=float))
    a = a[np.isfinite(a)]
    if a.size == 0:
        return 1.0
    m = float(np.percentile(a, quantile))
    if not np.isfinite(m) or m <= 0:
        m = float(a.max()) if a.max() > 0 else 1.0
    return m


# ---------------------------------------------------------------------------------------
# The critical curve: marching squares on the det J field


def critical_segments(field: np.ndarray, rect: Rect, level: float = 0.0) -> np.ndarray:
    """Segments of the curve ``field == level``, as a (2K, 2) array of endpoint pairs.

    ``field`` is sampled at cell centres as in :func:`det_field`. Each grid square whose
    corners do not all lie on one side of ``level`` contributes one or two segments, with
    endpoints found by linear interpolation along its edges. Squares touching NaN are
    skipped, so a pole is not mistaken for a sign change. Draw with connect='pairs'.
    """
    f = np.asarray(field)
    if level != 0.0:
        f = f - level
    ny, nx = f.shape
    if nx < 2 or ny < 2:
        return np.empty((0, 2))
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN field has no min
        lo, hi = np.nanmin(f), np.nanmax(f)
    if not (lo <= 0 <= hi) or not (lo < 0 or hi > 0):
        return np.empty((0, 2))  # no sign change anywhere: no curve (the common case)
    xs, _ = cell_centres(rect, nx)
    _, ys = cell_centres((rect[0], rect[1], rect[2], rect[3]), ny)
    # corners of each square: a=(i,j) b=(i,j+1) c=(i+1,j+1) d=(i+1,j)  (i: row/y, j: col/x)
    a, b, c, d = f[:-1, :-1], f[:-1, 1:], f[1:, 1:], f[1:, :-1]
    ok = np.isfinite(a) & np.isfinite(b) & np.isfinite(c) & np.isfinite(d)
    pa, pb, pc, pd = a > 0, b > 0, c > 0, d > 0
    code = pa.astype(np.uint8) | (pb << 1) | (pc << 2) | (pd << 3)
    code = np.where(ok, code, 0).astype(np.uint8)
    active = (code != 0) & (code != 15)
    if not active.any():
        return np.empty((0, 2))
    ii, jj = np.nonzero(active)
    code = code[ii, jj]
    fa, fb, fc, fd = (corner[ii, jj].astype(np.float64) for corner in (a, b, c, d))
    x_left, x_right = xs[jj], xs[jj + 1]
    y_bot, y_top = ys[ii], ys[ii + 1]

    def cross(f0, f1):
        with np.errstate(all="ignore"):
            t = f0 / (f0 - f1)
        return np.clip(np.nan_to_num(t, nan=0.5), 0.0, 1.0)

    # edge points: bottom (a-b), right (b-c), top (d-c), left (a-d)
    bottom = np.stack([x_left + cross(fa, fb) * (x_right - x_left), y_bot], axis=1)
    right = np.stack([x_right, y_bot + cross(fb, fc) * (y_top - y_bot)], axis=1)
    top = np.stack([x_left + cross(fd, fc) * (x_right - x_left), y_top], axis=1)
    left = np.stack([x_left, y_bot + cross(fa, fd) * (y_top - y_bot)], axis=1)
    edges = np.stack([bottom, right, top, left])  # (4, K, 2)

    # For each code, the edge pairs that the curve joins. Codes 5 and 10 are saddles;
    # the centre value decides which way they join.
    table = {
        1: [(3, 0)], 2: [(0, 1)], 3: [(3, 1)], 4: [(1, 2)], 6: [(0, 2)], 7: [(3, 2)],
        8: [(2, 3)], 9: [(0, 2)], 11: [(1, 2)], 12: [(1, 3)], 13: [(0, 1)], 14: [(0, 3)],
    }
    centre = (fa + fb + fc + fd) / 4
    out = []
    for k, pairs in table.items():
        sel = np.nonzero(code == k)[0]
        for e0, e1 in pairs:
            if sel.size:
                out.append(np.stack([edges[e0, sel], edges[e1, sel]], axis=1))
    for k in (5, 10):
        sel = np.nonzero(code == k)[0]
        if not sel.size:
            continue
        positive_centre = centre[sel] > 0
        # code 5: a and c positive. If the centre is positive, the positive corners connect
        # through the middle and the curve cuts off b and d; otherwise it cuts off a and c.
        if k == 5:
            first = np.where(positive_centre[:, None], [0, 1], [3, 0])
            second = np.where(positive_centre[:, None], [2, 3], [1, 2])
        else:
            first = np.where(positive_centre[:, None], [3, 0], [0, 1])
            second = np.where(positive_centre[:, None], [1, 2], [2, 3])
        for pair in (first, second):
            p0 = edges[pair[:, 0], sel]
            p1 = edges[pair[:, 1], sel]
            out.append(np.stack([p0, p1], axis=1))
    return np.concatenate(out).reshape(-1, 2)


def critical_curve(compiled: CompiledMapping, field: np.ndarray, rect: Rect, params=None) -> np.ndarray:
    """The curve det J = 0 as segment pairs, without the sign changes that are poles.

    det J of log|x| is 1/x: it changes sign between two samples on either side of x = 0,
    but through infinity, not through 0. So each segment from :func:`critical_segments` is
    checked at its midpoint, where a true zero crossing has |det J| much smaller than at the
    neighbouring samples and a pole has it larger (or undefined).
    """
    segments = critical_segments(field, rect)
    if segments.size == 0:
        return segments
    pairs = segments.reshape(-1, 2, 2)
    mid = pairs.mean(axis=1)
    x0, x1, y0, y1 = rect
    ny, nx = np.asarray(field).shape
    # |det J| at the samples nearest to each end, the scale a true zero must be small against
    cols = np.clip(((pairs[..., 0] - x0) / (x1 - x0) * nx - 0.5).round().astype(int), 0, nx - 1)
    rows = np.clip(((pairs[..., 1] - y0) / (y1 - y0) * ny - 0.5).round().astype(int), 0, ny - 1)
    f = np.asarray(field, dtype=np.float64)
    near = np.abs(f[rows, cols])
    window = np.stack([
        np.abs(f[np.clip(rows + dr, 0, ny - 1), np.clip(cols + dc, 0, nx - 1)])
        for dr in (-1, 0, 1) for dc in (-1, 0, 1)
    ])
    with np.errstate(invalid="ignore"):
        scale = np.nanmax(np.concatenate([near, window.reshape(-1, near.shape[0], 2).max(axis=0)], axis=1),
                          axis=1)
        value = np.abs(compiled.det(mid[:, 0], mid[:, 1], params))
        keep = np.isfinite(value) & (value <= 0.5 * scale)
    return pairs[keep].reshape(-1, 2)


def map_segments(compiled: CompiledMapping, segments: np.ndarray, params=None) -> np.ndarray:
    """Images of segment endpoints; a pair with an undefined end is dropped entirely."""
    if segments.size == 0:
        return np.empty((0, 2))
    u, v = compiled.values(segments[:, 0], segments[:, 1], params)
    out = np.stack([u, v], axis=1).reshape(-1, 2, 2)
    keep = np.isfinite(out).all(axis=(1, 2))
    return out[keep].reshape(-1, 2)


# ---------------------------------------------------------------------------------------
# Local linearization


@dataclass(frozen=True)
class Stretches:
    """The singular value decomposition J = U·diag(s)·Vᵀ, read geometrically.

    The unit circle's image under J is an ellipse with semi-axes ``s[k]·U[:, k]``; the
    domain directions ``V[:, k]`` are the ones stretched most and least.
    """

    singular_values: np.ndarray  # s1 >= s2 >= 0
    image_axes: np.ndarray  # U: columns are the ellipse's axis directions
    domain_axes: np.ndarray  # V: columns are the matching directions in the domain


def principal_stretches(jac: np.ndarray) -> Stretches:
    """Singular values and principal directions of a 2×2 matrix (NaN if it is undefined)."""
    jac = np.asarray(jac, dtype=float)
    if not np.isfinite(jac).all():
        nan2 = np.full((2, 2), np.nan)
        return Stretches(np.full(2, np.nan), nan2, nan2)
    u, s, vt = np.linalg.svd(jac)
    return Stretches(s, u, vt.T)


@dataclass(frozen=True)
class Linearization:
    """What F does to a circle of radius h around p, and what J(p) predicts it does."""

    point: np.ndarray  # p
    value: np.ndarray  # F(p)
    jacobian: np.ndarray  # J(p), 2×2
    h: float
    circle: np.ndarray  # (n, 2): p + h·(cos θ, sin θ), closed
    true_image: np.ndarray  # (n, 2): F(p + h·c)
    linear_image: np.ndarray  # (n, 2): F(p) + J(p)·h·c
    stretches: Stretches

    @property
    def det(self) -> float:
        return float(np.linalg.det(self.jacobian)) if np.isfinite(self.jacobian).all() else float("nan")


def unit_circle(n: int = 97) -> np.ndarray:
    """n points on the unit circle, the last equal to the first (a closed polyline)."""
    theta = np.linspace(0.0, 2.0 * np.pi, n)
    return np.stack([np.cos(theta), np.sin(theta)], axis=1)


_CIRCLE = unit_circle()


def linearization(compiled: CompiledMapping, point, h: float, params=None,
                  jacobian: np.ndarray | None = None) -> Linearization:
    """F near p: the true image of the h-circle and its linear prediction F(p) + J(p)·h·c.

    ``jacobian``, J(p) when the caller already has it (the window's readout does), saves
    evaluating it a second time on every cursor move.
    """
    p = np.asarray(point, dtype=float).reshape(2)
    circle = p + h * _CIRCLE
    # one call evaluates F at p and on the circle together
    xs = np.concatenate([[p[0]], circle[:, 0]])
    ys = np.concatenate([[p[1]], circle[:, 1]])
    u, v = compiled.values(xs, ys, params)
    value = np.array([u[0], v[0]])
    true_image = np.stack([u[1:], v[1:]], axis=1)
    jac = compiled.jacobian_at(p[0], p[1], params) if jacobian is None else np.asarray(jacobian, float)
    linear_image = value + h * _CIRCLE @ jac.T
    return Linearization(p, value, jac, float(h), circle, true_image, linear_image,
                         principal_stretches(jac))
