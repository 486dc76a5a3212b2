"""Session files and settings: exact round trips, hostile files refused, atomic writes.

A session file comes from anywhere (a mail attachment, a shared folder), so every way of
breaking one must end in a SessionError with a short one-line message, quickly, without
running anything and without touching the file. What jacviz writes it must always be
able to read back, bit for bit.
"""

from __future__ import annotations

import json
import math
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jacviz.core.errors import MappingError, SessionError
from jacviz.core.language import MAX_PARAMETERS
from jacviz.core.persistence import session as session_module
from jacviz.core.persistence import settings
from jacviz.core.persistence.presets import ParameterRange
from jacviz.core.persistence.session import (
    MAX_DRAFT_LENGTH,
    MAX_FILE_BYTES,
    MAX_PINS,
    SESSION_VERSION,
    SUFFIX,
    Session,
    from_json,
    load,
    save,
    to_json,
)

# Every field set, with floats that a decimal round trip would get wrong if it were lossy:
# thirds, the smallest subnormal, the largest double, a negative zero.
FULL = Session(
    mapping="(r, θ) -> r cos(θ) + a, r sin(θ) - b",
    variables=("r", "θ"),
    params={"a": ParameterRange(0.1, -1.0, 2.5), "b": ParameterRange(-1 / 3, -1e-300, 7.000000000000001e22)},
    domain_range=(0.0, 2.0, -math.pi, math.pi),
    codomain_range=(-2.5, 2.75, -1e-9, 3e-9),
    codomain_follows=False,
    pins=((0.1, 0.2), (1 / 3, -2 / 3), (5e-324, -1.7976931348623157e308), (-0.0, 0.0)),
    heatmap_mode="log",
    h=0.012345678901234567,
    cursor=(0.637, -0.593),
    draft="r cos(θ) + a r, ",
)

# A valid file; each hostile case below differs from it in one place, so each case tests
# exactly the check it names.
BASE = {
    "app": "jacviz",
    "version": 1,
    "mapping": "x^2 - y^2 + k, 2xy",
    "variables": None,
    "params": {"k": {"value": 1.0, "min": -5.0, "max": 5.0}},
    "domain_range": [-2.0, 2.0, -2.0, 2.0],
    "codomain_range": None,
    "codomain_follows": True,
    "pins": [[0.5, 0.5]],
    "heatmap_mode": "det",
    "h": 0.1,
    "cursor": None,
    "draft": "",
}
DROP = object()


def doc(**changes) -> str:
    """BASE as JSON text, with fields replaced (or removed with DROP)."""
    data = dict(BASE)
    for key, value in changes.items():
        if value is DROP:
            del data[key]
        else:
            data[key] = value
    return json.dumps(data)


def raw(field: str, literal: str) -> str:
    """BASE as JSON text with ``field`` set to a literal that json.dumps would not write."""
    return doc(**{field: "@@RAW@@"}).replace('"@@RAW@@"', literal)


@pytest.fixture(autouse=True)
def _never_the_real_config_folder(tmp_path, monkeypatch):
    """No test here may read, move or write the autosave and recent files of the person running it."""
    monkeypatch.setenv("JACVIZ_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def test_base_document_is_valid():
    loaded = from_json(doc())
    assert loaded.mapping == BASE["mapping"]
    assert loaded.params == {"k": ParameterRange(1.0, -5.0, 5.0)}


# ---------------------------------------------------------------------------------------
# Round trips


def test_round_trip_through_json_is_exact():
    again = from_json(to_json(FULL))
    assert again == FULL
    assert repr(again) == repr(FULL)  # repr tells -0.0 from 0.0 and shows every float digit
    assert type(again.domain_range) is tuple and type(again.pins[0]) is tuple


def test_the_shapes_pane_state_round_trips():
    """A map of space's cursor has three numbers; the slice, η and the descent start come back too."""
    shape = {"cursor": [0.25, -1.5, 3.0], "slice": 1 / 3, "eta": 0.0125, "descent_from": (1.0, -2.0)}
    again = from_json(to_json(replace(FULL, shape=shape)))
    assert again.shape == shape and repr(again.shape) == repr(shape)
    partial = from_json(doc(shape={"cursor": [0.5]}))  # a curve's t, nothing else set
    assert partial.shape == {"cursor": [0.5], "slice": None, "eta": None, "descent_from": None}
    assert from_json(doc()).shape is None  # older files have no shape


def test_round_trip_through_a_file_is_exact(tmp_path):
    path = tmp_path / f"full{SUFFIX}"
    save(FULL, path)
    assert repr(load(path)) == repr(FULL)
    assert os.listdir(tmp_path) == [path.name]  # no temporary file left behind


def test_written_json_is_pretty_sorted_and_versioned():
    text = to_json(FULL)
    data = json.loads(text)
    assert data["version"] == SESSION_VERSION == 1
    assert data["app"] == "jacviz"
    top_keys = json.loads(text, object_pairs_hook=lambda pairs: [key for key, _ in pairs])
    assert top_keys == sorted(top_keys)
    assert '\n  "mapping": ' in text
    assert "θ" in text  # names stay readable in the file


def test_defaults_make_a_minimal_session():
    minimal = Session(mapping="z^2")
    assert from_json(to_json(minimal)) == minimal
    assert from_json('{"version": 1, "mapping": "z^2"}') == minimal
    assert minimal.heatmap_mode == "auto" and minimal.h > 0 and minimal.codomain_follows


def test_unknown_keys_are_ignored():
    text = doc(colour_scheme={"future": [1, {"x": None}]}, saved_by="jacviz 9")
    assert from_json(text) == from_json(doc())


def test_duplicate_keys_are_refused_not_silently_merged():
    text = doc().replace('"h": 0.1', '"h": 0.1, "h": 0.25')
    assert '"h": 0.25' in text
    with pytest.raises(SessionError, match="'h' appears twice"):
        from_json(text)


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.jacviz"
    path.write_bytes(b"\xef\xbb\xbf" + doc().encode())
    assert load(path) == from_json(doc())


def test_numpy_numbers_from_the_window_are_written_as_floats():
    s = Session(mapping="z^2", h=np.float32(0.1), cursor=(np.float64(1.5), np.float32(-2.0)),
                pins=[(np.float64(1.0), 2)])
    again = from_json(to_json(s))
    assert again.h == float(np.float32(0.1))
    assert again.cursor == (1.5, -2.0)
    assert again.pins == ((1.0, 2.0),)


def test_variables_named_outside_the_text_are_kept():
    s = Session(mapping="r cos(t), r sin(t)", variables=("r", "t"))
    assert from_json(to_json(s)).variables == ("r", "t")


finite = st.floats(allow_nan=False, allow_infinity=False)
bounded = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False)


@st.composite
def rects(draw):
    x = sorted(draw(st.lists(bounded, min_size=2, max_size=2, unique=True)))
    y = sorted(draw(st.lists(bounded, min_size=2, max_size=2, unique=True)))
    return (x[0], x[1], y[0], y[1])


@given(
    domain=rects(),
    codomain=st.none() | rects(),
    pins=st.lists(st.tuples(finite, finite), max_size=20).map(tuple),
    cursor=st.none() | st.tuples(finite, finite),
    h=st.floats(min_value=5e-324, allow_infinity=False),
    value=st.floats(min_value=-1e100, max_value=1e100, allow_nan=False),  # MAX_PARAMETER_SIZE
    mode=st.sampled_from(["det", "log", "sign"]),
    draft=st.text(st.characters(exclude_categories=["Cs"]), max_size=50),
)
def test_any_valid_session_round_trips_exactly(domain, codomain, pins, cursor, h, value, mode, draft):
    s = Session(mapping="a x, y", params={"a": ParameterRange(value, -1.0, 1.0)}, domain_range=domain,
                codomain_range=codomain, pins=pins, cursor=cursor, h=h, heatmap_mode=mode, draft=draft)
    assert repr(from_json(to_json(s))) == repr(s)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)
plausible = {
    "mapping": st.sampled_from(["z^2", "x, y", "", "x.__class__", "(r, t) -> r, t", "k x, y"]),
    "variables": st.sampled_from([None, ["r", "t"], ["x"], ["sin", "y"], ["x", "x"]]),
    "params": st.dictionaries(st.sampled_from(["k", "__class__", "sin", "x"]),
                              st.fixed_dictionaries({"value": json_values, "min": json_values,
                                                     "max": json_values}), max_size=3),
    "domain_range": st.lists(json_values, min_size=3, max_size=5),
    "pins": st.lists(st.lists(json_values, min_size=1, max_size=3), max_size=3),
    "heatmap_mode": st.sampled_from(["det", "log", "sign", "rainbow"]),
}


@given(st.fixed_dictionaries(
    {},
    optional={name: st.one_of(json_values, plausible.get(name, json_values))
              for name in session_module.FIELDS},
))
def test_random_files_load_or_fail_cleanly_and_what_loads_can_be_saved(fields):
    text = json.dumps({"version": 1, **fields})
    try:
        loaded = from_json(text)
    except SessionError as err:
        assert "\n" not in str(err)
        return
    assert from_json(to_json(loaded)) == loaded


# ---------------------------------------------------------------------------------------
# Hostile files. Each builder writes something into tmp_path and returns the path to open.


def write(content: str | bytes):
    def build(tmp_path: Path) -> Path:
        path = tmp_path / "hostile.jacviz"
        path.write_bytes(content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content)
        return path
    return build


def injection(tmp_path: Path) -> Path:
    canary = tmp_path / "CANARY"
    return write(doc(mapping=f"__import__('os').system('touch {canary}')"))(tmp_path)


def huge(tmp_path: Path) -> Path:
    path = tmp_path / "huge.jacviz"
    padding = " " * (MAX_FILE_BYTES + 10)
    path.write_text(doc()[:-1] + ', "padding": "' + padding + '"}')
    return path


def sparse_ten_gigabytes(tmp_path: Path) -> Path:
    # Reading this entirely would take minutes and 10 GB of memory: load must look first.
    path = tmp_path / "sparse.jacviz"
    with open(path, "wb") as f:
        f.truncate(10 * 2**30)
    return path


def folder(tmp_path: Path) -> Path:
    path = tmp_path / "folder.jacviz"
    path.mkdir()
    return path


def fifo(tmp_path: Path) -> Path:
    # Opening a FIFO for reading blocks until a writer appears: load must not hang.
    path = tmp_path / "pipe.jacviz"
    os.mkfifo(path)
    return path


def _open_for_writing(path: Path) -> None:
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass  # no reader is waiting: nothing to unblock


def nested_in_unknown_key(tmp_path: Path) -> Path:
    return write(doc()[:-1] + ', "extra": ' + "[" * 40 + "]" * 40 + "}")(tmp_path)


def case(name: str, build, expected: str, marks=()):
    return pytest.param(build, expected, id=name, marks=marks)


HOSTILE = [
    case("not-json", write("mapping = z^2"), "not valid JSON"),
    case("empty-file", write(b""), "empty"),
    case("whitespace-only", write(" \n\t "), "empty"),
    case("binary-garbage", write(bytes(range(256)) * 8), "not UTF-8"),
    case("nul-bytes", write(b"\x00" * 64), "not valid JSON"),
    case("utf16-file", write(doc().encode("utf-16")), "not UTF-8"),
    case("invalid-utf8-in-mapping", write(doc(mapping="z^2 @@").encode().replace(b"@@", b"\xff\xfe")),
         "not UTF-8"),
    case("json-list", write('[{"version": 1, "mapping": "z^2"}]'), "holds a list"),
    case("json-string", write('"z^2"'), "holds text"),
    case("json-number", write("1"), "holds a number"),
    case("truncated", write(doc()[: len(doc()) // 2]), "not valid JSON"),
    case("mapping-is-a-number", write(doc(mapping=42)), "mapping must be text"),
    case("mapping-missing", write(doc(mapping=DROP)), "no mapping"),
    case("pins-a-string", write(doc(pins="0.5,0.5")), "pins must be a list"),
    case("pin-three-numbers", write(doc(pins=[[1, 2, 3]])), "pin 1 must be two numbers"),
    case("pin-a-bool", write(doc(pins=[[0.5, 0.5], [True, 0]])), "pin 2 must be a number"),
    case("h-a-string", write(doc(h="0.1")), "h must be a number"),
    case("h-a-bool", write(doc(h=True)), "h must be a number"),
    case("params-a-list", write(doc(params=[["k", 1]])), "params must be an object"),
    case("param-a-number", write(doc(params={"k": 1})), "parameter k must be an object"),
    case("param-without-max", write(doc(params={"k": {"value": 1, "min": 0}})), "has no max"),
    case("nan", write(doc(h=float("nan"))), "NaN is not allowed"),
    case("infinity", write(doc(domain_range=[-math.inf, 2, -2, 2])), "-Infinity is not allowed"),
    case("1e999", write(raw("h", "1e999")), "h must be a finite number"),
    case("huge-integer", write(raw("h", "9" * 5000)), "h must be a finite number"),
    case("param-value-1e999", write(raw("params", '{"k": {"value": 1e999, "min": 0, "max": 1}}')), "finite"),
    case("huge-file", huge, "too large"),
    case("sparse-10-GB", sparse_ten_gigabytes, "too large"),
    case("deeply-nested-objects", write('{"a":' * 100_000), "nested too deeply"),
    case("deeply-nested-lists", write("[" * 100_000 + "]" * 100_000), "nested too deeply"),
    case("nested-in-unknown-key", nested_in_unknown_key, "nested too deeply"),
    case("unterminated-escapes", write('"' + '\\"' * 200_000), "not valid JSON"),
    case("version-99", write(doc(version=99)), "newer jacviz (version 99)"),
    case("version-missing", write(doc(version=DROP)), "no version field"),
    case("version-a-string", write(doc(version="1")), "whole number"),
    case("version-a-bool", write(doc(version=True)), "whole number"),
    case("version-0", write(doc(version=0)), "unknown version 0"),
    case("another-app", write(doc(app="notjacviz")), "app field"),
    case("code-injection", injection, "does not parse"),
    case("attribute-access", write(doc(mapping="x.__class__, y")), "does not parse"),
    case("quotes-in-mapping", write(doc(mapping="exec('1'), y")), "does not parse"),
    case("empty-mapping", write(doc(mapping="")), "the mapping is empty"),
    case("mapping-too-long", write(doc(mapping="x+" * 1500 + "x, y")), "too long"),
    case("reversed-x-range", write(doc(domain_range=[2, -2, -2, 2])), "x0 (2.0) must be below x1"),
    case("empty-y-range", write(doc(codomain_range=[-2, 2, 1, 1])), "y0 (1.0) must be below y1"),
    case("range-of-three", write(doc(domain_range=[0, 1, 2])), "four numbers"),
    case("range-too-wide", write(doc(domain_range=[-1.7e308, 1.7e308, 0, 1])), "too wide"),
    case("negative-h", write(doc(h=-0.1)), "must be positive"),
    case("zero-h", write(doc(h=0)), "must be positive"),
    case("unknown-heatmap-mode", write(doc(heatmap_mode="rainbow")), "one of auto, det, log, sign"),
    case("too-many-pins", write(doc(pins=[[0, 0]] * (MAX_PINS + 1))), "too many pins"),
    case("param-min-above-max", write(doc(params={"k": {"value": 1, "min": 3, "max": -3}})), "below max"),
    case("param-dunder-name", write(doc(params={"__class__": {"value": 1, "min": 0, "max": 2}})),
     "not a valid parameter name"),
    case("param-named-like-a-function", write(doc(params={"sin": {"value": 1, "min": 0, "max": 2}})),
     "is a function"),
    case("param-named-like-a-keyword", write(doc(params={"lambda": {"value": 1, "min": 0, "max": 2}})),
     "reserved word"),
    case("too-many-params", write(doc(params={f"p{i}": {"value": 0, "min": -1, "max": 1}
                                          for i in range(MAX_PARAMETERS + 1)})), "too many parameters"),
    case("variables-one-name", write(doc(variables=["x"])), "two names"),
    case("variables-a-function", write(doc(variables=["sin", "y"])), "is a function"),
    case("variables-twice-the-same", write(doc(variables=["x", "x"])), "different names"),
    case("follows-a-string", write(doc(codomain_follows="yes")), "true or false"),
    case("cursor-one-number", write(doc(cursor=[1])), "cursor must be two numbers"),
    case("draft-a-number", write(doc(draft=3)), "draft must be text"),
    case("shape-a-list", write(doc(shape=[1, 2])), "shape must be an object"),
    case("shape-cursor-of-four", write(doc(shape={"cursor": [1, 2, 3, 4]})), "1 to 3 numbers"),
    case("shape-cursor-empty", write(doc(shape={"cursor": []})), "1 to 3 numbers"),
    case("shape-slice-nan", write(raw("shape", '{"slice": 1e999}')), "shape.slice must be a finite number"),
    case("shape-eta-zero", write(doc(shape={"eta": 0})), "shape.eta (the step size η) must be between"),
    case("shape-eta-huge", write(doc(shape={"eta": 1e6})), "must be between 0.0001 and 10"),
    case("shape-descent-one-number", write(doc(shape={"descent_from": [1]})), "two numbers [x, y]"),
    case("draft-lone-surrogate", write(raw("draft", '"\\ud800"')), "invalid character"),
    case("a-folder", folder, "folder.jacviz is a folder"),
    case("a-missing-file", lambda tmp_path: tmp_path / "missing.jacviz", "missing.jacviz does not exist"),
    case("a-fifo", fifo, "pipe.jacviz is not a regular file",
         marks=pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")),
]


@pytest.mark.parametrize(("build", "expected"), HOSTILE)
def test_hostile_file_is_refused_with_a_clear_message(tmp_path, build, expected):
    path = build(tmp_path)
    before = path.read_bytes() if path.is_file() and path.stat().st_size < 10 * MAX_FILE_BYTES else None
    # If load blocked on the FIFO, the watchdog opens its other end so the test fails
    # instead of hanging for ever.
    watchdog = threading.Timer(3.0, _open_for_writing, (path,)) if path.is_fifo() else None
    if watchdog is not None:
        watchdog.start()
    try:
        with pytest.raises(SessionError) as info:
            load(path)
    finally:
        if watchdog is not None:
            watchdog.cancel()
    message = str(info.value)
    assert expected in message
    assert "\n" not in message and len(message) < 300, message
    assert info.value.column is None  # a column would point into the mapping bar, not the file
    assert not (tmp_path / "CANARY").exists()
    if before is not None:
        assert path.read_bytes() == before  # opening never changes the file


def test_there_are_enough_hostile_cases():
    assert len(HOSTILE) >= 15


def test_code_injection_never_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for mapping in ("__import__('os').system('touch CANARY')", "x, y; os.system('touch CANARY')",
                    "eval(\"open('CANARY', 'w')\"), y"):
        with pytest.raises(SessionError, match="does not parse"):
            from_json(doc(mapping=mapping))
    assert not (tmp_path / "CANARY").exists()


def test_a_power_tower_loads_as_inert_text_and_is_refused_when_computed(tmp_path):
    # Loading checks the mapping with the parser only (no sympy), so 9**9**9 is accepted
    # as text, at once, and never evaluated; the pipeline that computes it refuses it.
    path = tmp_path / "tower.jacviz"
    path.write_text(doc(mapping="9**9**9", params={}))
    loaded = load(path)
    assert loaded.mapping == "9**9**9"
    from jacviz.core.pipeline.prepare import prepare

    with pytest.raises(MappingError, match="too large"):
        prepare(loaded.mapping, default_variables=loaded.variables)


def test_load_needs_neither_sympy_nor_qt(tmp_path):
    path = tmp_path / "plain.jacviz"
    save(FULL, path)
    code = (
        "import sys, json\n"
        "from jacviz.core.persistence.session import load\n"
        f"s = load({str(path)!r})\n"
        "assert s.mapping.startswith('(r, θ)')\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    mods = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "jacviz.core.persistence.session" in mods
    assert "sympy" not in mods
    assert not {m for m in mods if m.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6")}


@pytest.mark.parametrize("bad", [
    Session(mapping="z^2", h=math.nan),
    Session(mapping="z^2", h=math.inf),
    Session(mapping="z^2", domain_range=(2.0, -2.0, -2.0, 2.0)),
    Session(mapping="__import__('os')"),
    Session(mapping="z^2", heatmap_mode="rainbow"),
    Session(mapping="k z", params={"k": ParameterRange(0.0, 1.0, 1.0)}),
    Session(mapping="k z", params={"k": ParameterRange(math.nan, 0.0, 1.0)}),
    Session(mapping="z^2", pins=((0.0, math.inf),)),
    Session(mapping="z^2", draft="\ud800"),
    Session(mapping="z^2", variables=("x", "x")),
    Session(mapping="z^2", variables="xy"),  # type: ignore[arg-type]
    Session(mapping="z^2", params={1: ParameterRange()}),  # type: ignore[dict-item]
])
def test_what_cannot_be_read_back_is_not_written(tmp_path, bad):
    path = tmp_path / "keep.jacviz"
    save(FULL, path)
    before = path.read_bytes()
    with pytest.raises(SessionError):
        to_json(bad)
    with pytest.raises(SessionError):
        save(bad, path)
    assert path.read_bytes() == before


# ---------------------------------------------------------------------------------------
# Atomic writes


@pytest.mark.parametrize("failing", ["replace", "fsync", "write"])
def test_a_failed_save_keeps_the_previous_file(tmp_path, monkeypatch, failing):
    path = tmp_path / "work.jacviz"
    save(FULL, path)
    before = path.read_bytes()

    def fail(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    real_fdopen = os.fdopen

    class HalfWriter:
        """Writes half of what it is given, then fails like a full disk."""

        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.f.write(data[: len(data) // 2])
            self.f.flush()
            fail()

    with monkeypatch.context() as patch:
        if failing == "write":
            patch.setattr(session_module.os, "fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode)))
        else:
            patch.setattr(session_module.os, failing, fail)
        with pytest.raises(OSError, match="No space left"):
            save(Session(mapping="z^3", pins=((1.0, 1.0),) * 500), path)
    assert path.read_bytes() == before
    assert load(path) == FULL
    assert os.listdir(tmp_path) == [path.name]  # the temporary file was removed


def test_save_keeps_the_permissions_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "private.jacviz"
    save(FULL, path)
    os.chmod(path, 0o600)
    save(Session(mapping="z^3"), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load(path).mapping == "z^3"


def test_a_new_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        path = tmp_path / "new.jacviz"
        save(FULL, path)
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_save_through_a_symlink_replaces_the_target(tmp_path):
    target = tmp_path / "real.jacviz"
    link = tmp_path / "link.jacviz"
    save(FULL, target)
    link.symlink_to(target)
    save(Session(mapping="z^3"), link)
    assert link.is_symlink()
    assert load(target).mapping == "z^3"


def test_save_keeps_the_path_as_given(tmp_path):
    path = tmp_path / "no-suffix"
    save(FULL, path)
    assert path.is_file() and not (tmp_path / f"no-suffix{SUFFIX}").exists()


# Writes two valid sessions in turn, as fast as it can. Each is padded to about 900 kB with
# a key that readers ignore, so that most of the time goes into writing the file and a
# kill at a random moment usually lands in the middle of a write.
_WRITER = """
import sys
from jacviz.core.persistence.session import Session, atomic_write, to_json
pad = '{"padding": "' + ' ' * 900_000 + '", '
blobs = [to_json(Session(mapping=m)).replace('{', pad, 1).encode() for m in ('z^2', 'x, y')]
print('ready', flush=True)
i = 0
while True:
    atomic_write(sys.argv[1], blobs[i % 2])
    i += 1
"""


@pytest.mark.slow
def test_killing_the_process_mid_save_never_leaves_a_half_file(tmp_path):
    path = tmp_path / "busy.jacviz"
    save(Session(mapping="z^2"), path)
    for delay in (0.02, 0.05, 0.09, 0.13, 0.21, 0.34):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        assert load(path).mapping in ("z^2", "x, y")


# ---------------------------------------------------------------------------------------
# Settings: autosave and recent files


@pytest.fixture
def config(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("JACVIZ_CONFIG_DIR", str(folder))
    return folder


def test_config_dir_order(tmp_path, monkeypatch):
    monkeypatch.setenv("JACVIZ_CONFIG_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert settings.config_dir() == tmp_path / "explicit"
    assert (tmp_path / "explicit").is_dir()  # created on demand
    monkeypatch.delenv("JACVIZ_CONFIG_DIR")
    assert settings.config_dir() == tmp_path / "xdg" / "jacviz"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/path")  # ignored, as the XDG spec says
    assert settings.config_dir() == tmp_path / "home" / ".config" / "jacviz"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert settings.config_dir() == tmp_path / "home" / ".config" / "jacviz"
    assert not Path("relative").exists()


def own_autosave(config) -> Path:
    return config / f"autosave-{os.getpid()}.jacviz"


def test_autosave_round_trip(config):
    assert settings.read_autosave() is None  # nothing saved yet
    settings.write_autosave(FULL)
    assert settings.autosave_path() == own_autosave(config)
    assert repr(load(own_autosave(config))) == repr(FULL)
    assert settings.read_autosave() is None  # our own file is not an orphan to restore
    settings.write_autosave(Session(mapping="z^3"))
    assert load(own_autosave(config)) == Session(mapping="z^3")
    assert [p for p in os.listdir(config) if p.endswith(".jacviz")] == [own_autosave(config).name]


def test_an_orphaned_autosave_is_restored_and_adopted(config):
    """What a quit or killed instance left (or a jacviz before per-instance autosaves) is restored once."""
    config.mkdir()
    (config / "autosave-999999999.jacviz").write_text(to_json(FULL))
    (config / "autosave.jacviz").write_text(to_json(Session(mapping="z^3")))  # older, legacy name
    os.utime(config / "autosave.jacviz", (1, 1))
    assert settings.orphaned_autosaves() == [config / "autosave-999999999.jacviz", config / "autosave.jacviz"]
    assert settings.read_autosave() == FULL
    assert load(own_autosave(config)) == FULL  # adopted: it is this instance's autosave now
    assert settings.orphaned_autosaves() == [config / "autosave.jacviz"]  # the other is still offered


@pytest.mark.parametrize("content", [
    b"{not json",
    b"",
    b"\xff\xfe\x00garbage",
    doc(version=99).encode(),
    doc(mapping="__import__('os')").encode(),
    to_json(FULL).encode()[:200],  # cut short, as a full disk would
])
def test_a_broken_autosave_is_moved_aside(config, content):
    config.mkdir()
    (config / "autosave.jacviz").write_bytes(content)
    assert settings.read_autosave() is None
    assert not (config / "autosave.jacviz").exists()
    assert (config / "autosave.broken.jacviz").read_bytes() == content
    settings.write_autosave(FULL)  # and autosave carries on
    assert load(own_autosave(config)) == FULL


def test_an_autosave_that_is_a_folder_does_not_stop_the_start(config):
    (config / "autosave.jacviz").mkdir(parents=True)
    assert settings.read_autosave() is None


def test_a_reader_bug_does_not_stop_the_start(config, monkeypatch):
    config.mkdir()
    (config / "autosave.jacviz").write_text(to_json(FULL))

    def crash(_path):
        raise TypeError("a bug")

    monkeypatch.setattr(settings, "load", crash)
    assert settings.read_autosave() is None
    assert (config / "autosave.broken.jacviz").is_file()


def test_a_failed_autosave_keeps_the_previous_one(config, monkeypatch):
    settings.write_autosave(FULL)

    def fail(*_args):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:  # (monkeypatch.undo would also drop the config folder)
        patch.setattr(session_module.os, "replace", fail)
        with pytest.raises(OSError):
            settings.write_autosave(Session(mapping="z^3"))
    assert load(own_autosave(config)) == FULL


def _files(tmp_path: Path, *names: str) -> list[Path]:
    out = []
    for name in names:
        path = tmp_path / f"{name}.jacviz"
        save(Session(mapping="z^2"), path)
        out.append(path.resolve())
    return out


def test_recent_files_most_recent_first_without_duplicates(config, tmp_path, monkeypatch):
    a, b, c = _files(tmp_path, "a", "b", "c")
    assert settings.recent_files() == []
    for path in (a, b, c):
        settings.add_recent(path)
    assert settings.recent_files() == [c, b, a]
    settings.add_recent(a)
    assert settings.recent_files() == [a, c, b]
    monkeypatch.chdir(tmp_path)
    settings.add_recent("b.jacviz")  # relative, and the same file as b
    settings.add_recent(tmp_path / "sub" / ".." / "c.jacviz")
    assert settings.recent_files() == [c, b, a]
    stored = json.loads((config / "recent.json").read_text())["files"]
    assert stored == [str(c), str(b), str(a)]


def test_recent_files_are_limited_and_missing_ones_dropped(config, tmp_path):
    paths = _files(tmp_path, *(f"s{i:02d}" for i in range(14)))
    for path in paths:
        settings.add_recent(path)
    recent = settings.recent_files()
    assert len(recent) == settings.MAX_RECENT == 10
    assert recent == paths[::-1][:10]
    paths[13].unlink()
    paths[11].unlink()
    assert settings.recent_files() == [paths[12], *paths[10:3:-1]]  # s03 and older were never kept
    paths[12].unlink()
    paths[12].mkdir()  # a folder where a file was is not a recent file either
    assert paths[12] not in settings.recent_files()


@pytest.mark.parametrize("content", [
    b"{",
    b"\xff\xfe\xfd",
    b"[1, 2]",
    b'{"files": 5}',
    b'{"files": [1, null, "relative.jacviz", "/no/such/file.jacviz", "/nul\\u0000.jacviz"]}',
    b"[" * 100_000,
    b'{"files": []}' + b" " * 300_000,
])
def test_a_corrupt_recent_list_is_treated_as_empty(config, tmp_path, content):
    config.mkdir()
    (config / "recent.json").write_bytes(content)
    assert settings.recent_files() == []
    (path,) = _files(tmp_path, "fresh")
    settings.add_recent(path)
    assert settings.recent_files() == [path]


# ---------------------------------------------------------------------------------------
# saving what can be saved


@pytest.mark.parametrize(("field_name", "value", "expected"), [
    ("draft", "x" * (MAX_DRAFT_LENGTH + 5), "x" * MAX_DRAFT_LENGTH),
    ("codomain_range", (1e300, -1e300, 0.0, 1.0), None),
    ("cursor", (float("nan"), 1.0), None),
    ("h", -1.0, 0.1),
    ("pins", ((1.0, 2.0), (float("inf"), 0.0)), ((1.0, 2.0),)),
    ("region", {"rect": (1.0, 0.0, 0.0, 1.0)}, None),
])
def test_one_unsavable_field_is_fixed_and_everything_else_kept(field_name, value, expected):
    from dataclasses import replace

    from jacviz.core.persistence.session import savable

    good = Session(mapping="a x, y", params={"a": ParameterRange(2.0, 0.0, 3.0)}, pins=((0.5, 0.5),),
                   cursor=(0.1, 0.2), heatmap_mode="log", draft="a x, y + 1")
    bad = replace(good, **{field_name: value})
    with pytest.raises(SessionError):
        to_json(bad)
    fixed, notes = savable(bad)
    back = from_json(to_json(fixed))
    assert getattr(back, field_name) == expected
    assert len(notes) == 1 and field_name.replace("_", " ") in notes[0]
    for other in ("mapping", "params", "heatmap_mode"):
        assert getattr(back, other) == getattr(good, other)


def test_duplicate_keys_are_refused():
    text = '{"version": 1, "mapping": "x, y", "mapping": "sin(x), y"}'
    with pytest.raises(SessionError, match="appears twice"):
        from_json(text)


def test_two_running_instances_keep_their_own_autosaves(config):
    """Another running jacviz holds the lock on its autosave: it is not restored from under it."""
    code = (
        "import sys\n"
        "from jacviz.core.persistence import settings\n"
        "from jacviz.core.persistence.session import Session\n"
        "settings.write_autosave(Session(mapping='sin(x), y'))\n"
        "print('SAVED', flush=True)\n"
        "sys.stdin.readline()\n"
    )
    env = dict(os.environ, JACVIZ_CONFIG_DIR=str(config))
    other = subprocess.Popen([sys.executable, "-c", code], env=env, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "SAVED"
        theirs = config / f"autosave-{other.pid}.jacviz"
        assert theirs.is_file()
        settings.write_autosave(FULL)
        assert settings.orphaned_autosaves() == []  # theirs is locked, ours is ours
        assert load(theirs).mapping == "sin(x), y" and load(own_autosave(config)) == FULL
    finally:
        other.communicate("\n", timeout=60)
    assert settings.orphaned_autosaves() == [theirs]  # it quit: now it can be restored


def test_ranges_for_takes_the_first_given_range_and_always_reaches_the_value():
    from jacviz.core.persistence.presets import ParameterRange, ranges_for

    preset = {"a": ParameterRange(1.0, 0.0, 2.0)}
    screen = {"a": ParameterRange(1.0, -9.0, 9.0), "b": ParameterRange(0.5, -1.0, 1.0)}
    got = ranges_for(("a", "b", "c"), {"a": 3.0, "b": 0.25, "c": 7.0}, preset, screen)
    assert got["a"] == ParameterRange(3.0, 0.0, 3.0)  # the preset's range, stretched to reach 3
    assert got["b"] == ParameterRange(0.25, -1.0, 1.0)  # only the screen has b
    assert got["c"] == ParameterRange(7.0, -5.0, 7.0)  # nobody has c: -5 .. 5, reaching 7
