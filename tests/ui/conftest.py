"""Fixtures for window tests: one QApplication set up as the app does, and a fresh window."""

import pytest

from jacviz.ui.app import make_application

APPLY_TIMEOUT_MS = 20_000  # generous: the machines are shared; nothing here measures speed


@pytest.fixture(scope="session")
def app():
    return make_application()


@pytest.fixture
def window(app, qtbot):
    """A shown MainWindow with its default mapping drawn."""
    from jacviz.ui import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        w.show()
    yield w
    w.close()


def apply(qtbot, window, text: str):
    """Type ``text`` into the mapping bar, press Enter, wait until it is drawn."""
    from PySide6.QtCore import Qt

    edit = window.mapping_bar.edit
    edit.clear()
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        qtbot.keyClicks(edit, text)
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.wait(30)  # let the layout settle (the parameter row may have appeared or gone)


def wait_idle(qtbot, window):
    """Wait until no background sampling is pending and its result has been drawn."""
    qtbot.waitUntil(lambda: window.sampler.is_idle() and window.compiler.is_idle(), timeout=APPLY_TIMEOUT_MS)
    qtbot.wait(50)  # let the queued result reach the GUI thread
