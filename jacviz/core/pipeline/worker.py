"""sympy in a separate process that can be killed: for compiling mappings and simplifying.

Parsing is bounded by the language's limits, but sympy itself can still take minutes on
an input that passes them (``cosh(log(x)^300)`` differentiates for over a minute), and a
thread cannot be stopped. So everything sympy does for the window and the command line
runs in a worker process (``python -m jacviz.core.pipeline.worker``): the caller waits with a time
bound, and a worker that is too slow, or whose answer is no longer wanted, is killed. The
window's own process then never imports sympy at all, which also keeps sympy's work from
competing with painting for the interpreter lock.

Workers are started with ``subprocess`` (never by forking a process that runs Qt threads)
and talk in length-prefixed JSON on stdin and stdout: requests carry mapping *text*, and
answers are plain data, checked on arrival like a cache file (see
:func:`jacviz.core.pipeline.cache.prepared_from_payload`). Each kind of work has its own pool, so
a long simplification never delays compiling the next mapping.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import struct
import subprocess
import sys
import threading
import time

from jacviz.core.errors import MappingError

_HEADER = struct.Struct(">I")
MAX_MESSAGE = 64_000_000


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
    data = json.dumps(obj).encode("utf-8")
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _die_with_parent() -> None:  # pragma: no cover - runs in the worker process
    """Exit as soon as the caller is gone, so no orphan keeps a core busy inside sympy.

    An idle worker sees its stdin close; a busy one would not notice until it finished,
    so a watchdog thread checks the parent twice a second (sympy releases the interpreter
    lock often enough for it to run). Linux's PR_SET_PDEATHSIG is not used: it fires when
    the *thread* that started the worker ends, which would kill a pooled worker after
    every job.
    """
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _handle(request: dict, stdout) -> None:  # pragma: no cover - runs in the worker process
    op = request.get("op")
    if op == "prepare":
        from jacviz.core.pipeline.build import build
        from jacviz.core.pipeline.cache import payload_from_prepared

        try:
            prepared = build(request["text"], request.get("variables"), request.get("default_variables"))
            answer = {"ok": True, "payload": payload_from_prepared(prepared)}
        except MappingError as err:
            answer = {"ok": False, "error": err.message, "column": err.column}
        except RecursionError:
            answer = {"ok": False, "column": None,
                      "error": "the mapping is nested too deeply to differentiate"}
        except MemoryError:
            answer = {"ok": False, "column": None,
                      "error": "this mapping needs too much memory to differentiate"}
        except Exception as err:  # the boundary: sympy itself can raise anything on odd input
            # Fix (tests/core/test_worker.py): asin(i - 1e300)^30 made sympy raise
            # "negative shift count", which killed the worker and read as a crash; it is a
            # mapping sympy cannot handle, and retrying gives the same answer.
            reason = " ".join(f"{type(err).__name__}: {err}".split())[:160]
            answer = {"ok": False, "column": None,
                      "error": f"sympy cannot differentiate this mapping ({reason}); simplify it"}
        _write(stdout, answer)
    elif op == "simplify":
        from jacviz.core.symbolic.mapping import Mapping
        from jacviz.core.symbolic.simplify import display_items, simplify_one

        try:
            mapping = Mapping.from_text(request["text"], request.get("variables"),
                                        default_variables=request.get("default_variables"))
            items = display_items(mapping)
        except (MappingError, RecursionError):
            items = []
        for key, expr in items:
            try:
                text, tex = simplify_one(expr)
            except Exception:  # a failure only means "no simplified form for this one"
                text, tex = "", ""
            _write(stdout, {"key": key, "text": text, "latex": tex})
        _write(stdout, {"done": True})
    else:
        _write(stdout, {"ok": False, "error": f"unknown request {op!r}", "column": None})


def serve() -> None:  # pragma: no cover - runs in the worker process
    """Worker loop: one JSON request at a time, answered on stdout."""
    _die_with_parent()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    import jacviz.core.symbolic.mapping  # noqa: F401 - warm sympy up before the first request

    _write(stdout, {"ready": True})
    while True:
        header = _read_exact(stdin, _HEADER.size)
        if header is None:
            return
        payload = _read_exact(stdin, _HEADER.unpack(header)[0])
        if payload is None:
            return
        _handle(json.loads(payload), stdout)


# ---------------------------------------------------------------------------------------
# The caller side


class Worker:
    """One worker process; see :class:`Pool`."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env.pop("QT_QPA_PLATFORM", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jacviz.core.pipeline.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
        )
        _live.add(self)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, obj) -> None:
        _write(self.proc.stdin, obj)

    def recv(self, deadline: float):
        """Next message, or raise TimeoutError at ``deadline``, EOFError if the worker died."""
        fd = self.proc.stdout.fileno()
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
                message = json.loads(buf)
                if isinstance(message, dict) and message.get("ready"):
                    buf, need, header_done = b"", _HEADER.size, False  # the greeting
                    continue
                return message
            need = _HEADER.unpack(buf)[0]
            if need > MAX_MESSAGE:
                raise EOFError
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


_live: set[Worker] = set()


@atexit.register
def _kill_all() -> None:
    for worker in list(_live):
        worker.kill()


class Pool:
    """At most one idle worker kept warm; a busy or timed-out one is never reused."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: Worker | None = None

    def take(self) -> Worker:
        with self._lock:
            worker, self._idle = self._idle, None
        if worker is None or not worker.alive():
            worker = Worker()
        return worker

    def give_back(self, worker: Worker) -> None:
        with self._lock:
            if self._idle is None and worker.alive():
                self._idle = worker
                return
        worker.kill()

    def warm_up(self) -> None:
        """Start a worker now, so that the first request does not wait for sympy's import."""
        self.give_back(self.take())


COMPILE = Pool()
SIMPLIFY = Pool()
COMPILE_TIMEOUT = 5.0  # every preset compiles in well under a second


def compile_payload(text: str, variables=None, default_variables=None, *,
                    timeout: float = COMPILE_TIMEOUT) -> dict:
    """Ask a worker process to build ``text``; its payload (see cache.payload_from_prepared).

    A mapping sympy cannot finish within ``timeout`` seconds is refused with a
    :class:`MappingError` and its worker is killed, wherever it is inside sympy.
    """
    worker = COMPILE.take()
    deadline = time.monotonic() + timeout
    try:
        worker.send({"op": "prepare", "text": text,
                     "variables": list(variables) if variables is not None else None,
                     "default_variables": list(default_variables) if default_variables else None})
        answer = worker.recv(deadline)
    except TimeoutError:
        worker.kill()
        raise MappingError(
            f"this mapping is too hard to differentiate within {timeout:g} s; simplify it, or split "
            "it into stages with ';'"
        ) from None
    except (EOFError, OSError, ValueError):
        worker.kill()
        raise MappingError("the symbolic worker stopped unexpectedly; try again") from None
    COMPILE.give_back(worker)
    if not isinstance(answer, dict) or not answer.get("ok"):
        error = answer.get("error") if isinstance(answer, dict) else None
        column = answer.get("column") if isinstance(answer, dict) else None
        raise MappingError(str(error or "the symbolic worker sent an unreadable answer"),
                           column if isinstance(column, int) else None)
    return answer["payload"]


def shutdown() -> None:
    """Kill every worker process now (the application is quitting); a blocked caller returns."""
    _kill_all()


if __name__ == "__main__":  # pragma: no cover
    serve()
