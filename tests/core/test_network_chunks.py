"""The first layer's tangents copied from W.

It is there for speed (python -m jacviz.bench.networks); what is tested here is that it
changes no number: a first Gemm whose input tangents are the unit vectors gives what
multiplying them gives.
"""

from __future__ import annotations

import numpy as np
import pytest

from jacviz.core.network.build import mlp_model, model_bytes, random_mlp
from jacviz.core.network.catalog import load_model_presets, open_model_preset
from jacviz.core.network.mapping import model_from_bytes


def _nets():
    nets = [open_model_preset(p) for p in load_model_presets()]
    nets.append(model_from_bytes(model_bytes(mlp_model(random_mlp([2, 64, 64, 2], seed=1)))))
    nets.append(model_from_bytes(model_bytes(mlp_model(random_mlp([2, 8, 2], seed=2), dtype=np.float64))))
    return nets


def test_unit_tangents_copied_from_w_are_the_multiplied_ones():
    """Plan.run(basis=True) skips multiplying the unit tangents in a first Gemm; the numbers
    are those of the product (1·w + 0·w' = w exactly) and of the checked kernels."""
    rng = np.random.default_rng(4)
    used = 0
    for net in _nets():
        plan = net.plan
        targets = [plan.slot[o] for o in net.graph.outputs if plan.is_computed(plan.slot[o])]
        route = plan.route(targets)
        for dtype in (np.float32, np.float64):
            stack = np.zeros((3, 41, 2), dtype=dtype)
            stack[0] = rng.uniform(-2, 2, size=(41, 2))
            stack[1, :, 0] = stack[2, :, 1] = 1
            copied = plan.run(stack, route, basis=True)
            multiplied = plan.run(stack, route)
            kernels, plan.kernels = plan.kernels, [s.kernel for s in plan.steps]
            try:
                checked = plan.run(stack, route)
            finally:
                plan.kernels = kernels
            for a, b, c in zip(copied, multiplied, checked, strict=True):
                np.testing.assert_array_equal(a, b, err_msg=net.name)
                np.testing.assert_array_equal(a, c, err_msg=net.name)
        first = plan.steps[route.steps[0]]
        used += first.node.op == "Gemm" and first.inputs[0] == 0
    assert used >= 2  # the MLPs begin with a Gemm on the input, so the copy was taken


def test_a_stack_that_cannot_hold_unit_tangents_is_refused():
    net = _nets()[-1]
    with pytest.raises(ValueError, match="unit tangents"):
        net.plan.run(np.zeros((2, 5, 2)), net.route, basis=True)
