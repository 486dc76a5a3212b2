"""Starting the application: the QApplication, the icon, the main window."""

from __future__ import annotations

import os
import sys

# Qt's offscreen platform (jacviz export, the tests) prints this for every window it
# shows; it means only that there is no window manager to tell about size hints.
_HARMLESS_QT_MESSAGES = ("This plugin does not support propagateSizeHints()",
                         "This plugin does not support raise()")


def _qt_message(mode, context, message: str) -> None:
    if message in _HARMLESS_QT_MESSAGES:
        return
    sys.stderr.write(message + "\n")


_COLLECTOR = None  # the GUI thread's garbage collector, made with the application


def make_application(argv: list[str] | None = None):
    """The QApplication (created once), with jacviz's name and icon."""
    import pyqtgraph as pg
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtGui import QIcon, QPixmap
    from PySide6.QtWidgets import QApplication

    qInstallMessageHandler(_qt_message)
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else [sys.argv[0]])
    app.setApplicationName("jacviz")
    app.setOrganizationName("jacviz")
    app.setDesktopFileName("jacviz")
    pg.setConfigOptions(antialias=True, imageAxisOrder="row-major")
    from PySide6.QtGui import QPixmapCache

    # Each static layer of the views (heatmap, grids, critical curves) is cached as a pixmap of
    # its view's size. Qt's default 10 MB cache holds them all only at 1280×720; on a larger or
    # high-DPI window they evicted each other and were redrawn on every cursor move (11–22 ms
    # instead of 2–3 ms, python -m jacviz.bench). 256 MB is an upper bound, not an allocation.
    QPixmapCache.setCacheLimit(max(QPixmapCache.cacheLimit(), 256 * 1024))  # in KB
    from jacviz.ui import style

    # The plots follow the desktop: dark colours on a dark palette (JACVIZ_THEME=light or
    # dark overrides it, for a user who wants the other, and for the tests).
    wanted = os.environ.get("JACVIZ_THEME", "").strip().lower()
    style.use_theme(wanted == "dark" if wanted in ("dark", "light") else style.is_dark_palette(app.palette()))
    global _COLLECTOR
    if _COLLECTOR is None:
        # Python's cyclic garbage collector runs in whichever thread allocates when a threshold
        # is crossed. When that is a sampling thread and the garbage holds Qt objects (a closed
        # window's items), their C++ destructors run there: Qt takes its connection lock, then
        # shiboken waits for the GIL that the GUI thread holds while it waits for that lock, and
        # the process hangs (seen in the test suite, py-spy shows both threads). pyqtgraph's
        # GarbageCollector turns automatic collection off and collects on a timer of the GUI
        # thread instead, which is where Qt objects must die.
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _COLLECTOR = GarbageCollector(interval=1.0)
    if not app.property("jacvizShutdown"):
        # Background threads and sympy processes are stopped and joined before Qt and the
        # interpreter go away (see jacviz.ui.background).
        from jacviz.ui import background

        app.aboutToQuit.connect(background.shutdown)
        app.setProperty("jacvizShutdown", True)
    try:
        from jacviz.core.persistence.presets import resource_bytes

        pixmap = QPixmap()
        if pixmap.loadFromData(resource_bytes("jacviz.svg")):
            app.setWindowIcon(QIcon(pixmap))
    except OSError:
        pass  # no icon is no reason not to start
    return app


def run_window(target: str | None, *, variables=None, params=None, session=None, model=None) -> int:
    """Open the window and run until it is closed.

    With a mapping, show it; with a session (already loaded and checked), show that; with a
    model (an .onnx path, already checked), open it; with none, restore the last session
    (or show the default preset).
    """
    app = make_application()
    from jacviz.ui.main_window import MainWindow

    window = MainWindow(target, variables=variables, params=params or {}, session=session, model=model,
                        restore=target is None and session is None and model is None)
    window.files.autosave_enabled = True
    from jacviz.ui.placement import place_window

    place_window(window)  # 85 % of the screen the first time, then where the user left it
    window.show()
    return app.exec()  # safe: Qt's event loop


__all__ = ["make_application", "run_window"]
