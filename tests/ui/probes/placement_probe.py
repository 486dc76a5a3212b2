"""Opens jacviz's window as the app does (placed, remembered), on the screen Qt was given.

Run by tests/ui/test_layout.py in a child process, because the screen's size is fixed when
the QApplication starts. ``placement_probe.py OUT.json [W H [S0 S1 S2]]``: place the window,
optionally resize it and set the splitter, close it, and write what was seen to OUT.json.
"""

import json
import sys

from jacviz.ui.app import make_application
from jacviz.ui.main_window import MainWindow
from jacviz.ui.placement import place_window


def main() -> None:
    app = make_application()
    window = MainWindow()
    restored = place_window(window)
    window.show()
    for _ in range(20):
        app.processEvents()
    seen = {
        "restored": restored,
        "geometry": list(window.geometry().getRect()),
        "available": list(window.screen().availableGeometry().getRect()),
        "minimum": [window.minimumSizeHint().width(), window.minimumSizeHint().height()],
        "splitter": window.splitter.sizes(),
    }
    args = [int(a) for a in sys.argv[2:]]
    if len(args) >= 2:
        window.resize(args[0], args[1])
        for _ in range(20):
            app.processEvents()
    if len(args) >= 5:
        window.splitter.setSizes(args[2:5])
        for _ in range(20):
            app.processEvents()
    seen["closed_size"] = [window.width(), window.height()]
    seen["closed_splitter"] = window.splitter.sizes()
    window.close()
    with open(sys.argv[1], "w") as f:
        json.dump(seen, f)


if __name__ == "__main__":
    main()
