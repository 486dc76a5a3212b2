"""Helpers shared by the window tests (imported by name; fixtures live in conftest.py).

They wait on conditions, never for a fixed time: the machines are shared and noisy.
"""

APPLY_TIMEOUT_MS = 20_000  # generous: the machines are shared; nothing here measures speed


def apply(qtbot, window, text: str):
    """Type ``text`` into the mapping bar, press Enter, wait until it is drawn and settled.

    After mappingApplied the window still finishes in the background: it adds the margin
    that makes pans free, and resamples if the parameter row came or went.
    """
    from PySide6.QtCore import Qt

    edit = window.mapping_bar.edit
    edit.clear()
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        qtbot.keyClicks(edit, text)
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    wait_idle(qtbot, window)


def settled(window) -> bool:
    """No background work pending, after delivering what is queued (a result may ask for more)."""
    from PySide6.QtWidgets import QApplication

    for _ in range(3):
        if not window._idle():
            return False
        QApplication.processEvents()
    return window._idle()


def wait_idle(qtbot, window):
    """Wait until no background sampling is pending and its result has been drawn."""
    qtbot.waitUntil(lambda: settled(window), timeout=APPLY_TIMEOUT_MS)
