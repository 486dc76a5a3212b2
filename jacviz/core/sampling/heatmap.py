"""The heatmap modes of the domain view: what each shows, how it is labelled, and the automatic scale.

``auto`` (the default) chooses how det J is coloured from what is on screen, because a plain
symmetric scale hides the picture when |det J| spans decades (exp(z): from 0.001 to 2000 over
the default view, nearly all of it white) or when one sign fills the view:

* |det J| spans more than :data:`AUTO_DECADES` decades: a **symmetric-log** scale, the sign
  kept and the colour following log|det J| beyond a small threshold;
* otherwise, one sign on (nearly) all of the view: a **one-sided** scale from the smallest to
  the largest value;
* otherwise the **linear** symmetric scale centred on det J = 0.

The choice is said in the colour bar's caption. A mode the user picks (det, log, sign, ...)
is never overridden.

``basins`` (Newton's method, supplied by the Newton tool) is categorical: each sample is
coloured by the root its iteration reaches, so it arrives as an RGBA image and is drawn as
is, with no colour map and no colour bar (see :class:`~jacviz.core.pipeline.scene.FieldRequest`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# "classes" and "output" exist for trained networks (jacviz.core.pipeline.network): the
# class of the largest output, and the value of one output, where det J may not exist.
HEATMAP_MODES = ("auto", "det", "log", "sign", "linerr", "basins", "classes", "output")
NETWORK_MODES = ("classes", "output")
HEATMAP_LABELS = {
    "auto": "det J", "det": "det J", "log": "log₁₀|det J|", "sign": "sign of det J",
    "linerr": "linearization error ‖F(p+hu) − F(p) − J·hu‖/h",
    "basins": "Newton basins: the root Newton's method reaches from each point",
    "classes": "class: the largest output", "output": "the chosen output Fᵢ",
}
HEATMAP_NAMES = {"auto": "det J, automatic scale", "det": "det J, linear scale",
                 "log": "log₁₀|det J|", "sign": "sign of det J", "linerr": "linearization error",
                 "basins": "Newton basins",
                 "classes": "decision regions (networks)", "output": "one output Fᵢ (networks)"}

AUTO_DECADES = 2.0  # |det J| spanning more than this many decades gets the symmetric-log scale
ONE_SIDED = 0.99  # this fraction of one sign gets the one-sided scale
_SUBSAMPLE = 65536


@dataclass(frozen=True)
class HeatmapScale:
    """How a heatmap is coloured: the values to draw, their levels, and the caption's two lines."""

    values: np.ndarray
    levels: tuple[float, float] | None  # None: an RGBA image of categorical colours (no colour map)
    title: str
    note: str
    kind: str = "linear"  # linear, symlog, one-sided, log, sign, field, categories
    threshold: float = 0.0  # symlog: drawn value t = sign(d)·log10(1 + |d|/threshold)

    def value_at(self, t: float) -> float:
        """The det J a drawn value stands for (the colour bar's tick labels)."""
        if self.kind == "symlog":
            return float(np.sign(t) * self.threshold * (10.0 ** abs(t) - 1.0))
        if self.kind == "log-one-sided":  # threshold holds the sign: t = sign·log10|det J|
            return float(self.threshold * 10.0 ** (self.threshold * t))
        return float(t)


def _stats(field: np.ndarray) -> np.ndarray:
    f = np.asarray(field)
    if f.ndim == 2 and f.size > 2 * _SUBSAMPLE:
        step = int(np.sqrt(f.size / _SUBSAMPLE))
        f = f[::step, ::step]
    f = f.astype(float, copy=False).ravel()
    return f[np.isfinite(f)]


def auto_scale(det: np.ndarray, level: float) -> HeatmapScale:
    """The scale ``auto`` chooses for a det J field (``level``: the linear scale's symmetric level)."""
    finite = _stats(det)
    magnitude = np.abs(finite[finite != 0])
    if magnitude.size >= 16:
        lo, hi = np.percentile(magnitude, [5.0, 98.0])
        decades = float(np.log10(hi / lo)) if lo > 0 else np.inf
        positive = float(np.mean(finite > 0)) if finite.size else 0.5
        one_sign = positive >= ONE_SIDED or positive <= 1 - ONE_SIDED
        if decades > AUTO_DECADES and np.isfinite(decades) and one_sign:
            # drawn: t = sign·log10|det J|, lightest (the map's middle) at the smallest |det J|;
            # the few samples of the other sign are NaN, left out
            sign = 1.0 if positive >= ONE_SIDED else -1.0
            with np.errstate(all="ignore"):
                values = (sign * np.log10(sign * det)).astype(np.float32)
            l0, l1 = float(np.log10(lo)), float(np.log10(hi))
            levels = (2 * l0 - l1, l1) if sign > 0 else (-l1, l1 - 2 * l0)
            # the smallest sizes (below the 5th percentile) stay at the lightest colour, on their own side
            values = np.maximum(values, l0) if sign > 0 else np.minimum(values, -l0)
            word = "> 0" if sign > 0 else "< 0"
            return HeatmapScale(values, levels, "det J · log scale",
                                f"det J {word} on all the view and spans {decades:.0f} decades, so colour "
                                "follows log|det J| · lightest at its smallest size", "log-one-sided", sign)
        if decades > AUTO_DECADES and np.isfinite(decades):
            with np.errstate(all="ignore"):
                values = (np.sign(det) * np.log10(1.0 + np.abs(det) / lo)).astype(np.float32)
            m = float(np.log10(1.0 + hi / lo))
            return HeatmapScale(values, (-m, m), "det J · symmetric log scale",
                                f"|det J| spans {decades:.0f} decades here, so colour follows log|det J| "
                                "(sign kept) · 0: F folds", "symlog", float(lo))
        if one_sign:
            v0, v1 = np.percentile(finite, [2.0, 98.0])
            if v1 > v0:
                if positive >= ONE_SIDED:  # the lightest colour at the smallest value
                    levels = (float(2 * v0 - v1), float(v1))
                    note = "det J > 0 on all the view: lightest at its smallest value, not at 0"
                else:
                    levels = (float(v0), float(2 * v1 - v0))
                    note = "det J < 0 on all the view: lightest at its largest value, not at 0"
                return HeatmapScale(det, levels, "det J · one-sided scale", note, "one-sided")
    return HeatmapScale(det, (-level, level), "det J · linear scale",
                        "0: F folds, area is crushed · above: orientation kept · below: reversed")
