"""Complex primitives near and on their branch cuts, against mpmath at 60 digits.

The reference is computed without jacviz: mpmath's own principal branches for the value and
a central difference with h = 1e-30 at 60 digits for f′ (so the reference derivative does
not share jacviz's formula for it). J's error is measured as a complex number's,
|f′ − f′_ref| / |f′_ref| (J = [[Re f′, −Im f′], [Im f′, Re f′]]), and Cauchy–Riemann must
hold exactly: J is built from one f′.

The first tests repeat, with their exact numbers, what an audit found: the textbook square
root lost every digit of J at −4 + 10⁻⁶i.
"""

from __future__ import annotations

import json

import mpmath
import numpy as np
import pytest
from corehelpers import compiled

from jacviz.cli import main
from jacviz.core.numeric import branches
from jacviz.core.sampling.fields import det_field

pytestmark = pytest.mark.usefixtures("warnings_are_errors")

mpmath.mp.dps = 60
H = mpmath.mpf("1e-30")


def _ref(f, x: float, y: float):
    """(f(w), f′(w)) at w = x + iy (the floats exactly), from mpmath."""
    with mpmath.workdps(60):
        w = mpmath.mpc(float(x), float(y))
        return complex(f(w)), complex(mpmath.diff(f, w, h=H))


def _j_error(jac: np.ndarray, deriv: complex) -> float:
    got = complex(jac[0, 0], jac[1, 0])
    return abs(got - deriv) / abs(deriv)


# ---------------------------------------------------------------------------------------
# The audit's numbers


def test_sqrt_near_the_negative_axis_at_minus_4():
    """sqrt(z) at (−4, 1e-6): J₁₁ was −10563 (true 3.125e-8) and σ₁ 10563 (true 0.25)."""
    c = compiled("sqrt(z)")
    jac = c.jacobian_at(-4.0, 1e-6)
    value, deriv = _ref(mpmath.sqrt, -4.0, 1e-6)
    assert jac[0, 0] == pytest.approx(3.125e-8, rel=1e-6)
    assert jac[0, 0] == pytest.approx(deriv.real, rel=1e-9)
    assert np.linalg.svd(jac, compute_uv=False) == pytest.approx([0.25, 0.25], rel=1e-9)
    np.testing.assert_allclose(c.value_at(-4.0, 1e-6), [value.real, value.imag], rtol=1e-13)


def test_sqrt_near_the_negative_axis_at_minus_1_keeps_cauchy_riemann():
    """At (−1, 1e-5) J₁₁ was 0.00828 (true 2.5e-6) while J₂₂ was right: CR failed."""
    (a, b), (c_, d) = compiled("sqrt(z)").jacobian_at(-1.0, 1e-5)
    _, deriv = _ref(mpmath.sqrt, -1.0, 1e-5)
    assert a == pytest.approx(2.5e-6, rel=1e-6) and a == pytest.approx(deriv.real, rel=1e-9)
    assert a == d and b == -c_


def test_sqrt_very_near_the_axis_is_defined():
    """At (−1, 1e-10) the value was [0, null] and J null; it is 5e-11 + i with J finite."""
    c = compiled("sqrt(z)")
    u, v = c.value_at(-1.0, 1e-10)
    assert u == pytest.approx(5e-11, rel=1e-12) and v == pytest.approx(1.0, rel=1e-15)
    jac = c.jacobian_at(-1.0, 1e-10)
    assert _j_error(jac, _ref(mpmath.sqrt, -1.0, 1e-10)[1]) <= 1e-12


def test_sqrt_on_its_cut_and_at_zero():
    """sqrt(z) at −1 on the cut is i (it was [0, null]), and 0 at 0; −0.0 is the same point."""
    c = compiled("sqrt(z)")
    np.testing.assert_array_equal(c.value_at(-1.0, 0.0), [0.0, 1.0])
    np.testing.assert_array_equal(c.value_at(-1.0, -0.0), [0.0, 1.0])
    np.testing.assert_array_equal(c.value_at(-4.0, 0.0), [0.0, 2.0])
    np.testing.assert_array_equal(c.value_at(0.0, 0.0), [0.0, 0.0])


def test_log_of_minus_one_with_a_negative_zero_is_plus_pi():
    """log(z) at (−1, −0.0) gave −π; the principal value is iπ, as mpmath and sympy say."""
    c = compiled("log(z)")
    np.testing.assert_array_equal(c.value_at(-1.0, -0.0), [0.0, np.pi])
    np.testing.assert_array_equal(c.value_at(-1.0, 0.0), [0.0, np.pi])
    assert complex(mpmath.log(-1)) == complex(0.0, np.pi)
    # the same for log(-z) at z = 1, where the builder's negation makes the zero negative
    np.testing.assert_array_equal(compiled("log(-z)").value_at(1.0, 0.0), [0.0, np.pi])


def test_atan2_at_the_origin_is_undefined():
    """atan2(y, x), x at (0, 0) gave u = 0; there is no angle there."""
    c = compiled("atan2(y, x), x")
    u, v = c.value_at(0.0, 0.0)
    assert np.isnan(u) and v == 0.0
    assert c.value_at(-1.0, -0.0)[0] == np.pi  # and −0.0 is 0 there too
    assert c.value_at(0.0, 1.0)[0] == np.pi / 2


def test_asinh_far_out_on_the_negative_axis():
    """asinh(z) at (−1e6, 1) cancelled in log(w + √(w² + 1)); now value and J to 1e-12."""
    c = compiled("asinh(z)")
    value, deriv = _ref(mpmath.asinh, -1e6, 1.0)
    np.testing.assert_allclose(c.value_at(-1e6, 1.0), [value.real, value.imag], rtol=1e-13)
    assert _j_error(c.jacobian_at(-1e6, 1.0), deriv) <= 1e-12


def test_sqrt_heatmap_in_a_thin_strip_along_the_cut():
    """det J of sqrt(z) on [−2, −1] × [−1e-3, 1e-3]: 38 % of cells were undefined, the rest up to 25 % off.

    det J = |f′|² = 1/(4|z|) in closed form. Every cell is now defined and right to 1e-12.
    """
    c = compiled("sqrt(z)")
    rect = (-2.0, -1.0, -1e-3, 1e-3)
    field = det_field(c, rect, 64, dtype=np.float64)
    xs = -2.0 + (np.arange(64) + 0.5) / 64
    ys = -1e-3 + (np.arange(64) + 0.5) * 2e-3 / 64
    want = 1 / (4 * np.hypot(xs[None, :], ys[:, None]))
    assert np.isfinite(field).all()
    np.testing.assert_allclose(field, want, rtol=1e-12)


def test_jacviz_eval_of_sqrt_near_the_cut(capsys):
    """The audit's command: jacviz eval "sqrt(z)" --at -4,1e-6."""
    assert main(["eval", "sqrt(z)", "--at", "-4,1e-6"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["jacobian"][0][0] == pytest.approx(3.125e-8, rel=1e-6)
    assert out["singular_values"] == pytest.approx([0.25, 0.25], rel=1e-9)
    assert main(["eval", "sqrt(z)", "--at", "-1,1e-10"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["value"] == pytest.approx([5e-11, 1.0], rel=1e-12)


# ---------------------------------------------------------------------------------------
# Every primitive, approaching every cut from both sides


def _points_on_real_cut(xs):
    return [(x, 0.0) for x in xs]


def _points_on_imaginary_cut(ys):
    return [(0.0, y) for y in ys]


NEGATIVE_AXIS = _points_on_real_cut([-4.0, -1.0, -0.5, -1e-3])
OUTSIDE_UNIT = _points_on_real_cut([-4.0, -1.5, 1.5, 4.0])
BELOW_ONE = _points_on_real_cut([-2.0, -0.5, 0.5, 0.9])
IMAGINARY = _points_on_imaginary_cut([-4.0, -1.5, 1.5, 4.0])


def _mp_power(c):
    return lambda w: mpmath.power(w, c)


# (mapping, mpmath function, points on its cut)
PRIMITIVES = [
    ("sqrt(z)", mpmath.sqrt, NEGATIVE_AXIS),
    ("log(z)", mpmath.log, NEGATIVE_AXIS),
    ("log10(z)", lambda w: mpmath.log(w) / mpmath.log(10), NEGATIVE_AXIS),
    ("z^(1/3)", _mp_power(mpmath.mpf(1) / 3), NEGATIVE_AXIS),
    ("cbrt(z)", _mp_power(mpmath.mpf(1) / 3), NEGATIVE_AXIS),
    ("z^2.5", _mp_power(mpmath.mpf("2.5")), NEGATIVE_AXIS),
    ("z^(-0.7)", _mp_power(mpmath.mpf("-0.7")), NEGATIVE_AXIS),
    ("z^(1 + i)", _mp_power(mpmath.mpc(1, 1)), NEGATIVE_AXIS),
    ("asin(z)", mpmath.asin, OUTSIDE_UNIT),
    ("acos(z)", mpmath.acos, OUTSIDE_UNIT),
    ("atanh(z)", mpmath.atanh, OUTSIDE_UNIT),
    ("acosh(z)", mpmath.acosh, BELOW_ONE),
    ("asinh(z)", mpmath.asinh, IMAGINARY),
    ("atan(z)", mpmath.atan, IMAGINARY),
]
DISTANCES = [10.0**-k for k in (2, 4, 6, 8, 10, 12)]


def _approaching(points):
    """Points at distance 1e-2 … 1e-12 from each cut point, on both sides of the cut."""
    out = []
    for x, y in points:
        for d in DISTANCES:
            for side in (1.0, -1.0):
                out.append((x, side * d) if y == 0.0 else (side * d, y))
    return out


@pytest.mark.parametrize(("text", "f", "cut"), PRIMITIVES, ids=[p[0] for p in PRIMITIVES])
def test_j_is_accurate_approaching_the_cut_from_both_sides(text, f, cut):
    """J to 1e-9 relative at distances 1e-2 … 1e-12 from the cut, on each side; CR exact."""
    c = compiled(text)
    points = _approaching(cut)
    xs, ys = np.array(points).T
    a, b, cc, d, det = c.jacobian(xs, ys)
    u, v = c.values(xs, ys)
    for i, (x, y) in enumerate(points):
        value, deriv = _ref(f, x, y)
        jac = np.array([[a[i], b[i]], [cc[i], d[i]]])
        err = _j_error(jac, deriv)
        assert err <= 1e-9, (text, x, y, jac, deriv, err)
        assert a[i] == d[i] and b[i] == -cc[i], (text, x, y, jac)
        assert det[i] == pytest.approx(abs(deriv) ** 2, rel=2e-9)
        assert abs(complex(u[i], v[i]) - value) <= 1e-12 * abs(value), (text, x, y, u[i], v[i], value)


@pytest.mark.parametrize(("text", "f", "cut"), PRIMITIVES, ids=[p[0] for p in PRIMITIVES])
def test_value_on_the_cut_is_mpmaths_principal_value(text, f, cut):
    """Exactly on the cut the value is continuous with the counter-clockwise side, as in mpmath;
    a negative zero gives the same."""
    c = compiled(text)
    for x, y in cut:
        want = complex(f(mpmath.mpc(x, y)))
        for point in ((x, y), (-0.0 if x == 0 else x, -0.0 if y == 0 else y)):
            u, v = c.value_at(*point)
            assert abs(complex(u, v) - want) <= 1e-13 * abs(want), (text, point, u, v, want)


def test_the_counter_clockwise_side_of_each_cut():
    """The convention spelled out: which side each cut point takes (README, branch conventions)."""
    cases = [
        ("sqrt(z)", -4.0, 1e-300, 2j), ("log(z)", -1.0, 1e-300, complex(0, np.pi)),
        ("asin(z)", 2.0, -1e-300, None), ("asin(z)", -2.0, 1e-300, None),
        ("acos(z)", 2.0, -1e-300, None), ("atanh(z)", 2.0, -1e-300, None),
        ("acosh(z)", -2.0, 1e-300, None), ("asinh(z)", 1e-300, 2.0, None), ("asinh(z)", -1e-300, -2.0, None),
        ("atan(z)", 1e-300, 2.0, None), ("atan(z)", -1e-300, -2.0, None),
    ]
    for text, x, y, exact in cases:
        c = compiled(text)
        on_cut = complex(*c.value_at(x if abs(x) > 1e-200 else 0.0, y if abs(y) > 1e-200 else 0.0))
        beside = complex(*c.value_at(x, y))
        assert abs(on_cut - beside) <= 1e-12 * abs(beside), (text, x, y, on_cut, beside)
        if exact is not None:
            assert on_cut == pytest.approx(exact, abs=1e-15)


def test_kernels_agree_with_mpmath_over_the_plane():
    """2,000 random points at six scales and points exactly on the axes: every kernel to 1e-15."""
    rng = np.random.default_rng(7)
    scale = rng.choice([1e-8, 1e-3, 1.0, 3.0, 1e3, 1e8], size=(2000, 1))
    pts = np.concatenate([rng.normal(size=(2000, 2)) * scale,
                          [(x, 0.0) for x in (-3, -1, -0.5, 0.5, 1, 3)],
                          [(0.0, y) for y in (-3, -1, -0.5, 0.5, 1, 3)]])
    a, b = pts[:, 0], pts[:, 1]
    for name, f in [("sqrt", mpmath.sqrt), ("log", mpmath.log), ("asin", mpmath.asin),
                    ("acos", mpmath.acos), ("atan", mpmath.atan), ("asinh", mpmath.asinh),
                    ("acosh", mpmath.acosh), ("atanh", mpmath.atanh)]:
        with np.errstate(all="ignore"):
            re = getattr(branches, f"c{name}_re")(a, b)
            im = getattr(branches, f"c{name}_im")(a, b)
        for i in range(len(a)):
            try:
                want = complex(f(mpmath.mpc(a[i], b[i])))
            except (ZeroDivisionError, ValueError):
                continue
            if not np.isfinite(want):
                continue
            assert abs(complex(re[i], im[i]) - want) <= 1e-15 * abs(want), (name, a[i], b[i], re[i], im[i])


def test_powers_agree_with_mpmath_including_zero():
    """w^c for c = 1/3, 2.5, −0.7, 13: the principal value; 0^c is 0 for c > 0 and undefined for c < 0."""
    rng = np.random.default_rng(3)
    pts = rng.normal(size=(300, 2)) * 2
    for c in (1 / 3, 2.5, -0.7, 13.0):
        re, im = branches.cpow_re(pts[:, 0], pts[:, 1], c), branches.cpow_im(pts[:, 0], pts[:, 1], c)
        for (x, y), r, i in zip(pts, re, im, strict=True):
            want = complex(mpmath.power(mpmath.mpc(x, y), c))
            assert abs(complex(r, i) - want) <= 1e-14 * abs(want)
    assert branches.cpow_re(0.0, 0.0, 0.5) == 0.0 and branches.cpow_im(0.0, 0.0, 0.5) == 0.0
    with np.errstate(all="ignore"):
        assert not np.isfinite(branches.cpow_re(0.0, 0.0, -0.5))


def test_float32_kernels_stay_float32():
    """The heatmap may sample in float32: the kernels keep the dtype."""
    a = np.array([-1.0, 2.0], dtype=np.float32)
    b = np.array([1e-3, -0.5], dtype=np.float32)
    for name, (kernel, arity) in branches.KERNELS.items():
        args = (a, b, np.float32(0.5)) if arity == 3 else (a, b)
        with np.errstate(all="ignore"):  # as Program.run calls them
            assert kernel(*args).dtype == np.float32, name


def test_stable_forms_keep_dirac_delta_and_sign_out_of_j():
    """J's printed formulas have no sign, DiracDelta or Heaviside, and J is finite off the cut."""
    from jacviz.core.symbolic.mapping import Mapping

    for text in ("sqrt(z)", "log(z)", "z^(1/3)", "asin(z)", "acos(z)", "atan(z)", "asinh(z)",
                 "acosh(z)", "atanh(z)", "cbrt(z)", "z^z"):
        m = Mapping.from_text(text)
        rendered = m.rendered()
        for row in rendered["jacobian"]:
            for entry in row:
                assert not any(word in entry for word in ("sign", "Dirac", "Heaviside")), (text, entry)
        c = compiled(text)
        rng = np.random.default_rng(5)
        xs, ys = rng.uniform(-3, 3, (2, 400))
        off = np.abs(ys) > 1e-3  # off the real-axis cuts
        off &= np.abs(xs) > 1e-3  # and the imaginary-axis ones
        jac = c.jacobian(xs[off], ys[off])
        assert all(np.isfinite(e).all() for e in jac), text
