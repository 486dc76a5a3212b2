"""The closed-form eigenvalues, SVD and singular values the cursor uses, against numpy's LAPACK."""

import math

import numpy as np
import pytest

from jacviz.core.numeric.small import eigenvalues2, singular_values_small, svd2

HARD = [
    [[1.0, 2.0], [2.0, 4.0]],  # singular
    [[0.0, 0.0], [0.0, 0.0]],
    [[1.0, 0.0], [0.0, 1.0]],
    [[0.0, 1.0], [0.0, 0.0]],  # nilpotent
    [[1.0, 1e-9], [0.0, 1.0]],  # defective, nearly
    [[2.0, 0.0], [0.0, -3.0]],
    [[1e300, 1e300], [1e300, -1e300]],  # products overflow unless scaled
    [[1e-300, 0.0], [0.0, 1e-310]],  # and underflow
    [[1.0, 1.0], [1.0, 1.0 + 1e-12]],  # nearly singular
    [[0.0, -1.0], [1.0, 0.0]],  # a rotation: ±i
    [[-1.0, 0.0], [0.0, -1.0]],
]


def _matrices():
    rng = np.random.default_rng(3)
    randoms = [rng.normal(size=(2, 2)) * 10 ** rng.uniform(-6, 6) for _ in range(3000)]
    return [np.array(m, dtype=float) for m in HARD] + randoms


def test_singular_values_and_axes_reconstruct_j():
    for jac in _matrices():
        (s1, s2), u, v = svd2(*jac.ravel())
        want = np.linalg.svd(jac, compute_uv=False)
        norm = max(want[0], 1e-300)
        assert s1 >= s2 >= 0
        assert abs(s1 - want[0]) <= 4e-16 * norm * 4 and abs(s2 - want[1]) <= 4e-16 * norm * 4, jac
        u, v = np.array(u), np.array(v)
        np.testing.assert_allclose(u.T @ u, np.eye(2), atol=1e-15)
        np.testing.assert_allclose(v.T @ v, np.eye(2), atol=1e-15)
        np.testing.assert_allclose(u @ np.diag([s1, s2]) @ v.T, jac, atol=2e-15 * norm, rtol=0)


def test_the_small_singular_value_of_a_nearly_singular_j_keeps_its_digits():
    """|det|/σ₁, not the difference of two nearly equal lengths."""
    (_s1, s2), _u, _v = svd2(1.0, 1.0, 1.0, 1.0 + 1e-12)
    assert s2 == pytest.approx(0.5e-12, rel=1e-4)
    assert svd2(1.0, 2.0, 2.0, 4.0)[0][1] == 0.0
    assert svd2(0.0, 0.0, 0.0, 0.0) == ((0.0, 0.0), ((1.0, 0.0), (0.0, 1.0)), ((1.0, 0.0), (0.0, 1.0)))


def test_eigenvalues_match_lapack_in_numpy_s_order():
    for jac in _matrices():
        got = eigenvalues2(*jac.ravel())
        want = sorted(np.linalg.eigvals(jac), key=lambda z: (-z.real, -z.imag))
        norm = max(np.abs(jac).max(), 1e-300)
        # a (nearly) double eigenvalue moves by √ε under rounding, in LAPACK's hands too
        close = abs(complex(want[0]) - complex(want[1])) < 1e-6 * norm
        tolerance = (1e-7 if close else 1e-14) * norm
        assert all(abs(g - complex(w)) <= tolerance for g, w in zip(got, want, strict=True)), (jac, got, want)


@pytest.mark.parametrize(("jac", "want"), [
    ([[0.0, -1.0], [1.0, 0.0]], (1j, -1j)),
    ([[2.0, 0.0], [0.0, -3.0]], (2.0, -3.0)),
    ([[1.0, 2.0], [2.0, 4.0]], (5.0, 0.0)),
    ([[1e300, 1e300], [1e300, -1e300]], (math.sqrt(2) * 1e300, -math.sqrt(2) * 1e300)),
])
def test_eigenvalues_in_closed_form(jac, want):
    got = eigenvalues2(*np.ravel(jac))
    assert got == pytest.approx(want, rel=1e-15, abs=1e-300)


def test_the_small_eigenvalue_of_a_stiff_j_keeps_its_digits():
    """tr/2 − √(tr²/4 − det) would give 0 here; det/λ₁ gives 1e-20."""
    first, second = eigenvalues2(1.0, 0.0, 0.0, 1e-20)
    assert first == 1.0 and second == pytest.approx(1e-20, rel=1e-15)


@pytest.mark.parametrize("big", [1e308, 1.7976931348623157e308, -1e308, 5e-324, 1e-310])
def test_the_largest_and_smallest_floats_give_numbers_not_exceptions(big):
    got = eigenvalues2(big, 0.0, 0.0, 1.0)
    assert got == (complex(big), 1.0) or got == (1.0, complex(big))
    (s1, s2), _u, _v = svd2(big, 0.0, 0.0, 1.0)
    assert sorted((s1, s2)) == sorted((abs(big), 1.0))


def _shaped(shape, count=2000):
    rng = np.random.default_rng(7)
    out = [rng.normal(size=shape) * 10 ** rng.uniform(-6, 6) for _ in range(count)]
    out += [np.zeros(shape), np.full(shape, 1e300), np.full(shape, -1e-310), np.full(shape, 5e-324)]
    return out


@pytest.mark.parametrize("shape", [(1, 2), (1, 3), (2, 1), (3, 1), (2, 2), (3, 2)])
def test_singular_values_of_the_pane_s_shapes_match_lapack(shape):
    for jac in _shaped(shape):
        got = singular_values_small(jac.tolist())
        want = np.linalg.svd(jac, compute_uv=False)
        assert len(got) == len(want) and all(math.isfinite(s) for s in got), jac
        scale = max(float(want[0]), 5e-324)
        np.testing.assert_allclose(got, want, rtol=0, atol=8e-16 * scale, err_msg=str(jac))


def test_a_nearly_flat_surface_element_keeps_its_small_singular_value():
    # columns e₁ and (cos a, sin a, 0): σ₂ = √2 sin(a/2) exactly. At a = 1e-9 the smaller
    # eigenvalue of JᵀJ, 2 − λ₁, is lost to cancellation; σ₂ = |J₁ × J₂| / σ₁ keeps its digits
    a = 1e-9
    s1, s2 = singular_values_small([[1.0, math.cos(a)], [0.0, math.sin(a)], [0.0, 0.0]])
    assert s1 == pytest.approx(math.sqrt(2) * math.cos(a / 2), rel=1e-15)
    assert s2 == pytest.approx(math.sqrt(2) * math.sin(a / 2), rel=1e-12)


def test_other_shapes_are_left_to_numpy():
    assert singular_values_small(np.eye(3).tolist()) is None
    assert singular_values_small(np.ones((2, 3)).tolist()) is None
