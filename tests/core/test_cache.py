"""The compiled-code cache: a second start with the same mapping needs no sympy, and a
damaged or tampered cache file is only ever a cache miss."""

import json
import subprocess
import sys

import numpy as np
import pytest

from jacviz.core.errors import MappingError
from jacviz.core.pipeline import cache
from jacviz.core.pipeline.prepare import prepare


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("JACVIZ_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "compiled"


def test_second_prepare_comes_from_the_cache_with_the_same_numbers(own_cache):
    text = "(r, t) -> r cos(t), r sin(t)"
    first = prepare(text)
    assert not first.from_cache
    assert len(list(own_cache.glob("*.json"))) == 1
    second = prepare(text)
    assert second.from_cache
    assert second.variables == ("r", "t")
    assert second.formulas.det == first.formulas.det
    r, t = np.array([0.5, 1.5]), np.array([0.3, -2.0])
    for a, b in zip(first.compiled.jacobian(r, t), second.compiled.jacobian(r, t), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_chain_is_cached_with_its_stages():
    text = "tanh(x + 2y), tanh(x - y); 2x - y, x + 3y"
    prepare(text)
    hit = prepare(text)
    assert hit.from_cache and len(hit.chain) == 2


def test_cache_hit_does_not_import_sympy(tmp_path):
    code = (
        "import sys\n"
        "from jacviz.core.pipeline.prepare import prepare\n"
        "p = prepare('x^2 - y^2, 2xy')\n"
        "print(p.from_cache, 'sympy' in sys.modules)\n"
    )
    env = {"JACVIZ_CACHE_DIR": str(tmp_path / "c"), "PATH": "/usr/bin:/bin"}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert first.stdout.split() == ["False", "False"]  # sympy ran in the worker process
    assert second.stdout.split() == ["True", "False"]


@pytest.mark.parametrize("damage", [
    lambda d: "not json",
    lambda d: json.dumps({**d, "format": 99}),
    lambda d: json.dumps({**d, "text": "x, y"}),
    lambda d: json.dumps({**d, "compiled": {**d["compiled"], "det": {"inputs": ["x", "y"],
                          "ops": [["system", 0]], "outputs": [2]}}}),
    lambda d: json.dumps({**d, "compiled": {**d["compiled"], "det": {"inputs": ["x", "y"],
                          "ops": [["add", 0, 99]], "outputs": [2]}}}),
    lambda d: json.dumps({**d, "symbolic": {"u": "x"}}),
    lambda d: "[" * 100_000,
])
def test_a_damaged_cache_file_is_a_miss(own_cache, damage):
    text = "x^2 - y^2, 2xy"
    prepare(text)
    (path,) = own_cache.glob("*.json")
    entry = json.loads(path.read_text())
    damaged = damage(entry["payload"])
    if damaged.startswith("{"):
        damaged = json.dumps({**entry, "payload": json.loads(damaged)})
    path.write_text(damaged)
    again = prepare(text)
    assert not again.from_cache
    assert again.compiled.det(1.0, 2.0) == pytest.approx(4 * (1 + 4))


def test_bad_mapping_is_refused_even_with_a_cache():
    with pytest.raises(MappingError, match="did you mean sin"):
        prepare("sine(x), y")


def test_simplified_forms_are_kept():
    from jacviz.core.pipeline.prepared import SimplifiedForm

    text = "(r, t) -> r cos(t)^2 + r sin(t)^2, t"
    prepare(text)
    cache.store_simplified(text, {"u": SimplifiedForm("u", "r", "r")})
    hit = prepare(text)
    assert dict(hit.simplified) == {"u": SimplifiedForm("u", "r", "r")}


# -- tampered entries: each is a miss, never a wrong number


def _entry(own_cache, text):
    prepare(text)
    paths = sorted(own_cache.glob("*.json"), key=lambda p: p.stat().st_mtime)
    return paths[-1], json.loads(paths[-1].read_text())


def test_an_entry_swapped_under_another_mapping_is_a_miss(own_cache):
    """The entry of sin(x), cos(y) copied over the entry of x^2, y: the hash tells them apart."""
    square_path, _ = _entry(own_cache, "x^2, y")
    _, trig = _entry(own_cache, "sin(x), cos(y)")
    square_path.write_text(json.dumps(trig))
    again = prepare("x^2, y")
    assert not again.from_cache
    assert again.compiled.value_at(2.0, 1.0) == pytest.approx([4.0, 1.0])
    assert again.formulas.get("u") == "x**2"


def test_a_program_swapped_inside_an_entry_with_other_names_is_a_miss(own_cache):
    path, entry = _entry(own_cache, "x^2, y")
    other = json.loads(prepare("(a, b) -> sin(a), cos(b)").compiled.to_json())
    entry["payload"]["compiled"] = other
    path.write_text(json.dumps(entry))
    again = prepare("x^2, y")
    assert not again.from_cache and again.compiled.variables == ("x", "y")


@pytest.mark.parametrize("tamper", ["names", "parameters", "outputs", "operations"])
def test_tampered_programs_are_a_miss(own_cache, tamper):
    path, entry = _entry(own_cache, "a x^2, y")
    compiled = entry["payload"]["compiled"]
    if tamper == "names":
        compiled["variables"] = ["<b>x</b>", "__class__"]
    elif tamper == "parameters":
        compiled["parameters"] = []
    elif tamper == "outputs":
        compiled["values"]["outputs"] = compiled["values"]["outputs"][:1]
    else:
        compiled["values"]["ops"] = [["const", 1.0]] * 200_000
    path.write_text(json.dumps(entry))
    again = prepare("a x^2, y")
    assert not again.from_cache
    assert again.compiled.value_at(2.0, 1.0, {"a": 3.0}) == pytest.approx([12.0, 1.0])
