"""The layers of a chain at one point: each stage's input, output and Jacobian.

det multiplies along a chain, so log|det J| is the sum of the layers' log|det J_i|: the
log-likelihood bookkeeping of a normalizing flow. :func:`chain_at` runs the layers forward
from one point and records both sides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from jacviz.core.numbers import json_matrix, json_number, json_vector
from jacviz.core.numeric.chain import CompiledChain
from jacviz.core.numeric.protocol import Params


@dataclass(frozen=True)
class StageReport:
    """One layer at one point: what it sees, what it returns and its Jacobian there."""

    index: int  # 1-based, as in S1; S2; ...
    point: np.ndarray  # the input p_{i−1}
    value: np.ndarray  # the output p_i = S_i(p_{i−1})
    jacobian: np.ndarray  # J_i(p_{i−1}), 2×2
    det: float
    log_abs_det: float  # log|det J_i| (−inf when singular, NaN when undefined)


@dataclass(frozen=True)
class ChainReport:
    """Every layer at one point, the chain-rule product and the log-determinant sum."""

    point: np.ndarray
    value: np.ndarray  # F(p), the last stage's output
    stages: tuple[StageReport, ...]
    product: np.ndarray  # J_k ⋯ J_1, 2×2
    sum_log_abs_det: float  # Σ log|det J_i|
    log_abs_det_product: float  # log|det(J_k ⋯ J_1)|, equal to the sum up to rounding

    def as_dict(self) -> dict[str, object]:
        """JSON-ready values (NaN and infinity become None)."""
        return {
            "point": json_vector(self.point),
            "value": json_vector(self.value),
            "stages": [
                {"index": s.index, "point": json_vector(s.point), "value": json_vector(s.value),
                 "jacobian": json_matrix(s.jacobian), "det": json_number(s.det),
                 "log_abs_det": json_number(s.log_abs_det)}
                for s in self.stages
            ],
            "product": json_matrix(self.product),
            "sum_log_abs_det": json_number(self.sum_log_abs_det),
            "log_abs_det_product": json_number(self.log_abs_det_product),
        }


def _log_abs_det(det: float) -> float:
    if not math.isfinite(det):
        return math.nan
    return math.log(abs(det)) if det != 0 else -math.inf


def chain_at(chain: CompiledChain, p, params: Params = None) -> ChainReport:
    """Run the layers forward from p, recording each stage's input, output and J_i.

    The product is accumulated as J ← J_i·J (the last stage on the left), the order of
    composition. Where a stage is undefined (a NaN in either output) everything after it
    is NaN.
    """
    point = np.asarray(p, dtype=float).reshape(2)
    current = point
    total = np.eye(2)
    reports = []
    log_sum = 0.0
    for i, stage in enumerate(chain.stages, 1):
        value = stage.value_at(current[0], current[1], params)
        if np.isnan(value).any():
            value = np.full(2, np.nan)  # half a point is no point: the next layer has no input
        jac = stage.jacobian_at(current[0], current[1], params)
        det = float(jac[0, 0] * jac[1, 1] - jac[0, 1] * jac[1, 0])
        lad = _log_abs_det(det)
        reports.append(StageReport(i, current, value, jac, det, lad))
        log_sum += lad
        with np.errstate(all="ignore"):
            total = jac @ total
        current = value
    det_total = float(total[0, 0] * total[1, 1] - total[0, 1] * total[1, 0])
    return ChainReport(point, current, tuple(reports), total, float(log_sum), _log_abs_det(det_total))
