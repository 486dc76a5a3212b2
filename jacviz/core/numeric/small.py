"""The eigenvalues and the singular value decomposition of one 2×2 matrix, in closed form,
and the singular values of a row, a column or a 3×2 matrix.

Written by hand, not taken from numpy, because of where they run: the readout and the
cursor's overlays need both for J(p) on every mouse move. numpy's ``eigvals`` and ``svd``
take 8 µs each in a loop, but they go through LAPACK, and the first call after the window
sat idle for a frame (the code pages gone from the caches) took 150–250 µs each on the
benchmark machine; these few lines of float arithmetic stay at a few µs. Both are checked
against numpy in tests/core/test_small_linalg.py, including the nearly singular, the
defective and the badly scaled cases.

Accuracy: the matrix is scaled by its largest entry first, so nothing overflows or
underflows on the way; the eigenvalue of larger modulus is taken without cancellation and
the other as det/λ₁; the smaller singular value is |det|/σ₁. Each is as accurate as numpy's
to within a few units in the last place of the matrix's norm.
"""

from __future__ import annotations

import math

# Entries beyond these are scaled by the largest before any product is formed.
_BIG = 2.0 ** 500
_SMALL = 2.0 ** -500


def _scale(a: float, b: float, c: float, d: float) -> float:
    s = max(abs(a), abs(b), abs(c), abs(d))
    if s == 0 or (_SMALL < s < _BIG):
        return 1.0
    # a power of two, so the scaling is exact; s / k lies in [1, 2) (2^1024 itself overflows)
    return math.ldexp(1.0, math.frexp(s)[1] - 1)


def eigenvalues2(a: float, b: float, c: float, d: float) -> tuple[complex, complex]:
    """The eigenvalues of [[a, b], [c, d]]: real part descending, then imaginary part descending."""
    k = _scale(a, b, c, d)
    a, b, c, d = a / k, b / k, c / k, d / k
    half = 0.5 * (a + d)
    half_gap = 0.5 * (a - d)
    disc = half_gap * half_gap + b * c  # half² − det, without the cancellation of that form
    if disc >= 0:
        root = math.sqrt(disc)
        first = half + math.copysign(root, half)
        det = a * d - b * c
        second = det / first if first != 0 else 0.0
        pair = (complex(first * k), complex(second * k))
    else:
        root = math.sqrt(-disc)
        pair = (complex(half * k, root * k), complex(half * k, -root * k))
    return tuple(sorted(pair, key=lambda z: (-z.real, -z.imag)))  # type: ignore[return-value]


def svd2(a: float, b: float, c: float, d: float):
    """J = U·diag(s1, s2)·Vᵀ for J = [[a, b], [c, d]]: ``((s1, s2), U, V)`` with s1 ≥ s2 ≥ 0.

    U and V are ((u11, u12), (u21, u22)) row by row; their columns are the axes. From the
    split of J into a rotation-like and a reflection-like part: J = [[E + F, G − H],
    [G + H, E − F]] with s1 = |(E, H)| + |(F, G)| and the angles of the two parts.
    """
    k = _scale(a, b, c, d)
    a, b, c, d = a / k, b / k, c / k, d / k
    e, f = 0.5 * (a + d), 0.5 * (a - d)
    g, h = 0.5 * (c + b), 0.5 * (c - b)
    q, r = math.hypot(e, h), math.hypot(f, g)
    s1 = q + r
    if s1 == 0:
        return (0.0, 0.0), ((1.0, 0.0), (0.0, 1.0)), ((1.0, 0.0), (0.0, 1.0))
    s2 = abs(a * d - b * c) / s1
    a1, a2 = math.atan2(g, f), math.atan2(h, e)
    theta, phi = 0.5 * (a2 - a1), 0.5 * (a2 + a1)
    cp, sp = math.cos(phi), math.sin(phi)
    ct, st = math.cos(theta), math.sin(theta)
    flip = -1.0 if q < r else 1.0  # J's second singular value came out negative: turn u₂ round
    u = ((cp, -sp * flip), (sp, cp * flip))
    v = ((ct, st), (-st, ct))  # V = R(θ)ᵀ
    return (s1 * k, s2 * k), u, v



def singular_values_small(rows) -> tuple[float, ...] | None:
    """The singular values of a finite m×n matrix given as rows, largest first, for the shapes
    whose Jacobian the shapes pane shows at every mouse move: a row or a column (the norm),
    2×2 (:func:`svd2`) and 3×2 (a surface: from the Gram matrix JᵀJ). None for any other shape.

    For 3×2 the matrix is scaled by a power of two first; σ₁ is the square root of the larger
    eigenvalue of JᵀJ (a sum of positive terms), and σ₂ = |J₁ × J₂| / σ₁, so a nearly flat
    surface element keeps its small σ₂ rather than losing it to cancellation.
    """
    m, n = len(rows), len(rows[0]) if rows else 0
    if m == 1 or n == 1:
        return (math.hypot(*(e for row in rows for e in row)),)
    if (m, n) == (2, 2):
        return svd2(rows[0][0], rows[0][1], rows[1][0], rows[1][1])[0]
    if (m, n) != (3, 2):
        return None
    s = max(abs(e) for row in rows for e in row)
    if s == 0:
        return (0.0, 0.0)
    k = math.ldexp(1.0, math.frexp(s)[1] - 1)
    (a1, b1), (a2, b2), (a3, b3) = ((u / k, v / k) for u, v in rows)
    p, q, r = a1 * a1 + a2 * a2 + a3 * a3, a1 * b1 + a2 * b2 + a3 * b3, b1 * b1 + b2 * b2 + b3 * b3
    s1 = math.sqrt(0.5 * (p + r) + math.hypot(0.5 * (p - r), q))
    area = math.hypot(a2 * b3 - a3 * b2, a3 * b1 - a1 * b3, a1 * b2 - a2 * b1)
    return (s1 * k, area / s1 * k)
