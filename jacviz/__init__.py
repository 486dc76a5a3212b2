"""jacviz: see what a Jacobian does.

Type a 2D mapping F(x, y) = (u, v) or a complex function f(z); jacviz derives the Jacobian
symbolically and shows, wherever the mouse is, how F stretches, turns and folds the plane.
"""

__version__ = "0.1.0"

import os as _os

# One BLAS thread per process, unless the user chose otherwise. jacviz's matrices are small
# (a network layer is at most a few hundred wide) and it already samples on worker threads:
# on this project's 2-core machine OpenBLAS's own threads spun against them and made a
# network's 512² det J field 10–12× slower (python -m jacviz.bench.networks). Set before numpy
# is imported, which jacviz's modules do after this package.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_name, "1")
del _os, _name
