"""What a figure shows (:class:`FigureSpec`) and how it is printed (:class:`FigureOptions`).

A spec is plain data: the sampled scene, the two views' visible rectangles, the cursor's
linearization, the pins and the readout's text. The window builds one from its state,
``jacviz export`` and the tests from a mapping's text (:func:`jacviz.core.figure.build.figure_spec`).
Nothing here refers to a widget, so a figure is the same whichever window (or none) made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from jacviz.core.errors import UsageError
from jacviz.core.figure.colormaps import DEFAULT_COLORMAP, DET_COLORMAPS
from jacviz.core.pipeline.scene import Scene
from jacviz.core.sampling.geometry import Rect
from jacviz.core.sampling.heatmap import HEATMAP_MODES
from jacviz.core.sampling.linearization import Linearization

if TYPE_CHECKING:  # the phase portrait's modules load only for a figure that has one
    from jacviz.core.lab.dynamics import Trajectory
    from jacviz.core.lab.portrait import Portrait

VIEWS = ("both", "domain", "codomain")
THEMES = ("light", "dark")
MIN_DPI, MAX_DPI = 10.0, 2400.0
MIN_FONT_SCALE, MAX_FONT_SCALE = 0.5, 4.0


@dataclass(frozen=True)
class FigureOptions:
    """Print options. The defaults produce what the window shows.

    ``dpi``: the physical size written into the file (SVG width/height in inches, the PDF
    page in points, the PNG's pHYs chunk); ``None`` writes plain pixels (and 96 dpi, the CSS
    pixel, for a PDF page). ``transparent``: nothing behind the plots (for slides); JPEG
    has no alpha and keeps the theme's background. ``readout``: the panel of numbers at the
    right of a figure of both views.
    """

    transparent: bool = False
    dpi: float | None = None
    theme: str = "light"
    readout: bool = True
    font_scale: float = 1.0
    colormap: str = DEFAULT_COLORMAP

    def __post_init__(self) -> None:
        if self.theme not in THEMES:
            raise UsageError(f"unknown theme '{self.theme}' (choose light or dark)")
        if self.colormap not in DET_COLORMAPS:
            raise UsageError(f"unknown colour map '{self.colormap}' (choose {' or '.join(DET_COLORMAPS)})")
        if self.dpi is not None and not (MIN_DPI <= float(self.dpi) <= MAX_DPI):
            raise UsageError(f"--dpi must be between {MIN_DPI:g} and {MAX_DPI:g}")
        if not (MIN_FONT_SCALE <= float(self.font_scale) <= MAX_FONT_SCALE):
            raise UsageError(f"--font-scale must be between {MIN_FONT_SCALE:g} and {MAX_FONT_SCALE:g}")


@dataclass(frozen=True)
class FigureSpec:
    """Everything one figure draws; see the module docstring.

    ``levels``: the heatmap's colour levels (``None``: those of
    :func:`~jacviz.core.pipeline.scene.heatmap_values` for ``mode``). ``pins`` are domain
    points and ``pin_images`` their images under F (the same length; NaN where undefined).
    ``readout`` holds the panel's rows as (label, value); a value with tabs is laid out in
    columns (the two rows of J). ``reading`` is the one sentence above them and
    ``formulas`` the lines under them. ``portrait`` is F read as a vector field over the
    domain (arrows, streamlines, equilibria; drawn over a faded heatmap) and ``trajectories``
    the solutions of p' = F(p) drawn with it.
    """

    scene: Scene
    domain_rect: Rect
    codomain_rect: Rect
    mode: str = "auto"
    levels: tuple[float, float] | None = None
    linearization: Linearization | None = None
    pins: tuple[tuple[float, float], ...] = ()
    pin_images: tuple[tuple[float, float], ...] = ()
    axis_names: tuple[str, str] = ("x", "y")
    image_names: tuple[str, str] = ("u", "v")
    readout: tuple[tuple[str, str], ...] = ()
    reading: str = ""
    formulas: tuple[str, ...] = ()
    mapping_text: str = ""
    options: FigureOptions = field(default_factory=FigureOptions)
    portrait: Portrait | None = None
    trajectories: tuple[Trajectory, ...] = ()

    def __post_init__(self) -> None:
        if self.mode not in HEATMAP_MODES:
            raise UsageError(f"unknown heatmap mode '{self.mode}' (choose {', '.join(HEATMAP_MODES)})")
        for name, rect in (("domain", self.domain_rect), ("codomain", self.codomain_rect)):
            x0, x1, y0, y1 = (float(v) for v in rect)
            if not (x0 < x1 and y0 < y1):
                raise UsageError(f"the {name} rectangle needs x0 < x1 and y0 < y1")
        if len(self.pin_images) not in (0, len(self.pins)):
            raise UsageError("every pin needs its image (pin_images)")

    def with_options(self, **changes) -> FigureSpec:
        """The same figure with some print options changed."""
        return replace(self, options=replace(self.options, **changes))
