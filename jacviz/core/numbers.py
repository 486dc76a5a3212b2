"""Numbers on their way out: JSON has no NaN or infinity, so they become null.

Every report's ``as_dict()`` and every command's JSON go through these, so "undefined here"
always reads the same.
"""

from __future__ import annotations

import math


def json_number(x) -> float | None:
    """A float for JSON, or None for NaN and infinity."""
    x = float(x)
    return x if math.isfinite(x) else None


def json_vector(values) -> list[float | None]:
    """A sequence of numbers for JSON (see :func:`json_number`)."""
    return [json_number(v) for v in values]


def json_matrix(rows) -> list[list[float | None]]:
    """A matrix (rows of numbers, or a 2-D array) for JSON (see :func:`json_number`)."""
    return [json_vector(row) for row in rows]
