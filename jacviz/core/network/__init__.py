"""Trained networks: ONNX models read safely and evaluated with their Jacobian, without Qt or sympy.

What this package owns:

* :mod:`.reader`: an ``.onnx`` file (or its bytes) → a checked :class:`~.graph.ModelGraph`,
  plain data. Every refusal is a :class:`~jacviz.core.errors.ModelError` with one line;
  :mod:`.tensors` turns ONNX tensors (and external data, resolved only inside the model's
  folder) into numpy arrays within budgets set in :mod:`.limits`.
* :mod:`.operators`: the declared operator subset (:data:`~.operators.SUPPORTED_OPERATORS`),
  each with its forward-mode derivative.
* :mod:`.plan`: a checked graph compiled into steps (constants folded, shapes checked on a
  probe point) that evaluate F and J together on arrays of points.
* :mod:`.mapping`: :class:`~.mapping.NetworkMapping`, the numeric mapping protocol for a
  model with two inputs and k outputs, and :func:`~.mapping.open_model`.
* :mod:`.layers`: what a layer of a graph is, every layer's Jacobian at a point, and
  backpropagation step by step.
* :mod:`.report`: the JSON that ``jacviz eval model.onnx`` prints.
* :mod:`.build`: ONNX graphs for MLPs and coupling flows written with ``onnx.helper`` (for
  the training scripts, the benchmark and the tests).
* :mod:`.catalog`: the example models shipped in ``resources/models``.

Nothing in a model file is ever executed: the graph is data that jacviz's own numpy
interpreter walks, and no pickle is ever read.
"""
