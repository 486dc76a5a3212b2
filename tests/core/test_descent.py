"""Gradient descent on scalar fields against closed forms: p ← p − η∇f (jacviz.core.lab.descent)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jacviz.core.errors import MappingError, UsageError
from jacviz.core.lab.descent import ESCAPE, gradient_descent
from jacviz.core.pipeline.build import build

PARABOLOID = "x^2 + y^2"
ROSENBROCK = "(x, y) -> (1 - x)^2 + 100 (y - x^2)^2"


def compiled(text: str):
    return build(text).compiled


def test_on_the_paraboloid_each_step_multiplies_p_by_one_minus_two_eta():
    """∇(x² + y²) = 2p, so p − 0.1·2p = 0.8p: the iterates are 0.8ᵏ p₀ exactly (up to rounding)."""
    path = gradient_descent(compiled(PARABOLOID), {}, (1.0, 1.0), eta=0.1, steps=200)
    k = np.arange(path.steps + 1)
    np.testing.assert_allclose(path.points, 0.8 ** k[:, None] * np.array([1.0, 1.0]), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(path.values, 2 * 0.64**k, rtol=1e-12)
    assert path.status == "converged" and 50 < path.steps < 200
    assert path.message.startswith(f"converged in {path.steps} steps")
    assert max(abs(c) for c in path.end) < 1e-10


def test_the_step_budget_is_kept_and_said():
    path = gradient_descent(compiled(PARABOLOID), {}, (1.0, -2.0), eta=0.1, steps=5)
    assert path.status == "max steps" and path.steps == 5
    assert path.end == pytest.approx((0.8**5, -2 * 0.8**5), rel=1e-14)
    assert path.message.startswith("stopped after 5 steps at (0.32768, −0.65536), f = ")


def test_on_rosenbrock_a_small_step_lowers_f_at_every_step():
    path = gradient_descent(compiled(ROSENBROCK), {}, (-1.0, 1.0), eta=1e-3, steps=200)
    assert path.status == "max steps" and path.steps == 200
    assert np.all(np.diff(path.values) < 0)
    assert path.values[-1] < 0.85 * path.values[0]  # 4 → about 3.3: the slow floor of the valley
    assert "went up" not in path.message


def test_a_step_too_large_diverges_with_a_message_and_no_exception():
    """η = 1.5 on the paraboloid multiplies p by 1 − 3 = −2 each step: out of the box in 27 steps."""
    path = gradient_descent(compiled(PARABOLOID), {}, (1.0, 1.0), eta=1.5, steps=200)
    assert path.status == "diverged"
    k = 27  # 2²⁶ ≈ 6.7e7 is inside the box |x|, |y| ≤ 1e8, 2²⁷ ≈ 1.3e8 is not
    assert 2 ** (k - 1) <= ESCAPE < 2**k and path.steps == k
    np.testing.assert_allclose(path.points, (-2.0) ** np.arange(k + 1)[:, None] * np.ones(2), rtol=1e-15)
    assert path.message.startswith("diverged after 27 steps") and "smaller η" in path.message


def test_eta_one_bounces_for_ever_and_says_f_did_not_go_down():
    path = gradient_descent(compiled(PARABOLOID), {}, (1.0, 1.0), eta=1.0, steps=30)
    assert path.status == "max steps"
    np.testing.assert_allclose(path.points[::2], 1.0)
    np.testing.assert_allclose(path.points[1::2], -1.0)
    assert "no lower than at the start" in path.message


def test_where_f_is_undefined_the_run_stops_there():
    # log(x): from x = 0.05 the step −η/x = −2 lands at x < 0, where log is undefined
    path = gradient_descent(compiled("log(x) + y^2"), {}, (0.05, 1.0), eta=0.1)
    assert path.status == "undefined" and path.steps == 1
    assert path.end == pytest.approx((0.05 - 0.1 / 0.05, 0.8))
    assert "undefined at (−1.95, 0.8)" in path.message
    assert len(path.finite_points()) == 1


def test_a_critical_point_is_converged_at_once():
    path = gradient_descent(compiled(PARABOLOID), {}, (0.0, 0.0), eta=0.1)
    assert path.status == "converged" and path.steps == 0


def test_parameters_are_used():
    path = gradient_descent(compiled("a x^2 + y^2"), {"a": 3.0}, (1.0, 1.0), eta=0.1, steps=3)
    assert path.points[1] == pytest.approx((1 - 0.6, 0.8))


@pytest.mark.parametrize("eta", [0.0, -0.1, 11.0, math.nan, "fast"])
def test_a_bad_eta_is_a_usage_error(eta):
    with pytest.raises(UsageError, match="step size η"):
        gradient_descent(compiled(PARABOLOID), {}, (1.0, 1.0), eta=eta)


def test_bad_starting_points_and_shapes_are_errors():
    with pytest.raises(UsageError, match="two finite coordinates"):
        gradient_descent(compiled(PARABOLOID), {}, (math.nan, 1.0))
    with pytest.raises(MappingError, match="scalar field"):
        gradient_descent(compiled("x^2 - y^2, 2xy"), {}, (1.0, 1.0))
