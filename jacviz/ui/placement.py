"""Where the interactive window opens, and remembering it between runs.

The first time, the window takes 85 % of the screen's available area, centred, so it fits
a laptop's 1366×768 as well as a 4K monitor. On close it stores its geometry and splitter
positions (:func:`jacviz.core.persistence.settings.write_window_layout`), and the next run
opens it where it was, unless that place is no longer on any screen (a monitor unplugged),
in which case it is placed afresh. Windows made by tests, the benchmark and ``jacviz
export`` do not come here: they keep their fixed size, so their pictures are reproducible.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, QSize
from PySide6.QtGui import QGuiApplication

from jacviz.core.persistence import settings

SCREEN_SHARE = 0.85  # of the available geometry, in each direction
MIN_VISIBLE = 120  # px of the title bar that must lie on a screen for a restored place to count


def fitted_rect(available: QRect, share: float = SCREEN_SHARE, minimum: QSize | None = None) -> QRect:
    """``share`` of ``available`` in each direction (at least ``minimum``), centred in it."""
    width = max(1, round(available.width() * share), minimum.width() if minimum else 0)
    height = max(1, round(available.height() * share), minimum.height() if minimum else 0)
    left = available.x() + (available.width() - width) // 2
    top = available.y() + (available.height() - height) // 2
    return QRect(left, top, width, height)


def _on_some_screen(rect: QRect) -> bool:
    top_strip = QRect(rect.x(), rect.y(), rect.width(), 40)
    for screen in QGuiApplication.screens():
        shared = screen.availableGeometry().intersected(top_strip)
        if shared.width() >= min(MIN_VISIBLE, rect.width()) and shared.height() > 0:
            return True
    return False


def place_window(window) -> bool:
    """Give ``window`` its remembered geometry and splitter sizes, or 85 % of its screen.

    Returns True when a remembered layout was used. Call it before ``show()``; it also
    arranges for the layout to be stored when the window closes.
    """
    restored = False
    layout = settings.read_window_layout()
    if layout is not None:
        blob = QByteArray(layout["geometry"])
        if window.restoreGeometry(blob) and _on_some_screen(window.frameGeometry()):
            restored = True
            if layout["splitter"] and len(layout["splitter"]) == window.splitter.count():
                window.splitter.setSizes(layout["splitter"])
    if not restored:
        screen = window.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            window.setGeometry(fitted_rect(screen.availableGeometry(), minimum=window.minimumSizeHint()))
    memory = _LayoutMemory(window)
    window.installEventFilter(memory)
    window._layout_memory = memory  # kept alive with the window
    return restored


def remember_window(window) -> None:
    """Store ``window``'s geometry and splitter sizes now; a write that fails is ignored."""
    geometry = bytes(window.saveGeometry().data())
    try:
        settings.write_window_layout(geometry, list(window.splitter.sizes()))
    except OSError:
        pass  # a read-only config folder forgets the size; quitting must still work


class _LayoutMemory(QObject):
    """Stores the layout when the window it watches closes."""

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Close:
            remember_window(watched)
        return False


__all__ = ["SCREEN_SHARE", "fitted_rect", "place_window", "remember_window"]
