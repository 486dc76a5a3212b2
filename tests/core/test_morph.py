"""The morph F_t = (1 − t)·id + t·F, through the same sampling functions as a compiled mapping."""

import math

import numpy as np
import pytest

from jacviz.core.errors import MappingError
from jacviz.core.lab.region import region_report
from jacviz.core.numeric.morph import MorphedMapping
from jacviz.core.numeric.protocol import NumericMapping
from jacviz.core.pipeline.scene import Quality
from jacviz.core.sampling.contours import critical_segments
from jacviz.core.sampling.fields import cell_centres, det_field
from jacviz.core.sampling.grid import sample_grid
from jacviz.core.sampling.linearization import linearization
from jacviz.core.symbolic.mapping import Mapping
from jacviz.core.symbolic.translate import compile_mapping

RECT = (-1.5, 1.0, -0.5, 2.0)
MAPPINGS = ["z^2", "x, y^3 + x y", "(r, t) -> r cos(t), r sin(t)",
            "tanh(x + 2y), tanh(x - y); 2x - y, x + 3y"]


def compiled(text):
    return compile_mapping(Mapping.from_text(text))


@pytest.mark.parametrize("text", MAPPINGS)
def test_t0_is_the_identity(text):
    morph = MorphedMapping(compiled(text), 0.0)
    grid = sample_grid(morph, RECT, Quality(lines=9, samples=50))
    np.testing.assert_array_equal(grid.vertical_image, grid.vertical)
    np.testing.assert_array_equal(grid.horizontal_image, grid.horizontal)
    det = det_field(morph, RECT, 16)
    # (a field this small is sampled in float64; its values are what matter here)
    np.testing.assert_array_equal(det, 1.0)
    np.testing.assert_array_equal(morph.jacobian_at(0.3, 0.7), np.eye(2))


@pytest.mark.parametrize("text", MAPPINGS)
def test_t1_is_the_mapping(text):
    c = compiled(text)
    morph = MorphedMapping(c, 1.0)
    mine = sample_grid(morph, RECT, Quality(lines=9, samples=50))
    theirs = sample_grid(c, RECT, Quality(lines=9, samples=50))
    np.testing.assert_allclose(mine.vertical_image, theirs.vertical_image, rtol=1e-15, atol=0)
    np.testing.assert_allclose(mine.horizontal_image, theirs.horizontal_image, rtol=1e-15, atol=0)
    np.testing.assert_allclose(det_field(morph, RECT, 16, dtype=np.float64),
                               det_field(c, RECT, 16, dtype=np.float64), rtol=1e-12)


@pytest.mark.parametrize("text", MAPPINGS)
def test_jacobian_at_t_matches_finite_differences(text):
    morph = MorphedMapping(compiled(text), 0.4)
    rng = np.random.default_rng(11)
    h = 1e-6
    for x, y in rng.uniform(0.2, 1.0, size=(8, 2)):
        fd = np.column_stack([
            (morph.value_at(x + h, y) - morph.value_at(x - h, y)) / (2 * h),
            (morph.value_at(x, y + h) - morph.value_at(x, y - h)) / (2 * h),
        ])
        jac = morph.jacobian_at(x, y)
        np.testing.assert_allclose(jac, fd, rtol=1e-6, atol=1e-7)
        assert morph.det(np.array(x), np.array(y)) == pytest.approx(np.linalg.det(jac), rel=1e-12)


def test_values_and_det_formulas():
    c = compiled("x^2 - y^2, 2x y")
    morph = MorphedMapping(c, 0.25)
    # F(1, 2) = (−3, 4): F_t = (1 + 0.25·(−4), 2 + 0.25·2); J = [[2, −4], [4, 2]]
    np.testing.assert_allclose(morph.value_at(1.0, 2.0), [0.0, 2.5])
    jt = np.eye(2) + 0.25 * (np.array([[2.0, -4.0], [4.0, 2.0]]) - np.eye(2))
    np.testing.assert_allclose(morph.jacobian_at(1.0, 2.0), jt)
    *_, det = morph.jacobian(np.array([1.0]), np.array([2.0]))
    assert det[0] == pytest.approx(np.linalg.det(jt))


def test_critical_curve_of_the_morph_moves_with_t():
    # x, y²: J_t = diag(1, 1 + t(2y − 1)), so det J_t = 0 on y = (1 − 1/t)/2
    c = compiled("x, y^2")
    for t in (0.8, 0.9, 1.0):
        morph = MorphedMapping(c, t)
        field = det_field(morph, (-1.0, 1.0, -1.0, 1.0), 64, dtype=np.float64)
        segments = critical_segments(field, (-1.0, 1.0, -1.0, 1.0))
        assert len(segments) > 0
        np.testing.assert_allclose(segments[:, 1], (1 - 1 / t) / 2, atol=1e-9)
    # at t = 0.3 the critical line y = (1 − 1/0.3)/2 ≈ −1.17 lies below the square: no fold
    field = det_field(MorphedMapping(c, 0.3), (-1.0, 1.0, -1.0, 1.0), 64, dtype=np.float64)
    assert (field > 0).all()


def test_broadcast_row_and_column_like_det_field():
    morph = MorphedMapping(compiled("exp(x) + y, sin(y)"), 0.5)
    xs, ys = cell_centres(RECT, 5)
    u, v = morph.values(xs[None, :], ys[:, None])
    assert u.shape == v.shape == (5, 5)
    full_u, _ = morph.values(*np.meshgrid(xs, ys))
    np.testing.assert_allclose(u, full_u)


def test_linearization_and_region_work_on_the_morph():
    c = compiled("z^2")
    lin = linearization(MorphedMapping(c, 0.5), (0.5, 0.5), 0.01)
    assert lin.det == pytest.approx(np.linalg.det(np.eye(2) + 0.5 * (c.jacobian_at(0.5, 0.5) - np.eye(2))))
    report = region_report(MorphedMapping(c, 0.0), (0.0, 1.0, 0.0, 2.0), time_budget=None)
    assert report.integral_det == pytest.approx(2.0, rel=1e-12)
    assert report.image_area == pytest.approx(2.0, rel=1e-6)


def test_undefined_stays_undefined():
    morph = MorphedMapping(compiled("log(x), y"), 0.0)
    assert np.isnan(morph.value_at(-1.0, 0.0)).all()
    assert math.isnan(float(morph.det(np.array(-1.0), np.array(0.0))))
    np.testing.assert_allclose(morph.value_at(2.0, 3.0), [2.0, 3.0])


def test_interface_and_t():
    c = compiled("a x + y, x")
    morph = MorphedMapping(c, 0.5)
    assert isinstance(morph, NumericMapping) and isinstance(c, NumericMapping)
    assert morph.variables == ("x", "y") and morph.parameters == ("a",)
    # parameters pass through: F = (3x + y, x) at a = 3
    np.testing.assert_allclose(morph.value_at(1.0, 1.0, {"a": 3.0}), [1 + 0.5 * 3, 1.0])
    assert morph.with_t(1.0).value_at(1.0, 1.0, {"a": 3.0}).tolist() == [4.0, 1.0]
    with pytest.raises(MappingError):
        MorphedMapping(c, math.nan)
