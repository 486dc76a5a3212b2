"""``jacviz eval`` and ``jacviz region`` for every shape: the JSON keys of each, and one-line errors.

The planar output is covered by tests/test_cli.py and tests/test_region_command.py and must not
change; here: J with m rows and n columns, det only where m = n, gradient for m = 1, speed for
n = 1, area_element for 3×2, --jvp/--vjp of the right lengths, --box for a map of space.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from jacviz.cli import main

SPHERE = "(u, v) -> cos(u) sin(v), sin(u) sin(v), cos(v)"
SPHERICAL = "(r, p, t) -> r sin(p) cos(t), r sin(p) sin(t), r cos(p)"


def run(capsys, *args) -> tuple[int, dict | None, str]:
    rc = main([*args, "--simplify-timeout", "0"] if args[0] == "eval" else list(args))
    captured = capsys.readouterr()
    return rc, (json.loads(captured.out) if rc == 0 else None), captured.err


def test_a_scalar_field_has_a_gradient_row_and_no_det(capsys):
    rc, data, err = run(capsys, "eval", "x^2 + y^2", "--at", "1,2", "--jvp", "1,0", "--vjp", "2")
    assert rc == 0, err
    assert data["shape"] == "scalar field" and data["reading"] == "scalar field f(x, y)"
    assert data["jacobian"] == [[2.0, 4.0]] and data["gradient"] == [2.0, 4.0]
    assert data["value"] == [5.0] and data["slope"] == pytest.approx(math.sqrt(20))
    assert data["jacobian_symbolic"] == [["2*x", "2*y"]]
    assert "det" not in data and "speed" not in data and "area_element" not in data
    assert data["jvp"] == [2.0]  # ∇f·v: the directional derivative along (1, 0)
    assert data["vjp"] == [4.0, 8.0]  # Jᵀ·g = g ∇f


def test_a_curve_has_a_column_and_a_speed(capsys):
    rc, data, err = run(capsys, "eval", "(t) -> cos(t), sin(t), t/5", "--at", "0.3", "--vjp", "0,0,1")
    assert rc == 0, err
    assert data["shape"] == "curve" and len(data["jacobian"]) == 3 and len(data["jacobian"][0]) == 1
    assert data["speed"] == pytest.approx(math.sqrt(1 + 1 / 25), rel=1e-14)
    assert data["vjp"] == [pytest.approx(0.2)]
    assert "det" not in data and "gradient" not in data


def test_a_surface_has_an_area_element_and_a_normal(capsys):
    rc, data, err = run(capsys, "eval", SPHERE, "--at", "0.3,1")
    assert rc == 0, err
    assert data["shape"] == "surface" and [len(r) for r in data["jacobian"]] == [2, 2, 2]
    assert data["area_element"] == pytest.approx(math.sin(1.0), rel=1e-14)
    assert len(data["normal"]) == 3 and "det" not in data


def test_a_map_of_space_has_a_3x3_jacobian_and_det(capsys):
    rc, data, err = run(capsys, "eval", SPHERICAL, "--at", "2,0.5,0.2", "--jvp", "1,0,0")
    assert rc == 0, err
    assert data["shape"] == "map of space" and [len(r) for r in data["jacobian"]] == [3, 3, 3]
    assert data["det"] == pytest.approx(4 * math.sin(0.5), rel=1e-13)
    rc = main(["eval", SPHERICAL, "--at", "1,1,1", "--simplify-timeout", "20"])
    simplified = json.loads(capsys.readouterr().out)
    assert rc == 0 and simplified["det_symbolic"] == "r**2*sin(p)"  # what every course derives
    assert data["jvp"] == pytest.approx([math.sin(0.5) * math.cos(0.2), math.sin(0.5) * math.sin(0.2),
                                         math.cos(0.5)])


def test_x_y_z_with_three_components_is_a_map_of_space(capsys):
    rc, data, err = run(capsys, "eval", "y z, x z, x y", "--at", "1,2,3")
    assert rc == 0, err
    assert data["variables"] == ["x", "y", "z"] and data["det"] == pytest.approx(2 * 1 * 2 * 3)


def test_the_planar_output_keeps_its_keys(capsys):
    rc, data, err = run(capsys, "eval", "z^2", "--at", "1,2")
    assert rc == 0, err
    assert list(data) == ["u", "v", "variables", "parameters", "point", "value", "jacobian", "det",
                          "trace", "singular_values", "jacobian_symbolic", "det_symbolic"]


@pytest.mark.parametrize(("args", "fragment"), [
    (["x, y, z", "--at", "1,2"], "--at needs 3 numbers separated by commas (this mapping has 3 variables"),
    (["(t) -> t, t^2", "--at", "1,2"], "--at needs one number (this mapping has 1 variable t)"),
    (["x^2 + y^2", "--at", "1,2", "--vjp", "1,0"], "--vjp needs one number (this mapping has 1 component)"),
    ([SPHERE, "--at", "1,2", "--jvp", "1,0,0"], "--jvp needs two numbers separated by a comma"),
    ([SPHERE, "--at", "1,2", "--vjp", "1,0"], "--vjp needs 3 numbers separated by commas"),
    (["x, y, x, y", "--at", "1,2"], "4 components of 2 variables is not a shape jacviz draws"),
    (["x, y, z", "--at", "1,nan,2"], "is not a finite number"),
    (["cos(t), sin(t)", "--vars", "a,b,c,d", "--at", "1"], "--vars needs one, two or three names"),
])
def test_wrong_lengths_are_one_line_and_status_2(capsys, args, fragment):
    rc, _data, err = run(capsys, "eval", *args)
    assert rc == 2
    assert err.startswith("jacviz: error: ") and err.count("\n") == 1
    assert fragment in err


def test_region_box_gives_the_volume_of_the_ball(capsys):
    rc, data, err = run(capsys, "region", SPHERICAL, "--box", f"0,1,0,{math.pi!r},0,{2 * math.pi!r}")
    assert rc == 0, err
    assert data["integral_abs_det"] == pytest.approx(4 * math.pi / 3, abs=1e-9)
    assert data["converged"] is True and data["box"][1] == 1.0


def test_region_rect_gives_the_area_of_a_surface(capsys):
    rc, data, err = run(capsys, "region", SPHERE, "--rect", f"0,{2 * math.pi!r},0,{math.pi!r}")
    assert rc == 0, err
    assert abs(data["surface_area"] - 4 * math.pi) < 1e-6
    assert data["mesh_area"] < data["surface_area"]


@pytest.mark.parametrize(("args", "fragment"), [
    ([SPHERICAL, "--box", "0,1,0,0,0,1"], "--box has no volume: it needs y0 < y1"),
    ([SPHERICAL, "--box", "0,1,nan,1,0,1"], "'nan' is not a finite number"),
    ([SPHERICAL, "--box", "0,1,0,1"], "--box needs 6 numbers"),
    ([SPHERICAL, "--rect", "0,1,0,1"], "a map of space is integrated over a box"),
    ([SPHERE, "--box", "0,1,0,1,0,1"], "a surface takes --rect"),
    (["x, y", "--box", "0,1,0,1,0,1"], "a mapping of the plane takes --rect"),
    (["x^2 + y^2", "--rect", "0,1,0,1"], "this is a scalar field"),
    ([SPHERICAL, "--box", "0,1,0,1,0,1", "--rect", "0,1,0,1"], "not allowed with argument"),
])
def test_region_refuses_in_one_line(capsys, args, fragment):
    rc, _data, err = run(capsys, "region", *args)
    assert rc == 2
    assert err.startswith("jacviz: error: ") and err.count("\n") == 1
    assert fragment in err


def test_huge_components_of_a_map_of_space_end_in_one_line():
    """3×3 components of a huge size through the command line: refused within the worker's bound."""
    factors = "".join(f"(x+{k})" for k in range(1, 61))
    text = f"{factors}, {factors.replace('x', 'y')}, {factors.replace('x', 'z')}"
    out = subprocess.run([sys.executable, "-m", "jacviz", "eval", text, "--at", "0,0,0"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and "too large" in out.stderr
