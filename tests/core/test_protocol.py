"""The numeric mapping protocol: every implementation gives F and the m×n J the same way."""

import numpy as np
import pytest
from corehelpers import compiled

from jacviz.core.errors import MappingError, UsageError
from jacviz.core.numeric.morph import MorphedMapping
from jacviz.core.numeric.protocol import Evaluation, NumericMapping
from jacviz.core.symbolic.mapping import Mapping
from jacviz.core.symbolic.translate import compile_chain

CHAIN = "tanh(x + 2y), tanh(x - y); 2x - y, x + 3y"


def _implementations():
    c = compiled("x^2 - y^2, 2xy")
    return {"compiled": c, "chain": compile_chain(Mapping.from_text(CHAIN)), "morph": MorphedMapping(c, 0.4)}


@pytest.mark.parametrize("name", ["compiled", "chain", "morph"])
def test_every_implementation_follows_the_protocol(name):
    mapping = _implementations()[name]
    assert isinstance(mapping, NumericMapping)
    assert mapping.shape == (2, 2) and mapping.is_planar
    x = np.linspace(-1, 1, 7)[None, :]
    y = np.linspace(-0.5, 0.8, 5)[:, None]
    ev = mapping.evaluate((x, y))
    assert isinstance(ev, Evaluation)
    assert [v.shape for v in ev.values] == [(5, 7), (5, 7)]
    assert ev.matrix().shape == (5, 7, 2, 2) and ev.vector().shape == (5, 7, 2)
    # the planar forms agree with evaluate
    u, v = mapping.values(x, y)
    np.testing.assert_allclose(np.stack([u, v], -1), ev.vector(), rtol=1e-14)
    a, b, c, d, det = mapping.jacobian(x, y)
    np.testing.assert_allclose(np.stack([a, b, c, d], -1).reshape(5, 7, 2, 2), ev.matrix(), rtol=1e-12)
    np.testing.assert_allclose(det, a * d - b * c, rtol=1e-12)
    np.testing.assert_allclose(mapping.point_jacobian((0.3, 0.2)), mapping.jacobian_at(0.3, 0.2))
    np.testing.assert_allclose(mapping.point_jacobian((x[0, 0], y[0, 0])), ev.matrix()[0, 0], rtol=1e-12)


def test_chain_evaluates_the_composition():
    """The chain's J is the chain-rule product, equal to J of the composed formula."""
    chain = compile_chain(Mapping.from_text(CHAIN))
    whole = compiled(CHAIN)
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-1, 1, 40), rng.uniform(-1, 1, 40)
    mine, theirs = chain.evaluate((x, y)), whole.evaluate((x, y))
    np.testing.assert_allclose(mine.vector(), theirs.vector(), rtol=1e-12)
    np.testing.assert_allclose(mine.matrix(), theirs.matrix(), rtol=1e-10, atol=1e-13)


def test_morph_jacobian_is_the_straight_line_between_i_and_j():
    c = compiled("x^2 - y^2, 2xy")
    t = 0.25
    j = c.point_jacobian((0.5, -0.3))
    np.testing.assert_allclose(MorphedMapping(c, t).point_jacobian((0.5, -0.3)), (1 - t) * np.eye(2) + t * j)


def test_point_helpers_check_the_number_of_coordinates():
    c = compiled("x, y")
    with pytest.raises(UsageError, match="needs 2 coordinates"):
        c.point_value((1.0, 2.0, 3.0))
    with pytest.raises(MappingError, match="takes 2 coordinates"):
        c.evaluate((np.zeros(3),))


def test_matrix_needs_the_jacobian():
    ev = compiled("x, y").evaluate((1.0, 2.0), jacobian=False)
    with pytest.raises(UsageError):
        ev.matrix()
