"""Rectangles of the domain: the one type and the one check everything that samples uses.

A rectangle is ``(x0, x1, y0, y1)``. :func:`check_rect` is where a rectangle given from
outside (``--rect``, ``--range``, a session, a drag) is refused with a clear message
before it can make a computation overflow or divide by zero: its corners are finite and at
most :data:`MAX_COORDINATE` in size, and each side is long enough to be sampled in double
precision (:data:`MIN_RELATIVE_EXTENT` of its position, and :data:`MIN_EXTENT` at least,
so that areas do not underflow).
"""

from __future__ import annotations

import math

import numpy as np

from jacviz.core.errors import UsageError

Rect = tuple[float, float, float, float]  # x0, x1, y0, y1

MAX_COORDINATE = 1e100
MIN_EXTENT = 1e-150
MIN_RELATIVE_EXTENT = 1e-12


def check_rect(rect, what: str = "the rectangle") -> Rect:
    """``rect`` as four floats after checking it; raises :class:`UsageError` with ``what`` named."""
    try:
        x0, x1, y0, y1 = (float(v) for v in rect)
    except (TypeError, ValueError):
        raise UsageError(f"{what} needs four numbers x0, x1, y0, y1") from None
    if not all(math.isfinite(v) for v in (x0, x1, y0, y1)):
        raise UsageError(f"{what} needs finite numbers")
    for lo, hi, axis in ((x0, x1, "x"), (y0, y1, "y")):
        if not lo < hi:
            raise UsageError(f"{what} needs {axis}0 < {axis}1 (got {axis}0 = {lo:g}, {axis}1 = {hi:g})")
        size = max(abs(lo), abs(hi))
        if size > MAX_COORDINATE:
            raise UsageError(f"{what} is too far out in {axis}: coordinates are at most {MAX_COORDINATE:g}")
        if hi - lo < max(MIN_EXTENT, MIN_RELATIVE_EXTENT * size):
            raise UsageError(
                f"{what} is too narrow in {axis} ({hi - lo:.3g} wide at {size:.3g}) to be sampled in "
                "double precision"
            )
    return (x0, x1, y0, y1)


def point_in_polygon(px: np.ndarray, py: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Even-odd point-in-polygon test, vectorised over the points (``polygon``: (k, 2), not closed)."""
    px, py = np.asarray(px, dtype=float), np.asarray(py, dtype=float)
    inside = np.zeros(np.broadcast(px, py).shape, dtype=bool)
    poly = np.asarray(polygon, dtype=float)
    for (x0, y0), (x1, y1) in zip(poly, np.roll(poly, -1, axis=0), strict=True):
        crosses = (y0 > py) != (y1 > py)
        with np.errstate(all="ignore"):
            xi = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
        inside ^= crosses & (px < xi)
    return inside
