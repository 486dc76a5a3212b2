"""What a laboratory tool is, and the small interface through which it reaches the window.

A tool owns its graphics items, its panel and its slice of the model. It is built with a
:class:`ToolHost` (the window) and uses only that interface: it adds its items to the views
(``host.domain.add(item, z)``), its controls and panels to the window, and listens to the
model and to the views' input signals. The window calls three hooks on every tool:

* :meth:`Tool.transform`: the mapping the views draw, possibly changed (the morph);
* :meth:`Tool.cursor_moved`: the cursor moved (or what it shows changed), with the numbers
  at the cursor already computed, so a tool adds work only for what it draws;
* :meth:`Tool.mapping_changed`: a new mapping, or new parameter values, is drawn.

and :meth:`Tool.preset_loaded` when a preset is chosen (a preset may ask for F to be read
as a vector field).

A tool that adds a heatmap mode gives a :class:`~jacviz.core.pipeline.scene.FieldRequest`
through :meth:`Tool.heatmap_fields`. Register a new tool with one line in
:mod:`jacviz.ui.tools`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtCore import QObject

if TYPE_CHECKING:  # the names of the types only; nothing is imported at run time
    from jacviz.core.lab.pointinfo import PointInfo
    from jacviz.core.numeric.protocol import NumericMapping
    from jacviz.core.pipeline.prepared import Prepared
    from jacviz.core.pipeline.scene import FieldRequest
    from jacviz.ui.model import AppModel
    from jacviz.ui.views.codomain import CodomainView
    from jacviz.ui.views.domain import DomainView


@dataclass(frozen=True)
class CursorState:
    """The numbers at the cursor, computed once per move and handed to every tool."""

    point: np.ndarray  # p
    info: PointInfo  # F(p), J(p) and the rest
    numeric: NumericMapping  # the mapping drawn (after every tool's transform)
    params: dict[str, float]


class ToolHost(Protocol):
    """The window, as a tool sees it."""

    model: AppModel
    domain: DomainView
    codomain: CodomainView

    @property
    def prepared(self) -> Prepared | None: ...

    def numeric(self) -> NumericMapping | None: ...

    def add_control(self, widget) -> None: ...

    def add_panel(self, widget) -> None: ...

    def add_menu_action(self, menu: str, action) -> None: ...

    def add_shortcut(self, key: str, slot, name: str) -> None: ...

    def show_message(self, text: str, error: bool = False, timeout_ms: int = 0) -> None: ...

    def redraw(self, moving: bool = False) -> None: ...

    def refresh_cursor(self) -> None: ...


class Tool(QObject):
    """A laboratory tool; subclasses set ``name`` and build their items and panel in ``__init__``."""

    name = "tool"

    def __init__(self, host: ToolHost) -> None:
        super().__init__(host)  # type: ignore[arg-type]  # the host is the window, a QObject
        self.host = host

    def transform(self, numeric: NumericMapping) -> NumericMapping:
        """The mapping the views should draw, given the one before this tool (default: unchanged)."""
        return numeric

    def transform_key(self) -> object:
        """What :meth:`transform` depends on (a drawn scene is current while the keys are equal)."""
        return None

    def cursor_moved(self, state: CursorState) -> None:
        """The cursor moved; draw what follows it."""

    def mapping_changed(self) -> None:
        """A new mapping or new parameter values are drawn; drop or recompute what depends on F."""

    def preset_loaded(self, preset) -> None:
        """A preset (:class:`~jacviz.core.persistence.presets.Preset`) is being shown."""

    def heatmap_fields(self, mode: str) -> list[FieldRequest]:
        """Extra heatmap fields this tool computes for ``mode`` (default: none)."""
        return []

    def close(self) -> None:
        """The window closes: stop timers and background work."""
