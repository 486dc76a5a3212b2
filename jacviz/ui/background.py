"""Background work for the window: one thread per kind of job, newest request wins; a clean stop.

Parsing, differentiating and sampling never run on the GUI thread. Each
:class:`LatestWorker` owns one thread and a single pending slot: a request that arrives
while another is running replaces whatever was waiting (one drag, one resample), and every
result carries the generation number of its request so that the window can drop a result
that a newer request has overtaken.

**Stopping.** Every thread the window starts is registered here, and :func:`shutdown`
stops them all: it closes the workers (no more results are delivered), kills the sympy
worker processes (so a thread blocked waiting for one returns at once), and joins the
threads. The window calls it when it closes, the application when it is about to quit, and
``atexit`` once more. It matters: a Python thread still running Qt code (emitting a signal,
building a QPainterPath) when the interpreter finalises is ended by a forced unwind through
C++ frames that do not allow it, and the process aborts with "terminate called without an
active exception" (status −6). Fix for tests/ui/test_shutdown.py.
"""

from __future__ import annotations

import atexit
import threading
import traceback
import weakref

import numpy as np
from PySide6.QtCore import QObject, Signal

from jacviz.core.errors import JacvizError, MappingError, ResourceError

JOIN_SECONDS = 5.0  # longest a stop waits for one thread (a job in flight finishes first)

_threads: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
_workers: weakref.WeakSet[LatestWorker] = weakref.WeakSet()
_lock = threading.Lock()


def start_thread(target, name: str) -> threading.Thread:
    """Start and register a plain background thread (see :func:`shutdown`)."""
    thread = threading.Thread(target=target, name=f"jacviz-{name}", daemon=True)
    with _lock:
        _threads.add(thread)
    thread.start()
    return thread


class LatestWorker(QObject):
    """Runs submitted callables on a background thread, newest first, stale ones dropped.

    ``finished(generation, result)`` and ``failed(generation, error)`` are delivered on
    the thread that owns this object (the GUI thread), queued by Qt. ``error`` is always a
    :class:`~jacviz.core.errors.JacvizError`, so a mapping error's column survives the trip.
    """

    finished = Signal(int, object)
    failed = Signal(int, object)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._pending = None
        self._generation = 0
        self._closing = False
        self._busy = False
        with _lock:
            _workers.add(self)
        self._thread = start_thread(self._loop, name)

    @property
    def generation(self) -> int:
        """The generation of the newest request."""
        return self._generation

    def submit(self, fn, *args, **kwargs) -> int:
        """Queue ``fn(*args, **kwargs)``, replacing any request not yet started."""
        with self._lock:
            self._generation += 1
            if not self._closing:
                self._pending = (self._generation, fn, args, kwargs)
                self._wake.notify()
            return self._generation

    def cancel(self) -> int:
        """Drop the request not yet started; the running one's result will be older than the
        generation returned, so a receiver that compares can ignore it."""
        with self._lock:
            self._generation += 1
            self._pending = None
            return self._generation

    def is_idle(self) -> bool:
        with self._lock:
            return self._pending is None and not self._busy

    def close(self) -> None:
        """Stop the thread after the running job; results after this are not delivered."""
        with self._lock:
            self._closing = True
            self._pending = None
            self._wake.notify()

    def join(self, timeout: float = JOIN_SECONDS) -> None:
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            with self._lock:
                while self._pending is None and not self._closing:
                    self._wake.wait()
                if self._closing:
                    return
                generation, fn, args, kwargs = self._pending
                self._pending = None
                self._busy = True
            try:
                # numpy's floating-point state is per thread; overflow on a user's mapping is
                # expected and becomes NaN (see jacviz.cli.main)
                with np.errstate(all="ignore"):
                    result = fn(*args, **kwargs)
            except JacvizError as err:
                self._deliver(self.failed, generation, err)
            except MemoryError:
                self._deliver(self.failed, generation,
                              ResourceError("out of memory: this mapping is too large to sample"))
            except Exception as err:  # a bug must become a message, not a crash
                traceback.print_exc()
                self._deliver(self.failed, generation,
                              MappingError(f"internal error: {type(err).__name__}: {err}"))
            else:
                self._deliver(self.finished, generation, result)
            finally:
                with self._lock:
                    self._busy = False

    def _deliver(self, signal, generation: int, payload) -> None:
        # Under the lock, so that close() cannot slip in between the check and the emit.
        with self._lock:
            if self._closing:
                return
            try:
                signal.emit(generation, payload)
            except RuntimeError:  # the receiver was deleted while we worked
                pass


def shutdown(timeout: float = JOIN_SECONDS) -> None:
    """Stop every worker and background thread, and kill the sympy worker processes."""
    from jacviz.core.pipeline import worker as sympy_workers

    with _lock:
        workers = list(_workers)
        threads = list(_threads)
    for w in workers:
        w.close()
    sympy_workers.shutdown()  # a thread waiting on a worker process gets EOF now
    for thread in threads:
        if thread is not threading.current_thread() and thread.is_alive():
            thread.join(timeout)


atexit.register(shutdown)
