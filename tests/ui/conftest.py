"""Fixtures for window tests: one QApplication set up as the app does, and a fresh window."""

import pytest
from uihelpers import APPLY_TIMEOUT_MS

from jacviz.ui.app import make_application


@pytest.fixture(scope="session")
def app():
    return make_application()


@pytest.fixture
def window(app, qtbot):
    """A shown MainWindow with its default mapping drawn."""
    from jacviz.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        w.show()
    yield w
    w.close()
