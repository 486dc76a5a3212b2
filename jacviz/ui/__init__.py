"""The window: PySide6 and pyqtgraph are imported only under this package.

Nothing in jacviz.core may import it. Importing the package itself loads nothing, so
``import jacviz.ui.export`` does not pull in pyqtgraph or the main window:

* :mod:`.model`: the application state, evented, with no widgets;
* :mod:`.main_window`: the window that lays out the views and panels and wires them to the model;
* :mod:`.views`: the domain and codomain views; :mod:`.items`: the graphics items they draw;
* :mod:`.panels`: the mapping bar, the parameters, the readout, the pins and the help;
* :mod:`.tools`: the laboratory's tools, one folder each, registered in one list;
* :mod:`.background`: worker threads; :mod:`.files`: sessions, autosave and recent files;
  :mod:`.export`: images; :mod:`.app`: starting and stopping the application.
"""
