"""Sampling a numeric mapping for the views: numpy on arrays, nothing about Qt.

* :mod:`.fields`: det J on an N×N grid over a rectangle (the heatmap);
* :mod:`.grid`: grid lines and their images, with NaN breaks where the image jumps;
* :mod:`.contours`: the critical curve det J = 0 as segments (marching squares), and its image;
* :mod:`.limits`: robust limits and colour levels;
* :mod:`.linearization`: the true image of a small circle next to the ellipse J(p) predicts.
"""
