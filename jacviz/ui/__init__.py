"""The window. Everything here may import Qt; nothing in jacviz.core may import this."""

from jacviz.ui.main_window import MainWindow

__all__ = ["MainWindow"]
