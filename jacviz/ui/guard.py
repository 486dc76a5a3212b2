"""The boundary between Qt and jacviz's code: no exception may escape into the event loop.

With PySide6 an exception that leaves a slot can end the process. Every slot is wrapped
with :func:`guarded`, which turns an exception into a message in the window's status bar
(a :class:`MappingError` is an ordinary message; anything else is reported as an internal
error, with the traceback on stderr for a bug report).
"""

from __future__ import annotations

import functools
import sys
import traceback

from jacviz.core.errors import MappingError


def _sink(owner):
    show = getattr(owner, "show_message", None)
    if show is None:
        window = getattr(owner, "window", None)
        show = getattr(window, "show_message", None)
    return show


def guarded(method):
    """Run a slot; report any exception through the owner's ``show_message`` instead of raising."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except MappingError as err:
            show = _sink(self)
            if show is not None:
                show(str(err), error=True)
        except Exception as err:  # the boundary: nothing may escape into Qt
            traceback.print_exc(file=sys.stderr)
            show = _sink(self)
            if show is not None:
                show(f"internal error: {type(err).__name__}: {err}", error=True)
        return None

    return wrapper
