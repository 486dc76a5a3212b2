"""A network's field in chunks on two threads, and the first layer's tangents copied from W.

Both are there for speed (python -m jacviz.bench.networks); what is tested here is that
they change no number: every chunk is computed once, the threads write the same bits as
one thread, and a first Gemm whose input tangents are the unit vectors (kept as W's rows,
scaled by the activation after it) gives what multiplying them gives.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from jacviz.core.errors import ModelError
from jacviz.core.network import chunks, limits
from jacviz.core.network.build import mlp_model, model_bytes, random_mlp
from jacviz.core.network.catalog import load_model_presets, open_model_preset
from jacviz.core.network.mapping import model_from_bytes
from jacviz.core.sampling.fields import det_field


def _nets():
    nets = [open_model_preset(p) for p in load_model_presets()]
    nets.append(model_from_bytes(model_bytes(mlp_model(random_mlp([2, 64, 64, 2], seed=1)))))
    nets.append(model_from_bytes(model_bytes(mlp_model(random_mlp([2, 8, 2], seed=2), dtype=np.float64))))
    return nets


def test_every_chunk_is_run_once():
    seen: list[int] = []
    lock = threading.Lock()

    def work(c):
        with lock:
            seen.append(c)

    chunks.run_chunks(work, range(0, 1000, 7))
    assert sorted(seen) == list(range(0, 1000, 7))
    chunks.run_chunks(work, [])  # nothing to do is not an error


@pytest.mark.skipif(chunks.HELPERS == 0, reason="one core: the chunks run on the calling thread")
def test_two_threads_take_chunks_at_the_same_time():
    """The first two chunks meet at a barrier: this returns only if two threads run them."""
    barrier = threading.Barrier(2, timeout=30)
    threads: set[int] = set()

    def work(c):
        threads.add(threading.get_ident())
        if c < 2:
            barrier.wait()

    chunks.run_chunks(work, range(10))
    assert threading.get_ident() in threads and len(threads) == 2


def test_an_error_in_a_chunk_reaches_the_caller_and_stops_the_rest():
    done: list[int] = []

    def work(c):
        if c == 3:
            raise ModelError("chunk 3 failed")
        done.append(c)

    with pytest.raises(ModelError, match="chunk 3 failed"):
        chunks.run_chunks(work, range(200))
    assert 3 not in done and len(done) < 199


def _returns(fn) -> bool:
    """True when fn() returns (on a thread of its own, waited for up to a minute: a call that
    waits for itself would otherwise hang the suite)."""
    done = threading.Event()

    def run():
        fn()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done.wait(60)


def test_a_call_from_inside_a_chunk_returns(monkeypatch):
    monkeypatch.setattr(chunks, "HELPERS", 1)
    seen = []

    def outer(c):
        chunks.run_chunks(lambda i: seen.append((c, i)), range(3))

    assert _returns(lambda: chunks.run_chunks(outer, range(2)))
    assert sorted(seen) == [(c, i) for c in range(2) for i in range(3)]


def test_a_helper_busy_with_another_field_is_not_waited_for(monkeypatch):
    """While the helper runs another caller's chunk, a second caller does all its own chunks
    and returns; the first caller's chunk is let go only afterwards."""
    monkeypatch.setattr(chunks, "HELPERS", 1)
    release, started = threading.Event(), threading.Event()

    def blocking(c):
        started.set()
        release.wait(60)

    first = threading.Thread(target=chunks.run_chunks, args=(blocking, range(2)), daemon=True)
    first.start()
    assert started.wait(60)
    seen = []
    try:
        assert _returns(lambda: chunks.run_chunks(seen.append, range(5)))
    finally:
        release.set()
        first.join(60)
    assert sorted(seen) == list(range(5))


def test_two_threads_write_the_bits_one_thread_writes(monkeypatch):
    monkeypatch.setattr(chunks, "HELPERS", 1)  # two threads even on a one-core machine
    rect = (-2.0, 2.0, -1.5, 1.5)
    for net in _nets():
        monkeypatch.setattr(limits, "CHUNK_VALUES", 50 * 3 * net.plan.width(net.route))
        assert net.chunk_size(2) == 50
        for dtype in (np.float32, np.float64):
            two = det_field(net, rect, 173, dtype=dtype)
            monkeypatch.setattr(chunks, "HELPERS", 0)
            one = det_field(net, rect, 173, dtype=dtype)
            monkeypatch.setattr(chunks, "HELPERS", 1)
            np.testing.assert_array_equal(two, one, err_msg=net.name)
            assert np.isfinite(one).all(), net.name


def test_unit_tangents_kept_as_rows_give_the_multiplied_numbers():
    """Plan.run(basis=True) keeps a first Gemm's tangents as W's rows scaled point by point
    and folds them into the next Gemm's W; the numbers are those of multiplying the stacked
    unit tangents, and of the checked kernels, to rounding (the products are grouped
    differently: (s·rᵢ)·W against s·(rᵢ·W)), the values to a few ulps."""
    rng = np.random.default_rng(4)
    used = 0
    for net in _nets():
        plan = net.plan
        targets = [plan.slot[o] for o in net.graph.outputs if plan.is_computed(plan.slot[o])]
        route = plan.route(targets)
        for dtype, rtol in ((np.float32, 2e-5), (np.float64, 1e-13)):
            stack = np.zeros((3, 41, 2), dtype=dtype)
            stack[0] = rng.uniform(-2, 2, size=(41, 2))
            stack[1, :, 0] = stack[2, :, 1] = 1
            kept = plan.run(stack, route, basis=True)
            multiplied = plan.run(stack, route)
            kernels, plan.kernels = plan.kernels, [s.kernel for s in plan.steps]
            try:
                checked = plan.run(stack, route)
            finally:
                plan.kernels = kernels
            for a, b, c in zip(kept, multiplied, checked, strict=True):
                scale = np.abs(b).max(axis=(0, 1), keepdims=True)  # per output, as J's entries
                # values: the same steps, but BLAS may block a product of 41 rows differently
                # from one of 3 × 41 (seen on an AMD EPYC: an ulp here and there, more after
                # a cancellation), so to rounding of the output's size
                size = np.abs(b[0]).max(axis=0, keepdims=True)  # each output's own size
                np.testing.assert_allclose(a[0] / size, b[0] / size, rtol=0,
                                           atol=64 * np.finfo(dtype).eps, err_msg=net.name)
                np.testing.assert_allclose(a / scale, b / scale, rtol=0, atol=rtol, err_msg=net.name)
                np.testing.assert_array_equal(b, c, err_msg=net.name)
        first = plan.steps[route.steps[0]]
        used += first.node.op == "Gemm" and first.inputs[0] == 0
    assert used >= 2  # the MLPs begin with a Gemm on the input, so the rows were kept


def test_a_dual_of_scaled_rows_builds_the_stack_it_stands_for():
    from jacviz.core.network.operators import Dual

    rng = np.random.default_rng(7)
    value, scale, rows = rng.normal(size=(5, 3)), rng.normal(size=(5, 3)), rng.normal(size=(2, 3))
    d = Dual.scaled_rows(value, scale, rows)
    assert (d.rank, d.sample_shape) == (2, (3,))
    want = np.stack([value, scale * rows[0], scale * rows[1]])
    np.testing.assert_array_equal(d.data, want)
    assert d.data is d.data  # built once
    plain = Dual.scaled_rows(value, None, rows).data
    np.testing.assert_array_equal(plain, np.stack([value, np.broadcast_to(rows[0], (5, 3)),
                                                   np.broadcast_to(rows[1], (5, 3))]))


def test_scaled_rows_reach_a_kernel_that_reads_the_whole_stack():
    """Gemm → Tanh → Softmax: the softmax kernel has no scaled-row path and reads ``data``;
    its tangents must be the chain rule's, checked against central differences."""
    from onnx import TensorProto, helper, numpy_helper

    from jacviz.core.network.build import model_bytes as to_bytes

    rng = np.random.default_rng(3)
    w, b = rng.normal(size=(2, 6)), rng.normal(size=6)
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "W", "B"], ["h"]), helper.make_node("Tanh", ["h"], ["t"]),
         helper.make_node("Softmax", ["t"], ["y"], axis=1)],
        "softmax-after-tanh",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", 2])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["N", 6])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    net = model_from_bytes(to_bytes(model))
    p, h = np.array([0.3, -0.7]), 1e-6

    def f(q):
        t = np.tanh(q @ w + b)
        e = np.exp(t - t.max())
        return e / e.sum()

    fd = np.stack([(f(p + h * e) - f(p - h * e)) / (2 * h) for e in np.eye(2)], axis=1)
    np.testing.assert_allclose(net.jacobian_at(*p), fd, rtol=1e-7, atol=1e-9)


def test_a_stack_that_cannot_hold_unit_tangents_is_refused():
    net = _nets()[-1]
    with pytest.raises(ValueError, match="unit tangents"):
        net.plan.run(np.zeros((2, 5, 2)), net.route, basis=True)


def test_a_wide_layer_with_unit_tangents_has_the_bits_of_the_product():
    """A layer's own Jacobian inside a network starts from unit tangents 64 wide; there the
    product goes to BLAS, which rounds a one-row value differently from the value rows of the
    whole stack (seen at one point, the cursor's case), so nothing is copied and the two agree."""
    from jacviz.core.network import operators

    rng = np.random.default_rng(1)
    for n in (2, 8, 64):
        w = rng.normal(size=(n, 64)).astype(np.float32)
        kernel = operators._fast_gemm([operators.Dual(np.zeros((1 + n, 1, n), np.float32)), w, None], {})
        for points in (1, 3, 17):
            stack = np.zeros((1 + n, points, n), np.float32)
            stack[0] = rng.normal(size=(points, n))
            for i in range(n):
                stack[1 + i, :, i] = 1
            copied = kernel([operators.Dual(stack, basis=True), w], {}, None)[0].data
            multiplied = kernel([operators.Dual(stack), w], {}, None)[0].data
            np.testing.assert_array_equal(copied, multiplied, err_msg=f"{n} wide, {points} points")
