"""Helpers shared by the window tests (imported by name; fixtures live in conftest.py)."""

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
    qtbot.wait(30)  # let the layout settle (the parameter row may have appeared or gone)
    wait_idle(qtbot, window)


def wait_idle(qtbot, window):
    """Wait until no background sampling is pending and its result has been drawn."""
    for _ in range(3):  # a drawn result may ask for one more (the margin, a new layout)
        qtbot.waitUntil(window._idle, timeout=APPLY_TIMEOUT_MS)
        qtbot.wait(50)  # let the queued result reach the GUI thread
