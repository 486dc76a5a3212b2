"""A scan of simple rational and polynomial mappings: every one draws, or is refused with one line.

Fix for the worst finding of the fuzzing round: x y, y/x and its kind failed with an
IndexError inside the scene (images of the critical curve no longer aligned with it), so a
student's first rational mapping was never drawn.
"""

import itertools

import numpy as np
import pytest

from jacviz.core.errors import JacvizError
from jacviz.core.pipeline.build import build
from jacviz.core.pipeline.scene import Quality, sample_scene, visible_images

ATOMS = ["x", "y", "x y", "x/y", "y/x", "x^2", "1/x"]
SMALL = Quality(heatmap=48, lines=9, samples=40)


def _components() -> list[str]:
    sums = [f"{a} + {b}" for a, b in itertools.combinations(ATOMS, 2)]
    products = [f"({a})({b})" for a, b in itertools.combinations(ATOMS, 2)]
    return ATOMS + sums + products


def _mappings(count: int = 220) -> list[str]:
    comps = _components()
    pairs = [f"{u}, {v}" for u, v in itertools.product(comps, repeat=2) if u != v]
    step = max(1, len(pairs) // count)
    return pairs[::step][:count]


MAPPINGS = _mappings()


def test_the_scan_is_large_enough():
    assert len(MAPPINGS) >= 200 and len(set(MAPPINGS)) == len(MAPPINGS)


@pytest.mark.parametrize("text", [*MAPPINGS, "x y, y/x", "x y, x/y", "x^2/y, y", "x/y, x y"])
def test_every_simple_mapping_draws_or_gives_one_clear_line(text):
    try:
        prepared = build(text)
    except JacvizError as err:
        assert "\n" not in str(err) and str(err)
        return
    visible = (-2.0, 2.0, -1.5, 1.5)
    scene = sample_scene(prepared.compiled, visible, SMALL, margin=0.25)
    _vertical, _horizontal, critical = visible_images(scene, visible)
    assert critical.shape[0] % 2 == 0 and np.isfinite(critical).all()
    assert scene.critical_image.shape == scene.critical.shape  # images stay aligned with their segments
    limits = scene.image_limits
    assert np.isfinite(np.asarray(limits)).all()
