"""jacviz: see what a Jacobian does.

Type a 2D mapping F(x, y) = (u, v) or a complex function f(z); jacviz derives the Jacobian
symbolically and shows, wherever the mouse is, how F stretches, turns and folds the plane.
"""

__version__ = "0.1.0"
