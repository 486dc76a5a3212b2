"""The static curves of a scene as QPainterPaths, built off the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainterPath

from jacviz.core.pipeline.scene import Scene, image_limits, visible_images
from jacviz.ui.items.static_curve import polyline_path


def scene_paths(scene: Scene, visible=None) -> dict[str, tuple[QPainterPath | None, QRectF]]:
    """The paths of a scene's static curves, for DomainView/CodomainView.show_scene.

    The codomain's paths show the image of ``visible`` (default: what was visible when the
    scene was sampled), not of the margin sampled around it.
    """
    g = scene.grid
    return {
        "domain_vertical": polyline_path(g.vertical, "finite"),
        "domain_horizontal": polyline_path(g.horizontal, "finite"),
        "domain_critical": polyline_path(scene.critical, "pairs"),
        **image_paths(scene, visible or scene.visible),
    }


def image_paths(scene: Scene, visible) -> dict[str, tuple[QPainterPath | None, QRectF]]:
    """The codomain's paths for the visible domain ``visible``, and its robust limits."""
    vertical, horizontal, critical = visible_images(scene, visible)
    return {
        "image_vertical": polyline_path(vertical, "finite"),
        "image_horizontal": polyline_path(horizontal, "finite"),
        "image_critical": polyline_path(critical, "pairs"),
        "image_limits": image_limits(vertical, horizontal),
    }
