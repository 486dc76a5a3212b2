"""A chain of stages F = S_k ∘ ⋯ ∘ S_1, evaluated one layer at a time.

A mapping typed as ``S1; S2; ...`` is a small network: each stage is a layer whose input
is the previous layer's output, named with the same two variables. The chain rule makes
the whole Jacobian the product J = J_k(p_{k−1}) ⋯ J_1(p_0) of the stages' Jacobians, each
taken at the point that stage sees. :mod:`jacviz.core.lab.chain` reports the layers at one
point; :func:`jacviz.core.symbolic.translate.compile_chain` compiles the stages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jacviz.core.numeric.compiled import CompiledMapping
from jacviz.core.numeric.protocol import Evaluation, MappingBase, Params


@dataclass(frozen=True)
class CompiledChain(MappingBase):
    """One CompiledMapping per stage, all over the same variables and parameters.

    As a numeric mapping it is the composition: :meth:`evaluate` runs the stages forward
    and multiplies their Jacobians in the order of composition, J = J_k ⋯ J_1.
    """

    variables: tuple[str, ...]
    parameters: tuple[str, ...]
    stages: tuple[CompiledMapping, ...]

    def __len__(self) -> int:
        return len(self.stages)

    @property
    def n_outputs(self) -> int:
        return self.stages[-1].n_outputs

    def forward(self, coords, params: Params = None) -> list[tuple[np.ndarray, ...]]:
        """The points every stage sees, vectorised: [p_0, p_1, ..., p_k], each a tuple of arrays.

        NaN in every coordinate after a stage that is undefined there.
        """
        points = [tuple(np.asarray(c, dtype=float) for c in coords)]
        for stage in self.stages:
            values = stage.evaluate(points[-1], params, jacobian=False).values
            undefined = np.logical_or.reduce([np.isnan(v) for v in values])
            if undefined.any():
                values = tuple(np.where(undefined, np.nan, v) for v in values)
            points.append(tuple(values))
        return points

    def evaluate(self, coords, params: Params = None, *, jacobian: bool = True,
                 dtype=np.float64) -> Evaluation:
        points = self.forward(coords, params)
        if not jacobian:
            return Evaluation(points[-1])
        total = None
        for stage, point in zip(self.stages, points[:-1], strict=True):
            jac = stage.evaluate(point, params, jacobian=True).matrix()
            with np.errstate(all="ignore"):
                total = jac if total is None else jac @ total
        assert total is not None
        m, n = total.shape[-2:]
        rows = tuple(tuple(total[..., i, j] for j in range(n)) for i in range(m))
        return Evaluation(points[-1], rows)
