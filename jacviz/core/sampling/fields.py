"""Fields sampled on a grid of cells over a rectangle: det J for the heatmap.

The grid is given as a row and a column that broadcast, so a term that depends on only one
variable is computed n times instead of n² times.

**float32 or float64.** The heatmap is sampled in float32 where that gives the same
picture, because it is 2 to 7 times faster (det_field at 512², float32 / float64, medians
of 31 runs on this project's 2-core machine: z² 0.91 / 1.71 ms, polar coordinates 0.51 /
3.66, the tanh layer 5.2 / 10.6, z + 1/z 4.5 / 8.8, z^(1/3) 6.2 / 29, asin(z) 21 / 48; with
the 25 % margin the window samples 768², 2.25 times that). float32 fails in two
ways: ``exp(50x), y`` on [0, 2] × [0, 1] overflows float32's 3.4e38 (15 % of the cells
came out undefined where det J is finite, up to 1e43), and ``sin(1e4 x), y`` near x = 100
loses the function to float32's rounding of 1e4·x (errors of 6.6 % of the colour scale).
So :func:`sampling_dtype` chooses float64 when float32 cannot place the cell centres to
1/100 of a cell (a view narrower than about 6e-3 of its distance from 0, at 512 cells),
and otherwise evaluates a 33 × 33 sub-lattice of the same cell centres in both precisions:
float64 for the whole field when float32 differs there by more than 1e-3 of the colour
scale (or of the value, beyond the scale), is undefined where float64 is not, or is 0
where float64 is not (underflow, a hole in the log₁₀|det J| mode). The probe costs two runs
of the program on 1,089 points (0.1–0.6 ms).
"""

from __future__ import annotations

import numpy as np

from jacviz.core.numeric.protocol import NumericMapping
from jacviz.core.sampling.geometry import Rect
from jacviz.core.sampling.limits import robust_level

PROBE = 33  # probe lattice points per side
SMALL_FIELD = 160  # per side: at most this, a field is sampled in float64 without probing
PROBE_TOLERANCE = 1e-3  # of the colour scale (robust_level of the float64 probe)
COORDINATE_TOLERANCE = 0.01  # float32's rounding of a coordinate, in cells


def sampling_dtype(compiled: NumericMapping, rect: Rect, n: int, params=None) -> type:
    """np.float32 when it samples det J over ``rect`` as float64 would, else np.float64.

    See the module docstring: a sub-lattice of the n×n cell centres is evaluated in both
    precisions and compared.
    """
    if n <= SMALL_FIELD:
        return np.float64  # always right, and float32 would save less than the probe costs
    x0, x1, y0, y1 = rect
    cell = min(x1 - x0, y1 - y0) / max(n, 1)
    reach = max(abs(x0), abs(x1), abs(y0), abs(y1))
    if np.finfo(np.float32).eps * reach > COORDINATE_TOLERANCE * cell:
        return np.float64  # a deep zoom: float32 cannot even place the cell centres
    xs, ys = cell_centres(rect, n)
    step = max(1, n // PROBE)
    px, py = xs[::step], ys[::step]
    f64 = np.asarray(compiled.det(px[None, :], py[:, None], params, dtype=np.float64), dtype=np.float64)
    f32 = np.asarray(compiled.det(px[None, :].astype(np.float32), py[:, None].astype(np.float32), params,
                                  dtype=np.float32), dtype=np.float64)
    defined = np.isfinite(f64)
    if not defined.any():
        return np.float32
    if (defined & ~np.isfinite(f32)).any():
        return np.float64  # float32 overflowed (or lost a value) where float64 has one
    if (defined & (f32 == 0) & (f64 != 0)).any():
        return np.float64  # float32 underflowed
    # an error counts against the colour scale, or against the value itself beyond it
    # (a value past the scale's end is drawn saturated; only log₁₀|det J| shows its digits)
    scale = np.maximum(robust_level(f64), np.abs(f64))[defined]
    error = np.abs(f32 - f64)[defined]
    return np.float64 if bool((error > PROBE_TOLERANCE * scale).any()) else np.float32


def det_field(compiled: NumericMapping, rect: Rect, n: int, params=None,
              dtype=None) -> np.ndarray:
    """det J at the centres of an n×n grid of cells covering ``rect``.

    Returns an (n, n) array, row-major: row i is y = y0 + (i + ½)·dy, column j is
    x = x0 + (j + ½)·dx, so it can be shown as an image covering exactly ``rect``.
    The grid is given as a row and a column that broadcast, so a term that depends on
    only one variable is computed n times instead of n² times. ``dtype`` None chooses
    float32 or float64 with :func:`sampling_dtype`; np.float32 or np.float64 forces one.
    """
    if dtype is None:
        dtype = sampling_dtype(compiled, rect, n, params)
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
