"""Starting the application: the QApplication, the icon, the main window."""

from __future__ import annotations

import sys

from jacviz.core.errors import MappingError


def make_application(argv: list[str] | None = None):
    """The QApplication (created once), with jacviz's name and icon."""
    import pyqtgraph as pg
    from PySide6.QtGui import QIcon, QPixmap
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else [sys.argv[0]])
    app.setApplicationName("jacviz")
    app.setOrganizationName("jacviz")
    app.setDesktopFileName("jacviz")
    pg.setConfigOptions(antialias=True, imageAxisOrder="row-major")
    try:
        from jacviz.core.presets import resource_bytes

        pixmap = QPixmap()
        if pixmap.loadFromData(resource_bytes("jacviz.svg")):
            app.setWindowIcon(QIcon(pixmap))
    except OSError:
        pass  # no icon is no reason not to start
    return app


def run_window(target: str | None, *, variables=None, params=None) -> int:
    """Open the window with a mapping (or the default), run until it is closed."""
    app = make_application()
    from jacviz.ui.main_window import MainWindow

    window = MainWindow(target, variables=variables, params=params or {})
    window.show()
    return app.exec()


__all__ = ["MappingError", "make_application", "run_window"]
