"""The worker threads behind the window: the newest request wins, and a cancelled one never lands."""

from __future__ import annotations

import threading


def _worker(qtbot):
    from jacviz.ui.background import LatestWorker

    worker = LatestWorker("test")
    results = []
    worker.finished.connect(lambda generation, result: results.append((generation, result)))
    return worker, results


def test_the_newest_request_replaces_the_one_not_started(app, qtbot):
    worker, results = _worker(qtbot)
    gate = threading.Event()
    first = worker.submit(lambda: gate.wait(10) and "first")
    qtbot.waitUntil(lambda: worker._busy)
    worker.submit(lambda: "replaced")  # queued behind the running job ...
    last = worker.submit(lambda: "newest")  # ... and replaced before it starts
    gate.set()
    qtbot.waitUntil(worker.is_idle)
    qtbot.waitUntil(lambda: len(results) == 2)
    assert results == [(first, "first"), (last, "newest")]
    worker.close()


def test_a_cancelled_request_never_runs_and_the_running_one_is_older(app, qtbot):
    worker, results = _worker(qtbot)
    gate = threading.Event()
    ran = []
    running = worker.submit(lambda: gate.wait(10) and "running")
    qtbot.waitUntil(lambda: worker._busy)
    worker.submit(lambda: ran.append("dropped"))
    floor = worker.cancel()
    gate.set()
    qtbot.waitUntil(worker.is_idle)
    qtbot.waitUntil(lambda: len(results) == 1)
    assert ran == []  # the queued request was dropped
    assert results[0][0] == running < floor  # what still arrives is older than the cancel
    assert worker.generation == floor
    worker.close()
