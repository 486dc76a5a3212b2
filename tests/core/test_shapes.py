"""Jacobians of every shape against the closed forms of a calculus course, symbolic and numeric.

Symbolic: the sympy Jacobian (and √det(JᵀJ)) of jacviz.core.symbolic.mapping.Mapping, checked by
simplification; numeric: the compiled programs through jacviz.core.lab.shapes, including the
integrals (scipy's cubature) against 4π, 4π²Rr and 4π/3.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from jacviz.core.errors import MappingError, UsageError
from jacviz.core.lab import shapes
from jacviz.core.pipeline.build import build
from jacviz.core.symbolic.mapping import Mapping

PARABOLOID = "x^2 + y^2"
ROSENBROCK = "(x, y) -> (1 - x)^2 + 100 (y - x^2)^2"
HELIX = "(t) -> cos(t), sin(t), t/5"
SPHERE = "(u, v) -> cos(u) sin(v), sin(u) sin(v), cos(v)"
TORUS = "(u, v) -> (R + r cos(v)) cos(u), (R + r cos(v)) sin(u), r sin(v)"
CYLINDRICAL = "(r, t, h) -> r cos(t), r sin(t), h"
SPHERICAL = "(r, p, t) -> r sin(p) cos(t), r sin(p) sin(t), r cos(p)"
SPHERICAL_AS_IN_THE_ISSUE = "(r, t, p) -> r sin(p) cos(t), r sin(p) sin(t), r cos(p)"

RNG = np.random.default_rng(11)


def sym(*names: str) -> tuple[sp.Symbol, ...]:
    return tuple(sp.Symbol(n, real=True) for n in names)


def zero(expr) -> bool:
    return sp.simplify(expr) == 0


def points(n: int, count: int = 25, lo: float = 0.2, hi: float = 2.9) -> list[np.ndarray]:
    return [RNG.uniform(lo, hi, count) for _ in range(n)]


# ---------------------------------------------------------------------------------------
# scalar fields


def test_paraboloid_gradient_is_2x_2y():
    m = Mapping.from_text(PARABOLOID)
    x, y = sym("x", "y")
    assert m.jacobian.shape == (1, 2)
    assert zero(m.jacobian[0, 0] - 2 * x) and zero(m.jacobian[0, 1] - 2 * y)
    compiled = build(PARABOLOID).compiled
    xs, ys = points(2)
    ev = compiled.evaluate((xs, ys), jacobian=True)
    np.testing.assert_allclose(ev.jacobian[0][0], 2 * xs, rtol=1e-14)
    np.testing.assert_allclose(ev.jacobian[0][1], 2 * ys, rtol=1e-14)
    info = shapes.shape_info(compiled, (1.0, 2.0))
    assert info.gradient == (2.0, 4.0) and info.slope == pytest.approx(math.sqrt(20))
    assert info.ascent == pytest.approx((1 / math.sqrt(5), 2 / math.sqrt(5)))
    assert info.det is None and info.speed is None


def test_rosenbrock_gradient_and_its_minimum():
    compiled = build(ROSENBROCK).compiled
    at_min = shapes.shape_info(compiled, (1.0, 1.0))
    assert at_min.gradient == (0.0, 0.0) and at_min.value == (0.0,)
    assert any("critical point" in n for n in at_min.notes)
    x, y = 0.3, -0.4
    grad = shapes.shape_info(compiled, (x, y)).gradient
    assert grad == pytest.approx((-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)), rel=1e-13)


# ---------------------------------------------------------------------------------------
# curves


def test_helix_speed_is_sqrt_1_plus_1_over_25():
    m = Mapping.from_text(HELIX)
    assert m.jacobian.shape == (3, 1)
    assert zero(m.volume_element - sp.sqrt(1 + sp.Rational(1, 25)))
    compiled = build(HELIX).compiled
    (ts,) = points(1, lo=-10, hi=10)
    np.testing.assert_allclose(shapes.volume_element(compiled, (ts,)), math.sqrt(1 + 1 / 25), rtol=1e-14)
    assert shapes.shape_info(compiled, (0.7,)).speed == pytest.approx(math.sqrt(26) / 5, rel=1e-15)


# ---------------------------------------------------------------------------------------
# surfaces


def test_sphere_area_element_is_abs_sin_v_and_its_area_is_4pi():
    m = Mapping.from_text(SPHERE)
    _u, v = sym("u", "v")
    assert m.jacobian.shape == (3, 2)
    assert zero(m.volume_element - sp.Abs(sp.sin(v)))
    compiled = build(SPHERE).compiled
    us, vs = points(2, lo=-6, hi=6)
    np.testing.assert_allclose(shapes.volume_element(compiled, (us, vs)), np.abs(np.sin(vs)),
                               rtol=1e-12, atol=1e-15)
    report = shapes.surface_area(compiled, (0.0, 2 * math.pi, 0.0, math.pi))
    assert report.converged
    assert abs(report.surface_area - 4 * math.pi) < 1e-6
    # the flat triangles of the mapped mesh fall short of the sphere, by O(cell²)
    assert 4 * math.pi - 1e-2 < report.mesh_area < 4 * math.pi


def test_sphere_normal_is_the_radius_times_the_area_element():
    compiled = build(SPHERE).compiled
    info = shapes.shape_info(compiled, (0.4, 1.1))
    normal = np.array(info.normal)
    # F_u × F_v = -sin v · F for this parametrisation (the inward normal)
    np.testing.assert_allclose(normal, -math.sin(1.1) * np.array(info.value), rtol=1e-13, atol=1e-15)
    assert info.area_element == pytest.approx(math.sin(1.1), rel=1e-14)


def test_torus_area_element_is_r_times_R_plus_r_cos_v_and_its_area_4pi2Rr():
    R_, r_ = 2, 1
    m = Mapping.from_text(TORUS)
    _u, v = sym("u", "v")
    R, r = sym("R", "r")
    element = m.volume_element.subs({R: R_, r: r_})
    # √(...) ≥ 0 and r(R + r cos v) > 0 here, so equal squares are equal values (sympy keeps
    # the root of (cos v + 2)², not knowing the sign)
    assert zero(element**2 - (r_ * (R_ + r_ * sp.cos(v))) ** 2)
    assert zero(m.volume_element**2 - (r * (R + r * sp.cos(v))) ** 2)  # and so for every R, r
    compiled = build(TORUS).compiled
    params = {"R": R_, "r": r_}
    us, vs = points(2, lo=-6, hi=6)
    np.testing.assert_allclose(shapes.volume_element(compiled, (us, vs), params), r_ * (R_ + r_ * np.cos(vs)),
                               rtol=1e-13)
    report = shapes.surface_area(compiled, (0.0, 2 * math.pi, 0.0, 2 * math.pi), params)
    assert abs(report.surface_area - 4 * math.pi**2 * R_ * r_) < 1e-6
    assert report.error_estimate < 1e-6


# ---------------------------------------------------------------------------------------
# maps of space


def test_cylindrical_coordinates_det_is_r():
    m = Mapping.from_text(CYLINDRICAL)
    r, _t, _h = sym("r", "t", "h")
    assert m.jacobian.shape == (3, 3)
    assert zero(m.det - r)
    compiled = build(CYLINDRICAL).compiled
    rs, ts, hs = points(3)
    np.testing.assert_allclose(shapes.det_field(compiled, (rs, ts, hs)), rs, rtol=1e-13)
    report = shapes.volume_report(compiled, (0.0, 1.0, 0.0, 2 * math.pi, 0.0, 2.0))
    assert report.integral_det == pytest.approx(2 * math.pi, rel=1e-10)  # a cylinder: π r² h


def test_spherical_coordinates_det_is_r2_sin_p_and_the_ball_is_4pi_over_3():
    m = Mapping.from_text(SPHERICAL)
    r, p, _t = sym("r", "p", "t")
    assert zero(m.det - r**2 * sp.sin(p))
    compiled = build(SPHERICAL).compiled
    rs, ps, ts = points(3)
    np.testing.assert_allclose(shapes.det_field(compiled, (rs, ps, ts)), rs**2 * np.sin(ps), rtol=1e-12)
    report = shapes.volume_report(compiled, (0.0, 1.0, 0.0, math.pi, 0.0, 2 * math.pi))
    assert report.converged
    assert abs(report.integral_abs_det - 4 * math.pi / 3) < 1e-9
    assert report.integral_det == pytest.approx(4 * math.pi / 3, rel=1e-10)
    assert report.box_volume == pytest.approx(2 * math.pi**2)


def test_the_order_of_the_variables_is_the_orientation():
    """(r, t, p), as the issue writes spherical coordinates, swaps two columns: det J = -r² sin p.

    |det J| and so the ball's volume are the same; ∭ det J dV changes sign.
    """
    m = Mapping.from_text(SPHERICAL_AS_IN_THE_ISSUE)
    r, _t, p = sym("r", "t", "p")
    assert zero(m.det + r**2 * sp.sin(p))
    report = shapes.volume_report(build(SPHERICAL_AS_IN_THE_ISSUE).compiled,
                                  (0.0, 1.0, 0.0, 2 * math.pi, 0.0, math.pi))
    assert report.integral_abs_det == pytest.approx(4 * math.pi / 3, rel=1e-10)
    assert report.integral_det == pytest.approx(-4 * math.pi / 3, rel=1e-10)


def test_singular_values_and_det_agree_for_a_map_of_space():
    compiled = build(SPHERICAL).compiled
    info = shapes.shape_info(compiled, (2.0, 0.8, 0.3))
    assert info.det == pytest.approx(4 * math.sin(0.8), rel=1e-13)
    # spherical coordinates are orthogonal: the stretches are 1, r and r sin p
    assert sorted(info.singular_values) == pytest.approx(sorted([1.0, 2.0, 2 * math.sin(0.8)]), rel=1e-13)
    assert math.prod(info.singular_values) == pytest.approx(abs(info.det), rel=1e-13)


# ---------------------------------------------------------------------------------------
# hostile and degenerate inputs


@pytest.mark.parametrize(("box", "fragment"), [
    ((0, 1, 0, 0, 0, 1), "has no volume: it needs y0 < y1"),
    ((0, 1, 0, 1, 2, 1), "has no volume: it needs z0 < z1"),
    ((0, 1, float("nan"), 1, 0, 1), "needs finite numbers"),
    ((0, 1, 0, 1, 0, float("inf")), "needs finite numbers"),
    ((0, 1, 0, 1), "needs six numbers"),
    ((0, 1, 0, 1, 0, 1e200), "too far out in z"),
    ((1, 1 + 1e-15, 0, 1, 0, 1), "too thin in x"),
])
def test_a_box_without_volume_or_with_nan_is_refused_in_one_line(box, fragment):
    with pytest.raises(UsageError) as info:
        shapes.check_box(box)
    assert fragment in info.value.message and "\n" not in info.value.message


def test_integrals_need_the_right_shape():
    with pytest.raises(MappingError, match="needs a map of space"):
        shapes.volume_report(build(SPHERE).compiled, (0, 1, 0, 1, 0, 1))
    with pytest.raises(MappingError, match="needs a surface"):
        shapes.surface_area(build(CYLINDRICAL).compiled, (0, 1, 0, 1))
    with pytest.raises(MappingError, match="square Jacobian"):
        shapes.det_field(build(SPHERE).compiled, (np.zeros(2), np.zeros(2)))


def test_a_pole_inside_the_box_stops_at_the_work_cap_and_says_so():
    compiled = build("x/(x^2+y^2+z^2), y/(x^2+y^2+z^2), z/(x^2+y^2+z^2)").compiled
    report = shapes.volume_report(compiled, (-1, 1, -1, 1, -1, 1), subdivisions=5)
    assert not report.converged
    assert report.integral_det < 0 < report.integral_abs_det  # an inversion reverses orientation


def test_three_huge_components_are_refused_as_too_large():
    """3×3 components of a huge size: refused with the language's size message, nothing hangs."""
    factors = "".join(f"(x+{k})" for k in range(1, 61))
    text = f"{factors}, {factors.replace('x', 'y')}, {factors.replace('x', 'z')}"
    with pytest.raises(MappingError) as info:
        Mapping.from_text(text).jacobian  # noqa: B018
    assert "too large" in info.value.message


@pytest.mark.parametrize("text", [PARABOLOID, ROSENBROCK, HELIX, "(t) -> cos(t), sin(t)", SPHERE, TORUS,
                                  CYLINDRICAL, SPHERICAL, "(t) -> log(t), sqrt(t)", "log(x) + 1/y"])
def test_the_one_point_path_gives_evaluate_s_numbers_bit_for_bit(text):
    compiled = build(text).compiled
    m, n = compiled.shape
    for point in [*np.array(points(n, 6, -1.0, 2.9)).T, np.zeros(n), np.full(n, -0.5)]:
        value, rows = compiled.point_values_and_jacobian(point, {"R": 2.0, "r": 1.0})
        ev = compiled.evaluate(tuple(np.array(c) for c in point), {"R": 2.0, "r": 1.0})
        want_value = [float(v) for v in ev.values]
        want_rows = [[float(e) for e in row] for row in ev.jacobian]
        assert len(value) == m and len(rows) == m and all(len(row) == n for row in rows)
        # equal as floats, and NaN exactly where evaluate has NaN
        assert np.array_equal(value, want_value, equal_nan=True), (point, value, want_value)
        assert np.array_equal(rows, want_rows, equal_nan=True), (point, rows, want_rows)
        info = shapes.shape_info(compiled, point, {"R": 2.0, "r": 1.0})
        jac = np.array(want_rows)
        if np.isfinite(jac).all():
            want = np.linalg.svd(jac, compute_uv=False)
            np.testing.assert_allclose(info.singular_values, want, rtol=0, atol=1e-15 * max(want[0], 1e-300))
        else:
            assert all(math.isnan(s) for s in info.singular_values)
    with pytest.raises(UsageError, match=f"needs {n} coordinates"):
        compiled.point_values_and_jacobian(np.zeros(n + 1))


def test_undefined_points_are_nan_and_noted():
    compiled = build("(t) -> log(t), t").compiled
    info = shapes.shape_info(compiled, (-1.0,))
    assert math.isnan(info.speed) and info.notes == ("F is undefined here",)
    assert info.as_dict()["speed"] is None


def test_contour_levels_are_round_numbers_inside_the_fields_range():
    contour_levels = shapes.contour_levels
    x, y = np.meshgrid(np.linspace(-2, 2, 256), np.linspace(-1, 3, 256))
    rosenbrock = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
    levels = contour_levels(rosenbrock, 12)
    lo, hi = np.percentile(rosenbrock, [2, 98])
    assert levels == tuple(100.0 * k for k in range(1, len(levels) + 1))  # 100, 200, …
    assert lo < levels[0] and levels[-1] < hi and 8 <= len(levels) <= 20
    tiny = contour_levels(1e-7 * np.sin(x), 12)
    assert 0.0 in tiny and all(abs(v / 2e-8 - round(v / 2e-8)) < 1e-9 for v in tiny)
    assert contour_levels(np.full((4, 4), 3.0), 12) == ()
    assert contour_levels(np.full((4, 4), np.nan), 12) == ()
    assert contour_levels(rosenbrock, 0) == ()
    # a step of 0.1 gives 0.3, not 0.30000000000000004 (k × 0.1 in floating point)
    tenths = contour_levels(x, 30)
    assert 0.3 in tenths and all(v == round(v, 1) for v in tenths)
    # far from 0 the levels stay apart: 1e12 + 0.1 x has one every 0.05
    far = contour_levels(1e12 + 0.1 * x, 12)
    assert len(far) >= 6 and len(set(far)) == len(far)
    assert all(1e12 - 0.2 < v < 1e12 + 0.2 for v in far) and np.all(np.diff(far) > 0)
