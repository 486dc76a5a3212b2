"""The budgets a model must fit before jacviz reads or evaluates it.

They are far above what a network on two inputs needs (the shipped models are a few
kilobytes), and low enough that a hostile file is refused before it costs memory or time.
Each is checked before the work it bounds is done.
"""

from __future__ import annotations

# The .onnx file itself, checked with stat() before a byte is read.
MAX_FILE_BYTES = 128 * 2**20
# All weights together (initializers, Constant nodes and folded constants), in values.
MAX_WEIGHT_VALUES = 2**24
# External data read from beside the model, in bytes.
MAX_EXTERNAL_BYTES = 256 * 2**20
# Nodes in the graph: a network on two inputs has tens; 10,000 is refused at once.
MAX_NODES = 2048
# Inputs of one node (a Concat of thousands of tensors is not a network on the plane).
MAX_NODE_INPUTS = 256
# Values in one list attribute of a node (axes, a shape, split sizes).
MAX_ATTRIBUTE_VALUES = 65536
# Values of one computed tensor per sample (the width of the widest layer).
MAX_SAMPLE_VALUES = 65536
# A budget of work values: a layer's Jacobian at one point (one tangent per input value,
# jacviz.core.network.layers) is skipped when (1 + inputs) · its widest tensor exceeds 16×.
WORK_VALUES = 2**21
# Elements of the widest stack of one chunk of points when a field is sampled: 2**19 float32
# values (2 MiB), with two threads taking chunks (jacviz.core.network.chunks). Measured for
# the 512² det J field against 2**18, interleaved in one process, two rounds of 8 runs
# (python -m jacviz.bench.networks workloads; 2-core EPYC, one BLAS thread per sampler):
# 0.92–0.97× the time for a 2-64-64-2 tanh MLP (1365 → 2730 points a chunk) and 0.82× for
# the shipped flow, whose many narrow steps cost Python time per chunk; 2**20 was 1.05–1.19×
# and 0.9×, 2**17 1.2–1.4× and 1.5×. One thread had been fastest at 2**18 (the L2 cache).
CHUNK_VALUES = 2**19
# Opset versions of the default domain jacviz understands.
MIN_OPSET = 7
MAX_OPSET = 25
