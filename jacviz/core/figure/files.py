"""Writing figure files safely: a temporary file in the same folder, checked, then renamed.

A figure is never reported written when it is not: the bytes go to a hidden temporary file
next to the target, the file is read back and checked (not empty, the format's own
signature and ending), and only then renamed over the target, which is atomic on one file
system. A failure leaves the target as it was and no temporary file behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from jacviz.core.errors import ExportError

FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".svg": "svg", ".pdf": "pdf"}


def format_for(path: str | Path) -> str:
    """The format a file name asks for; ExportError for any other extension."""
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ExportError(f"cannot export to '{Path(path).name}': use a .png, .jpg, .svg or .pdf file name")
    return fmt


def check_file(path: Path, fmt: str) -> None:
    """Raise ExportError unless ``path`` holds a plausible, complete file of format ``fmt``."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(16)
            f.seek(max(size - 1024, 0))
            tail = f.read()
    except OSError as exc:
        raise ExportError(f"could not read back '{path.name}': {exc.strerror or exc}") from None
    ok = size > 0 and {
        "png": head.startswith(b"\x89PNG\r\n\x1a\n") and b"IEND" in tail,
        "jpeg": head.startswith(b"\xff\xd8") and tail.rstrip(b"\x00").endswith(b"\xff\xd9"),
        "svg": head.lstrip().startswith(b"<?xml") and tail.rstrip().endswith(b"</svg>"),
        "pdf": head.startswith(b"%PDF-") and b"%%EOF" in tail,
        "gif": head.startswith((b"GIF87a", b"GIF89a")) and tail.endswith(b"\x3b"),
    }[fmt]
    if not ok:
        raise ExportError(f"the {fmt.upper()} written for '{path.name}' is empty or incomplete")


def write_atomically(path: str | Path, fmt: str, write: Callable[[Path], None]) -> Path:
    """Call ``write(temporary)``, check the result, then rename it to ``path``."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"the folder '{folder}' does not exist")
    tmp = folder / f".{path.stem}.{os.getpid()}.part{path.suffix}"
    try:
        write(tmp)
        check_file(tmp, fmt)
        os.replace(tmp, path)
    except OSError as exc:
        raise ExportError(f"could not write '{path}': {exc.strerror or exc}") from None
    except ValueError as exc:  # Pillow reports some write failures (a full disk) this way
        raise ExportError(f"could not write '{path}': {exc}") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
