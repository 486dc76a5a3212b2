"""Best-effort simplification of formulas for display, in a process that can be killed.

``sympy.simplify`` turns ``r*cos(t)**2 + r*sin(t)**2`` into ``r`` and can run for minutes on
an awkward expression; a thread cannot be stopped inside it. So it runs in a worker
process (:mod:`jacviz.core.pipeline.worker`): the caller gets whatever finished within the time
bound, and a worker that is still busy when the time is up, or whose result is no longer
wanted, is killed; the next request starts a fresh one.

Requests carry the mapping's text (the worker parses it with the same checked parser), and
each simplified formula comes back as soon as it is done, most useful first.
"""

from __future__ import annotations

import time

from jacviz.core.pipeline import worker as workers
from jacviz.core.pipeline.prepared import SimplifiedForm

DEFAULT_TIMEOUT = 3.0


class SimplifyJob:
    """A request to a worker. Read :meth:`results`; :meth:`cancel` kills the worker."""

    def __init__(self, text: str, variables=None, default_variables=None) -> None:
        self._worker = workers.SIMPLIFY.take()
        self._worker.send({
            "op": "simplify", "text": text,
            "variables": list(variables) if variables is not None else None,
            "default_variables": list(default_variables) if default_variables else None,
        })

    def results(self, timeout: float = DEFAULT_TIMEOUT) -> dict[str, SimplifiedForm]:
        """Wait up to ``timeout`` seconds; return what finished. Kills a worker still busy."""
        deadline = time.monotonic() + timeout
        found: dict[str, SimplifiedForm] = {}
        worker = self._worker
        try:
            while True:
                msg = worker.recv(deadline)
                if msg.get("done"):
                    workers.SIMPLIFY.give_back(worker)
                    return found
                key, text, tex = str(msg["key"]), str(msg["text"]), str(msg["latex"])
                if text:
                    found[key] = SimplifiedForm(key, text, tex)
        except (TimeoutError, EOFError, OSError, ValueError, KeyError, TypeError, AttributeError):
            worker.kill()
            return found

    def cancel(self) -> None:
        """Abandon the request: the worker is killed, wherever it is inside sympy."""
        self._worker.kill()

    @property
    def pid(self) -> int:
        return self._worker.proc.pid


def start(text: str, variables=None, default_variables=None) -> SimplifyJob:
    """Start simplifying the readout's formulas for a mapping, in a worker process."""
    return SimplifyJob(text, variables, default_variables)


def simplify_for_display(text: str, variables=None, default_variables=None,
                         timeout: float = DEFAULT_TIMEOUT) -> dict[str, SimplifiedForm]:
    """Simplified forms of what the readout shows, those that finish within ``timeout``.

    Blocks the calling thread for at most ``timeout`` seconds (a GUI calls it from a
    worker thread); a slow simplification is abandoned by killing its process.
    """
    return start(text, variables, default_variables).results(timeout)


def warm_up() -> None:
    """Start a simplify worker now, so that the first request does not wait for sympy."""
    workers.SIMPLIFY.warm_up()
