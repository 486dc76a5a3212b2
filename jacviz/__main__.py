"""``python -m jacviz``: the same as the ``jacviz`` command."""

from jacviz.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
