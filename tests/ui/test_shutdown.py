"""Quitting at any moment is clean: exit status 0, and no thread touches Qt after the app is gone.

Each case is a child process (offscreen Qt) that quits at a chosen moment while work is in
flight: compiling in the sympy worker, sampling, simplifying the formulas, exporting. A
thread still running Qt code when the interpreter finalises would abort the process with
"terminate called without an active exception" (status −6); see jacviz.ui.background.
"""

import os
import random
import subprocess
import sys

import pytest

CHILD = r"""
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
delay, phase, mapping = int(sys.argv[1]), sys.argv[2], sys.argv[3]
from PySide6.QtCore import QTimer
from jacviz.ui.app import make_application
app = make_application()
from jacviz.ui.main_window import MainWindow
w = MainWindow(mapping)

def quit_now():
    w.close()
    app.quit()

if phase == "export":
    from jacviz.ui.export import render_image

    def export_forever():
        render_image(w, "both", (1200, 700))
        QTimer.singleShot(0, export_forever)

    w.mappingApplied.connect(lambda _t: QTimer.singleShot(0, export_forever))
    w.mappingApplied.connect(lambda _t: QTimer.singleShot(delay, quit_now))
elif phase == "sampling":
    def pan():
        w.domain.viewbox.translateBy(x=0.7 * (w.domain.visible_rect()[1] - w.domain.visible_rect()[0]))
        QTimer.singleShot(5, pan)

    w.mappingApplied.connect(lambda _t: QTimer.singleShot(0, pan))
    w.mappingApplied.connect(lambda _t: QTimer.singleShot(delay, quit_now))
elif phase == "simplify":
    w.mappingApplied.connect(lambda _t: QTimer.singleShot(delay, quit_now))
else:  # during compile: the first mapping starts once the window is shown
    QTimer.singleShot(delay, quit_now)
w.show()
sys.exit(app.exec())
"""

PHASES = ("compile", "sampling", "simplify", "export")


def _moments(n: int = 20):
    rng = random.Random(20261202)
    # mappings the cache has not seen (every child has its own empty cache), so the sympy
    # worker and the simplifier really run
    texts = ["x^2 - y^2, 2xy", "(r, t) -> r cos(t), r sin(t)", "x + sin(y), y + x^3", "z^3 - 1"]
    return [(PHASES[i % 4], rng.randrange(0, 400 if i % 4 == 0 else 250), texts[i % len(texts)])
            for i in range(n)]


def _run(tmp_path, args, index):
    env = dict(os.environ, JACVIZ_CACHE_DIR=str(tmp_path / f"cache{index}"),
               JACVIZ_CONFIG_DIR=str(tmp_path / f"config{index}"))
    return subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


@pytest.mark.slow
def test_quitting_the_window_at_twenty_moments_exits_cleanly(tmp_path):
    cases = _moments()
    failures = []
    for start in range(0, len(cases), 2):  # two at a time: the machine has two cores
        procs = [(case, _run(tmp_path, ["-c", CHILD, str(case[1]), case[0], case[2]], start + k))
                 for k, case in enumerate(cases[start:start + 2])]
        for case, proc in procs:
            _out, err = proc.communicate(timeout=120)
            if proc.returncode != 0 or "terminate called" in err or "Traceback" in err:
                failures.append((case, proc.returncode, err[-500:]))
    assert not failures, failures


@pytest.mark.slow
def test_the_cold_start_child_exits_cleanly(tmp_path):
    """The benchmark's cold start quits right after the first paint, with background work starting."""
    failures = []
    for k in range(6):
        proc = _run(tmp_path, ["-m", "jacviz.bench.coldstart", "x^2 - y^2, 2*x*y", "--range", "-2,2,-2,2"], k)
        out, err = proc.communicate(timeout=120)
        if proc.returncode != 0 or "terminate called" in err:
            failures.append((k, proc.returncode, err[-500:]))
        assert "painted" in out or proc.returncode != 0
    assert not failures, failures
