"""Lab tools plug in: a new tool is its own folder plus one line in the registry."""

import pytest
from uihelpers import APPLY_TIMEOUT_MS

from jacviz.ui import tools


def test_a_new_tool_is_one_folder_and_one_registration_line(qtbot, monkeypatch):
    from label_tool import ValueLabelTool

    from jacviz.ui.main_window import MainWindow

    monkeypatch.setattr(tools, "TOOLS", [*tools.TOOLS, ValueLabelTool])  # the one line
    window = MainWindow("x^2 - y^2, 2xy")
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        window.show()
    window.move_cursor(0.5, 0.25)
    label = window.tool("value_label").label
    assert label.toPlainText() == "F(p) = (0.188, 0.250)"  # (x² − y², 2xy) at (0.5, 0.25)
    assert label.pos().x() == pytest.approx(0.1875) and label.pos().y() == pytest.approx(0.25)
    window.close()


def test_every_registered_tool_is_built_with_a_name(window):
    names = [cls.name for cls in tools.TOOLS]
    assert len(set(names)) == len(names)
    assert set(window.tools) == set(names)
