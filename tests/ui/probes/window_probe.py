"""Opens jacviz's window on a dark (or light) desktop palette and saves what it shows.

Run by tests/ui/test_themes.py in a child process, because the plots' theme (and Qt's scale
factor, for tests/ui/test_dpr.py) is chosen when the application starts.
``window_probe.py dark|light OUT.png OUT.json``.
"""

import json
import sys
import time

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

DARK_DESKTOP = {
    QPalette.ColorRole.Window: (45, 45, 48), QPalette.ColorRole.WindowText: (230, 230, 230),
    QPalette.ColorRole.Base: (30, 30, 30), QPalette.ColorRole.Text: (230, 230, 230),
    QPalette.ColorRole.Button: (55, 55, 58), QPalette.ColorRole.ButtonText: (230, 230, 230),
}


def main() -> None:
    app = QApplication([sys.argv[0]])
    if sys.argv[1] == "dark":
        palette = QPalette()
        for role, rgb in DARK_DESKTOP.items():
            palette.setColor(role, QColor(*rgb))
        app.setPalette(palette)
    from jacviz.ui import style
    from jacviz.ui.app import make_application
    from jacviz.ui.main_window import MainWindow

    make_application()
    window = MainWindow()
    window.resize(1280, 720)
    window.show()
    deadline = time.monotonic() + 60
    while (window.scene is None or not window._idle()) and time.monotonic() < deadline:
        app.processEvents()
    window.model.set_cursor((0.7, 0.4))
    for _ in range(50):
        app.processEvents()
    window.grab().save(sys.argv[2])

    def rect_of(widget, inner=None):
        top_left = widget.mapTo(window, widget.rect().topLeft())
        return [top_left.x(), top_left.y(), widget.width(), widget.height()]

    def plot_of(view):
        box = view.viewbox.sceneBoundingRect().toRect()
        origin = view.mapTo(window, view.mapFromScene(box.topLeft()))
        return [origin.x(), origin.y(), box.width(), box.height()]

    seen = {"dark": style.dark, "codomain_plot": plot_of(window.codomain),
            "domain_plot": plot_of(window.domain), "readout_numbers": rect_of(window.readout.table),
            "dpr": window.devicePixelRatioF()}
    with open(sys.argv[3], "w") as f:
        json.dump(seen, f)
    window.close()


if __name__ == "__main__":
    main()
