"""The automatic colour scale: it shows the structure when det J spans decades or keeps one sign."""

import numpy as np
import pytest
from corehelpers import compiled

from jacviz.core.pipeline.scene import heatmap_scale, sample_scene
from jacviz.core.sampling.heatmap import auto_scale


def _scale(text, rect, mode="auto"):
    return heatmap_scale(sample_scene(compiled(text), rect), mode)


def test_exp_spans_decades_and_gets_a_log_scale_on_one_side():
    """det J = e^{2x}: 0.02 to 55 on [−2, 2]; drawn as log10 det J, so every third of the view differs."""
    s = _scale("exp(z)", (-2.0, 2.0, -2.0, 2.0))
    assert s.kind == "log-one-sided" and "decades" in s.note
    row = s.values[s.values.shape[0] // 2]
    n = row.size
    left, middle, right = (float(np.nanmean(row[k * n // 3:(k + 1) * n // 3])) for k in range(3))
    lo, hi = s.levels
    # the thirds are far apart on the colour scale, as log10(e^{2x}) is linear in x
    assert (middle - left) / (hi - lo) > 0.15 and (right - middle) / (hi - lo) > 0.15
    # and the tick labels give back det J itself
    assert s.value_at(np.log10(20.0)) == pytest.approx(20.0)
    linear = _scale("exp(z)", (-2.0, 2.0, -2.0, 2.0), "det")
    assert linear.kind == "linear"  # an explicit choice is never overridden


def test_both_signs_and_decades_give_the_symmetric_log_scale():
    s = _scale("x^4 y, y", (-2.0, 2.0, -2.0, 2.0))  # det J = 4x³y: both signs, many decades
    assert s.kind == "symlog"
    t = np.linspace(*s.levels, 5)
    values = [s.value_at(v) for v in t]
    assert values[0] < 0 < values[-1] and values[2] == 0


def test_one_sign_without_decades_gets_the_one_sided_scale():
    det = np.linspace(2.0, 6.0, 400).reshape(20, 20)
    s = auto_scale(det, 6.0)
    assert s.kind == "one-sided"
    lo, hi = s.levels
    assert (lo + hi) / 2 == pytest.approx(np.percentile(det, 2))  # lightest at the smallest value


def test_negative_decades_are_drawn_on_the_blue_side():
    s = _scale("-exp(z)", (-2.0, 2.0, -2.0, 2.0))  # det J = e^{2x} > 0: F is a rotation of exp
    assert s.kind == "log-one-sided"
    s = _scale("exp(x) , -exp(y)", (-2.0, 2.0, -2.0, 2.0))  # det J = −e^{x+y} < 0
    assert s.kind == "log-one-sided" and "< 0" in s.note
    lo, hi = s.levels
    finite = s.values[np.isfinite(s.values)]
    assert finite.max() <= (lo + hi) / 2 + 1e-6  # all on the lower (blue) half of the map
    assert s.value_at(float(finite.min())) < -1.0  # the darkest is the largest |det J|


def test_a_field_of_both_signs_keeps_the_linear_scale():
    s = _scale("x, y^2", (-2.0, 2.0, -2.0, 2.0))
    assert s.kind == "linear" and s.levels[0] == -s.levels[1]


def test_the_auto_scale_is_worked_out_with_the_scene_and_is_the_one_drawn():
    """``auto`` is computed where the scene is sampled (off the GUI thread), equal to computing it
    afresh: det J = 4(x² + y²) for z² has one sign and spans few decades, so a one-sided linear scale."""
    scene = sample_scene(compiled("x^2 - y^2, 2xy"), (-2.0, 2.0, -2.0, 2.0))
    assert scene.auto is not None and heatmap_scale(scene, "auto") is scene.auto
    fresh = auto_scale(scene.det, scene.level)
    assert (scene.auto.kind, scene.auto.levels, scene.auto.title) == (fresh.kind, fresh.levels, fresh.title)
    np.testing.assert_array_equal(scene.auto.values, fresh.values)
    assert scene.auto.levels[1] == pytest.approx(np.percentile(scene.det, 98), rel=0.02)
