"""The heatmap modes of the domain view: what each shows and how it is labelled.

Every mode but one is a number per sample, drawn through a colour map with a colour bar.
``basins`` (Newton's method, supplied by the Newton tool) is categorical: each sample is
coloured by the root its iteration reaches, so it arrives as an RGBA image and is drawn
as is, with no colour map (see :class:`~jacviz.core.pipeline.scene.FieldRequest`).
"""

from __future__ import annotations

HEATMAP_MODES = ("det", "log", "sign", "linerr", "basins")
HEATMAP_LABELS = {
    "det": "det J", "log": "log₁₀|det J|", "sign": "sign of det J",
    "linerr": "linearization error ‖F(p+hu) − F(p) − J·hu‖/h",
    "basins": "Newton basins: the root Newton's method reaches from each point",
}
HEATMAP_NAMES = {"det": "det J", "log": "log₁₀|det J|", "sign": "sign of det J",
                 "linerr": "linearization error", "basins": "Newton basins"}
