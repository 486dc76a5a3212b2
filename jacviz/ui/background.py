"""Background work for the window: one thread per kind of job, newest request wins.

Parsing, differentiating and sampling never run on the GUI thread. Each
:class:`LatestWorker` owns one thread and a single pending slot: a request that arrives
while another is running replaces whatever was waiting (one drag, one resample), and every
result carries the generation number of its request so that the window can drop a result
that a newer request has overtaken.
"""

from __future__ import annotations

import threading
import traceback

from PySide6.QtCore import QObject, Signal

from jacviz.core.errors import MappingError


class LatestWorker(QObject):
    """Runs submitted callables on a background thread, newest first, stale ones dropped.

    ``finished(generation, result)`` and ``failed(generation, error)`` are delivered on
    the thread that owns this object (the GUI thread), queued by Qt. ``error`` is always a
    :class:`MappingError`, so its column survives the trip.
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
        self._thread = threading.Thread(target=self._loop, name=f"jacviz-{name}", daemon=True)
        self._thread.start()

    @property
    def generation(self) -> int:
        """The generation of the newest request."""
        return self._generation

    def submit(self, fn, *args, **kwargs) -> int:
        """Queue ``fn(*args, **kwargs)``, replacing any request not yet started."""
        with self._lock:
            self._generation += 1
            self._pending = (self._generation, fn, args, kwargs)
            self._wake.notify()
            return self._generation

    def is_idle(self) -> bool:
        with self._lock:
            return self._pending is None and not self._busy

    def close(self) -> None:
        """Stop the thread after the running job (results after this are not delivered)."""
        with self._lock:
            self._closing = True
            self._pending = None
            self._wake.notify()

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
                result = fn(*args, **kwargs)
            except MappingError as err:
                self._deliver_failure(generation, err)
            except MemoryError:
                self._deliver_failure(
                    generation, MappingError("out of memory: this mapping is too large to sample")
                )
            except Exception as err:  # a bug must become a message, not a crash
                traceback.print_exc()
                self._deliver_failure(
                    generation, MappingError(f"internal error: {type(err).__name__}: {err}")
                )
            else:
                self._deliver(generation, result)
            finally:
                with self._lock:
                    self._busy = False

    def _deliver(self, generation: int, result) -> None:
        if not self._closing:
            try:
                self.finished.emit(generation, result)
            except RuntimeError:  # the receiver was deleted while we worked
                pass

    def _deliver_failure(self, generation: int, error: MappingError) -> None:
        if not self._closing:
            try:
                self.failed.emit(generation, error)
            except RuntimeError:
                pass
