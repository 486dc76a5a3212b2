"""Train the shipped RealNVP flow on two moons and write resources/models/moons_flow.onnx.

The flow maps data x to a latent z that should look like a standard normal: first a fixed
normalisation (x − mean)/std, then six affine coupling blocks that alternate which
coordinate they transform, f ↦ f·exp(s) + t with (s, t) from a small 1-16-16-2 tanh MLP of
the other coordinate and s = 2·tanh(s_raw). The log-likelihood is
log N(z; 0, I) + log|det ∂z/∂x|, and the model exports that log|det| as a second output,
``log_det``, computed the way a flow computes it (Σ log|gain| + Σ s); jacviz checks it
against its own Σ log|det Jᵢ| over the layers. Training is plain numpy (hand-written
backpropagation, full-batch Adam, fixed seed).

    python scripts/train_moons_flow.py            # train and write the model
    python scripts/train_moons_flow.py --check    # train again and compare with the committed file
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# Reproducible on every x86 CPU: OpenBLAS picks its GEMM kernels by CPU (AVX2 or AVX-512), and
# their different summation orders, amplified by thousands of optimiser steps, gave a flow with
# other weights on an AVX-512 machine. The Haswell kernels run on every x86-64 CPU jacviz
# supports; set before numpy loads OpenBLAS (the tests run this script in a child for that).
os.environ.setdefault("OPENBLAS_CORETYPE", "Haswell")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# numpy's own loops (exp, tanh, log) have AVX-512 versions that round differently from the AVX2
# ones, which changed the trained flow on AVX-512 machines: the AVX2 loops everywhere.
os.environ.setdefault("NPY_DISABLE_CPU_FEATURES", "X86_V4 AVX512_ICL AVX512_SPR")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "models" / "moons_flow.onnx"
SEED = 3
BLOCKS = 6
HIDDEN = 16
SCALE = 2.0
STEPS = 1500
LEARNING_RATE = 0.01


def two_moons(rng: np.random.Generator, n: int = 512, noise: float = 0.06) -> np.ndarray:
    """n points on two interleaved half circles (the usual 'two moons'), with Gaussian noise."""
    a = rng.uniform(0.0, np.pi, n // 2)
    b = rng.uniform(0.0, np.pi, n - n // 2)
    upper = np.stack([np.cos(a), np.sin(a)], axis=1)
    lower = np.stack([1.0 - np.cos(b), 0.5 - np.sin(b)], axis=1)
    return np.concatenate([upper, lower]) + rng.normal(0.0, noise, (n, 2))


def init(rng: np.random.Generator):
    blocks = []
    for _ in range(BLOCKS):
        w1 = rng.normal(0.0, 1.0, (HIDDEN, 1))
        w2 = rng.normal(0.0, np.sqrt(1.0 / HIDDEN), (HIDDEN, HIDDEN))
        w3 = np.zeros((2, HIDDEN))  # every block starts as the identity
        blocks.append([w1, np.zeros(HIDDEN), w2, np.zeros(HIDDEN), w3, np.zeros(2)])
    return blocks


def forward_block(p, u, condition):
    c, f = u[:, condition], u[:, 1 - condition]
    h1 = np.tanh(c[:, None] @ p[0].T + p[1])
    h2 = np.tanh(h1 @ p[2].T + p[3])
    o = h2 @ p[4].T + p[5]
    ts = np.tanh(o[:, 0])
    s = SCALE * ts
    e = np.exp(s)
    y = np.empty_like(u)
    y[:, condition] = c
    y[:, 1 - condition] = f * e + o[:, 1]
    return y, s, (c, f, h1, h2, ts, e)


def backward_block(p, cache, condition, gy, gs):
    c, f, h1, h2, ts, e = cache
    g_yf = gy[:, 1 - condition]
    g_s = g_yf * f * e + gs
    g_o = np.stack([g_s * SCALE * (1 - ts * ts), g_yf], axis=1)
    grads = [None] * 6
    grads[4], grads[5] = g_o.T @ h2, g_o.sum(axis=0)
    g_a2 = (g_o @ p[4]) * (1 - h2 * h2)
    grads[2], grads[3] = g_a2.T @ h1, g_a2.sum(axis=0)
    g_a1 = (g_a2 @ p[2]) * (1 - h1 * h1)
    grads[0], grads[1] = g_a1.T @ c[:, None], g_a1.sum(axis=0)
    gu = np.empty_like(gy)
    gu[:, 1 - condition] = g_yf * e
    gu[:, condition] = gy[:, condition] + (g_a1 @ p[0])[:, 0]
    return gu, grads


def negative_log_likelihood(blocks, u):
    """Mean NLL of the normalised data u, and its gradients for every block's parameters."""
    n = len(u)
    caches, log_det = [], np.zeros(n)
    for k, p in enumerate(blocks):
        u, s, cache = forward_block(p, u, k % 2)
        caches.append(cache)
        log_det += s
    nll = np.mean(0.5 * np.sum(u * u, axis=1) + np.log(2 * np.pi) - log_det)
    gy, gs = u / n, np.full(n, -1.0 / n)
    grads = [None] * len(blocks)
    for k in range(len(blocks) - 1, -1, -1):
        gy, grads[k] = backward_block(blocks[k], caches[k], k % 2, gy, gs)
    return nll, grads


def train(steps: int = STEPS):
    """(blocks, mean, std, final NLL of the normalised data)."""
    rng = np.random.default_rng(SEED)
    x = two_moons(rng)
    mean, std = x.mean(axis=0), x.std(axis=0)
    u = (x - mean) / std
    blocks = init(rng)
    m = [[np.zeros_like(q) for q in p] for p in blocks]
    v = [[np.zeros_like(q) for q in p] for p in blocks]
    b1, b2, eps = 0.9, 0.999, 1e-8
    nll = float("nan")
    for t in range(1, steps + 1):
        nll, grads = negative_log_likelihood(blocks, u)
        for k, p in enumerate(blocks):
            for i, g in enumerate(grads[k]):
                m[k][i] = b1 * m[k][i] + (1 - b1) * g
                v[k][i] = b2 * v[k][i] + (1 - b2) * g * g
                step = LEARNING_RATE * (m[k][i] / (1 - b1 ** t)) / (np.sqrt(v[k][i] / (1 - b2 ** t)) + eps)
                p[i] = p[i] - step
    return blocks, mean, std, float(nll)


def build(blocks, mean, std):
    from jacviz.core.network.build import Coupling, flow_model

    couplings = [Coupling(k % 2, ((p[0], p[1]), (p[2], p[3]), (p[4], p[5])), SCALE)
                 for k, p in enumerate(blocks)]
    return flow_model(couplings, shift=-mean / std, gain=1.0 / std, name="two moons (RealNVP flow, 6 blocks)",
                      doc="A RealNVP flow x -> z trained on two moons by scripts/train_moons_flow.py; "
                          "second output log_det = log|det dz/dx|")


def same_weights(committed: bytes, fresh: bytes, rtol: float = 1e-5) -> bool:
    """True when two models have the same graph and weights equal to ``rtol`` (training on
    another CPU may round the last bits of a float32 weight differently)."""
    from jacviz.core.network.reader import read_model_bytes

    a, b = read_model_bytes(committed), read_model_bytes(fresh)
    if [(n.op, n.inputs, n.outputs) for n in a.nodes] != [(n.op, n.inputs, n.outputs) for n in b.nodes]:
        return False
    if a.constants.keys() != b.constants.keys():
        return False
    return all(np.allclose(a.constants[k], b.constants[k], rtol=rtol, atol=rtol) for k in a.constants)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed model instead of writing")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    blocks, mean, std, nll = train()
    data = build(blocks, mean, std).SerializeToString()
    if args.check:
        same = same_weights(args.out.read_bytes(), data)
        print(f"NLL {nll:.4f}; {'identical to' if same else 'DIFFERENT from'} {args.out}")
        return 0 if same else 1
    args.out.write_bytes(data)
    print(f"NLL {nll:.4f}; wrote {args.out} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
