"""The application model: one signal per field, only on real change, batched, and read back exactly."""

import pytest

from jacviz.core.errors import UsageError
from jacviz.core.persistence.presets import ParameterRange
from jacviz.ui.model import AppModel, Vectors


@pytest.fixture
def model(app):
    return AppModel()


def _recorder(model):
    seen = []
    model.changed.connect(seen.append)
    return seen


def test_a_setter_emits_once_and_only_on_a_real_change(model):
    seen = _recorder(model)
    cursors = []
    model.cursorChanged.connect(cursors.append)
    model.set_cursor((1.0, 2.0))
    model.set_cursor((1.0, 2.0))
    assert cursors == [(1.0, 2.0)] and seen == ["cursor"]
    model.set_cursor((float("nan"), 0.0))  # refused, nothing emitted
    model.set_h(-1.0)
    assert seen == ["cursor"] and model.h == 0.1


def test_a_batch_emits_each_field_once_after_all_are_set(model):
    seen = _recorder(model)
    values_when_emitted = []
    model.hChanged.connect(lambda h: values_when_emitted.append((h, model.cursor)))
    with model.batch():
        model.set_h(0.2)
        model.set_h(0.3)
        model.set_cursor((0.5, 0.5))
        assert seen == []
    assert sorted(seen) == ["cursor", "h"]
    assert values_when_emitted == [(0.3, (0.5, 0.5))]


def test_the_blocker_silences_everything(model):
    seen = _recorder(model)
    with model.blocker():
        model.set_h(0.5)
    assert seen == [] and model.h == 0.5


def test_parameters_widen_their_range_and_clamp_into_a_new_one(model):
    model.set("params", {"a": ParameterRange(1.0, -5.0, 5.0)})
    model.set_param_value("a", 7.0)
    assert model.params["a"] == ParameterRange(7.0, -5.0, 7.0)
    model.set_param_range("a", 0.0, 2.0)
    assert model.params["a"] == ParameterRange(2.0, 0.0, 2.0)
    model.set_param_range("a", 3.0, 1.0)  # empty: refused
    assert model.params["a"] == ParameterRange(2.0, 0.0, 2.0)


def test_unknown_heatmap_mode_is_refused(model):
    with pytest.raises(UsageError, match="unknown heatmap mode"):
        model.set_heatmap_mode("rainbow")


def test_the_session_round_trip_is_exact(model):
    from jacviz.core.persistence.session import from_json, to_json

    model.update(mapping="a x, y", params={"a": ParameterRange(1.5, -2.0, 3.0)}, cursor=(0.25, -0.5),
                 pins=((1.0, 2.0),), heatmap_mode="log", h=0.07, region={"rect": (0.0, 1.0, 0.0, 2.0)},
                 vectors=Vectors(True, (0.1, 0.2), (0.3, 0.4), "u^2"), draft="a x, y + 1")
    session = from_json(to_json(model.to_session()))
    other = AppModel()
    other.load_session(session)
    for name in ("mapping", "params", "cursor", "pins", "heatmap_mode", "h", "region", "vectors", "draft"):
        assert other.get(name) == model.get(name), name
