"""Thirty kills at random moments: the autosave on disk is always the newest complete write."""

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from jacviz.core.persistence.session import load

WRITER = r"""
import sys
from jacviz.core.persistence import settings
from jacviz.core.persistence.session import Session
n = 0
while True:
    n += 1
    settings.write_autosave(Session(mapping="x, y", pins=tuple((float(k), 0.5) for k in range(n % 200)),
                                    draft="x" * (n * 37 % 5000)))
    print(n, flush=True)
"""


@pytest.mark.slow
def test_thirty_kills_leave_the_newest_complete_autosave(tmp_path):
    rng = random.Random(30)
    env = dict(os.environ, JACVIZ_CONFIG_DIR=str(tmp_path))
    for _round in range(30):
        proc = subprocess.Popen([sys.executable, "-c", WRITER], env=env, stdout=subprocess.PIPE, text=True)
        proc.stdout.readline()  # at least one write done
        time.sleep(rng.uniform(0.0, 0.15))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        last = int(([line for line in out.split() if line.strip()] or ["1"])[-1]) if out.strip() else None
        path = tmp_path / f"autosave-{proc.pid}.jacviz"
        saved = load(path)  # complete and valid: never half a file
        n = len(saved.pins)
        # the newest complete write: the one printed last, or the one after it (killed after
        # the rename but before the print)
        if last is not None:
            assert n in (last % 200, (last + 1) % 200), (n, last)
        path.unlink()
