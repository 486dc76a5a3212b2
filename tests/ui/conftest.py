"""Fixtures for window tests: a fresh window (the QApplication fixture is in tests/conftest.py)."""

import pytest
from uihelpers import APPLY_TIMEOUT_MS


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
