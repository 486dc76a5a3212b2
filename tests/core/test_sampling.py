"""Sampling for the two views: the det J image, the critical curve, grid lines, the lens.

Each test uses a mapping whose answer is known exactly, so that a transposed image, a
critical curve in the wrong place, a grid line bridging a pole or a linearization that is
not first-order accurate is caught.
"""

from __future__ import annotations

import numpy as np
import pytest
from corehelpers import compiled

from jacviz.core.lab.pointinfo import point_info
from jacviz.core.pipeline.scene import Quality
from jacviz.core.sampling.contours import critical_curve, critical_segments, map_segments
from jacviz.core.sampling.fields import cell_centres, det_field
from jacviz.core.sampling.grid import sample_grid
from jacviz.core.sampling.limits import robust_level, robust_limits, robust_span
from jacviz.core.sampling.linearization import linearization, principal_stretches

pytestmark = pytest.mark.usefixtures("warnings_are_errors")


# ---------------------------------------------------------------------------------------
# det_field


CUSP_RECT = (-2.0, 1.0, -1.0, 3.0)  # not square, not symmetric: a transposed image shows


def test_det_field_rows_are_y_and_columns_are_x():
    """For x, y^3 + xy (det = x + 3y²), pixel (i, j) holds det at (x_j, y_i), the cell centres."""
    n = 8
    field = det_field(compiled("x, y^3 + x y"), CUSP_RECT, n)
    assert field.shape == (n, n)
    x0, x1, y0, y1 = CUSP_RECT
    dx, dy = (x1 - x0) / n, (y1 - y0) / n
    # known pixels, written out: first row is the bottom (y = y0 + dy/2), first column the left
    assert field[0, 0] == pytest.approx((x0 + dx / 2) + 3 * (y0 + dy / 2) ** 2, rel=1e-6)
    assert field[0, n - 1] == pytest.approx((x1 - dx / 2) + 3 * (y0 + dy / 2) ** 2, rel=1e-6)
    assert field[n - 1, 0] == pytest.approx((x0 + dx / 2) + 3 * (y1 - dy / 2) ** 2, rel=1e-6)
    assert field[2, 5] == pytest.approx((x0 + 5.5 * dx) + 3 * (y0 + 2.5 * dy) ** 2, rel=1e-6)
    xs, ys = cell_centres(CUSP_RECT, n)
    np.testing.assert_allclose(field, xs[None, :] + 3 * ys[:, None] ** 2, rtol=1e-6)
    assert not np.allclose(field, field.T)  # the check above could not pass transposed


def test_det_field_dtype_and_parameters():
    """det_field is float32 by default on a large field where float32 is exact enough, float64 on
    a small one (the probe would cost more than float32 saves) or on request; it uses the parameters."""
    c = compiled("a x, y")
    f32 = det_field(c, (0, 1, 0, 1), 256)
    assert f32.dtype == np.float32 and (f32 == 1).all()
    small = det_field(c, (0, 1, 0, 1), 4)
    assert small.dtype == np.float64 and (small == 1).all()
    f64 = det_field(c, (0, 1, 0, 1), 4, {"a": -2.5}, dtype=np.float64)
    assert f64.dtype == np.float64 and f64.shape == (4, 4) and (f64 == -2.5).all()


def test_det_field_constant_det_is_full_size():
    """A constant det J (shear) still fills the whole n×n image."""
    field = det_field(compiled("x + 2y, y"), (-1, 1, -1, 1), 5)
    assert field.shape == (5, 5) and (field == 1).all()


# ---------------------------------------------------------------------------------------
# critical curve


def _pairs(segments: np.ndarray) -> np.ndarray:
    assert segments.ndim == 2 and segments.shape[1] == 2 and segments.shape[0] % 2 == 0
    return segments.reshape(-1, 2, 2)


def test_fold_critical_curve_is_the_x_axis():
    """x, y^2 has det J = 2y: the critical segments lie on y = 0 and run across the whole width."""
    rect = (-2.0, 2.0, -1.5, 1.0)
    n = 64
    segments = critical_segments(det_field(compiled("x, y^2"), rect, n), rect)
    pairs = _pairs(segments)
    assert len(pairs) >= n - 2
    np.testing.assert_allclose(segments[:, 1], 0.0, atol=1e-6)
    xs, _ = cell_centres(rect, n)
    assert segments[:, 0].min() == pytest.approx(xs[0]) and segments[:, 0].max() == pytest.approx(xs[-1])
    # each segment is short: one cell wide at most
    lengths = np.hypot(*(pairs[:, 1] - pairs[:, 0]).T)
    assert lengths.max() <= (rect[1] - rect[0]) / n + 1e-9


def test_whitney_cusp_critical_curve_is_the_parabola():
    """x, y^3 + xy: every endpoint satisfies x + 3y² ≈ 0, and the parabola is traced over the full rect."""
    rect = (-2.0, 1.0, -1.0, 1.0)
    n = 200
    segments = critical_segments(det_field(compiled("x, y^3 + x y"), rect, n), rect)
    _pairs(segments)
    h = max(rect[1] - rect[0], rect[3] - rect[2]) / n
    residual = segments[:, 0] + 3 * segments[:, 1] ** 2
    assert np.abs(residual).max() < 3 * h**2 + 1e-6
    # the curve x = -3y² leaves the rect at x = -2, y = ±√(2/3)
    top = np.sqrt(2 / 3)
    assert segments[:, 1].max() == pytest.approx(top, abs=2 * h)
    assert segments[:, 1].min() == pytest.approx(-top, abs=2 * h)
    # and it passes through the cusp point at the origin
    assert np.hypot(segments[:, 0], segments[:, 1]).min() < 2 * h


def test_no_critical_curve_where_det_has_one_sign():
    """A shear (det J = 1) and exp(z) (det J = e^{2x} > 0) have no critical curve at all."""
    rect = (-1.0, 1.0, -1.0, 1.0)
    assert critical_segments(det_field(compiled("x + 2y, y"), rect, 16), rect).shape == (0, 2)
    assert critical_segments(det_field(compiled("exp(z)"), rect, 16), rect).shape == (0, 2)


def test_critical_segments_skip_undefined_squares():
    """Squares touching NaN contribute nothing, so a NaN hole does not invent a curve."""
    field = np.array([[1.0, -1.0, -1.0], [1.0, np.nan, -1.0], [1.0, -1.0, -1.0]])
    segments = critical_segments(field, (0.0, 3.0, 0.0, 3.0))
    assert segments.size == 0
    field[1, 1] = -1.0
    assert _pairs(critical_segments(field, (0.0, 3.0, 0.0, 3.0))).shape[0] >= 2


def test_pole_between_samples_is_not_a_critical_curve():
    """log|x|, y has det J = 1/x: never zero, so there must be no critical curve at all.

    Marching squares alone sees the sign change through the pole (critical_segments draws
    it); critical_curve bisects each crossing, finds |det J| growing, and drops it.
    """
    rect = (-1.0, 1.0, -1.0, 1.0)
    c = compiled("log(abs(x)), y")
    for n in (16, 64, 512):
        field = det_field(c, rect, n)
        assert critical_segments(field, rect).size > 0
        assert critical_curve(c, field, rect).size == 0


def test_critical_curve_keeps_true_zeros():
    """The cusp's parabola x + 3y² = 0 and the fold's line y = 0 survive the pole check."""
    rect = (-2.0, 2.0, -2.0, 2.0)
    cases = (("x, y^3 + x y", lambda p: p[:, 0] + 3 * p[:, 1] ** 2), ("x, y^2", lambda p: p[:, 1]))
    for text, on_curve in cases:
        c = compiled(text)
        field = det_field(c, rect, 256)
        every = critical_segments(field, rect)
        kept = critical_curve(c, field, rect)
        assert kept.shape == every.shape
        assert np.abs(on_curve(kept)).max() < 0.05


def test_map_segments_maps_pairs_and_blanks_undefined_ones_in_place():
    """map_segments sends endpoints through F; a pair with an undefined end becomes NaN, in place,
    so the images stay aligned with their segments (the codomain selects them by position)."""
    c = compiled("1/z")
    segments = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 2.0]])
    mapped = _pairs(map_segments(c, segments))
    assert mapped.shape == (3, 2, 2)
    np.testing.assert_allclose(mapped[0], [[1.0, 0.0], [0.5, 0.0]])
    assert np.isnan(mapped[1]).all()
    np.testing.assert_allclose(mapped[2], [[0.0, -1.0], [0.0, -0.5]])
    assert map_segments(c, np.empty((0, 2))).shape == (0, 2)


# ---------------------------------------------------------------------------------------
# grid lines


def test_sample_grid_layout():
    """Each family is lines × (samples + 1) rows: a line of samples, then one NaN separator row."""
    lines, samples = 5, 7
    g = sample_grid(compiled("x, y"), (0.0, 4.0, -1.0, 1.0), Quality(lines=lines, samples=samples))
    for arr in (g.vertical, g.horizontal, g.vertical_image, g.horizontal_image):
        assert arr.shape == (lines * (samples + 1), 2)
        per_line = arr.reshape(lines, samples + 1, 2)
        assert np.isnan(per_line[:, -1]).all() and np.isfinite(per_line[:, :-1]).all()
    vertical = g.vertical.reshape(lines, samples + 1, 2)[:, :-1]
    np.testing.assert_allclose(vertical[:, :, 0], np.linspace(0, 4, lines)[:, None] * np.ones(samples))
    np.testing.assert_allclose(vertical[0, :, 1], np.linspace(-1, 1, samples))
    # the identity maps each line onto itself
    np.testing.assert_array_equal(g.vertical_image, g.vertical)
    np.testing.assert_array_equal(g.horizontal_image, g.horizontal)


def _max_finite_step(family: np.ndarray, lines: int, samples: int) -> float:
    worst = 0.0
    for line in family.reshape(lines, samples + 1, 2)[:, :-1]:
        step = np.hypot(*np.diff(line, axis=0).T)
        step = step[np.isfinite(step)]
        if step.size:
            worst = max(worst, float(step.max()))
    return worst


def test_sample_grid_break_at_the_pole_of_one_over_z():
    """Images of grid lines under 1/z break (NaN) near 0 and no drawn segment jumps across the pole."""
    lines, samples, rect = 41, 400, (-1.0, 1.0, -1.0, 1.0)
    c = compiled("1/z")
    g = sample_grid(c, rect, Quality(lines=lines, samples=samples))
    for domain, image in ((g.vertical, g.vertical_image), (g.horizontal, g.horizontal_image)):
        body_image = image.reshape(lines, samples + 1, 2)[:, :-1]
        body_domain = domain.reshape(lines, samples + 1, 2)[:, :-1]
        broken = np.isnan(body_image).any(axis=2)
        assert broken.any(), "the line through the pole must be broken"
        # breaks only near the pole
        assert np.hypot(*body_domain[broken].T).max() < 0.2
        span = robust_span(image[:, 0], image[:, 1])
        assert _max_finite_step(image, lines, samples) < 0.5 * span
    # teeth: sampled without the breaks, the line x = 0 does jump across the pole
    ys = np.linspace(rect[2], rect[3], samples)
    u, v = c.values(np.zeros(samples), ys)
    raw_step = np.nanmax(np.hypot(np.diff(u), np.diff(v)))
    assert raw_step > 10 * robust_span(g.vertical_image[:, 0], g.vertical_image[:, 1])


def test_sample_grid_of_a_smooth_map_have_no_breaks():
    """exp(z) on a small rect is smooth: no NaN inside any line."""
    lines, samples = 11, 50
    g = sample_grid(compiled("exp(z)"), (-1.0, 1.0, -1.0, 1.0), Quality(lines=lines, samples=samples))
    for image in (g.vertical_image, g.horizontal_image):
        assert np.isfinite(image.reshape(lines, samples + 1, 2)[:, :-1]).all()


def test_sample_grid_partly_undefined_without_warnings():
    """log(x), y over -3 < x < 1: lines at x ≤ 0 have no drawable point, the others none missing.

    Lines that are undefined everywhere sit next to defined ones, the case where a median
    over an all-NaN line used to warn; no warning may escape (see the autouse fixture).
    """
    lines, samples = 5, 10
    g = sample_grid(compiled("log(x), y"), (-3.0, 1.0, 0.0, 1.0), Quality(lines=lines, samples=samples))
    image = g.vertical_image.reshape(lines, samples + 1, 2)[:, :-1]
    xs = g.vertical.reshape(lines, samples + 1, 2)[:, 0, 0]
    for x, line in zip(xs, image, strict=True):
        drawable = np.isfinite(line).all(axis=1)
        assert drawable.all() if x > 0 else not drawable.any()
    nothing = sample_grid(compiled("log(x), log(y)"), (-3.0, -1.0, -2.0, -1.0), Quality(lines=3, samples=4))
    assert np.isnan(nothing.vertical_image).all() and np.isnan(nothing.horizontal_image).all()


# ---------------------------------------------------------------------------------------
# linearization


@pytest.mark.parametrize(
    ("text", "point"),
    [("z^2", (0.7, -0.4)), ("exp(z)", (0.2, 1.0)), ("x, y exp(tanh(x)) + sin(x)", (0.5, -1.0)),
     ("(r, t) -> r cos(t), r sin(t)", (1.5, 0.3)), ("x, y^3 + x y", (-0.3, 0.6))],
)
def test_linearization_error_is_second_order(text, point):
    """The true image of an h-circle and its linear prediction differ by O(h²): halving h quarters the gap."""
    c = compiled(text)
    gaps = []
    for h in (0.02, 0.01):
        lin = linearization(c, point, h)
        gaps.append(np.abs(lin.true_image - lin.linear_image).max())
    assert gaps[1] > 0
    ratio = gaps[0] / gaps[1]
    assert 2.5 < ratio < 6, ratio


def test_linearization_parts():
    """The lens holds p, F(p), J(p), a closed circle of radius h, and the matching images."""
    c = compiled("z^2")
    lin = linearization(c, (1.0, 2.0), 0.1)
    np.testing.assert_array_equal(lin.point, [1.0, 2.0])
    np.testing.assert_allclose(lin.value, [-3.0, 4.0])
    np.testing.assert_allclose(lin.jacobian, [[2.0, -4.0], [4.0, 2.0]])
    assert lin.det == pytest.approx(20.0)
    np.testing.assert_allclose(lin.circle[0], lin.circle[-1])
    np.testing.assert_allclose(np.hypot(*(lin.circle - lin.point).T), 0.1)
    # z² is quadratic: F(p + hc) - (F(p) + J h c) = (h c)² exactly, so the gap is h² everywhere
    np.testing.assert_allclose(np.hypot(*(lin.true_image - lin.linear_image).T), 0.01, rtol=1e-9)
    np.testing.assert_allclose(sorted(lin.stretches.singular_values), [np.sqrt(20)] * 2)


def test_linearization_at_a_pole_is_undefined():
    """At the pole of 1/z the Jacobian is NaN, det is NaN and the stretches are NaN."""
    lin = linearization(compiled("1/z"), (0.0, 0.0), 0.1)
    assert np.isnan(lin.jacobian).all() and np.isnan(lin.det)
    assert np.isnan(lin.stretches.singular_values).all()


# ---------------------------------------------------------------------------------------
# principal stretches


def _rotation(theta: float) -> np.ndarray:
    return np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])


def test_principal_stretches_of_a_known_matrix():
    """J = R(0.3)·diag(5, 0.5)·R(-1.1)ᵀ: singular values 5 and 0.5, axes the columns of the rotations."""
    U, V = _rotation(0.3), _rotation(-1.1)
    jac = U @ np.diag([5.0, 0.5]) @ V.T
    s = principal_stretches(jac)
    np.testing.assert_allclose(s.singular_values, [5.0, 0.5])
    for k in range(2):
        # directions are defined up to sign
        assert abs(abs(s.image_axes[:, k] @ U[:, k]) - 1) < 1e-12
        assert abs(abs(s.domain_axes[:, k] @ V[:, k]) - 1) < 1e-12
        # J maps the k-th domain axis onto s_k times the k-th image axis
        np.testing.assert_allclose(jac @ s.domain_axes[:, k], s.singular_values[k] * s.image_axes[:, k],
                                   atol=1e-12)


def test_principal_stretches_special_cases():
    """diag(3, 2), a rank-one matrix and an undefined matrix."""
    np.testing.assert_allclose(principal_stretches(np.diag([2.0, -3.0])).singular_values, [3.0, 2.0])
    np.testing.assert_allclose(principal_stretches(np.ones((2, 2))).singular_values, [2.0, 0.0], atol=1e-15)
    undefined = principal_stretches(np.array([[1.0, np.nan], [0.0, 1.0]]))
    assert np.isnan(undefined.singular_values).all()
    assert np.isnan(undefined.image_axes).all() and np.isnan(undefined.domain_axes).all()


# ---------------------------------------------------------------------------------------
# robust limits and levels


def test_robust_limits_ignore_a_few_enormous_outliers():
    """10,000 points in [0,1]×[-2,3] and a few at ±1e12..1e15: the limits stay near the bulk."""
    rng = np.random.default_rng(7)
    u = rng.uniform(0.0, 1.0, 10_000)
    v = rng.uniform(-2.0, 3.0, 10_000)
    u[:5] = 1e12
    v[5:10] = -1e15
    u[10:13] = np.nan
    (u0, v0), (u1, v1) = robust_limits(u, v)
    assert -0.2 < u0 < 0.1 and 0.9 < u1 < 1.2
    assert -2.5 < v0 < -1.8 and 2.8 < v1 < 3.5


def test_robust_limits_keep_the_whole_picture_when_not_heavy_tailed():
    """Without outliers the limits are the min and max, widened by pad on each side."""
    u = np.linspace(0.0, 10.0, 101)
    v = np.linspace(-1.0, 1.0, 101)
    (u0, v0), (u1, v1) = robust_limits(u, v, pad=0.1)
    assert (u0, u1) == pytest.approx((-1.0, 11.0))
    assert (v0, v1) == pytest.approx((-1.2, 1.2))


def test_robust_limits_with_nothing_finite():
    """No finite point: a default unit box, not an exception."""
    assert robust_limits(np.array([np.nan, np.inf]), np.array([1.0, 2.0])) == ((-1.0, -1.0), (1.0, 1.0))


def test_robust_level():
    """The colour level is a high percentile of |det|, never 0, and ignores poles."""
    rng = np.random.default_rng(3)
    field = rng.uniform(-1.0, 1.0, 1000)
    with_poles = np.concatenate([field, [1e30, -1e30, np.nan, np.inf]])
    level = robust_level(with_poles)
    assert 0.9 < level <= 1.0
    assert robust_level(np.zeros(10)) == 1.0
    assert robust_level(np.full(3, np.nan)) == 1.0
    assert robust_level(np.full((4, 4), -2.5)) == 2.5


# ---------------------------------------------------------------------------------------
# point info


def test_reading_orientation_kept():
    """z² at (1, 2): det 20 > 0, area scaled ×20 with orientation kept."""
    info = point_info(compiled("z^2"), 1.0, 2.0)
    assert info.defined and info.det == pytest.approx(20.0)
    assert info.reading() == "area near p is scaled ×20, orientation kept"
    assert info.trace == pytest.approx(4.0)
    assert info.value == pytest.approx((-3.0, 4.0))
    assert info.eigenvalues[0] == pytest.approx(2 + 4j) and info.eigenvalues[1] == pytest.approx(2 - 4j)
    assert info.singular_values == pytest.approx((np.sqrt(20), np.sqrt(20)))
    assert info.log_abs_det == pytest.approx(np.log(20.0))


def test_reading_orientation_reversed():
    """A reflection scaled by 0.5 in one direction: det -0.5, orientation reversed."""
    info = point_info(compiled("x, -0.5y"), 3.0, -1.0)
    assert info.det == pytest.approx(-0.5)
    assert info.reading() == "area near p is scaled ×0.5, orientation reversed"
    assert info.eigenvalues == pytest.approx((1.0, -0.5))


def test_reading_singular_fold_and_point():
    """On the fold y = 0 of x, y² the map is singular; x², y² at 0 crushes everything to a point."""
    fold = point_info(compiled("x, y^2"), 0.7, 0.0)
    assert fold.det == 0.0 and fold.log_abs_det == -np.inf
    assert fold.reading() == "singular: the map folds here (area is crushed onto a curve)"
    crushed = point_info(compiled("x^2, y^2"), 0.0, 0.0)
    assert crushed.reading() == "singular: J = 0, the whole neighbourhood is crushed to a point"


def test_reading_where_undefined():
    """At the pole of 1/z nothing is defined and the reading says so."""
    info = point_info(compiled("1/z"), 0.0, 0.0)
    assert not info.defined
    assert np.isnan(info.det) and np.isnan(info.trace) and np.isnan(info.log_abs_det)
    assert info.reading().startswith("F is not defined here")


def test_reading_uses_parameters():
    """The Hénon map with b = 0.3 reverses orientation with area factor 0.3 everywhere."""
    info = point_info(compiled("1 - a x^2 + y, b x"), 0.4, -0.2, {"a": 1.4, "b": 0.3})
    assert info.det == pytest.approx(-0.3)
    assert info.reading() == "area near p is scaled ×0.3, orientation reversed"


def test_sample_grid_keeps_the_visible_spacing_over_a_margin():
    """Lines sit at multiples of the visible spacing (so a pan moves over fixed lines) and span the margin."""
    from jacviz.core.pipeline.scene import expand

    visible = (-1.3, 0.7, 0.2, 1.2)
    rect = expand(visible, 0.25)
    g = sample_grid(compiled("x, y"), rect, Quality(lines=11, samples=40), visible=visible)
    xs = np.unique(g.vertical[:, 0][np.isfinite(g.vertical[:, 0])])
    step = (visible[1] - visible[0]) / 10
    np.testing.assert_allclose(np.diff(xs), step, rtol=1e-9)
    np.testing.assert_allclose(xs / step, np.round(xs / step), atol=1e-9)  # anchored at 0
    assert xs[0] <= rect[0] + 1e-12 and xs[-1] >= rect[1] - 1e-12
    # samples along a line keep the visible density across the wider rectangle
    ys = g.vertical[: np.argmax(np.isnan(g.vertical[:, 0])), 1]
    assert np.diff(ys).max() <= (visible[3] - visible[2]) / (40 - 1) * 1.0001
