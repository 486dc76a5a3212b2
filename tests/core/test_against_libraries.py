"""The hand-written numerics against the well-kept libraries that do the same job.

The critical curve's marching squares (jacviz.core.sampling.contours) is hand-written
because it must tell a zero of det J from a sign change through a pole; its curve must
still be the zero contour contourpy finds. The region's adaptive Gauss–Kronrod cubature
(jacviz.core.lab.region) is vectorised by rounds for speed; its integrals must agree with
scipy's adaptive quadrature. Both libraries are test-only dependencies here.
"""

import numpy as np
import pytest
from corehelpers import compiled

from jacviz.core.lab.region import region_report
from jacviz.core.sampling.contours import critical_segments
from jacviz.core.sampling.fields import cell_centres, det_field

contourpy = pytest.importorskip("contourpy", reason="pip install contourpy (a dependency of jacviz)")
integrate = pytest.importorskip("scipy.integrate", reason="pip install scipy")


def _distance_to(points: np.ndarray, polyline_points: np.ndarray) -> np.ndarray:
    """Distance from each point to the nearest vertex of a densely sampled curve."""
    dx = points[:, None, 0] - polyline_points[None, :, 0]
    dy = points[:, None, 1] - polyline_points[None, :, 1]
    d = np.hypot(dx, dy)
    return d.min(axis=1)


@pytest.mark.parametrize(("text", "rect"), [
    ("x, y^3 + x y", (-2.0, 2.0, -2.0, 2.0)),  # the cusp's fold: 3y² + x = 0
    ("z^2 + 0.3 conj(z)", (-1.0, 1.0, -1.0, 1.0)),
    ("x + 1.5 sin(y), y + 1.5 sin(x)", (-3.5, 3.5, -3.5, 3.5)),
])
def test_critical_curve_is_contourpys_zero_contour(text, rect):
    n = 128
    field = det_field(compiled(text), rect, n, dtype=np.float64)
    ours = critical_segments(field, rect)
    xs, ys = cell_centres(rect, n)
    lines = contourpy.contour_generator(xs, ys, field, name="serial").lines(0.0)
    theirs = np.concatenate(lines)
    assert ours.size and theirs.size
    cell = (rect[1] - rect[0]) / n
    # every point of ours lies on theirs and the other way round, to rounding
    assert _distance_to(ours, theirs).max() < 1e-6 * cell
    assert _distance_to(theirs, ours).max() < 1e-6 * cell
    # and the two are the same polyline: the vertices coincide one for one
    mine = {tuple(p) for p in np.round(ours / cell, 6)}
    lib = {tuple(p) for p in np.round(theirs / cell, 6)}
    assert mine == lib


@pytest.mark.parametrize(("text", "rect"), [
    ("(r, t) -> r cos(t), r sin(t)", (0.0, 1.0, 0.0, 2 * np.pi)),
    ("x, y^3 + x y", (-1.0, 1.0, -1.0, 1.0)),
    ("exp(z)", (0.0, 1.0, 0.0, 4.0)),
    ("x + 0.3 sin(3y), y + 0.3 cos(2x)", (-1.0, 2.0, -0.5, 1.5)),
])
def test_region_integrals_agree_with_scipy(text, rect):
    c = compiled(text)
    x0, x1, y0, y1 = rect

    def det(y, x):
        return float(c.det(np.array(x), np.array(y)))

    signed, _ = integrate.dblquad(det, x0, x1, y0, y1, epsabs=1e-10, epsrel=1e-10)
    absolute, _ = integrate.dblquad(lambda y, x: abs(det(y, x)), x0, x1, y0, y1, epsabs=1e-10, epsrel=1e-10)
    report = region_report(c, rect=rect)
    assert report.integral_det == pytest.approx(signed, rel=1e-8, abs=1e-10)
    assert report.integral_abs_det == pytest.approx(absolute, rel=1e-7, abs=1e-9)
    assert abs(report.integral_abs_det - absolute) <= max(report.error_estimate * 10, 1e-9 * absolute)
