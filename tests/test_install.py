"""A real install: build the wheel, install it (not editable) in a fresh virtual environment,
and run ``jacviz export`` from there, far from the source checkout."""

import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _run(cmd, **kw):
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    assert out.returncode == 0, f"{cmd}\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(dist), str(ROOT)]
    try:
        import setuptools  # noqa: F401  - build with what is here, no network needed
        import wheel as _wheel  # noqa: F401

        cmd.insert(4, "--no-build-isolation")
    except ImportError:
        pass
    _run(cmd)
    (found,) = dist.glob("jacviz-*.whl")
    return found


def test_wheel_ships_the_resources(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for resource in ("presets.json", "jacviz.svg", "jacviz.desktop"):
        assert f"jacviz/resources/{resource}" in names, resource
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "jacviz = jacviz.cli:gui_main" in text


def test_installed_wheel_exports_an_image(wheel, tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    py = venv / "bin" / "python"
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
                .stdout.strip())
    # The dependencies (PySide6, pyqtgraph, numpy, sympy) come from the test environment,
    # appended after the new environment's own site-packages; jacviz itself only from the
    # wheel (a path listed in a .pth file is searched, its own .pth files are not run, so
    # the editable install of the checkout stays invisible).
    deps = sysconfig.get_paths()["purelib"]
    (site / "jacviz-test-deps.pth").write_text(deps + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", str(wheel)])
    where = _run([str(py), "-c", "import jacviz, json; print(json.dumps(jacviz.__file__))"],
                 cwd=tmp_path).stdout
    assert str(site) in json.loads(where), where
    out_png = tmp_path / "figure.png"
    script = venv / "bin" / "jacviz"
    assert script.exists()
    _run([str(script), "export", "z^2", "-o", str(out_png), "--size", "800x450"], cwd=tmp_path,
         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    data = out_png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (800, 450)
    count = "from jacviz.core.persistence.presets import load_presets; print(len(load_presets()))"
    presets = _run([str(py), "-c", count], cwd=tmp_path).stdout
    assert int(presets) >= 15
