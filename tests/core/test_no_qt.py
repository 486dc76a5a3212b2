"""core and `jacviz eval` never load Qt: they must run on a machine without a display."""

import json
import os
import subprocess
import sys


def _modules_after(code: str, env=None) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True, env=env,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_core_leaves_qt_out():
    mods = _modules_after(
        "import jacviz.core, jacviz.core.language, jacviz.core.symbolic.mapping, "
        "jacviz.core.numeric.compiled, jacviz.core.sampling.fields, jacviz.core.pipeline.formulas, "
        "jacviz.core.lab.pointinfo"
    )
    assert "jacviz.core.symbolic.mapping" in mods  # the import really happened
    assert not {m for m in mods if m.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6")}


def test_eval_command_leaves_qt_out():
    code = (
        "import io, contextlib\n"
        "from jacviz.cli import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    rc = main(['eval', 'x^2 - y^2, 2xy', '--at', '1,2', '--simplify-timeout', '0'])\n"
        "assert rc == 0, rc\n"
    )
    mods = _modules_after(code)
    assert "jacviz.cli" in mods
    assert not {m for m in mods if m.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6")}


def test_language_module_needs_no_sympy():
    # The window validates text on every keystroke with the parser alone.
    mods = _modules_after("import jacviz.core.language as L; L.parse('x^2 - y^2, 2xy')")
    assert "sympy" not in mods


def test_the_window_process_never_imports_sympy(tmp_path):
    """The window compiles through a worker process: sympy stays out of its interpreter."""
    code = (
        "import os\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from jacviz.ui.app import make_application\n"
        "app = make_application()\n"
        "from jacviz.ui.main_window import MainWindow\n"
        "w = MainWindow('tanh(x + 2y), tanh(x - y); 2x - y, x + 3y')\n"
        "w.show()\n"
        "assert w.wait_until_drawn(60)\n"
        "assert w.prepared is not None and w.prepared.stages == 2\n"
        "w.move_cursor(0.2, 0.1)\n"
    )
    env = dict(os.environ, JACVIZ_CACHE_DIR=str(tmp_path / "cache"))  # a cache miss: real compiling
    mods = _modules_after(code, env=env)
    assert "jacviz.ui.main_window" in mods
    assert "sympy" not in mods
