"""``jacviz region``: one JSON object on stdout, or one error line and exit status 2."""

import json
import math
import subprocess
import sys

import pytest

from jacviz.cli import main


def jacviz(*args):
    return subprocess.run([sys.executable, "-m", "jacviz", "region", *args],
                          capture_output=True, text=True, timeout=60)


def test_polar_disc_as_a_subprocess():
    out = jacviz("(r, t) -> r cos(t), r sin(t)", "--rect", f"0,1,0,{2 * math.pi!r}")
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    lines = out.stdout.splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert {"domain_area", "integral_det", "integral_abs_det", "image_area", "error_estimate"} <= set(data)
    assert data["integral_abs_det"] == pytest.approx(math.pi, rel=1e-6)
    assert data["image_area"] == pytest.approx(math.pi, rel=1e-3)
    assert data["domain_area"] == pytest.approx(2 * math.pi)
    assert data["variables"] == ["r", "t"]
    assert data["max_preimages"] == 1 and data["folds"] is False


def test_negative_rect_vars_and_parameters(capsys):
    # k·x, y² with k = 3 on [-1,1]×[-1,1]: det = 6y, ∬|det| = 3·4, image [-3,3]×[0,1]
    rc = main(["region", "k x, y^2", "--rect", "-1,1,-1,1", "--param", "k=3", "--vars", "x,y"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    data = json.loads(captured.out)
    assert data["parameters"] == {"k": 3.0}
    assert data["integral_abs_det"] == pytest.approx(12.0, rel=1e-9)
    assert abs(data["integral_det"]) < 1e-9
    assert data["image_area"] == pytest.approx(6.0, rel=1e-3)
    assert data["folds"] is True and data["max_preimages"] == 2
    assert data["rect"] == [-1.0, 1.0, -1.0, 1.0]


@pytest.mark.parametrize("args, words", [
    (["x +", "--rect", "0,1,0,1"], "jacviz: error: "),
    (["x, y", "--rect", "1,0,0,1"], "x0 < x1"),
    (["x, y", "--rect", "0,1,1,1"], "y0 < y1"),
    (["x, y", "--rect", "0,one,0,1"], "not a number"),
    (["x, y", "--rect", "0,1,0"], "4 numbers"),
    (["x, y", "--rect", "0,1,0,inf"], "finite"),
    (["a x, y", "--rect", "0,1,0,1", "--param", "b=2"], "unknown parameter 'b'"),
    (["x, y"], "--rect"),
    (["x, y", "--rect", "0,1,0,1", "--vars", "x,x"], "--vars"),  # (--vars x alone makes a curve)
])
def test_bad_input_is_one_line_and_status_2(args, words):
    out = jacviz(*args)
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("jacviz: error: ")
    assert words in lines[0]


def test_region_command_leaves_qt_out():
    code = (
        "import io, contextlib, sys, json\n"
        "from jacviz.cli import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    rc = main(['region', 'z^2', '--rect', '-1,1,-1,1'])\n"
        "assert rc == 0, rc\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    mods = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "jacviz.core.lab.region" in mods
    assert not {m for m in mods if m.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6")}


@pytest.mark.parametrize("text", ["1/(2 + cosh(log(x)^300)), y", "acosh(acosh(acosh(acosh(acosh(z)))))"])
def test_a_mapping_sympy_cannot_finish_is_refused_by_the_time_bound(text):
    """region goes through the same pipeline as eval: sympy's work is bounded by the worker's 5 s.

    (The subprocess timeout only keeps a regression from hanging the suite; the message is
    what shows the bound held.)"""
    out = jacviz(text, "--rect", "1,2,1,2")
    assert out.returncode == 2, out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("jacviz: error: ")
    if text.startswith("1/"):  # sympy's differentiation is what takes for ever here: the worker's bound
        assert "too hard to differentiate within 5 s" in lines[0]
