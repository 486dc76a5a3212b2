"""Robust limits and colour levels: percentiles, not extremes, so a pole does not wash out the picture."""

from __future__ import annotations

import numpy as np


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
