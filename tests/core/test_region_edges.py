"""The area of F(R) at the edges: poles, undefined points, thin images, cuts, and honest errors.

An audit found ``jacviz region "1/z" --rect -0.7,1.3,-0.4,0.6`` reporting 8.0444 ± 5.2e-6
(the area inside F(∂R); the true image is unbounded), ``z^2`` on [1, 1.0000001] × [0, 1]
reporting 0 ± 0 (true 5.333e-7, a strip thinner than one pixel of the raster), and the
raster straying beyond its documented accuracy across branch cuts. Every expected value
below is a closed form (exact rational arithmetic where it matters, mpmath quadrature for
∬ 1/|z|^k), and every reported error estimate must be at least the true error.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import mpmath
import pytest
from corehelpers import compiled

from jacviz.cli import main
from jacviz.core.lab.region import region_report


def report(text, rect=None, polygon=None, **kw):
    return region_report(compiled(text), rect=rect, polygon=polygon, time_budget=None, **kw)


def _honest(r, exact: float) -> float:
    """The true error, after checking that the estimate is not below it."""
    err = abs(r.image_area - exact)
    assert err <= r.image_area_error, (r.image_area, exact, err, r.image_area_error)
    return err


# ---------------------------------------------------------------------------------------
# No finite area


def test_a_pole_inside_has_no_finite_image_area(capsys):
    """The audit's 1/z region: no area, the reason, and where the pole is."""
    r = report("1/z", (-0.7, 1.3, -0.4, 0.6))
    assert math.isnan(r.image_area) and math.isnan(r.image_area_error)
    assert r.image_area_method == "none"
    assert "unbounded" in r.image_area_note
    x, y = r.unbounded_near
    assert math.hypot(x, y) < 1e-3
    assert not r.converged  # ∬|det J| = ∬ 1/|z|⁴ diverges
    d = r.as_dict()
    assert d["image_area"] is None and d["image_area_note"] == r.image_area_note
    assert main(["region", "1/z", "--rect", "-0.7,1.3,-0.4,0.6"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["image_area"] is None and out["image_area_method"] == "none"
    assert "unbounded" in out["image_area_note"]


@pytest.mark.parametrize(("text", "rect"), [
    ("log(z)", (-1.0, 1.0, -1.0, 1.0)),  # log|z| → −∞ at 0: unbounded, slowly
    ("1/x, y", (-1.0, 2.0, 0.0, 1.0)),  # a line of poles
    ("1/(z - 0.3 - 0.2i)^2", (-1.0, 1.0, -1.0, 1.0)),  # a double pole off the mesh's lattice
    ("1/x, y", (0.0, 1.0, 0.0, 1.0)),  # the pole on the edge of R
])
def test_other_singularities_are_unbounded(text, rect):
    r = report(text, rect)
    assert math.isnan(r.image_area) and r.unbounded_near is not None


@pytest.mark.parametrize("rect", [
    (0.5, 2.0, -1.0, 1.0),
    (1e-3, 1.0, -1.0, 1.0),  # the pole just outside R: large but bounded
])
def test_a_pole_outside_leaves_a_finite_area(rect):
    """1/z is injective: area(F(R)) = ∬ 1/|z|⁴, however close the pole is outside R."""
    x0, x1, y0, y1 = rect
    exact = float(mpmath.quad(lambda x: mpmath.quad(lambda y: 1 / (x * x + y * y) ** 2, [y0, 0, y1]),
                              [x0, x1]))
    r = report("1/z", rect)
    assert r.unbounded_near is None and r.image_area_note is None
    assert r.image_area == pytest.approx(exact, rel=1e-6)
    _honest(r, exact)


@pytest.mark.parametrize("text", ["sqrt(x), y", "acosh(x + 2), y", "asin(x), y"])
def test_undefined_points_give_no_area(text):
    """F undefined on half of R: x < 0, x + 2 < 1, or |x| > 1 (log(x) would be unbounded too)."""
    rect = {"sqrt(x), y": (-1.0, 1.0, 0.0, 1.0), "acosh(x + 2), y": (-2.0, 0.0, 0.0, 1.0),
            "asin(x), y": (-3.0, 1.0, 0.0, 1.0)}[text]
    r = report(text, rect)
    assert math.isnan(r.image_area) and r.image_area_method == "none"
    assert "undefined on 50" in r.image_area_note
    assert r.undefined_fraction == pytest.approx(0.5, abs=1e-3)


# ---------------------------------------------------------------------------------------
# Thin images


def _z2_strip(x1: float) -> float:
    """∬ 4(x² + y²) over [1, x1] × [0, 1], exactly for the float x1."""
    x = Fraction(x1)
    return float(4 * ((x**3 - 1) / 3 + (x - 1) / 3))


def test_a_strip_thinner_than_a_pixel():
    """z² on [1, 1.0000001] × [0, 1]: the image is 2e-7 wide, the raster's pixel about 2e-3."""
    exact = _z2_strip(1.0000001)
    assert exact == pytest.approx(5.333e-7, rel=1e-3)
    r = report("z^2", (1.0, 1.0000001, 0.0, 1.0))
    u0, u1, v0, v1 = r.image_extent
    assert min(u1 - u0, v1 - v0) / r.coverage.shape[0] > 1e3 * 2e-7  # thinner than a pixel
    assert r.image_area_method == "boundary" and r.max_preimages == 1
    assert r.image_area == pytest.approx(exact, rel=1e-12)
    _honest(r, exact)


def test_a_thin_strip():
    """z² on [1, 1.001] × [0, 1]: a few pixels wide."""
    exact = _z2_strip(1.001)
    r = report("z^2", (1.0, 1.001, 0.0, 1.0))
    assert r.image_area_method == "boundary"
    assert r.image_area == pytest.approx(exact, rel=1e-12)
    _honest(r, exact)


def test_a_thin_image_covered_twice_claims_nothing_it_cannot_see():
    """exp on [0, 1e-6] × [0, 4π] covers a thin annulus twice: the raster cannot resolve it,
    F(∂R) is not simple, so the report gives the honest bracket [0, ∬|det J|]."""
    exact = math.pi * math.expm1(2e-6)
    r = report("exp(z)", (0.0, 1e-6, 0.0, 4 * math.pi))
    assert r.image_area_method == "raster"
    assert "thinner than the raster" in r.image_area_note
    assert r.integral_abs_det == pytest.approx(2 * exact, rel=1e-9)
    _honest(r, exact)


# ---------------------------------------------------------------------------------------
# Accuracy against closed forms, and estimates never below the true error


LOG_CUT = float(mpmath.quad(lambda x: mpmath.quad(lambda y: 1 / (x * x + y * y), [-1, 0, 1]), [-2, -1]))

ACCURACY = [
    # (mapping, region, exact area, relative accuracy the raster must reach)
    ("log(z)", (-2.0, -1.0, -1.0, 1.0), LOG_CUT, 2e-4),  # across its cut: was 4.0e-3
    ("exp(z)", (0.0, 1.0, 0.0, 4 * math.pi), math.pi * (math.e**2 - 1), 2e-4),  # wraps twice: was 3.7e-4
    ("exp(z)", (-1.0, 1.0, -4.0, 4.0), math.pi * (math.e**2 - math.e**-2), 2e-4),
    ("sqrt(z)", (-1.0, 1.0, -1.0, 1.0), 2 * math.log(1 + math.sqrt(2)), 2e-4),  # estimate was below the error
    ("sqrt(z)", (-1.0, 1.0, 0.0, 1.0), math.log(1 + math.sqrt(2)), 1e-6),  # injective: ∬|det J|
    ("z^2", (-1.0, 1.0, -1.0, 1.0), 16 / 3, 2e-4),
    ("x, y^2", (-1.0, 1.0, -0.5, 1.0), 2.0, 2e-4),
    ("x, y^3 + x y", (-1.0, 1.0, -1.0, 1.0), 3 + 15 / 16 + 8 / (15 * math.sqrt(3)) * (1 - 0.75**2.5), 2e-4),
    ("(r, t) -> r cos(t), r sin(t)", (-1.0, 1.0, -1.0, 1.0), 2.0, 2e-4),
    ("cbrt(z)", (-1.0, 1.0, -1.0, 1.0), None, 2e-4),
]


@pytest.mark.parametrize(("text", "rect", "exact", "accuracy"), ACCURACY,
                         ids=[f"{a[0]} {a[1]}" for a in ACCURACY])
def test_image_area_is_accurate_and_its_estimate_covers_the_error(text, rect, exact, accuracy):
    r = report(text, rect)
    if exact is None:  # cbrt(z) is injective: the area is ∬|det J| = ∬ 1/(9|z|^(4/3))
        exact = r.integral_abs_det
        assert r.converged
    err = _honest(r, exact)
    assert err <= accuracy * exact, (r.image_area, exact, err / exact)


def test_sqrt_x_y_estimate_is_not_below_its_error():
    """The audit's case of the 1e-6·area floor: sqrt(x), y over its domain [0, 1]², image [0, 1]²."""
    r = report("sqrt(x), y", (0.0, 1.0, 0.0, 1.0))
    _honest(r, 1.0)
    assert r.image_area == pytest.approx(1.0, rel=1e-9)


def test_the_unit_square_is_exact():
    """The identity: the raster's pixels no longer grow by the shift of their centres (it gave 1 + 1.0e-6)."""
    from jacviz.core.lab import region

    r = region._raster_image(compiled("x, y"), region._rect_patches((0.0, 1.0, 0.0, 1.0)), None, 256, 1024)
    area, error, resolved = r.measure()
    assert area == pytest.approx(1.0, abs=1e-12) and resolved and error >= 0


def test_a_cut_inside_r_is_reported():
    """log(z) across its cut: the image is two pieces, and the note says F jumps."""
    r = report("log(z)", (-2.0, -1.0, -1.0, 1.0))
    assert r.image_area_method == "raster"
    assert "jumps" in r.image_area_note
