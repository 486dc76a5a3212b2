"""jacviz's benchmark suite: ``python -m jacviz.bench`` (see :mod:`jacviz.bench.harness`).

The modules here import nothing heavy at package level, so that a cold-start child
(:mod:`jacviz.bench.coldstart`) pays nothing for living in this package.
"""
