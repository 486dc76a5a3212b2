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
    assert first.mapping is not None and not first.extra.get("from_cache")
    assert len(list(own_cache.glob("*.json"))) == 1
    second = prepare(text)
    assert second.extra.get("from_cache") and second.mapping is None
    assert second.variables == ("r", "t")
    assert second.symbolic["det"] == first.symbolic["det"]
    r, t = np.array([0.5, 1.5]), np.array([0.3, -2.0])
    for a, b in zip(first.compiled.jacobian(r, t), second.compiled.jacobian(r, t), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_chain_is_cached_with_its_stages():
    text = "tanh(x + 2y), tanh(x - y); 2x - y, x + 3y"
    prepare(text)
    hit = prepare(text)
    assert hit.extra.get("from_cache") and len(hit.chain) == 2


def test_cache_hit_does_not_import_sympy(tmp_path):
    code = (
        "import sys\n"
        "from jacviz.core.pipeline.prepare import prepare\n"
        "p = prepare('x^2 - y^2, 2xy')\n"
        "print(p.extra.get('from_cache'), 'sympy' in sys.modules)\n"
    )
    env = {"JACVIZ_CACHE_DIR": str(tmp_path / "c"), "PATH": "/usr/bin:/bin"}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert first.stdout.split() == ["None", "True"]
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
    path.write_text(damage(json.loads(path.read_text())))
    again = prepare(text)
    assert not again.extra.get("from_cache")
    assert again.compiled.det(1.0, 2.0) == pytest.approx(4 * (1 + 4))


def test_bad_mapping_is_refused_even_with_a_cache():
    with pytest.raises(MappingError, match="did you mean sin"):
        prepare("sine(x), y")


def test_simplified_forms_are_kept():
    from jacviz.core.pipeline.formulas import SimplifiedForm

    text = "(r, t) -> r cos(t)^2 + r sin(t)^2, t"
    prepare(text)
    cache.store_simplified(text, {"u": SimplifiedForm("u", "r", "r")})
    hit = prepare(text)
    assert hit.extra["simplified"] == {"u": ("r", "r")}
