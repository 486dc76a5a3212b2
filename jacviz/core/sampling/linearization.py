"""Local linearization: the true image of a small circle around p next to the ellipse J(p) predicts.

:func:`principal_stretches` reads the singular value decomposition of J geometrically: the
ellipse's axes and the domain directions stretched most and least.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from jacviz.core.numeric.protocol import NumericMapping
from jacviz.core.numeric.small import svd2


@dataclass(frozen=True)
class Stretches:
    """The singular value decomposition J = U·diag(s)·Vᵀ, read geometrically.

    The unit circle's image under J is an ellipse with semi-axes ``s[k]·U[:, k]``; the
    domain directions ``V[:, k]`` are the ones stretched most and least.
    """

    singular_values: np.ndarray  # s1 >= s2 >= 0
    image_axes: np.ndarray  # U: columns are the ellipse's axis directions
    domain_axes: np.ndarray  # V: columns are the matching directions in the domain


def principal_stretches(jac: np.ndarray) -> Stretches:
    """Singular values and principal directions of a 2×2 matrix (NaN if it is undefined).

    In closed form (:func:`~jacviz.core.numeric.small.svd2`): the cursor asks for it on
    every mouse move.
    """
    a, b, c, d = (float(e) for e in np.asarray(jac, dtype=float).reshape(4))
    if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c) and math.isfinite(d)):
        nan2 = np.full((2, 2), np.nan)
        return Stretches(np.full(2, np.nan), nan2, nan2)
    s, u, v = svd2(a, b, c, d)
    return Stretches(np.array(s), np.array(u), np.array(v))


@dataclass(frozen=True)
class Linearization:
    """What F does to a circle of radius h around p, and what J(p) predicts it does."""

    point: np.ndarray  # p
    value: np.ndarray  # F(p)
    jacobian: np.ndarray  # J(p), 2×2
    h: float
    circle: np.ndarray  # (n, 2): p + h·(cos θ, sin θ), closed
    true_image: np.ndarray  # (n, 2): F(p + h·c)
    linear_image: np.ndarray  # (n, 2): F(p) + J(p)·h·c
    stretches: Stretches

    @property
    def det(self) -> float:
        return float(np.linalg.det(self.jacobian)) if np.isfinite(self.jacobian).all() else float("nan")


def unit_circle(n: int = 97) -> np.ndarray:
    """n points on the unit circle, the last equal to the first (a closed polyline)."""
    theta = np.linspace(0.0, 2.0 * np.pi, n)
    return np.stack([np.cos(theta), np.sin(theta)], axis=1)


_CIRCLE = unit_circle()


def probe_points(point, h: float) -> tuple[np.ndarray, np.ndarray]:
    """The points where :func:`linearization` evaluates F: p, then the circle p + h·(cos θ, sin θ).

    As x and y arrays; a mapping that can evaluate them together with J at p in one pass is
    given these very arrays beforehand (``NetworkMapping.prefetch_values``).
    """
    p = np.asarray(point, dtype=float).reshape(2)
    circle = p + h * _CIRCLE
    return np.concatenate([p[:1], circle[:, 0]]), np.concatenate([p[1:], circle[:, 1]])


def linearization(compiled: NumericMapping, point, h: float, params=None,
                  jacobian: np.ndarray | None = None, stretches: Stretches | None = None) -> Linearization:
    """F near p: the true image of the h-circle and its linear prediction F(p) + J(p)·h·c.

    ``jacobian``, J(p), and ``stretches``, its :func:`principal_stretches`, when the caller
    already has them (the window's readout does), save computing them a second time on
    every cursor move.
    """
    p = np.asarray(point, dtype=float).reshape(2)
    circle = p + h * _CIRCLE
    u, v = compiled.values(*probe_points(p, h), params)  # F at p and on the circle, in one call
    value = np.array([u[0], v[0]])
    true_image = np.stack([u[1:], v[1:]], axis=1)
    jac = compiled.jacobian_at(p[0], p[1], params) if jacobian is None else np.asarray(jacobian, float)
    linear_image = value + h * _CIRCLE @ jac.T
    if stretches is None or jacobian is None:
        stretches = principal_stretches(jac)
    return Linearization(p, value, jac, float(h), circle, true_image, linear_image, stretches)
