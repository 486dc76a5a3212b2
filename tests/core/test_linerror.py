"""The linearization-error field max_w ‖F(p + hw) − F(p) − J(p)hw‖ / h against closed forms."""

import numpy as np
import pytest

from jacviz.core.errors import MappingError
from jacviz.core.lab.linerror import linearization_error_field
from jacviz.core.numeric.morph import MorphedMapping
from jacviz.core.sampling.fields import cell_centres
from jacviz.core.symbolic.mapping import Mapping
from jacviz.core.symbolic.translate import compile_mapping

RECT = (-2.0, 1.0, -1.0, 3.0)


def compiled(text):
    return compile_mapping(Mapping.from_text(text))


@pytest.mark.parametrize("text", ["2x + y, x - 3y", "x - 4, 0.5 y + 7", "(r, t) -> 3r - t, r + t"])
def test_affine_map_is_exactly_linear(text):
    field = linearization_error_field(compiled(text), RECT, 20, 0.05)
    assert field.shape == (20, 20)
    assert np.abs(field).max() < 1e-12


def test_x_squared_error_is_h_everywhere():
    # F(p + hw) − F(p) − J hw = (h² w_x², 0), so the maximum over w of its length / h is h
    for h in (0.1, 0.01):
        field = linearization_error_field(compiled("x^2, y"), RECT, 12, h)
        np.testing.assert_allclose(field, h, rtol=1e-8)


def test_cubic_closed_form_and_row_is_y():
    # x, y³: the remainder along w is (0, 3y h² w_y² + h³ w_y³); its maximum over unit w,
    # divided by h, is 3|y|h + h² (at w = ±e2), the same along each row of constant y.
    h = 0.05
    n = 10
    field = linearization_error_field(compiled("x, y^3"), RECT, n, h)
    _, ys = cell_centres(RECT, n)
    expected = np.broadcast_to((3 * np.abs(ys) * h + h * h)[:, None], (n, n))
    np.testing.assert_allclose(field, expected, rtol=1e-9)


def test_error_scales_linearly_with_h():
    c = compiled("exp(x) + y^2, x y + sin(y)")
    small = linearization_error_field(c, RECT, 16, 1e-3, directions=64)
    large = linearization_error_field(c, RECT, 16, 2e-3, directions=64)
    ratio = large / small
    assert np.isfinite(ratio).all()
    np.testing.assert_allclose(ratio, 2.0, rtol=0.02)


def test_directions_matter():
    # along x alone (one direction) x, y² is exactly linear; with more directions the y² bends
    c = compiled("x, y^2")
    assert np.abs(linearization_error_field(c, RECT, 6, 0.1, directions=1)).max() < 1e-12
    np.testing.assert_allclose(linearization_error_field(c, RECT, 6, 0.1, directions=4), 0.1, rtol=1e-9)


def test_undefined_is_nan():
    # log(x) is undefined for x < 0 and within h of 0
    field = linearization_error_field(compiled("log(x), y"), (-1.0, 1.0, 0.0, 1.0), 10, 0.01)
    xs, _ = cell_centres((-1.0, 1.0, 0.0, 1.0), 10)
    assert np.isnan(field[:, xs < 0]).all()
    assert np.isfinite(field[:, xs > 0.05]).all()


def test_works_on_a_morph():
    # F_t for x², y: the remainder scales with t, so the error is t·h
    field = linearization_error_field(MorphedMapping(compiled("x^2, y"), 0.25), RECT, 8, 0.2)
    np.testing.assert_allclose(field, 0.05, rtol=1e-8)


@pytest.mark.parametrize("kwargs", [{"h": 0.0}, {"h": -1.0}, {"h": float("nan")}, {"n": 0},
                                    {"directions": 0}])
def test_bad_arguments(kwargs):
    args = {"rect": RECT, "n": 4, "h": 0.1} | kwargs
    with pytest.raises(MappingError):
        linearization_error_field(compiled("x, y"), **args)
