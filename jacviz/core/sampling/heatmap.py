"""The heatmap modes of the domain view: what each shows and how it is labelled."""

from __future__ import annotations

HEATMAP_MODES = ("det", "log", "sign", "linerr")
HEATMAP_LABELS = {
    "det": "det J", "log": "log₁₀|det J|", "sign": "sign of det J",
    "linerr": "linearization error ‖F(p+hu) − F(p) − J·hu‖/h",
}
HEATMAP_NAMES = {"det": "det J", "log": "log₁₀|det J|", "sign": "sign of det J",
                 "linerr": "linearization error"}
