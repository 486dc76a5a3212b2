"""sympy's work in a killable worker process: same answers, bounded time, nothing left behind."""

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from jacviz.core.errors import MappingError
from jacviz.core.pipeline import worker
from jacviz.core.pipeline.prepare import prepare

HARD = "1/(2 + cosh(log(x)^300)), y"  # sympy differentiates this for over a minute


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("JACVIZ_CACHE_DIR", str(tmp_path / "cache"))


def test_isolated_prepare_gives_the_same_mapping():
    text = "(r, t) -> r cos(t), r sin(t)"
    here = prepare(text, use_cache=False, isolated=False)
    there = prepare(text, use_cache=False)
    assert there.variables == here.variables == ("r", "t")
    assert there.formulas == here.formulas
    r, t = np.array([0.5, 1.5]), np.array([0.3, -2.0])
    for a, b in zip(here.compiled.jacobian(r, t), there.compiled.jacobian(r, t), strict=True):
        np.testing.assert_array_equal(a, b)


def test_isolated_prepare_reports_bad_text_with_its_column():
    with pytest.raises(MappingError) as info:
        prepare("x, sine(y)", use_cache=False)
    assert info.value.column == 4 and "did you mean sin?" in str(info.value)


def test_a_mapping_sympy_cannot_finish_is_refused_in_time_and_its_worker_killed():
    before = set(worker._live)
    with pytest.raises(MappingError, match="too hard to differentiate within 1 s"):
        prepare(HARD, timeout=1.0, use_cache=False)
    # the worker that was given the job is gone (killed), not left running inside sympy
    assert not [w for w in worker._live - before if w.alive()]
    # the next mapping still compiles, in a fresh worker
    assert prepare("x^2, y", use_cache=False).compiled.det(1.0, 1.0) == pytest.approx(2.0)


def test_a_dead_worker_is_replaced():
    w = worker.COMPILE.take()
    w.kill()
    worker.COMPILE.give_back(w)  # a dead worker is not kept
    assert prepare("x, y", use_cache=False).compiled.det(0.0, 0.0) == 1.0


def test_a_worker_exits_when_its_parent_dies(tmp_path):
    """A parent killed while its worker is deep in sympy leaves no orphan burning a core."""
    code = (
        "import sys, time\n"
        "from jacviz.core.pipeline import worker\n"
        "w = worker.COMPILE.take()\n"
        f"w.send({{'op': 'prepare', 'text': {HARD!r}, 'variables': None, 'default_variables': None}})\n"
        "print(w.proc.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    child_pid = int(parent.stdout.readline())
    time.sleep(1.0)  # the worker is now busy differentiating
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child_pid, 0)
        except ProcessLookupError:
            return
        with open(f"/proc/{child_pid}/stat") as stat:
            if stat.read().split()[2] == "Z":  # exited, not yet reaped by init
                return
        time.sleep(0.1)
    pytest.fail("the worker outlived its parent")
