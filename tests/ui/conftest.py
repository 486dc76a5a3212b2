"""Fixtures for window tests: a fresh window (the QApplication fixture is in tests/conftest.py)."""

import pytest
from uihelpers import APPLY_TIMEOUT_MS


def _shown_window(qtbot, **kwargs):
    from jacviz.ui.main_window import MainWindow

    w = MainWindow(**kwargs)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        w.show()
    return w


@pytest.fixture
def window(app, qtbot):
    """A shown MainWindow with its default mapping drawn."""
    w = _shown_window(qtbot)
    yield w
    w.close()


@pytest.fixture
def small_window(app, qtbot):
    """A shown window sampling a 160² heatmap: the numbers the network tests read do not depend
    on it, and a shared, loaded machine draws it in a fraction of the time of the default 512²."""
    from jacviz.core.pipeline.scene import Quality

    w = _shown_window(qtbot, quality=Quality(heatmap=160, lines=21, samples=120))
    yield w
    w.close()
