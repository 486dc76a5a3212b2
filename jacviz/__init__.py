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


def _keep_freed_memory() -> None:
    """Let glibc's malloc keep freed blocks of up to 32 MiB for reuse, unless the user chose.

    A network's field allocates and frees arrays of 2 to 4 MiB per chunk of points (2**19
    values of float32 or float64), on two threads at once, so in two of malloc's arenas. With
    glibc's defaults (a block above 128 KiB is mapped on its own, and the top of the heap is
    returned to the system once 128 KiB of it is free; both raised only by chance, when a
    large block happens to be freed) every chunk mapped fresh pages that the kernel zeroed:
    162,000 page faults and 0.25 s of system time for the shipped flow's 512² field in a fresh
    process, 0.63 s in all against 0.40 s with these settings (python -m jacviz.bench.networks).
    The cost is up to 128 MiB of freed memory per arena kept by the process instead of
    returned (two arenas are in use while a field is computed).
    """
    import ctypes
    import os
    import sys

    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ \
            or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's C library: glibc or musl
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # <malloc.h>
    mallopt(m_mmap_threshold, 32 * 2**20)
    mallopt(m_trim_threshold, 128 * 2**20)


_keep_freed_memory()
