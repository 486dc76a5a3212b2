"""The heatmap and the critical curve where float32 and linear interpolation give way.

* A sign change of det J through a pole is not a zero: log|x|, y in the view
  x ∈ [−2.1, 2.3] drew 511 critical segments along x = 0, where det J = 1/x is infinite
  (a symmetric view drew none).
* float32 heatmaps: exp(50x), y on [0, 2] × [0, 1] left 15 % of the cells undefined
  (det J up to 1e43 overflows float32), and sin(1e4 x), y near x = 100 was off by 6.6 %
  of the colour scale. The field now samples in float64 exactly where float32 would lose.
"""

from __future__ import annotations

import numpy as np
import pytest
from corehelpers import compiled

from jacviz.core.pipeline.scene import sample_scene
from jacviz.core.sampling.contours import critical_curve, critical_segments
from jacviz.core.sampling.fields import cell_centres, det_field, sampling_dtype
from jacviz.core.sampling.limits import robust_level

pytestmark = pytest.mark.usefixtures("warnings_are_errors")

ASYMMETRIC = (-2.1, 2.3, -1.0, 1.0)


# ---------------------------------------------------------------------------------------
# critical curves and poles


@pytest.mark.parametrize("text", [
    "log(abs(x)), y",  # det 1/x
    "x^2/2 + log(abs(x)), y",  # det x + 1/x: no zero at all
    "1/x, y",  # det −1/x²
    "tan(x), y",  # det sec²x, poles at ±π/2
    "log(abs(tan(x))), y",  # det 1/(sin x cos x): sign changes at 0 and ±π/2, all poles
    "1/x + y, y",
])
@pytest.mark.parametrize("rect", [ASYMMETRIC, (-1.9, 2.6, -0.7, 1.2), (-1.0, 1.0, -1.0, 1.0)])
def test_no_critical_curve_through_a_pole(text, rect):
    """No segment where |det J| is large on both sides, in views that are not centred on the pole."""
    c = compiled(text)
    for n in (64, 512):
        field = det_field(c, rect, n)
        assert critical_curve(c, field, rect).size == 0, (text, rect, n)


def test_the_audits_view_of_log_abs_x():
    """The docstring's own example in the audit's view: marching squares sees 511 crossings, none is kept."""
    c = compiled("log(abs(x)), y")
    field = det_field(c, ASYMMETRIC, 512)
    assert len(critical_segments(field, ASYMMETRIC)) // 2 == 511
    assert critical_curve(c, field, ASYMMETRIC).size == 0
    scene = sample_scene(c, ASYMMETRIC, margin=0.25)  # what the window draws, margin included
    assert scene.critical.size == 0 and scene.critical_image.size == 0


def test_true_zeros_next_to_a_pole_are_kept():
    """x²/2 − log|x| has det J = x − 1/x: zeros at x = ±1 (kept, whole), a pole at 0 (dropped)."""
    c = compiled("x^2/2 - log(abs(x)), y")
    n = 512
    field = det_field(c, ASYMMETRIC, n)
    every = critical_segments(field, ASYMMETRIC).reshape(-1, 2, 2)
    kept = critical_curve(c, field, ASYMMETRIC).reshape(-1, 2, 2)
    h = (ASYMMETRIC[1] - ASYMMETRIC[0]) / n
    on_zero = (np.abs(np.abs(every[..., 0]) - 1.0) < h).all(axis=1)
    assert on_zero.sum() == 2 * (n - 1)  # both lines, the whole height
    assert len(kept) == on_zero.sum()
    np.testing.assert_allclose(np.abs(kept[..., 0]), 1.0, atol=1e-4)
    # |det J| at every kept endpoint is small against the picture's scale
    det_at = np.abs(c.det(kept[..., 0].ravel(), kept[..., 1].ravel()))
    assert det_at.max() <= 1e-3 * robust_level(field)


@pytest.mark.parametrize(("text", "rect", "on_curve"), [
    ("x, y^3 + x y", (-1.7, 1.3, -1.1, 1.3), lambda p: p[:, 0] + 3 * p[:, 1] ** 2),
    ("(r, t) -> r cos(t), r sin(t)", (-2.1, 2.0, -3.0, 3.0), lambda p: p[:, 0]),
    ("x^3 - 3 x y^2 + x, y", (-2.0, 2.3, -2.0, 2.0), lambda p: 3 * p[:, 0] ** 2 - 3 * p[:, 1] ** 2 + 1),
    ("x, y abs(y) - 0.5 y", (-1.0, 1.0, -1.0, 1.3), lambda p: np.abs(np.abs(p[:, 1]) - 0.25)),
])
def test_every_true_zero_survives_the_pole_test(text, rect, on_curve):
    """On mappings without poles the bisection test keeps every marching-squares segment."""
    c = compiled(text)
    field = det_field(c, rect, 512)
    every = critical_segments(field, rect)
    kept = critical_curve(c, field, rect)
    assert kept.shape == every.shape and kept.size > 0
    assert np.abs(on_curve(kept)).max() < 0.02


# ---------------------------------------------------------------------------------------
# float32 or float64


def test_exp_50x_is_sampled_in_float64_and_fully_defined():
    """exp(50x), y on [0, 2] × [0, 1]: det J = 50 e^{50x} reaches 1e43, beyond float32."""
    c = compiled("exp(50x), y")
    rect = (0.0, 2.0, 0.0, 1.0)
    n = 512
    forced = det_field(c, rect, n, dtype=np.float32)
    assert np.isnan(forced).mean() == pytest.approx(0.15, abs=0.01)  # the audit's 15 %
    assert sampling_dtype(c, rect, n) is np.float64
    field = det_field(c, rect, n)
    assert field.dtype == np.float64 and np.isfinite(field).all()
    xs, _ = cell_centres(rect, n)
    np.testing.assert_allclose(field, np.broadcast_to(50 * np.exp(50 * xs), (n, n)), rtol=1e-13)
    assert field.max() > 1e43
    scene = sample_scene(c, rect)
    assert scene.det.dtype == np.float64 and np.isfinite(scene.det).all()


@pytest.mark.parametrize("rect", [(99.99, 100.01, -0.01, 0.01), (99.9, 100.1, -0.1, 0.1),
                                  (99.0, 101.0, -1.0, 1.0)])
def test_deep_zoom_of_sin_1e4_x_is_sampled_in_float64(rect):
    """sin(1e4 x), y near x = 100: float32's 1e4·x is off by up to 0.03 rad; float64 is exact."""
    c = compiled("sin(1e4 x), y")
    n = 512
    xs, _ = cell_centres(rect, n)
    want = np.broadcast_to(1e4 * np.cos(1e4 * xs), (n, n))
    level = robust_level(want)
    forced = det_field(c, rect, n, dtype=np.float32)
    assert np.abs(forced - want).max() > 0.01 * level  # float32 loses the function here
    field = det_field(c, rect, n)
    assert field.dtype == np.float64
    assert np.abs(field - want).max() <= 1e-9 * level


def test_a_view_narrower_than_float32_can_resolve_is_float64():
    """z² on [1e4, 1e4 + 1e-3]²: float32 cannot tell the cell centres apart (its spacing there is 1e-3)."""
    c = compiled("z^2")
    assert sampling_dtype(c, (1e4, 1e4 + 1e-3, 0.0, 1e-3), 512) is np.float64
    assert sampling_dtype(c, (1.0, 1.0 + 1e-3, 0.0, 1e-3), 512) is np.float64
    assert sampling_dtype(c, (-2.0, 2.0, -2.0, 2.0), 512) is np.float32


@pytest.mark.parametrize(("text", "rect"), [
    ("x^2 - y^2, 2xy", (-2.0, 2.0, -2.0, 2.0)),
    ("(r, t) -> r cos(t), r sin(t)", (0.1, 2.0, -3.1, 3.1)),
    ("tanh(x + 2y), tanh(x - y); 2x - y, x + 3y", (-3.0, 3.0, -3.0, 3.0)),
    ("x, y^3 + x y", (-1.5, 1.5, -1.5, 1.5)),
    ("z + 1/z", (-2.0, 2.0, -2.0, 2.0)),
    ("asin(z)", (-2.0, 2.0, -2.0, 2.0)),
])
def test_ordinary_views_stay_float32_and_agree_with_float64(text, rect):
    """Where float32 is as good, it is used (2–7× faster), and it matches float64 to 1e-3 of the scale."""
    c = compiled(text)
    n = 256
    assert sampling_dtype(c, rect, n) is np.float32
    f32 = det_field(c, rect, n).astype(np.float64)
    f64 = det_field(c, rect, n, dtype=np.float64)
    both = np.isfinite(f64)
    assert (np.isfinite(f32) == both).all()
    scale = np.maximum(robust_level(f64), np.abs(f64))
    assert (np.abs(f32 - f64)[both] <= 1e-3 * scale[both]).all()
