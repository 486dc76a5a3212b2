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

from jacviz.core.errors import JacvizError


def _sink(owner):
    """Where to report: the owner's ``show_message``, its tool host's, or its window's.

    Fix (tests/ui/test_window.py): a widget inside the window (the mapping bar) had no
    ``show_message`` of its own, so an error in its slot was reported nowhere.
    """
    seen = 0
    obj = owner
    while obj is not None and seen < 32:
        show = getattr(obj, "show_message", None)
        if callable(show):
            return show
        host = getattr(obj, "host", None)
        if host is not None and callable(getattr(host, "show_message", None)):
            return host.show_message
        window = getattr(obj, "window", None)
        if callable(window):
            try:
                top = window()
            except TypeError:
                top = None
            if top is not None and top is not obj and callable(getattr(top, "show_message", None)):
                return top.show_message
        parent = getattr(obj, "parent", None)
        obj = parent() if callable(parent) else None
        seen += 1
    return None


def guarded(method):
    """Run a slot; report any exception through the owner's ``show_message`` instead of raising."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except JacvizError as err:
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
