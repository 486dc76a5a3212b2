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
    from jacviz.ui import style

    # The plots follow the desktop: dark colours on a dark palette (JACVIZ_THEME=light or
    # dark overrides it, for a user who wants the other, and for the tests).
    wanted = os.environ.get("JACVIZ_THEME", "").strip().lower()
    style.use_theme(wanted == "dark" if wanted in ("dark", "light") else style.is_dark_palette(app.palette()))
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


def run_window(target: str | None, *, variables=None, params=None, session=None) -> int:
    """Open the window and run until it is closed.

    With a mapping, show it; with a session (already loaded and checked), show that;
    with neither, restore the last session (or show the default preset).
    """
    app = make_application()
    from jacviz.ui.main_window import MainWindow

    window = MainWindow(target, variables=variables, params=params or {}, session=session,
                        restore=target is None and session is None)
    window.files.autosave_enabled = True
    from jacviz.ui.placement import place_window

    place_window(window)  # 85 % of the screen the first time, then where the user left it
    window.show()
    return app.exec()  # safe: Qt's event loop


__all__ = ["make_application", "run_window"]
