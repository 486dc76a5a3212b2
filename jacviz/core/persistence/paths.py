"""Where jacviz keeps its files: the config folder (autosave, recent files) and the cache folder.

The folders follow each platform's convention through platformdirs (``~/.config/jacviz`` and
``~/.cache/jacviz`` on Linux, honouring ``$XDG_CONFIG_HOME`` and ``$XDG_CACHE_HOME``).
``$JACVIZ_CONFIG_DIR`` and ``$JACVIZ_CACHE_DIR`` override them: the tests and portable
installs use that, so a test never touches the user's own files.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "jacviz"


def _folder(variable: str, default) -> Path:
    explicit = os.environ.get(variable)
    if explicit:
        return Path(explicit).expanduser()
    try:
        return Path(default(APP, appauthor=False))
    except (RuntimeError, KeyError) as err:  # no home folder can be found
        raise OSError(f"cannot find the home folder: {err}") from None


def config_dir() -> Path:
    """The folder for jacviz's own files, created if needed; OSError when it cannot be."""
    folder = _folder("JACVIZ_CONFIG_DIR", platformdirs.user_config_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cache_dir() -> Path | None:
    """The folder for the compiled-code cache, created if needed; None when it cannot be.

    A cache that cannot be written is simply off: nothing else depends on it.
    """
    try:
        folder = _folder("JACVIZ_CACHE_DIR", platformdirs.user_cache_dir)
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:
        return None
