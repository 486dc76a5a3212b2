"""The figure's palettes, light and dark, independent of the desktop's theme.

The light palette is the window's (jacviz/ui/style.py): one colour per family of grid lines
and for everything that belongs to it, black for the critical curve and the true image of
the circle, pink for the ellipse J(p) predicts. The dark palette keeps the hues and lifts
what would vanish on a dark background. The critical curve in the domain sits where det J
= 0, the light middle of every diverging map, so it stays near black in both.
"""

from __future__ import annotations

from dataclasses import dataclass

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Theme:
    name: str
    background: RGB  # behind everything (left out when transparent)
    foreground: RGB  # text, axes, ticks
    frame: RGB  # plot frames, panel borders
    vertical: RGB  # lines x = const, and J·e₂
    horizontal: RGB  # lines y = const, and J·e₁
    critical_domain: RGB  # det J = 0 over the heatmap
    critical_image: RGB  # its image in the codomain
    true_image: RGB  # the circle and its true image
    linear_image: RGB  # the ellipse J(p) predicts
    axes: RGB  # the principal directions and axes
    pin: RGB
    marker_fill: RGB  # the dots at p and F(p)
    marker_edge: RGB
    lens_background: RGB
    lens_border: RGB
    panel_background: RGB  # the readout panel
    muted: RGB  # secondary text (captions)


LIGHT = Theme(
    name="light",
    background=(255, 255, 255),
    foreground=(40, 40, 40),
    frame=(110, 110, 110),
    vertical=(94, 60, 153),
    horizontal=(230, 97, 1),
    critical_domain=(20, 20, 20),
    critical_image=(20, 20, 20),
    true_image=(0, 0, 0),
    linear_image=(216, 27, 96),
    axes=(0, 114, 178),
    pin=(0, 158, 115),
    marker_fill=(255, 255, 255),
    marker_edge=(0, 0, 0),
    lens_background=(255, 255, 255),
    lens_border=(153, 153, 153),
    panel_background=(255, 255, 255),
    muted=(90, 90, 90),
)

DARK = Theme(
    name="dark",
    background=(28, 28, 30),
    foreground=(225, 225, 225),
    frame=(150, 150, 150),
    vertical=(178, 150, 230),
    horizontal=(253, 150, 60),
    critical_domain=(20, 20, 20),
    critical_image=(245, 245, 245),
    true_image=(245, 245, 245),
    linear_image=(255, 105, 170),
    axes=(86, 180, 233),
    pin=(0, 200, 150),
    marker_fill=(28, 28, 30),
    marker_edge=(245, 245, 245),
    lens_background=(40, 40, 44),
    lens_border=(120, 120, 120),
    panel_background=(28, 28, 30),
    muted=(170, 170, 170),
)

THEME_BY_NAME = {"light": LIGHT, "dark": DARK}

# F read as a vector field: the same colours in the window's vector field tool and in figures.
TRAJECTORY: RGB = (0, 128, 128)  # teal: apart from the critical curve (black) and the arrows
VEIL_ALPHA = 170  # the heatmap and the grid under the flow, faded to a third
# Arrow colours by |F|, slow to fast: matplotlib's "plasma" (van der Walt & Smith, perceptually
# uniform) sampled at 8 even steps from 0 to 0.8 of its range, so the fastest stay dark on the veil.
SPEED_COLOURS: tuple[RGB, ...] = ((13, 8, 135), (72, 3, 159), (117, 1, 168), (158, 25, 156),
                                  (192, 58, 130), (218, 91, 104), (239, 126, 79), (252, 166, 54))
STABLE: RGB = (0, 114, 178)  # blue
UNSTABLE: RGB = (213, 94, 0)  # vermilion
SADDLE: RGB = (30, 30, 30)
CENTRE: RGB = (0, 158, 115)  # bluish green
DEGENERATE: RGB = (150, 150, 150)
OUTLINE: RGB = (20, 20, 20)
WHITE: RGB = (255, 255, 255)
LABEL_TEXT: RGB = (20, 20, 20)  # an equilibrium's eigenvalue label, on a white box
LABEL_BACKGROUND = (255, 255, 255, 200)
