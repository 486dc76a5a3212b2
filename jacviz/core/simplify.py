"""Best-effort simplification of formulas for display, in a process that can be killed.

``sympy.simplify`` turns ``r*cos(t)**2 + r*sin(t)**2`` into ``r`` and can run for minutes on
an awkward expression; a thread cannot be stopped inside it. So it runs in a worker
process (``python -m jacviz.core.simplify``): the caller gets whatever finished within the
time bound, and a worker that is still busy when the time is up, or whose result is no
longer wanted, is killed and replaced on the next request.

The worker is started with ``subprocess`` rather than ``multiprocessing``: it never forks
the caller (which may be running Qt threads) and never re-imports the caller's main
module. Requests and results are length-prefixed pickles on its stdin and stdout; only
this module's own process writes them.
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

DEFAULT_TIMEOUT = 3.0
_HEADER = struct.Struct(">I")


@dataclass(frozen=True)
class SimplifiedForm:
    """One expression simplified for display: plain text and LaTeX."""

    key: str
    text: str
    latex: str


def _simplify_one(expr):
    """The shortest of the expression as given, sympy.simplify of it, and that factored."""
    import sympy as sp

    candidates = [expr]
    for step in (sp.simplify, sp.factor):
        try:
            candidates.append(step(candidates[-1]))
        except Exception:  # sympy fails in many ways; the raw form stays
            pass
    return min(candidates, key=lambda e: (sp.count_ops(e), len(str(e))))


# ---------------------------------------------------------------------------------------
# The worker side


def _read_exact(stream, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _write(stream, obj) -> None:
    data = pickle.dumps(obj)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _die_with_parent() -> None:  # pragma: no cover - runs in the worker process
    """Exit as soon as the caller is gone, so no orphan keeps a core busy inside sympy.

    An idle worker sees its stdin close; a busy one would not notice until it finished,
    so a watchdog thread checks the parent twice a second (sympy releases the GIL often
    enough for it to run). Linux's PR_SET_PDEATHSIG is not used: it fires when the
    *thread* that started the worker ends, which killed the pooled worker after every job.
    """
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def serve() -> None:  # pragma: no cover - runs in the worker process
    """Worker loop: read a list of (key, expr), answer (key, text, latex) per item, then None.

    Plain tuples, not SimplifiedForm: this module runs as ``__main__`` here, and a class
    pickled from ``__main__`` would not unpickle in the caller.
    """
    from jacviz.core.mapping import latex, plain_text

    _die_with_parent()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    _write(stdout, "ready")
    while True:
        header = _read_exact(stdin, _HEADER.size)
        if header is None:
            return
        payload = _read_exact(stdin, _HEADER.unpack(header)[0])
        if payload is None:
            return
        for key, expr in pickle.loads(payload):
            try:
                simple = _simplify_one(expr)
                _write(stdout, (key, plain_text(simple), latex(simple)))
            except Exception:  # no simplified form for this one
                _write(stdout, (key, "", ""))
        _write(stdout, None)


# ---------------------------------------------------------------------------------------
# The caller side


class _Worker:
    def __init__(self) -> None:
        env = dict(os.environ)
        env.pop("QT_QPA_PLATFORM", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jacviz.core.simplify"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env,
        )
        _live.add(self)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, obj) -> None:
        _write(self.proc.stdin, obj)

    def recv(self, deadline: float):
        """Next message, or raise TimeoutError at ``deadline``, EOFError if the worker died."""
        out = self.proc.stdout
        fd = out.fileno()
        buf = b""
        need = _HEADER.size
        header_done = False
        while True:
            while len(buf) < need:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                ready, _, _ = select.select([fd], [], [], remaining)
                if not ready:
                    raise TimeoutError
                chunk = os.read(fd, need - len(buf))
                if not chunk:
                    raise EOFError
                buf += chunk
            if header_done:
                return pickle.loads(buf)
            need = _HEADER.unpack(buf)[0]
            buf = b""
            header_done = True

    def kill(self) -> None:
        _live.discard(self)
        if self.alive():
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:  # pragma: no cover
                pass


_lock = threading.Lock()
_worker: _Worker | None = None
_live: set[_Worker] = set()


@atexit.register
def _kill_all() -> None:
    for worker in list(_live):
        worker.kill()


def _take_worker() -> _Worker:
    global _worker
    with _lock:
        worker, _worker = _worker, None
    if worker is None or not worker.alive():
        worker = _Worker()
    return worker


def _return_worker(worker: _Worker) -> None:
    global _worker
    with _lock:
        if _worker is None and worker.alive():
            _worker = worker
            return
    worker.kill()


def warm_up() -> None:
    """Start a worker now so that the first request does not wait for sympy's import."""
    _return_worker(_take_worker())


class SimplifyJob:
    """A request to the worker. Read :meth:`results`; :meth:`cancel` kills the worker."""

    def __init__(self, items: list[tuple[str, object]]) -> None:
        self._items = items
        self._worker = _take_worker()
        self._cancelled = False
        self._worker.send(items)

    def results(self, timeout: float = DEFAULT_TIMEOUT) -> dict[str, SimplifiedForm]:
        """Wait up to ``timeout`` seconds; return what finished. Kills a worker still busy."""
        deadline = time.monotonic() + timeout
        found: dict[str, SimplifiedForm] = {}
        worker = self._worker
        try:
            while True:
                msg = worker.recv(deadline)
                if msg == "ready":
                    continue
                if msg is None:
                    _return_worker(worker)
                    return found
                key, text, tex = msg
                if text:
                    found[key] = SimplifiedForm(key, text, tex)
        except (TimeoutError, EOFError, OSError, pickle.UnpicklingError, ValueError, TypeError,
                AttributeError):
            worker.kill()
            return found

    def cancel(self) -> None:
        """Abandon the request: the worker is killed, wherever it is inside sympy."""
        self._cancelled = True
        self._worker.kill()

    @property
    def pid(self) -> int:
        return self._worker.proc.pid


def start(items: list[tuple[str, object]]) -> SimplifyJob:
    """Start simplifying ``(key, sympy expression)`` pairs in the worker process."""
    return SimplifyJob(items)


def display_items(mapping) -> list[tuple[str, object]]:
    """What the readout shows, most useful first: det J, the entries of J, trace, u, v."""
    j = mapping.jacobian
    return [
        ("det", mapping.det),
        ("j00", j[0, 0]), ("j01", j[0, 1]), ("j10", j[1, 0]), ("j11", j[1, 1]),
        ("trace", mapping.trace),
        ("u", mapping.u), ("v", mapping.v),
    ]


def simplify_for_display(mapping, timeout: float = DEFAULT_TIMEOUT) -> dict[str, SimplifiedForm]:
    """Simplified forms of what the readout shows, those that finish within ``timeout``.

    Blocks the calling thread for at most ``timeout`` seconds (a GUI calls it from a
    worker thread); a slow simplification is abandoned by killing its process.
    """
    return start(display_items(mapping)).results(timeout)


if __name__ == "__main__":  # pragma: no cover
    serve()
