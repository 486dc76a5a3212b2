"""Fields sampled on a grid of cells over a rectangle: det J for the heatmap.

The grid is given as a row and a column that broadcast, so a term that depends on only one
variable is computed n times instead of n² times.
"""

from __future__ import annotations

import numpy as np

from jacviz.core.numeric.protocol import NumericMapping
from jacviz.core.sampling.geometry import Rect


def det_field(compiled: NumericMapping, rect: Rect, n: int, params=None,
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
