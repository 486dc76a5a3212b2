"""The critical curve det J = 0: marching squares on the det J field, and its image.

Hand-written rather than taken from contourpy: it must tell a true zero of det J from a sign
change through a pole (see :func:`critical_curve`), which needs the segments' cells, and it
returns segment pairs ready for a connect='pairs' path. tests/core/test_against_libraries.py
checks it against contourpy, which draws the level lines that need no such care (a scalar
field's level line through the cursor, :func:`jacviz.ui.shapes.pane.local_level_line`).
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
    return _marching_squares(field, rect, level)[0]


def _marching_squares(field: np.ndarray, rect: Rect, level: float = 0.0):
    """(segments (2K, 2), edges): the segments, and for each of their 2K endpoints the grid
    edge it lies on, as (start sample (2K, 2), end sample (2K, 2))."""
    empty = np.empty((0, 2))
    no_edges = (empty, empty)
    f = np.asarray(field)
    if level != 0.0:
        f = f - level
    ny, nx = f.shape
    if nx < 2 or ny < 2:
        return empty, no_edges
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN field has no min
        lo, hi = np.nanmin(f), np.nanmax(f)
    if not (lo <= 0 <= hi) or not (lo < 0 or hi > 0):
        return empty, no_edges  # no sign change anywhere: no curve (the common case)
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
        return empty, no_edges
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
    corner_a = np.stack([x_left, y_bot], axis=1)
    corner_b = np.stack([x_right, y_bot], axis=1)
    corner_c = np.stack([x_right, y_top], axis=1)
    corner_d = np.stack([x_left, y_top], axis=1)
    edge_start = np.stack([corner_a, corner_b, corner_d, corner_a])  # (4, K, 2)
    edge_end = np.stack([corner_b, corner_c, corner_c, corner_d])

    # For each code, the edge pairs that the curve joins. Codes 5 and 10 are saddles;
    # the centre value decides which way they join.
    table = {
        1: [(3, 0)], 2: [(0, 1)], 3: [(3, 1)], 4: [(1, 2)], 6: [(0, 2)], 7: [(3, 2)],
        8: [(2, 3)], 9: [(0, 2)], 11: [(1, 2)], 12: [(1, 3)], 13: [(0, 1)], 14: [(0, 3)],
    }
    centre = (fa + fb + fc + fd) / 4
    cells, first_edge, second_edge = [], [], []
    for k, pairs in table.items():
        sel = np.nonzero(code == k)[0]
        for e0, e1 in pairs:
            if sel.size:
                cells.append(sel)
                first_edge.append(np.full(sel.size, e0))
                second_edge.append(np.full(sel.size, e1))
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
            cells.append(sel)
            first_edge.append(pair[:, 0])
            second_edge.append(pair[:, 1])
    cell = np.concatenate(cells)
    e0, e1 = np.concatenate(first_edge), np.concatenate(second_edge)
    # endpoints interleaved: segment k is rows 2k (on edge e0) and 2k + 1 (on edge e1)
    which = np.stack([e0, e1], axis=1).ravel()
    at = np.repeat(cell, 2)
    segments = edges[which, at]
    return segments, (edge_start[which, at], edge_end[which, at])


# Bisection steps on each crossed edge, and how much |det J| must have shrunk at the end:
# near a zero it halves (or more) with each step, near a pole it grows.
BISECTIONS = 4
SHRINK = 0.5


def critical_curve(compiled: NumericMapping, field: np.ndarray, rect: Rect, params=None) -> np.ndarray:
    """The curve det J = 0 as segment pairs, without the sign changes that are poles.

    det J of log|x| is 1/x: it changes sign between two samples on either side of x = 0,
    but through infinity, not through 0. So the sign change on every grid edge a segment
    ends on is bracketed and bisected (BISECTIONS steps, det J evaluated in float64): at a
    zero, |det J| at the ends of the bracket falls to at most SHRINK times the larger of
    its values at the two samples (for a linear zero, 1/8 of it after four steps; for a
    zero like √|x|, 0.35); at a pole it grows, at a jump it stays. A segment is kept when
    both its ends pass. (The earlier test, |det J| at the segment's midpoint against the
    nearby samples, let through the pole of log|x| in a view not centred on 0: the sample
    next to the pole was larger than the midpoint's value.)
    """
    segments, (start, end) = _marching_squares(field, rect)
    if segments.size == 0:
        return segments
    with np.errstate(all="ignore"):
        # the two samples again in float64 (the field may be float32)
        f0 = np.asarray(compiled.det(start[:, 0], start[:, 1], params), dtype=np.float64)
        f1 = np.asarray(compiled.det(end[:, 0], end[:, 1], params), dtype=np.float64)
        ok = np.isfinite(f0) & np.isfinite(f1) & (np.sign(f0) * np.sign(f1) <= 0)
        scale = np.maximum(np.abs(f0), np.abs(f1))
        lo, hi, flo, fhi = start.copy(), end.copy(), f0.copy(), f1.copy()
        for _ in range(BISECTIONS):
            mid = 0.5 * (lo + hi)
            fm = np.asarray(compiled.det(mid[:, 0], mid[:, 1], params), dtype=np.float64)
            ok &= np.isfinite(fm)
            left = np.sign(fm) == np.sign(flo)  # the sign change is in [mid, hi]
            lo = np.where(left[:, None], mid, lo)
            flo = np.where(left, fm, flo)
            hi = np.where(left[:, None], hi, mid)
            fhi = np.where(left, fhi, fm)
        ends = np.maximum(np.abs(flo), np.abs(fhi))
        zero = ok & (ends <= SHRINK * scale)
    keep = zero.reshape(-1, 2).all(axis=1)
    return segments.reshape(-1, 2, 2)[keep].reshape(-1, 2)


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
