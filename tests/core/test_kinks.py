"""Points where F is not differentiable, and values that overflow: the readout's notes.

sympy differentiates abs(x) as sign(x) with sign(0) = 0, so abs(x), y reported J₀₀ = 0 and
det J = 0 at the origin, and a ReLU written with sign reported 0.5. At such a point J does
not exist: PointInfo gives NaN and the note "not differentiable here". Differentiable
mappings built from abs (|x|³, x|x|) keep their J.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from corehelpers import compiled

from jacviz.core.lab.pointinfo import J_UNDEFINED, JUMPS, NOT_DIFFERENTIABLE, point_info
from jacviz.core.language import parse
from jacviz.core.numeric.chain import CompiledChain
from jacviz.core.numeric.compiled import CompiledMapping
from jacviz.core.numeric.morph import MorphedMapping
from jacviz.core.numeric.program import Program
from jacviz.core.pipeline import cache
from jacviz.core.pipeline.prepare import prepare
from jacviz.core.symbolic.mapping import Mapping
from jacviz.core.symbolic.translate import compile_chain

pytestmark = pytest.mark.usefixtures("warnings_are_errors")


@pytest.mark.parametrize(("text", "point"), [
    ("abs(x), y", (0.0, 0.0)),
    ("abs(x), y", (0.0, 2.5)),
    ("(x + abs(x))/2, y", (0.0, 0.3)),  # ReLU
    ("x (1 + sign(x))/2, y", (0.0, -1.0)),  # ReLU through sign: its formula gave 0.5
    ("abs(x - y), x + y", (0.5, 0.5)),
    ("abs(y - x^2), x", (0.0, 0.0)),  # the kink curve is tangent to the x axis here
    ("abs(x) + abs(y), x - y", (0.0, 0.0)),
])
def test_a_kink_is_not_differentiable(text, point):
    """J is NaN with the note; F keeps its value."""
    c = compiled(text)
    formula = c.jacobian_at(*point)
    info = point_info(c, *point)
    assert info.notes == (NOT_DIFFERENTIABLE,)
    assert np.isnan(info.jacobian).all() and np.isnan(info.det)
    assert np.isfinite(info.value).all()
    assert not info.differentiable
    assert info.reading() == "F is not differentiable here (a kink, a jump or an infinite slope)"
    if text == "abs(x), y":
        assert formula[0, 0] == 0.0  # sympy's sign(0) = 0, which the note replaces


def test_relu_through_sign_was_one_half():
    """The audit's number: the formula's J₀₀ of x(1 + sign(x))/2 at 0 is 0.5, no derivative at all."""
    c = compiled("x (1 + sign(x))/2, y")
    assert c.jacobian_at(0.0, 0.0)[0, 0] == 0.5
    assert np.isnan(point_info(c, 0.0, 0.0).jacobian[0, 0])


@pytest.mark.parametrize(("text", "point"), [
    ("sign(x), y", (0.0, 0.0)),
    ("sqrt(z)", (-1.0, 0.0)),
    ("log(z)", (-1.0, -0.0)),
    ("atan2(y, x), x", (-1.0, 0.0)),
    ("asin(z)", (2.0, 0.0)),
    ("z^(1/3)", (-8.0, 0.0)),
])
def test_a_jump_is_not_differentiable(text, point):
    """On a branch cut or at a step F jumps: the value is the principal one, J is NaN."""
    c = compiled(text)
    info = point_info(c, *point)
    assert info.notes == (JUMPS,)
    assert np.isnan(info.jacobian).all()
    assert np.isfinite(info.value).all()


@pytest.mark.parametrize(("text", "point", "jac"), [
    ("abs(x)^3, y", (0.0, 0.0), [[0.0, 0.0], [0.0, 1.0]]),
    ("x abs(x), y", (0.0, 0.0), [[0.0, 0.0], [0.0, 1.0]]),
    ("abs(x)^1.5, y", (0.0, 1.0), [[0.0, 0.0], [0.0, 1.0]]),
    ("z^13", (-1.0, 0.0), [[13.0, 0.0], [0.0, 13.0]]),  # an integer power has no cut
    ("abs(x - 3), y", (0.0, 0.0), [[-1.0, 0.0], [0.0, 1.0]]),  # far from its kink
    ("sqrt(z)", (-1.0, 1e-12), None),  # next to the cut, not on it
])
def test_differentiable_points_keep_their_jacobian(text, point, jac):
    """A kink indicator that vanishes where F is differentiable gives no note."""
    info = point_info(compiled(text), *point)
    assert info.notes == ()
    assert np.isfinite(info.jacobian).all()
    if jac is not None:
        np.testing.assert_allclose(info.jacobian, jac, atol=1e-12)


def test_an_infinite_slope_is_not_differentiable():
    """sqrt(x) at 0 is 0 with the slope 1/(2√x) infinite: F defined, J not."""
    info = point_info(compiled("sqrt(x), y"), 0.0, 1.0)
    assert info.value == (0.0, 1.0)
    assert info.notes == (J_UNDEFINED,)
    # |z| = √(x² + y²) at 0: its J x/|z| is 0/0 there
    assert point_info(compiled("abs(z)"), 0.0, 0.0).notes == (J_UNDEFINED,)


def test_morphs_and_chains_know_the_kinks_of_what_they_wrap():
    """F_t of abs(x), y at t = 1/2 has the kink, the identity (t = 0) none; a chain finds it in stage 2."""
    c = compiled("abs(x), y")
    assert point_info(MorphedMapping(c, 0.5), 0.0, 0.0).notes == (NOT_DIFFERENTIABLE,)
    assert point_info(MorphedMapping(c, 0.0), 0.0, 0.0).notes == ()
    chain = compile_chain(Mapping.from_text("x - 1, y; abs(x), y"))
    assert isinstance(chain, CompiledChain)
    assert point_info(chain, 1.0, 0.0).notes == (NOT_DIFFERENTIABLE,)
    assert point_info(chain, 0.0, 0.0).notes == ()


# ---------------------------------------------------------------------------------------
# Overflow


def test_an_overflowing_value_says_so():
    """sin(7^(e^(e^(e^(10E)))) + 1), y (E a parameter, 1): u is null because 7^… overflows."""
    info = point_info(compiled("sin(7**exp(exp(exp(10*E)))+1), y"), 0.3, 0.2)
    assert np.isnan(info.value[0]) and info.value[1] == 0.2
    assert info.notes == ("u overflows at this point",)
    assert info.reading() == "the numbers are too large here (beyond about 1.8e308)"


def test_an_overflowing_jacobian_says_so():
    """exp(50x) at x = 14.19: u = 1.35e308 fits, J₀₀ = 50·u does not."""
    info = point_info(compiled("exp(50x), y"), 14.19, 0.0)
    assert info.value[0] == pytest.approx(np.exp(709.5))
    assert info.notes == ("J overflows at this point",)


def test_a_pole_is_undefined_not_an_overflow():
    """1/z at 0 divides by zero: undefined, with no word of overflow."""
    info = point_info(compiled("1/z"), 0.0, 0.0)
    assert info.notes == ("u is undefined at this point", "v is undefined at this point")
    assert info.reading().startswith("F is not defined here")


def test_program_overflows_traces_the_overflow_to_the_output():
    """exp(1000) taints what follows it; 1/0, log(0) and sqrt(−1) do not."""
    c = compiled("sin(exp(x) + 1), 1/y + log(y)")
    assert c.values_program.overflows(1000.0, 0.0) == (True, False)
    assert c.values_program.overflows(1.0, 0.0) == (False, False)
    assert compiled("sqrt(x), y").values_program.overflows(-1.0, 0.0) == (False, False)


# ---------------------------------------------------------------------------------------
# The kink program on disk


def test_kink_program_survives_json_and_old_entries_still_load():
    """The kinks travel in the JSON under "kinks"; a mapping saved without them loads and works."""
    c = compiled("abs(x), y")
    data = json.loads(c.to_json())
    assert "kinks" in data
    loaded = CompiledMapping.from_json(c.to_json())
    assert loaded.kink_program == c.kink_program
    assert point_info(loaded, 0.0, 0.0).notes == (NOT_DIFFERENTIABLE,)
    del data["kinks"]
    old = CompiledMapping.from_json(json.dumps(data))
    assert old.kink_program is None
    assert point_info(old, 0.0, 0.0).notes == ()  # no indicators: the formula's J, as before
    assert "kinks" not in json.loads(compiled("x^2, y").to_json())  # smooth: nothing to save


def test_a_cache_entry_without_kinks_is_a_hit(tmp_path, monkeypatch):
    """A cache file written before kink programs existed is still used."""
    monkeypatch.setenv("JACVIZ_CACHE_DIR", str(tmp_path))
    text = "abs(x), y"
    first = prepare(text)
    payload = cache.payload_from_prepared(first)
    del payload["compiled"]["kinks"]
    hit = cache.prepared_from_payload(parse(text), json.loads(json.dumps(payload)))
    assert hit is not None and hit.compiled.kink_program is None
    np.testing.assert_array_equal(hit.compiled.jacobian_at(0.5, 1.0), first.compiled.jacobian_at(0.5, 1.0))


def test_a_tampered_kink_program_is_refused():
    """The kinks are checked against the instruction table like every other program."""
    data = json.loads(compiled("abs(x), y").to_json())
    data["kinks"]["ops"] = [["__import__", 0]]
    with pytest.raises(Exception) as err:
        CompiledMapping.from_json(json.dumps(data))
    assert type(err.value).__name__ == "MappingError"
    assert Program.from_json(json.dumps(json.loads(compiled("abs(x), y").to_json())["kinks"]))


def test_jacviz_eval_prints_no_jacobian_at_a_kink(capsys):
    """jacviz eval "abs(x), y" --at 0,0 gave J₀₀ = 0 and det J = 0; J is null there now."""
    from jacviz.cli import main

    assert main(["eval", "abs(x), y", "--at", "0,0"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["value"] == [0.0, 0.0]
    assert out["jacobian"] == [[None, None], [None, None]] and out["det"] is None
    assert main(["eval", "abs(x), y", "--at", "0.5,0"]) == 0
    assert json.loads(capsys.readouterr().out)["jacobian"] == [[1.0, 0.0], [0.0, 1.0]]
