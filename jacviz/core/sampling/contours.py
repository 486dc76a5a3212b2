"""The critical curve det J = 0: marching squares on the det J field, and its image.

Hand-written rather than taken from contourpy: it must tell a true zero of det J from a sign
change through a pole (see :func:`critical_curve`), which needs the segments' cells, and it
returns segment pairs ready for a connect='pairs' path. tests/core/test_sampling.py checks it
against contourpy.
"""

from __future__ import annotations

import warnings

import numpy as np

from jacviz.core.numeric.protocol import NumericMapping
from jacviz.core.sampling.fields import cell_centres
from jacviz.core.sampling.geometry import Rect


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


def critical_curve(compiled: NumericMapping, field: np.ndarray, rect: Rect, params=None) -> np.ndarray:
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


def map_segments(compiled: NumericMapping, segments: np.ndarray, params=None) -> np.ndarray:
    """Images of segment endpoints, pair for pair: a pair with an undefined end is NaN in both.

    Fix (tests/core/test_sampling.py): pairs with an undefined end used to be dropped, so the
    images no longer lined up with the segments they came from, and the codomain's selection
    of visible segments raised IndexError for x y, y/x and every mapping with a pole on its
    critical curve. NaN pairs are not drawn (the path is built with connect='pairs' and
    finite points only).
    """
    if segments.size == 0:
        return np.empty((0, 2))
    u, v = compiled.values(segments[:, 0], segments[:, 1], params)
    out = np.stack([u, v], axis=1).reshape(-1, 2, 2)
    bad = ~np.isfinite(out).all(axis=(1, 2))
    out[bad] = np.nan
    return out.reshape(-1, 2)
