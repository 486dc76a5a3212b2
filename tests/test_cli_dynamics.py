"""``jacviz eval --equilibria/--newton`` and ``jacviz export --mode basins`` against closed forms.

Run in this process with warnings turned into errors, as tests/test_cli.py does: a warning
would leak to stderr.
"""

import itertools
import json
import math
import warnings

import numpy as np
import pytest

from jacviz.cli import main
from jacviz.core.lab.newton import BASIN_COLOURS


def _run(capsys, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def _json(capsys, *args) -> dict:
    rc, out, err = _run(capsys, *args)
    assert rc == 0 and err == "", err
    assert len(out.splitlines()) == 1
    return json.loads(out)


def _by_point(result):
    return {(round(e["point"][0], 6), round(e["point"][1], 6)): e for e in result["equilibria"]}


def test_the_competing_species_have_the_textbook_equilibria(capsys):
    """x(3 − x − 2y), y(2 − x − y) (Strogatz §6.4): J = [[3 − 2x − 2y, −2x], [−y, 2 − x − 2y]]."""
    result = _json(capsys, "eval", "x(3 - x - 2y), y(2 - x - y)", "--equilibria",
                   "--range", "-0.5,3.5,-0.5,2.5")
    assert result["variables"] == ["x", "y"] and result["equilibria_complete"] is True
    assert result["equilibria_range"] == [-0.5, 3.5, -0.5, 2.5]
    assert "point" not in result and "jacobian" not in result  # no --at: no point
    found = _by_point(result)
    s = math.sqrt(2)
    expected = {(0, 0): ("unstable node", [3, 2]), (0, 2): ("stable node", [-1, -2]),
                (3, 0): ("stable node", [-1, -3]), (1, 1): ("saddle", [s - 1, -s - 1])}
    assert set(found) == set(expected)
    for (x, y), (kind, eigenvalues) in expected.items():
        e = found[(x, y)]
        j = np.array([[3 - 2 * x - 2 * y, -2 * x], [-y, 2 - x - 2 * y]], dtype=float)
        assert e["type"] == kind
        assert np.array(e["jacobian"]) == pytest.approx(j, abs=1e-9)
        assert e["trace"] == pytest.approx(np.trace(j), abs=1e-9)
        assert e["det"] == pytest.approx(np.linalg.det(j), abs=1e-9)
        assert e["discriminant"] == pytest.approx(np.trace(j) ** 2 - 4 * np.linalg.det(j), abs=1e-9)
        assert sorted(re for re, _im in e["eigenvalues"]) == pytest.approx(sorted(eigenvalues), abs=1e-9)
        assert all(im == 0 for _re, im in e["eigenvalues"])
        for vec in e["eigenvectors"]:  # J·v = λ·v
            v = np.array(vec["direction"])
            assert j @ v == pytest.approx(vec["eigenvalue"] * v, abs=1e-9)


def test_the_pendulum_alternates_spirals_and_saddles(capsys):
    """y, −sin x − b y with b = 0.5: (kπ, 0); λ = −¼ ± i√(15/16) for k even, (−½ ± √(17/4))/2 for k odd."""
    result = _json(capsys, "eval", "y, -sin(x) - b y", "--param", "b=0.5", "--equilibria",
                   "--range", "-7,7,-1,1")
    assert result["parameters"] == {"b": 0.5}
    points = np.array([e["point"] for e in result["equilibria"]])
    assert points == pytest.approx(np.array([[k * math.pi, 0.0] for k in range(-2, 3)]), abs=1e-9)
    for k, e in zip(range(-2, 3), result["equilibria"], strict=True):
        if k % 2 == 0:
            assert e["type"] == "stable spiral"
            expected = np.array([[-0.25, math.sqrt(15 / 16)], [-0.25, -math.sqrt(15 / 16)]])
            assert np.array(e["eigenvalues"]) == pytest.approx(expected)
            assert e["eigenvectors"] == []  # complex: no real direction
        else:
            root = math.sqrt(0.25 + 4)
            assert e["type"] == "saddle"
            assert [re for re, _ in e["eigenvalues"]] == pytest.approx([(-0.5 + root) / 2, (-0.5 - root) / 2])


@pytest.mark.parametrize("text,kind", [("y, -x", "centre"), ("x, -y", "saddle"),
                                       ("-x + y, -x - y", "stable spiral")])
def test_linear_fields_are_classified(capsys, text, kind):
    result = _json(capsys, "eval", text, "--equilibria", "--range", "-1,1,-1,1")
    (e,) = result["equilibria"]
    assert e["point"] == pytest.approx([0, 0], abs=1e-12) and e["type"] == kind


def test_newton_iterates_are_complex_newton_and_converge(capsys):
    result = _json(capsys, "eval", "z^3 - 1", "--newton", "1.2,0.1")
    run = result["newton"]
    assert run["status"] == "converged" and run["root"] == pytest.approx([1.0, 0.0], abs=1e-15)
    z = complex(1.2, 0.1)
    for it in run["iterates"][:5]:
        assert it["point"] == pytest.approx([z.real, z.imag], abs=1e-12)
        w = z ** 3 - 1
        assert it["value"] == pytest.approx([w.real, w.imag], abs=1e-12)
        z = z - w / (3 * z * z)
    errors = [it["error"] for it in run["iterates"] if it["error"]]
    # quadratic convergence: e_{k+1} ≈ C e_k² with C = |f''/(2f')| = 1 at the root 1
    pairs = [(a, b) for a, b in itertools.pairwise(errors) if 1e-6 < a < 0.1]
    assert pairs and all(0.3 < b / a ** 2 < 3 for a, b in pairs)
    assert run["iterates"][0]["target"] == pytest.approx([0, 0], abs=1e-12)  # the tangent plane's 0


def test_newton_from_a_singular_start_says_so(capsys):
    run = _json(capsys, "eval", "z^3 - 1", "--newton", "0,0")["newton"]
    assert run["status"] == "singular" and run["root"] is None and len(run["iterates"]) == 1
    assert "critical curve" in run["message"]


def test_with_at_the_point_json_is_unchanged_and_the_keys_are_added(capsys):
    base = _json(capsys, "eval", "y, -x", "--at", "0.5,0.25", "--simplify-timeout", "0")
    more = _json(capsys, "eval", "y, -x", "--at", "0.5,0.25", "--simplify-timeout", "0", "--equilibria",
                 "--range", "-1,1,-1,1", "--newton", "0.5,0.25")
    added = {"equilibria", "equilibria_range", "equilibria_complete", "newton"}
    assert set(more) == set(base) | added
    assert {k: v for k, v in more.items() if k not in added} == base
    assert list(more)[: len(base)] == list(base)  # the same order, then the new keys


@pytest.mark.parametrize("args,words", [
    (["--equilibria"], "--equilibria needs --range"),
    (["--range", "-1,1,-1,1"], "add --equilibria"),
    (["--equilibria", "--range", "1,0,0,1"], "--range"),
    (["--equilibria", "--range", "0,1,0"], "--range needs 4 numbers"),
    (["--newton", "1"], "--newton needs two numbers"),
    (["--newton", "nan,1"], "--newton"),
    ([], "--at"),
])
def test_bad_input_exits_2_with_one_line(capsys, args, words):
    rc, out, err = _run(capsys, "eval", "z^3 - 1", *args)
    lines = err.splitlines()
    assert rc == 2 and out == "" and len(lines) == 1
    assert lines[0].startswith("jacviz: error: ") and words in lines[0], lines[0]


def test_export_of_the_basins_shows_the_three_roots_colours(capsys, tmp_path, app):
    from PIL import Image

    from jacviz.core.figure.build import figure_spec
    from jacviz.core.figure.layout import layout_figure

    out = tmp_path / "basins.png"
    args = ["export", "z^3 - 1", "--mode", "basins", "--range", "-2,2,-2,2", "--view", "domain",
            "--size", "700x620", "--at", "0.3,0.2", "-o", str(out)]
    rc, printed, err = _run(capsys, *args)
    assert rc == 0 and err == "" and printed.strip() == str(out)
    image = np.asarray(Image.open(out).convert("RGB"), dtype=float)
    assert image.shape == (620, 700, 3)
    # where the domain's frame is: the same layout, from the same spec, as the command drew
    spec = figure_spec("z^3 - 1", rect=(-2, 2, -2, 2), at=(0.3, 0.2), h=0.14, mode="basins")
    frame = layout_figure(spec, "domain", (700, 620)).frames["domain"]
    palette = np.asarray(BASIN_COLOURS[:3], dtype=float)
    grid = spec.scene.grid
    xs = np.unique(grid.vertical[np.isfinite(grid.vertical[:, 0]), 0])
    ys = np.unique(grid.horizontal[np.isfinite(grid.horizontal[:, 1]), 1])
    xs, ys = (xs[:-1] + xs[1:]) / 2, (ys[:-1] + ys[1:]) / 2  # midway between grid lines
    seen = set()
    # the roots sorted by x then y take the colours in turn: e^(−2πi/3), e^(2πi/3), 1
    for angle, colour in ((-2 * math.pi / 3, 0), (2 * math.pi / 3, 1), (0.0, 2)):
        x = xs[np.argmin(np.abs(xs - 1.3 * math.cos(angle)))]
        y = ys[np.argmin(np.abs(ys - 1.3 * math.sin(angle)))]
        px, py = frame.point(x, y)
        rgb = image[int(py), int(px)]
        cos = palette @ rgb / (np.linalg.norm(palette, axis=1) * np.linalg.norm(rgb))
        assert int(np.argmax(cos)) == colour and cos.max() > 0.99, (angle, rgb, cos)
        seen.add(colour)
    assert seen == {0, 1, 2}
    # and the whole frame is mostly those three hues (grey where Newton does not converge is rare)
    box = frame.box
    inside = image[int(box.y) + 3:int(box.bottom) - 3, int(box.x) + 3:int(box.right) - 3].reshape(-1, 3)
    norms = np.linalg.norm(inside, axis=1) * np.linalg.norm(palette, axis=1)[:, None]
    best = (palette @ inside.T / np.maximum(norms, 1e-9)).argmax(axis=0)
    shares = np.bincount(best, minlength=3) / len(best)
    assert (shares > 0.2).all(), shares


def test_export_of_a_vector_field_preset_draws_its_equilibria_and_trajectories(capsys, tmp_path, app):
    """The damped pendulum preset is read as a vector field by default, as in the window: its
    stable spiral at the origin and its saddle at (π, 0) come out as their types' glyphs, in
    the PDF too (drawn by QPainter, read back by pdftoppm)."""
    import shutil
    import subprocess

    from PIL import Image

    from jacviz.core.figure import glyphs
    from jacviz.core.figure.build import figure_spec
    from jacviz.core.figure.layout import REFERENCE, layout_figure
    from jacviz.core.figure.theme import SADDLE, STABLE, TRAJECTORY

    for name in ("pendulum.png", "pendulum.pdf"):
        out = tmp_path / name
        rc, printed, err = _run(capsys, "export", "y, -sin(x) - b y", "--view", "domain", "--size", "700x420",
                                "--trajectory", "2,2", "-o", str(out))
        assert rc == 0 and err == "" and printed.strip() == str(out)
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils)")
    subprocess.run(["pdftoppm", "-png", "-r", "96", "-singlefile", str(tmp_path / "pendulum.pdf"),
                    str(tmp_path / "from-pdf")], check=True, timeout=120)
    spec = figure_spec("y, -sin(x) - b y", rect=(-7, 7, -4, 4), params={"b": 0.5}, vector_field=True,
                       trajectories=[(2.0, 2.0)])
    frame = layout_figure(spec, "domain", (700, 420)).frames["domain"]
    scale = min(700 / REFERENCE[("domain", False)][0], 420 / REFERENCE[("domain", False)][1])
    for name in ("pendulum.png", "from-pdf.png"):
        image = np.asarray(Image.open(tmp_path / name).convert("RGB"), dtype=int)
        assert image.shape == (420, 700, 3), name
        for (x, y), want in (((math.pi, 0.0), SADDLE), ((2.0, 2.0), (255, 255, 255))):
            col, row = frame.point(x, y)
            got = image[int(row), int(col)]
            assert np.abs(got - want).max() <= 16, (name, (x, y), got, want)
        # the stable spiral's glyph is a blue spiral: blue on its outer turn, and around it
        col, row = np.asarray(frame.point(0.0, 0.0)) + glyphs.spiral_points()[-4] * glyphs.SIZE * scale
        assert np.abs(image[int(row), int(col)] - STABLE).max() <= 40, (name, image[int(row), int(col)])
        col, row = frame.point(2.0, 2.0)  # the trajectory's start: a white dot ringed in teal
        ring = image[int(row) - 6:int(row) + 7, int(col) - 6:int(col) + 7].reshape(-1, 3)
        assert (np.abs(ring - TRAJECTORY).max(axis=1) <= 40).any(), name


@pytest.mark.parametrize("args,words", [
    (["z^2", "--trajectory", "1"], "--trajectory needs two numbers"),
    (["z^2", "--trajectory", "inf,0"], "--trajectory"),
    (["z^2", *itertools.chain.from_iterable(["--trajectory", "0,0"] for _ in range(21))], "at most 20"),
    (["x^2 + y^2", "--vector-field"], "need a map of the plane; this is a scalar field"),
])
def test_bad_vector_field_exports_exit_2_with_one_line(capsys, tmp_path, args, words):
    rc, out, err = _run(capsys, "export", *args, "-o", str(tmp_path / "x.png"))
    lines = err.splitlines()
    assert rc == 2 and out == "" and len(lines) == 1
    assert lines[0].startswith("jacviz: error: ") and words in lines[0], lines[0]
    assert not (tmp_path / "x.png").exists()
