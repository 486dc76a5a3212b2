"""Mappings of every shape other than the plane's, in the window: scalar fields, curves, surfaces, space.

:mod:`.pane` holds the pane that takes the place of the two linked views (its 2D domain view,
the readout, the slider of a map of space) and :func:`~.pane.show_shape`, which the main window
calls for such a mapping; :mod:`.gl` the 3D view, made only where OpenGL exists; :mod:`.export`
the headless image of the pane for ``jacviz export``.
"""
