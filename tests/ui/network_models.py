"""Small ONNX models with closed forms, for the window tests of trained networks."""

import numpy as np

from jacviz.core.network.build import graph_model, mlp_model, model_bytes

# F(x, y) = (x, y, −x − y): class 0 right, class 1 up, class 2 down-left; J = W everywhere.
W3 = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
B3 = np.zeros(3)
# F(x, y) = x + 2y − 0.5: a scalar field whose zero set is a line.
W1 = np.array([[1.0, 2.0]])
B1 = np.array([-0.5])


def write_linear3(path):
    path.write_bytes(model_bytes(mlp_model([(W3, B3)], name="three classes", dtype=np.float64,
                                           output_name="logits")))
    return path


def write_scalar(path):
    path.write_bytes(model_bytes(mlp_model([(W1, B1)], name="a plane", dtype=np.float64, output_name="f")))
    return path


def write_three_inputs(path):
    from onnx import helper

    node = helper.make_node("Identity", ["x"], ["y"])
    model = graph_model([node], input_dims=("batch", 3), outputs=(("y", ["batch", 3]),))
    path.write_bytes(model_bytes(model))
    return path


def write_shipped(path, file="moons_flow.onnx"):
    from jacviz.core.persistence.presets import resource_bytes

    path.write_bytes(resource_bytes(f"models/{file}"))
    return path
