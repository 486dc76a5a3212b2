"""The one exception type that core raises for anything a user typed or sent.

Errors are values at the boundary: the window shows them inline, the command line prints
them on one line and exits with status 2. Every message is written for the person who
typed the mapping, and carries the 1-based column where the problem was found when there
is one.
"""

from __future__ import annotations


class MappingError(ValueError):
    """A mapping, a point, a parameter or a session file that jacviz cannot accept.

    ``column`` is 1-based and refers to the text the user typed (``None`` when the
    problem is not tied to one place, such as "the mapping is empty").
    """

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column

    def __str__(self) -> str:
        return self.message
