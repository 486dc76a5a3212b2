"""Small statistics for timings: median, 90th percentile, and a log-log slope."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def summary(samples_ms: Sequence[float], unit: str = "ms") -> dict:
    """``{"median_ms", "p90_ms", "min_ms", "max_ms", "n"}`` of a list of times in milliseconds.

    ``unit`` names the keys: ``summary(rss, "mb")`` gives ``median_mb`` and so on. The
    90th percentile interpolates linearly between samples (numpy's default), so with ten
    samples it lies between the ninth and the tenth.
    """
    values = np.asarray([float(s) for s in samples_ms], dtype=float)
    if values.size == 0:
        raise ValueError("no samples")
    return {
        f"median_{unit}": round(float(np.median(values)), 4),
        f"p90_{unit}": round(float(np.percentile(values, 90)), 4),
        f"min_{unit}": round(float(values.min()), 4),
        f"max_{unit}": round(float(values.max()), 4),
        "n": int(values.size),
    }


def loglog_slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """The least-squares slope of log(y) against log(x): 1.0 means y grows linearly in x."""
    lx = np.log(np.asarray(xs, dtype=float))
    ly = np.log(np.asarray(ys, dtype=float))
    slope, _intercept = np.polyfit(lx, ly, 1)
    return float(slope)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the ratio is not finite."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    value = numerator / denominator
    return round(value, 3) if math.isfinite(value) else None
