"""A checked model graph as plain data: nodes in an order where every input is made before use.

:mod:`.reader` builds a :class:`ModelGraph` from an ONNX file; nothing here knows about
protobuf. :func:`topological_order` sorts the nodes without recursion (Kahn's algorithm), so
a graph 10,000 nodes deep costs a loop, not a stack, and a cycle is named.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from jacviz.core.errors import ModelError


@dataclass(frozen=True)
class Node:
    """One operator application: ``outputs = op(inputs; attrs)``; "" marks an omitted input."""

    name: str
    op: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    attrs: dict[str, object] = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.op} node {self.name!r}"


@dataclass(frozen=True)
class ModelGraph:
    """Everything jacviz keeps of a model file: no protobuf, no file handles.

    ``input_batch`` is the declared first dimension of the input (None when it is symbolic
    or unknown, as exporters write it for a dynamic batch). ``constants`` are the
    initializers, already checked for size and finite values.
    """

    name: str
    opset: int
    input_name: str
    input_batch: int | None
    input_dtype: np.dtype
    constants: dict[str, np.ndarray]
    nodes: tuple[Node, ...]
    outputs: tuple[str, ...]
    output_shapes: dict[str, tuple[int | str | None, ...] | None]
    producer: str = ""
    doc: str = ""


def topological_order(nodes: list[Node], available: set[str]) -> list[Node]:
    """The nodes sorted so that each comes after the producers of its inputs.

    ``available`` holds the names defined before any node (the input, the initializers).
    Raises ModelError for a tensor defined twice, an input nothing defines, or a cycle.
    """
    producer: dict[str, int] = {}
    for i, node in enumerate(nodes):
        for out in node.outputs:
            if not out:
                continue
            if out in available or out in producer:
                raise ModelError(f"the tensor name {out!r} is defined twice in the graph ({node.describe()})")
            producer[out] = i
    waiting = [0] * len(nodes)
    users: list[list[int]] = [[] for _ in nodes]
    for i, node in enumerate(nodes):
        for name in set(node.inputs):
            if not name or name in available:
                continue
            j = producer.get(name)
            if j is None:
                raise ModelError(f"{node.describe()} uses {name!r}, which nothing in the graph defines "
                                 "(is the file truncated?)")
            waiting[i] += 1
            users[j].append(i)
    ready = deque(i for i, w in enumerate(waiting) if w == 0)
    order: list[int] = []
    while ready:
        i = ready.popleft()
        order.append(i)
        for j in users[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                ready.append(j)
    if len(order) != len(nodes):
        stuck = next(i for i, w in enumerate(waiting) if w > 0)
        raise ModelError(f"the graph has a cycle: {nodes[stuck].describe()} waits on a tensor that "
                         "depends on itself")
    return [nodes[i] for i in order]
