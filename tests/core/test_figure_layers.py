"""The figure layer is core: an SVG is made without Qt, and the window can import it without sympy."""

import json
import subprocess
import sys

QT = ("PySide6", "pyqtgraph", "shiboken6")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_an_svg_is_made_without_qt(tmp_path):
    target = tmp_path / "figure.svg"
    mods = _modules_after(
        "from jacviz.core.figure import export_svg\n"
        "from jacviz.core.figure.build import figure_spec\n"
        "from jacviz.core.figure.probes import probes\n"
        f"export_svg(figure_spec('z^2', at=(0.5, 0.5)), {str(target)!r})\n"
    )
    assert target.stat().st_size > 10_000
    assert "jacviz.core.figure.svg" in mods
    assert not {m for m in mods if m.split(".")[0] in QT}


def test_the_figure_layer_itself_needs_no_sympy():
    # the window lays figures out from its own scene: only the text-to-spec helper compiles
    mods = _modules_after("import jacviz.core.figure, jacviz.core.figure.probes\n"
                          "from jacviz.core.figure import layout_figure, svg_text")  # loaded on first use
    assert "jacviz.core.figure.layout" in mods and "jacviz.core.figure.svg" in mods
    assert "sympy" not in mods
    assert not {m for m in mods if m.split(".")[0] in QT}


def test_importing_the_package_leaves_the_layout_for_when_a_figure_is_made():
    # the window imports the package at start-up for its colour maps and print options
    mods = _modules_after("import jacviz.core.figure")
    assert "jacviz.core.figure.layout" not in mods and "jacviz.core.figure.svg" not in mods
    assert "urllib.request" not in mods  # xml.sax.saxutils pulled in urllib, http and email
