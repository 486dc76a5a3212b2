"""What jacviz keeps between runs, on disk and without Qt: the autosave and the recent files.

Everything lives in one folder, :func:`jacviz.core.persistence.paths.config_dir`.

* ``autosave.jacviz`` is an ordinary session file, written atomically after every change,
  so a crash or a kill loses nothing. A broken one is moved aside to
  ``autosave.broken.jacviz`` (kept, in case it matters to someone) and the app starts
  fresh; reading it never raises, because an app that cannot start is worse than one
  that forgets.
* ``recent.json`` lists the sessions opened or saved, most recent first. A corrupt list
  is treated as empty; files that no longer exist are left out.
* ``window.json`` holds the window's last geometry and splitter sizes; a corrupt one is
  ignored and the window opens at a size that suits the screen.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from pathlib import Path

from jacviz.core.errors import JacvizError
from jacviz.core.persistence.paths import config_dir
from jacviz.core.persistence.session import Session, atomic_write, load, save

BROKEN_AUTOSAVE_NAME = "autosave.broken.jacviz"
RECENT_NAME = "recent.json"
RECENT_VERSION = 1
MAX_RECENT = 10
MAX_RECENT_BYTES = 256_000  # ten paths need a few kilobytes; a larger file is not ours


# ---------------------------------------------------------------------------------------
# Autosave


_INSTANCE: dict[str, object] = {}  # this process's autosave name and the open file that holds its lock


def _instance_name() -> str:
    """This process's own autosave name, ``autosave-<pid>``, and its lock (taken once)."""
    name = _INSTANCE.get("name")
    if name is None:
        name = f"autosave-{os.getpid()}"
        _INSTANCE["name"] = name
        try:
            lock = open(config_dir() / f"{name}.lock", "a+b")  # held open until the process ends
            _lock(lock)
            _INSTANCE["lock"] = lock
        except OSError:
            pass  # no lock (a read-only folder): the autosave is still this process's own file
    return name  # type: ignore[return-value]


def _lock(f) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: the pid in the name keeps instances apart
        return
    fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _owned_by_a_running_instance(path: Path) -> bool:
    """True when another running jacviz holds the lock of this autosave."""
    if path.name == f"{_INSTANCE.get('name')}.jacviz":
        return True  # our own
    lock_path = path.with_suffix(".lock")
    if not lock_path.exists():
        return False  # a legacy autosave.jacviz, or an instance that never locked
    try:
        import fcntl
    except ImportError:  # pragma: no cover
        return False
    try:
        with open(lock_path, "a+b") as f:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
        return False
    except OSError:
        return True


def autosave_path() -> Path:
    """Where this instance autosaves (the folder is created; the file may not exist).

    Each running jacviz has its own file, ``autosave-<pid>.jacviz``, locked while it runs:
    two instances no longer overwrite each other's work (the last writer used to win).
    """
    return config_dir() / f"{_instance_name()}.jacviz"


def write_autosave(session: Session) -> None:
    """Write ``session`` as this instance's autosave, atomically: a kill mid-write keeps the previous one.

    Raises SessionError for a session that could not be read back and OSError when the
    disk refuses; the caller reports either and carries on.
    """
    save(session, autosave_path())


def orphaned_autosaves() -> list[Path]:
    """Autosaves no running instance owns (it quit or was killed), newest first."""
    try:
        folder = config_dir()
        _instance_name()
        candidates = [p for p in folder.glob("autosave*.jacviz") if p.name != BROKEN_AUTOSAVE_NAME]
    except OSError:
        return []
    mine = f"{_INSTANCE.get('name')}.jacviz"
    out = [p for p in candidates if p.name != mine and not _owned_by_a_running_instance(p)]

    def mtime(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except OSError:
            return 0.0

    return sorted(out, key=mtime, reverse=True)


def read_autosave(path: Path | None = None) -> Session | None:
    """The newest autosave no running instance owns (or ``path``), or None; it becomes this instance's.

    Never raises. A file that exists but is refused (corrupt, truncated by a full disk,
    written by a newer jacviz) is moved aside to ``autosave.broken.jacviz`` so that the
    next autosave does not destroy it and the next start does not trip over it again.
    The restored file is renamed to this instance's autosave, so it is not offered again.
    """
    for candidate in ([path] if path is not None else orphaned_autosaves()):
        if not os.path.lexists(candidate):
            continue
        try:
            session = load(candidate)
        except JacvizError:
            session = None  # refused: corrupt, truncated, hostile or from a newer jacviz
        except Exception:  # a bug in the reader must not stop the app from starting, on every start
            session = None
        if session is None:
            try:
                os.replace(candidate, candidate.with_name(BROKEN_AUTOSAVE_NAME))
            except OSError:
                pass  # cannot move it (read-only folder, or it is a folder): still start fresh
            continue
        try:
            os.replace(candidate, autosave_path())
            stale_lock = candidate.with_suffix(".lock")
            if stale_lock.exists():
                stale_lock.unlink()
        except OSError:
            pass  # it stays where it is; it will be offered again next time
        return session
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


# ---------------------------------------------------------------------------------------
# The window's layout


LAYOUT_NAME = "window.json"
LAYOUT_VERSION = 1
MAX_LAYOUT_BYTES = 64_000  # a geometry blob and a few sizes; a larger file is not ours
MAX_SPLITTER_PANES = 8


def read_window_layout() -> dict[str, object] | None:
    """The window's last geometry and splitter sizes, or None when there is none worth using.

    The result holds ``geometry`` (the bytes Qt's ``saveGeometry`` gave, stored as
    base64) and ``splitter``, a list of non-negative ints or None. A
    missing, corrupt or foreign file gives None: the window then opens at its default
    size, which is always better than refusing to start.
    """
    try:
        with open(config_dir() / LAYOUT_NAME, "rb") as f:
            data = f.read(MAX_LAYOUT_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_LAYOUT_BYTES:
        return None
    try:
        doc = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("version") != LAYOUT_VERSION:
        return None
    geometry = doc.get("geometry")
    splitter = doc.get("splitter")
    if not isinstance(geometry, str) or not geometry.isascii():
        return None
    try:
        blob = base64.b64decode(geometry, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not blob:
        return None
    if not (isinstance(splitter, list) and 0 < len(splitter) <= MAX_SPLITTER_PANES
            and all(type(s) is int and 0 <= s <= 100_000 for s in splitter)):
        splitter = None
    return {"geometry": blob, "splitter": splitter}


def write_window_layout(geometry: bytes, splitter: list[int] | None) -> None:
    """Remember the window's geometry (Qt's ``saveGeometry`` bytes) and splitter sizes, atomically.

    Raises OSError when the config folder cannot be written; the window ignores that,
    since a forgotten size is no reason to keep the user from quitting.
    """
    doc = {"version": LAYOUT_VERSION, "geometry": base64.b64encode(bytes(geometry)).decode("ascii"),
           "splitter": list(splitter or [])}
    atomic_write(config_dir() / LAYOUT_NAME, (json.dumps(doc) + "\n").encode("ascii"))
