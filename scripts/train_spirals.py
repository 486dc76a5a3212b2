"""Train the shipped two-spirals classifier and write resources/models/spirals_mlp.onnx.

A 2-16-16-2 tanh MLP whose two outputs are the class logits. To separate two interleaved
spirals it has to fold the plane: det J of the logit map changes sign along curves between
the arms, which is what jacviz shows. Training is plain numpy: full-batch Adam on the
cross-entropy, with a fixed seed, so running this script again writes the same file.

    python scripts/train_spirals.py            # train and write the model
    python scripts/train_spirals.py --check    # train again and compare with the committed file
"""

from __future__ import annotations

import argparse
import itertools
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
OUT = ROOT / "resources" / "models" / "spirals_mlp.onnx"
SEED = 7
SIZES = (2, 16, 16, 2)
STEPS = 3000
LEARNING_RATE = 0.02


def two_spirals(rng: np.random.Generator, n: int = 200, turns: float = 1.25, noise: float = 0.03):
    """n points per class on two interleaved spirals of radius 1; labels 0 and 1."""
    t = np.sqrt(rng.uniform(0.02, 1.0, n)) * turns * 2 * np.pi
    r = t / (turns * 2 * np.pi)
    arm = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
    x = np.concatenate([arm, -arm]) + rng.normal(0.0, noise, (2 * n, 2))
    y = np.concatenate([np.zeros(n, dtype=int), np.ones(n, dtype=int)])
    return x, y


def init(rng: np.random.Generator):
    params = []
    for n_in, n_out in itertools.pairwise(SIZES):
        params.append(rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), (n_out, n_in)) * 2.0)
        params.append(np.zeros(n_out))
    return params


def forward(params, x):
    acts = [x]
    h = x
    for i in range(0, len(params), 2):
        z = h @ params[i].T + params[i + 1]
        h = np.tanh(z) if i < len(params) - 2 else z
        acts.append(h)
    return acts


def loss_and_grads(params, x, y):
    acts = forward(params, x)
    logits = acts[-1]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(len(y)), y]))
    g = p.copy()
    g[np.arange(len(y)), y] -= 1.0
    g /= len(y)
    grads = [None] * len(params)
    for i in range(len(params) - 2, -1, -2):
        h_in = acts[i // 2]
        grads[i] = g.T @ h_in
        grads[i + 1] = g.sum(axis=0)
        if i > 0:
            g = (g @ params[i]) * (1.0 - h_in * h_in)
    return loss, grads


def train(steps: int = STEPS):
    """The trained weights as [(W, b), ...] with W output × input, and the final accuracy."""
    rng = np.random.default_rng(SEED)
    x, y = two_spirals(rng)
    params = init(rng)
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(1, steps + 1):
        _, grads = loss_and_grads(params, x, y)
        for i, g in enumerate(grads):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            step = LEARNING_RATE * (m[i] / (1 - b1 ** t)) / (np.sqrt(v[i] / (1 - b2 ** t)) + eps)
            params[i] = params[i] - step
    accuracy = float(np.mean(forward(params, x)[-1].argmax(axis=1) == y))
    return [(params[i], params[i + 1]) for i in range(0, len(params), 2)], accuracy


def build(layers):
    from jacviz.core.network.build import mlp_model

    return mlp_model(layers, "Tanh", name="two spirals (tanh MLP 2-16-16-2)", output_name="logits",
                     doc="Logits of a 2-16-16-2 tanh MLP trained on two spirals by scripts/train_spirals.py")


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
    layers, accuracy = train()
    data = build(layers).SerializeToString()
    if args.check:
        same = same_weights(args.out.read_bytes(), data)
        print(f"accuracy {accuracy:.3f}; {'identical to' if same else 'DIFFERENT from'} {args.out}")
        return 0 if same else 1
    args.out.write_bytes(data)
    print(f"accuracy {accuracy:.3f}; wrote {args.out} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
