"""The laboratory's tools, one folder each; :data:`TOOLS` is the one list that registers them.

A tool gets the window through :class:`~jacviz.ui.tools.base.ToolHost` and touches neither
the views' code nor the window's: a new tool is a new folder here and one more entry below.
The order is the order of their controls and panels, and of :meth:`Tool.transform`.
"""

from __future__ import annotations

from jacviz.ui.tools.chain import ChainTool
from jacviz.ui.tools.layers import LayersTool
from jacviz.ui.tools.linerr import LinearizationErrorTool
from jacviz.ui.tools.morph import MorphTool
from jacviz.ui.tools.newton import NewtonTool
from jacviz.ui.tools.preimages import PreimageTool
from jacviz.ui.tools.region import RegionTool
from jacviz.ui.tools.vectorfield import VectorFieldTool
from jacviz.ui.tools.vectors import VectorsTool

TOOLS = [RegionTool, VectorsTool, MorphTool, PreimageTool, ChainTool, LayersTool, LinearizationErrorTool]
TOOLS += [VectorFieldTool, NewtonTool]
