"""The exceptions core raises for anything a user typed, opened or asked for, under one base.

Errors are values at the boundary: the window shows them inline or in the status bar, the
command line prints them on one line and exits with status 2. Every message is written for
the person who typed the mapping or opened the file. The kinds:

* :class:`MappingError`: a mapping (or a loss) that cannot be read or computed; carries the
  1-based column where the problem was found, when there is one;
* :class:`SessionError`: a session file, the autosave or a cache entry that cannot be used;
* :class:`UsageError`: a bad value given from outside the mapping text: a point, a
  rectangle, a size, a command-line option;
* :class:`ExportError`: an image that cannot be written;
* :class:`ModelError`: a network file that cannot be read or evaluated;
* :class:`ResourceError`: work that would exceed a time or memory budget.

Code that only needs to know "a user-facing problem" catches :class:`JacvizError`.
"""

from __future__ import annotations


class JacvizError(ValueError):
    """Something a user gave jacviz that it cannot accept; ``str()`` is the one-line message."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column

    def __str__(self) -> str:
        return self.message


class MappingError(JacvizError):
    """A mapping that jacviz cannot read or compute.

    ``column`` is 1-based and refers to the text the user typed (``None`` when the
    problem is not tied to one place, such as "the mapping is empty").
    """


class SessionError(JacvizError):
    """A session file (or the autosave) that cannot be read or written."""


class UsageError(JacvizError):
    """A point, rectangle, size or option that is not acceptable (not the mapping's text)."""


class ExportError(JacvizError):
    """An export that cannot be made or written."""


class ModelError(JacvizError):
    """A network model file that cannot be read or evaluated."""


class ResourceError(JacvizError):
    """Work that would take more time or memory than jacviz allows for it."""
