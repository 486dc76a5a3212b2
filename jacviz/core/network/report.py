"""What ``jacviz eval model.onnx --at X,Y [--jvp V --vjp G]`` prints, as one JSON-ready dict.

J may have any shape k×2; det J and log|det J| are given only when it is square. ``--jvp``
takes a tangent at the input (2 numbers) and gives J·v at the output; ``--vjp`` takes a
covector at the output (k numbers) and gives Jᵀ·g at the input, one step of
backpropagation. A vector of the wrong length is a :class:`UsageError` that says how many
numbers are needed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from jacviz.core.errors import UsageError
from jacviz.core.network.layers import layers_at
from jacviz.core.network.mapping import NetworkMapping


def _num(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _vector(values: Sequence[float] | None, size: int, option: str, what: str) -> np.ndarray | None:
    if values is None:
        return None
    arr = np.asarray(values, dtype=float).reshape(-1)
    if arr.size != size:
        raise UsageError(f"{option} needs {size} numbers ({what}), not {arr.size}")
    if not np.isfinite(arr).all():
        raise UsageError(f"{option} needs finite numbers")
    return arr


def eval_report(net: NetworkMapping, point: Sequence[float], *, jvp: Sequence[float] | None = None,
                vjp: Sequence[float] | None = None) -> dict[str, object]:
    """F, J, det J (square only), singular values and every layer at ``point``, with jvp/vjp.

    Undefined numbers are None (JSON null). Raises UsageError for a point or vector of the
    wrong length; the model itself was checked when it was opened.
    """
    k = net.n_outputs
    v = _vector(jvp, 2, "--jvp", "one per input x, y")
    g = _vector(vjp, k, "--vjp", f"one per output of the model, which has {k}")
    report = layers_at(net, point)
    jac = report.jacobian
    finite = bool(np.isfinite(jac).all())
    svals = np.linalg.svd(jac, compute_uv=False) if finite else np.full(min(jac.shape), np.nan)
    out: dict[str, object] = {
        "model": net.name,
        "source": net.source,
        "variables": list(net.variables),
        "outputs": list(net.output_names),
        "shape": [k, 2],
        "point": [_num(x) for x in report.point],
        "value": [_num(x) for x in report.value],
        "jacobian": [[_num(x) for x in row] for row in jac],
    }
    if k == 2:
        det = float(jac[0, 0] * jac[1, 1] - jac[0, 1] * jac[1, 0]) if finite else math.nan
        out["det"] = _num(det)
        out["log_abs_det"] = _num(math.log(abs(det))) if finite and det != 0 else None
    out["singular_values"] = [_num(s) for s in svals]
    layers = report.as_dict()
    out["layers"] = layers["layers"]
    out["chain_rule_max_abs_difference"] = layers["chain_rule_max_abs_difference"]
    if report.sum_log_abs_det is not None:
        out["sum_log_abs_det"] = layers["sum_log_abs_det"]
    if report.model_log_det_output is not None:
        out["model_log_det"] = layers["model_log_det"]
        out["model_log_det_output"] = report.model_log_det_output
    if v is not None:
        with np.errstate(all="ignore"):
            out["jvp"] = [_num(x) for x in jac @ v]
    if g is not None:
        with np.errstate(all="ignore"):
            out["vjp"] = [_num(x) for x in jac.T @ g]
    return out
