"""A chain of stages F = S_k ∘ ⋯ ∘ S_1, evaluated one layer at a time.

A mapping typed as ``S1; S2; ...`` is a small network: each stage is a layer whose input
is the previous layer's output, named with the same two variables. The chain rule makes
the whole Jacobian the product J = J_k(p_{k−1}) ⋯ J_1(p_0) of the stages' Jacobians, each
taken at the point that stage sees. :mod:`jacviz.core.lab.chain` reports the layers at one
point; :func:`jacviz.core.symbolic.translate.compile_chain` compiles the stages.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from dataclasses import dataclass

import numpy as np

from jacviz.core.numeric.compiled import CompiledMapping

Params = MappingABC[str, float] | None

@dataclass(frozen=True)
class CompiledChain:
    """One CompiledMapping per stage, all over the same variables and parameters."""

    variables: tuple[str, str]
    parameters: tuple[str, ...]
    stages: tuple[CompiledMapping, ...]

    def __len__(self) -> int:
        return len(self.stages)

    def forward(self, x, y, params: Params = None) -> list[tuple[np.ndarray, np.ndarray]]:
        """The points every stage sees, vectorised: [(x0, y0), ..., (xk, yk)].

        NaN in both coordinates after a stage that is undefined there.
        """
        points = [(np.asarray(x, dtype=float), np.asarray(y, dtype=float))]
        for stage in self.stages:
            u, v = stage.values(*points[-1], params)
            undefined = np.isnan(u) | np.isnan(v)
            if undefined.any():
                u, v = np.where(undefined, np.nan, u), np.where(undefined, np.nan, v)
            points.append((u, v))
        return points

    def jacobian(self, x, y, params: Params = None) -> np.ndarray:
        """The chain-rule product J_k ⋯ J_1 at the points (x, y), as an array (..., 2, 2)."""
        points = self.forward(x, y, params)
        total = None
        for stage, (px, py) in zip(self.stages, points[:-1], strict=True):
            a, b, c, d, _ = stage.jacobian(px, py, params)
            jac = np.stack([np.stack([a, b], -1), np.stack([c, d], -1)], -2)
            with np.errstate(all="ignore"):
                total = jac if total is None else jac @ total
        assert total is not None
        return total
