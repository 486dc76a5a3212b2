"""What jacviz keeps between runs, on disk and without Qt: the autosave and the recent files.

Everything lives in one folder, :func:`jacviz.core.persistence.paths.config_dir`.

* ``autosave.jacviz`` is an ordinary session file, written atomically after every change,
  so a crash or a kill loses nothing. A broken one is moved aside to
  ``autosave.broken.jacviz`` (kept, in case it matters to someone) and the app starts
  fresh; reading it never raises, because an app that cannot start is worse than one
  that forgets.
* ``recent.json`` lists the sessions opened or saved, most recent first. A corrupt list
  is treated as empty; files that no longer exist are left out.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from jacviz.core.errors import JacvizError
from jacviz.core.persistence.paths import config_dir
from jacviz.core.persistence.session import Session, atomic_write, load, save

AUTOSAVE_NAME = "autosave.jacviz"
BROKEN_AUTOSAVE_NAME = "autosave.broken.jacviz"
RECENT_NAME = "recent.json"
RECENT_VERSION = 1
MAX_RECENT = 10
MAX_RECENT_BYTES = 256_000  # ten paths need a few kilobytes; a larger file is not ours


# ---------------------------------------------------------------------------------------
# Autosave


def autosave_path() -> Path:
    """Where the autosave lives (the folder is created; the file may not exist)."""
    return config_dir() / AUTOSAVE_NAME


def write_autosave(session: Session) -> None:
    """Write ``session`` as the autosave, atomically: a kill mid-write keeps the previous one.

    Raises SessionError for a session that could not be read back and OSError when the
    disk refuses; the caller reports either and carries on.
    """
    save(session, autosave_path())


def read_autosave() -> Session | None:
    """The last autosaved session, or None when there is none or it cannot be used.

    Never raises. A file that exists but is refused (corrupt, truncated by a full disk,
    written by a newer jacviz) is moved aside to ``autosave.broken.jacviz`` so that the
    next autosave does not destroy it and the next start does not trip over it again.
    """
    try:
        path = autosave_path()
    except OSError:
        return None  # no usable config folder: start fresh, autosave will say why later
    if not os.path.lexists(path):
        return None
    try:
        return load(path)
    except JacvizError:
        pass  # refused: corrupt, truncated, hostile or from a newer jacviz
    except Exception:  # a bug in the reader must not stop the app from starting, on every start
        pass
    try:
        os.replace(path, path.with_name(BROKEN_AUTOSAVE_NAME))
    except OSError:
        pass  # cannot move it (read-only folder, or it is a folder): still start fresh
    return None


# ---------------------------------------------------------------------------------------
# Recent files


def recent_files() -> list[Path]:
    """Sessions opened or saved before, most recent first: at most MAX_RECENT, existing files only.

    A missing, unreadable or corrupt ``recent.json`` gives an empty list; never raises.
    """
    out: list[Path] = []
    for entry in _read_recent():
        path = Path(entry)
        if path in out or not path.is_absolute() or not _is_file(path):
            continue
        out.append(path)
        if len(out) == MAX_RECENT:
            break
    return out


def add_recent(path: str | os.PathLike[str]) -> None:
    """Put ``path`` first in the recent files (once), dropping files that no longer exist.

    The list is stored with absolute paths and written atomically. Raises OSError when
    the config folder cannot be written; the caller decides whether that matters.
    """
    first = _absolute(path)
    entries = [first]
    for entry in _read_recent():
        candidate = Path(entry)
        if candidate not in entries and candidate.is_absolute() and _is_file(candidate):
            entries.append(candidate)
        if len(entries) == MAX_RECENT:
            break
    doc = {"version": RECENT_VERSION, "files": [str(p) for p in entries]}
    # ensure_ascii: a file name with undecodable bytes is a str with surrogates on POSIX;
    # escaped, it survives the round trip through JSON unchanged.
    atomic_write(config_dir() / RECENT_NAME, (json.dumps(doc, indent=2) + "\n").encode("ascii"))


def _read_recent() -> list[str]:
    """The stored entries, unchecked beyond being strings; [] for anything unusable."""
    try:
        with open(config_dir() / RECENT_NAME, "rb") as f:
            data = f.read(MAX_RECENT_BYTES + 1)
    except OSError:
        return []
    if len(data) > MAX_RECENT_BYTES:
        return []
    try:
        doc = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or absurdly nested
        return []
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, list):
        return []
    return [entry for entry in files if isinstance(entry, str) and entry]


def _absolute(path: str | os.PathLike[str]) -> Path:
    """``path`` made absolute and normalised, so one file has one entry however it was named."""
    p = Path(path).expanduser()
    try:
        return p.resolve()
    except (OSError, RuntimeError):  # a symlink loop: keep the name as given, made absolute
        return Path(os.path.abspath(p))


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # ValueError: a NUL byte in a hand-edited entry
        return False
