"""The rectangle type shared by everything that samples the domain."""

from __future__ import annotations

Rect = tuple[float, float, float, float]  # x0, x1, y0, y1
