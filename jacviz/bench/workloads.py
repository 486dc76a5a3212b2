"""The five mappings the benchmark measures, with their domains and exact closed forms.

Each :class:`Workload` carries the text jacviz is given, the rectangle of the domain it is
shown on, and hand-written numpy forms of F, J and det J. The closed forms serve the
matplotlib baseline (a reference script may write its formulas by hand) and the numpy
floor in the resampling-scaling table; jacviz itself only ever sees :attr:`Workload.text`.

``f`` is written once for both worlds: called with numpy arrays and the :mod:`numpy`
module it returns arrays, called with sympy symbols and the :mod:`sympy` module it returns
expressions, which is how the baseline builds its symbolic mapping without parsing text.

This module imports numpy only, so that importing it costs a cold start nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

Rect = tuple[float, float, float, float]
Array = np.ndarray


@dataclass(frozen=True)
class Workload:
    """One mapping to measure: what jacviz is given, where, and its exact formulas."""

    name: str
    title: str
    text: str  # in jacviz's mapping language
    rect: Rect  # x0, x1, y0, y1
    variables: tuple[str, str]
    f: Callable[[Any, Any, ModuleType], tuple[Any, Any]]  # F, generic over numpy / sympy
    jac: Callable[[Array, Array], tuple[Array, Array, Array, Array]]  # ∂u/∂x, ∂u/∂y, ∂v/∂x, ∂v/∂y
    det: Callable[[Array, Array], Array]  # det J, simplified by hand

    def values(self, x: Array, y: Array) -> tuple[Array, Array]:
        """F on numpy arrays."""
        return self.f(x, y, np)


# -- square: z², the textbook conformal map
def _square_f(x, y, m):
    return x**2 - y**2, 2 * x * y


def _square_jac(x, y):
    return 2 * x, -2 * y, 2 * y, 2 * x


def _square_det(x, y):
    return 4 * (x * x + y * y)


# -- polar coordinates
def _polar_f(r, t, m):
    return r * m.cos(t), r * m.sin(t)


def _polar_jac(r, t):
    c, s = np.cos(t), np.sin(t)
    return c, -r * s, s, r * c


def _polar_det(r, t):
    return r + 0.0 * t


# -- one neural-network layer: tanh(W p + b)
def _tanh_f(x, y, m):
    return m.tanh(1.5 * x - 0.8 * y + 0.3), m.tanh(0.7 * x + 1.2 * y - 0.2)


def _tanh_jac(x, y):
    su = 1 - np.tanh(1.5 * x - 0.8 * y + 0.3) ** 2
    sv = 1 - np.tanh(0.7 * x + 1.2 * y - 0.2) ** 2
    return 1.5 * su, -0.8 * su, 0.7 * sv, 1.2 * sv


def _tanh_det(x, y):
    su = 1 - np.tanh(1.5 * x - 0.8 * y + 0.3) ** 2
    sv = 1 - np.tanh(0.7 * x + 1.2 * y - 0.2) ** 2
    return (1.5 * 1.2 + 0.8 * 0.7) * su * sv


# -- Whitney's cusp
def _cusp_f(x, y, m):
    return x + 0 * y, y**3 + x * y


def _cusp_jac(x, y):
    return np.ones_like(x * y), np.zeros_like(x * y), y + 0 * x, 3 * y * y + x


def _cusp_det(x, y):
    return 3 * y * y + x


# -- Joukowski: z + 1/z written in x and y
def _joukowski_f(x, y, m):
    rho = x**2 + y**2
    return x + x / rho, y - y / rho


def _joukowski_jac(x, y):
    rho = x * x + y * y
    rho2 = rho * rho
    return 1 + 1 / rho - 2 * x * x / rho2, -2 * x * y / rho2, 2 * x * y / rho2, 1 - 1 / rho + 2 * y * y / rho2


def _joukowski_det(x, y):
    rho = x * x + y * y
    return (rho - 2 * x + 1) * (rho + 2 * x + 1) / (rho * rho)


WORKLOADS: tuple[Workload, ...] = (
    Workload("square", "z² (x² − y², 2xy)", "x**2 - y**2, 2*x*y", (-2.0, 2.0, -2.0, 2.0),
             ("x", "y"), _square_f, _square_jac, _square_det),
    Workload("polar", "polar (r cos t, r sin t)", "(r, t) -> (r*cos(t), r*sin(t))",
             (0.0, 2.0, -math.pi, math.pi), ("r", "t"), _polar_f, _polar_jac, _polar_det),
    Workload("tanh-layer", "tanh layer", "tanh(1.5*x - 0.8*y + 0.3), tanh(0.7*x + 1.2*y - 0.2)",
             (-3.0, 3.0, -3.0, 3.0), ("x", "y"), _tanh_f, _tanh_jac, _tanh_det),
    Workload("whitney-cusp", "Whitney cusp", "x, y**3 + x*y", (-2.0, 2.0, -2.0, 2.0),
             ("x", "y"), _cusp_f, _cusp_jac, _cusp_det),
    Workload("joukowski", "Joukowski", "x + x/(x**2 + y**2), y - y/(x**2 + y**2)",
             (-2.0, 2.0, -2.0, 2.0), ("x", "y"), _joukowski_f, _joukowski_jac, _joukowski_det),
)

# The other side of every "mapping change": the benchmark alternates between a workload's
# mapping and this one, so that each Enter really changes the mapping.
PARTNER_TEXT = "x + 0.5*sin(y), y + 0.5*sin(x)"


def _partner_f(x, y, m):
    return x + 0.5 * m.sin(y), y + 0.5 * m.sin(x)


def _partner_jac(x, y):
    return np.ones_like(x * y), 0.5 * np.cos(y) + 0 * x, 0.5 * np.cos(x) + 0 * y, np.ones_like(x * y)


def _partner_det(x, y):
    return 1 - 0.25 * np.cos(x) * np.cos(y)


PARTNER = Workload("partner", "x + ½ sin y, y + ½ sin x", PARTNER_TEXT, (-2.0, 2.0, -2.0, 2.0),
                   ("x", "y"), _partner_f, _partner_jac, _partner_det)

BY_NAME: dict[str, Workload] = {w.name: w for w in WORKLOADS}


def select(names: list[str] | None) -> list[Workload]:
    """The workloads named (comma-separated names allowed), in the canonical order; all if none."""
    if not names:
        return list(WORKLOADS)
    wanted: list[str] = []
    for item in names:
        wanted.extend(n.strip() for n in item.split(",") if n.strip())
    unknown = [n for n in wanted if n not in BY_NAME]
    if unknown:
        raise ValueError(f"unknown workload {unknown[0]!r} (choose from {', '.join(BY_NAME)})")
    return [w for w in WORKLOADS if w.name in wanted]
