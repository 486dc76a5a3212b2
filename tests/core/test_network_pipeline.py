"""Networks through the pipeline without Qt: the Prepared value, sessions, the fields, the scene."""

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "ui"))
from network_models import W3, write_linear3, write_scalar, write_shipped

from jacviz.core.errors import ModelError, SessionError
from jacviz.core.figure.colormaps import categorical_colormap, class_color
from jacviz.core.network.catalog import load_model_presets
from jacviz.core.persistence import session as sessions
from jacviz.core.pipeline.network import (
    class_field,
    default_mode,
    model_domain,
    network_point,
    prepare_network,
    prepare_network_preset,
    prepare_source,
    sample_network_scene,
)
from jacviz.core.pipeline.prepared import Prepared
from jacviz.core.pipeline.scene import Quality, heatmap_scale


def test_a_model_is_a_prepared_mapping_with_its_source(tmp_path):
    path = write_shipped(tmp_path / "moons.onnx")
    prepared = prepare_network(path)
    assert isinstance(prepared, Prepared) and prepared.parameters == () and prepared.formulas is None
    assert prepared.source.path == str(path.resolve())
    assert prepared.source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert prepared.square and prepared.kind == "ONNX model, 2 → 2"
    lines = prepared.lines()
    assert "normalizing flow" in lines[1] and sum("coupling block" in line for line in lines) == 6
    # a copy of a shipped model is recognised by its hash and gets its preset's domain
    flow = next(p for p in load_model_presets() if p.kind == "flow")
    assert model_domain(prepared) == flow.domain
    assert prepare_network_preset(flow).source.preset == flow.file
    assert model_domain(prepare_network(write_linear3(tmp_path / "t.onnx"))) == (-2.0, 2.0, -2.0, 2.0)


def test_a_changed_file_is_reported_when_a_session_reopens_it(tmp_path):
    path = write_shipped(tmp_path / "m.onnx")
    source = prepare_network(path).source.as_dict()
    same, note = prepare_source(source)
    assert note == "" and same.source.sha256 == source["sha256"]
    write_shipped(path, "spirals_mlp.onnx")
    changed, note = prepare_source(source)
    assert "has changed since the session was saved" in note
    assert changed.network.n_outputs == 2 and changed.source.sha256 != source["sha256"]
    path.unlink()
    with pytest.raises(ModelError, match="cannot open"):
        prepare_source(source)


def test_sessions_carry_a_model_and_check_its_fields(tmp_path):
    prepared = prepare_network(write_shipped(tmp_path / "m.onnx"))
    s = sessions.Session(mapping="m.onnx", model=prepared.source.as_dict(), heatmap_mode="classes")
    back = sessions.from_json(sessions.to_json(s))
    assert back.model == prepared.source.as_dict() and back.heatmap_mode == "classes"
    good = json.loads(sessions.to_json(s))
    for model, words in (({"path": "relative/m.onnx"}, "absolute"), ({"sha256": "abc"}, "needs a path"),
                         ({"path": "/m.onnx", "sha256": "xyz"}, "64 lowercase"),
                         ({"preset": "../evil.onnx"}, "shipped"), ({"path": 3}, "text or null"),
                         ([], "object")):
        bad = dict(good, model=model)
        with pytest.raises(SessionError, match=words):
            sessions.from_json(json.dumps(bad))
    # without a model, the mapping must parse, as before
    with pytest.raises(SessionError, match="does not parse"):
        sessions.from_json(json.dumps(dict(good, model=None)))


def test_the_class_field_is_the_argmax_of_a_linear_model(tmp_path):
    net = prepare_network(write_linear3(tmp_path / "t.onnx")).network
    rect, n = (-2.0, 2.0, -1.0, 1.0), 64
    field = class_field(net, rect, n)
    xs = -2 + (np.arange(n) + 0.5) * 4 / n
    ys = -1 + (np.arange(n) + 0.5) * 2 / n
    gx, gy = np.meshgrid(xs, ys)
    expected = np.argmax(np.stack([gx, gy, -gx - gy], axis=-1), axis=-1)
    assert (field == expected).all()


def test_a_scene_of_three_classes_and_of_one_output(tmp_path):
    q = Quality(heatmap=96, lines=11, samples=50)
    three = prepare_network(write_linear3(tmp_path / "t.onnx")).network
    scene = sample_network_scene(three, (-2, 2, -2, 2), q, margin=0.25)
    assert np.isnan(scene.det).all() and np.isnan(scene.grid.vertical_image).all()
    assert scene.fields["classes"].shape == scene.det.shape == (144, 144)
    scale = heatmap_scale(scene, "classes")
    assert scale.kind == "categorical" and scale.levels == (-0.5, 2.5)
    out = heatmap_scale(scene, "output")
    assert out.levels[0] == -out.levels[1] and out.title.startswith("output 0")
    one = prepare_network(write_scalar(tmp_path / "s.onnx")).network
    scene = sample_network_scene(one, (-2, 2, -2, 2), q)
    assert "classes" not in scene.fields
    crit = scene.critical
    assert crit.size and np.abs(crit[:, 0] + 2 * crit[:, 1] - 0.5).max() < 4 / 96
    assert default_mode(prepare_network(tmp_path / "s.onnx"), "auto") == "output"
    assert default_mode(prepare_network(tmp_path / "t.onnx"), "det") == "classes"


def test_the_numbers_at_a_point_of_a_classifier(tmp_path):
    net = prepare_network(write_linear3(tmp_path / "t.onnx")).network
    info = network_point(net, (1.0, 0.5))
    assert np.allclose(info.value, W3 @ [1.0, 0.5]) and np.allclose(info.jacobian, W3)
    e = np.exp(info.value - info.value.max())
    assert np.allclose(info.probabilities, e / e.sum()) and info.predicted == 0
    rows = dict(info.rows())
    assert rows["singular values"] == "1.732, 1"


def test_the_categorical_map_gives_each_class_its_colour():
    for k in (1, 2, 3, 8, 11):
        cmap = categorical_colormap(k)
        for c in range(k):
            assert cmap.color_at(float(c), (-0.5, k - 0.5)) == class_color(c)
    assert len({class_color(c) for c in range(8)}) == 8


def test_a_session_of_a_shipped_model_names_its_preset():
    flow = next(p for p in load_model_presets() if p.kind == "flow")
    prepared = prepare_network_preset(flow)
    source = prepared.source.as_dict()
    assert source == {"path": None, "sha256": None, "preset": flow.file, "output": None}
    s = sessions.Session(mapping=flow.file, model=source)
    again, note = prepare_source(sessions.from_json(sessions.to_json(s)).model)
    assert note == "" and again.source.preset == flow.file and again.description == flow.description
    with pytest.raises(ModelError, match="ships no model"):
        prepare_source({"path": None, "sha256": None, "preset": "nothing.onnx", "output": None})
