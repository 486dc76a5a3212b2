"""``python -m jacviz.bench``: run the benchmark (see :mod:`jacviz.bench.harness`)."""

from jacviz.bench.harness import main

if __name__ == "__main__":
    raise SystemExit(main())
