"""Session files (``.jacviz``): everything worth keeping about what the user is looking at.

A session is plain JSON with a ``version`` field. It holds the mapping text and its
variables, the parameters with their slider ranges, the visible rectangles of both views,
the pinned points, the heatmap mode, the neighbourhood size h and the cursor, plus the
text left unapplied in the mapping bar (``draft``) so that an autosave keeps even a
half-typed formula.

Opening a file never executes anything in it. Every field is checked for its type and
range, numbers must be finite, names go through the language's own rules and the mapping
text through the same parser as typed text (:func:`jacviz.core.language.parse`; no sympy
is involved, so loading is fast and the mapping is only computed when the window shows
it). Size and nesting are bounded before the JSON is decoded. Anything wrong raises
:class:`~jacviz.core.errors.SessionError` with a one-line message, and since :func:`load`
only returns a new :class:`Session`, the caller's current session is untouched.

Writes are atomic (temporary file, fsync, :func:`os.replace`), so killing the process in
the middle of a save or an autosave leaves the previous file intact. :func:`to_json`
checks a session with the same code that reads it, so jacviz never writes a file that it
would refuse to open.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
import secrets
import stat
from dataclasses import dataclass, field, replace
from itertools import accumulate
from pathlib import Path
from typing import Any

from jacviz.core.errors import MappingError, SessionError
from jacviz.core.lab.descent import MAX_ETA, MIN_ETA
from jacviz.core.language import (
    MAX_NAME_LENGTH,
    MAX_PARAMETERS,
    check_new_name,
    check_variable_names,
    parse,
)
from jacviz.core.persistence.presets import ParameterRange
from jacviz.core.sampling.heatmap import HEATMAP_MODES

SESSION_VERSION = 1
SUFFIX = ".jacviz"
APP = "jacviz"

# Limits. A real session is a few kilobytes (1000 pins pretty-printed are about 60 kB);
# each limit is far above that and far below anything that costs noticeable time.
MAX_FILE_BYTES = 1_000_000
MAX_NESTING = 16  # a session needs 3 levels: the object, params, one parameter
MAX_PINS = 1000
MAX_DRAFT_LENGTH = 20_000
MAX_POLYGON_CORNERS = 1000
MAX_PARAMETER_SIZE = 1e100  # a slider's span (max − min) must stay finite
MAX_LOSS_LENGTH = 2000
MAX_TRAJECTORIES = 100
MAX_INT_DIGITS = 30  # longer integer literals are read as floats (and are then too large)

DEFAULT_DOMAIN = (-2.0, 2.0, -2.0, 2.0)
DEFAULT_H = 0.1

FIELDS = (
    "mapping", "variables", "params", "domain_range", "codomain_range", "codomain_follows",
    "pins", "heatmap_mode", "h", "cursor", "draft", "region", "vectors", "model", "dynamics", "shape",
)


@dataclass(frozen=True)
class Session:
    """What the window shows, in a form that can be written to disk and read back exactly.

    ``variables`` is None when the mapping names its own (a head such as ``(r, t) -> ...``)
    or uses the default x, y; otherwise the window keeps them as the default names while
    the user edits the formula. ``codomain_range`` is the right view's rectangle, which
    matters only when ``codomain_follows`` is False (the view does not fit the image).
    ``draft`` is the mapping bar's text when it differs from the applied ``mapping``
    (empty otherwise); it is only ever shown as text, so it is not required to parse.
    """

    mapping: str
    variables: tuple[str, str] | None = None
    params: dict[str, ParameterRange] = field(default_factory=dict)
    domain_range: tuple[float, float, float, float] = DEFAULT_DOMAIN
    codomain_range: tuple[float, float, float, float] | None = None
    codomain_follows: bool = True
    pins: tuple[tuple[float, float], ...] = ()
    heatmap_mode: str = "auto"
    h: float = DEFAULT_H
    cursor: tuple[float, float] | None = None
    draft: str = ""
    region: dict | None = None
    vectors: dict | None = None
    # A trained network shown instead of a typed mapping: {"path", "sha256", "preset",
    # "output"} (see _model); ``mapping`` is then the model's name, shown but never parsed.
    model: dict | None = None
    dynamics: dict | None = None
    # A mapping that is not a map of the plane (a scalar field, a curve, a surface, a map of
    # space): {"cursor": [n numbers], "slice", "eta", "descent_from"}; see _shape.
    shape: dict | None = None


# ---------------------------------------------------------------------------------------
# Writing


def to_json(session: Session) -> str:
    """The session as pretty JSON with sorted keys, a ``version`` and an ``app`` field.

    The session is checked first with the same code that reads files, so whatever this
    returns, :func:`from_json` accepts. Raises SessionError for a session that could not be
    read back (a non-finite number, an empty range, a mapping that does not parse, ...).
    """
    if not isinstance(session, Session):
        raise SessionError(f"expected a Session, got {type(session).__name__}")
    data = {name: _plain(getattr(session, name)) for name in FIELDS}
    _from_dict(data)  # raises for anything the reader would refuse
    data["version"] = SESSION_VERSION
    data["app"] = APP
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def _plain(value: Any) -> Any:
    """Tuples, ParameterRanges and numpy scalars turned into what json.dumps writes."""
    if isinstance(value, ParameterRange):
        return {"value": _plain(value.value), "min": _plain(value.minimum), "max": _plain(value.maximum)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, int)):
        return float(value)  # numpy.float32 and friends; float itself round-trips exactly
    return value


def save(session: Session, path: str | os.PathLike[str]) -> None:
    """Write ``session`` to ``path`` atomically; the path is used exactly as given.

    Raises SessionError (before touching the disk) for a session that could not be read
    back, and OSError when the disk refuses; in both cases a previous file is unchanged.
    """
    atomic_write(path, to_json(session).encode("utf-8"))


def atomic_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` by ``data`` so that readers see the old file or the new one, never half.

    The bytes go to a new file in the same folder (same file system, so the rename is
    atomic), are flushed and fsynced, and the file then replaces ``path`` with
    :func:`os.replace`. A symbolic link is followed, so the file it points to is replaced
    rather than the link. An existing file keeps its permissions; a new one gets the
    usual ones (0666 minus the umask). On failure the temporary file is removed.
    """
    target = Path(os.path.realpath(os.fspath(path)))
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = None  # no file yet (or unreadable): the new file gets the default mode
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        # Any failure, KeyboardInterrupt included: drop the temporary file, keep the old one.
        try:
            os.unlink(tmp)
        except OSError:
            pass  # already gone, or the folder itself is failing: the original error matters
        raise
    _fsync_folder(target.parent)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows, or an unreadable folder: the data itself is already on disk
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the rename has still happened
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------------------
# Reading


def load(path: str | os.PathLike[str]) -> Session:
    """Read and check a session file. Raises SessionError with a one-line message.

    Missing files, folders and anything that is not a regular file (a FIFO would block the
    reader for ever) are refused with the file's name; so is a file larger than
    MAX_FILE_BYTES, before it is read, and at most MAX_FILE_BYTES + 1 bytes are ever read.
    """
    p = Path(path)
    name = p.name or str(p)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise SessionError(f"{name} does not exist") from None
    except IsADirectoryError:
        raise SessionError(f"{name} is a folder, not a session file") from None
    except PermissionError:
        raise SessionError(f"{name} cannot be read (permission denied)") from None
    except (OSError, ValueError) as err:  # ValueError: a NUL byte in the name
        raise SessionError(f"{name} cannot be read ({_reason(err)})") from None
    try:
        # Checked on the open descriptor (not the name), so the file cannot be swapped in between.
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SessionError(f"{name} is a folder, not a session file")
        if not stat.S_ISREG(info.st_mode):
            raise SessionError(f"{name} is not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise SessionError(_too_large(info.st_size))
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise SessionError(f"{name} cannot be read ({_reason(err)})") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:  # the file grew after fstat
        raise SessionError(_too_large(len(data)))
    try:
        text = data.decode("utf-8-sig")  # -sig: a byte-order mark from a Windows editor is fine
    except UnicodeDecodeError as err:
        raise SessionError(
            f"{name} is not a jacviz session: it is not UTF-8 text (invalid byte at offset {err.start})"
        ) from None
    return from_json(text)


def from_json(text: str) -> Session:
    """Check the text of a session file and return its Session; raise SessionError if it is bad.

    Refused: anything but a JSON object, NaN and Infinity (which Python's json accepts by
    default), nesting deeper than MAX_NESTING, a missing or unknown version, a wrong type
    or a non-finite number in any field, empty ranges, bad names, and a mapping the parser
    refuses. Unknown keys are ignored, so a newer jacviz can add fields to version 1.
    """
    if not isinstance(text, str):
        raise SessionError(f"a session is text, not {type(text).__name__}")
    if len(text) > MAX_FILE_BYTES:
        raise SessionError(_too_large(len(text)))
    if not text.strip():
        raise SessionError("not a jacviz session: the file is empty")
    depth = _nesting(text)
    if depth > MAX_NESTING:
        raise SessionError(
            f"not a jacviz session: the JSON is nested too deeply ({depth} levels; "
            f"a session needs at most {MAX_NESTING})"
        )
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_int=_parse_int,
                          object_pairs_hook=_no_duplicates)
    except SessionError:
        raise
    except json.JSONDecodeError as err:
        raise SessionError(
            f"not a jacviz session: the file is not valid JSON (line {err.lineno}, column {err.colno}: "
            f"{err.msg[:1].lower()}{err.msg[1:]})"
        ) from None
    except (RecursionError, ValueError, MemoryError) as err:
        # The nesting check makes RecursionError unreachable in practice; ValueError covers
        # Python's own limits (such as digits in an integer). Both mean: not a session.
        raise SessionError(f"not a jacviz session: the JSON cannot be read ({type(err).__name__})") from None
    if not isinstance(data, dict):
        raise SessionError(f"not a jacviz session: the file holds {_kind(data)}, not an object")
    _check_header(data)
    return _from_dict(data)


# A JSON string, or an unterminated one up to the end of the text (json.loads refuses that
# anyway). Every quote therefore starts a match that ends where json's string would end, and
# matches never overlap, so the scan is linear even for text such as '"\\"\\"\\"...'.
_STRING = re.compile(r'"(?:[^"\\]++|\\.?)*+(?:"|\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _nesting(text: str) -> int:
    """The deepest nesting of [ and { in ``text``, not counting brackets inside strings.

    Runs before json.loads, whose recursive decoder would otherwise be the only bound.
    Linear in the text: the string pattern is possessive, so it never backtracks.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    """A JSON object whose keys are all different (json keeps the last of a repeated key silently)."""
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise SessionError(f"not a jacviz session: the key {_show(key)} appears twice in one object")
        out[key] = value
    return out


def _refuse_constant(name: str) -> Any:
    raise SessionError(
        f"not a jacviz session: {name} is not allowed in a session file (every number must be finite)"
    )


def _parse_int(literal: str) -> int | float:
    # Python's int() is quadratic in the digits (and refuses more than 4300): a long literal
    # becomes a float instead, which is inf or huge and is then refused where it is used.
    return int(literal) if len(literal) <= MAX_INT_DIGITS else float(literal)


def _too_large(size: int) -> str:
    return (
        f"not a jacviz session: the file is too large ({size / 1e6:.1f} MB; "
        f"a session file is at most {MAX_FILE_BYTES / 1e6:g} MB)"
    )


def _reason(err: BaseException) -> str:
    """A short one-line reason for an OSError (or ValueError) from the file system."""
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    lines = str(err).splitlines()
    return lines[0] if lines else type(err).__name__


def _check_header(data: dict) -> None:
    app = data.get("app", APP)
    if app != APP:
        raise SessionError(f"not a jacviz session: the app field says {_show(app)}")
    if "version" not in data:
        raise SessionError("not a jacviz session (no version field)")
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise SessionError(
            f"not a jacviz session: the version field must be a whole number, not {_show(version)}"
        )
    if version > SESSION_VERSION:
        raise SessionError(
            f"this session was written by a newer jacviz (version {version}); this jacviz reads "
            f"version {SESSION_VERSION}: update jacviz to open it"
        )
    if version < 1:
        raise SessionError(f"not a jacviz session: unknown version {version}")


# ---------------------------------------------------------------------------------------
# Field checks. ``data`` is what json.loads returned (or what to_json is about to write),
# so every value may be of any JSON type; nothing below assumes a type before checking it.


def _from_dict(data: dict) -> Session:
    if "mapping" not in data:
        raise SessionError("the session has no mapping")
    mapping = data["mapping"]
    if not isinstance(mapping, str):
        raise SessionError(f"the mapping must be text, not {_kind(mapping)}")

    variables = _variables(data.get("variables"))
    model = _model(data.get("model"))
    if model is not None:
        # a network: ``mapping`` is only its name; the file is read (and checked) when the
        # window opens it
        _check_encodable(mapping, "the mapping")
        if len(mapping) > MAX_DRAFT_LENGTH:
            raise SessionError("the model's name in the session is too long")
    else:
        try:
            # Checked only: the window parses again when it shows the mapping. The variables are
            # passed as defaults, as the window does (MainWindow.apply_session), so a head in the
            # text such as (r, t) -> ... names them, exactly as it will when the session is shown.
            parse(mapping, default_variables=variables)
        except MappingError as err:
            # No column: it refers to text in the file, not to what is in the mapping bar.
            raise SessionError(f"the mapping in the session does not parse: {err.message}") from None

    domain = _rect(data.get("domain_range", DEFAULT_DOMAIN), "domain_range")
    codomain_raw = data.get("codomain_range")
    codomain = None if codomain_raw is None else _rect(codomain_raw, "codomain_range")
    follows = data.get("codomain_follows", True)
    if not isinstance(follows, bool):
        raise SessionError(f"codomain_follows must be true or false, not {_show(follows)}")
    mode = data.get("heatmap_mode", "auto")
    if not isinstance(mode, str) or mode not in HEATMAP_MODES:
        raise SessionError(f"heatmap_mode must be one of {', '.join(HEATMAP_MODES)}, not {_show(mode)}")
    h = _number(data.get("h", DEFAULT_H), "h")
    if not h > 0:
        raise SessionError(f"h (the neighbourhood size) must be positive, not {_show(h)}")
    cursor_raw = data.get("cursor")
    cursor = None if cursor_raw is None else _point(cursor_raw, "cursor")
    draft = data.get("draft", "")
    if not isinstance(draft, str):
        raise SessionError(f"draft must be text, not {_kind(draft)}")
    if len(draft) > MAX_DRAFT_LENGTH:
        raise SessionError(f"draft is too long ({len(draft)} characters; the limit is {MAX_DRAFT_LENGTH})")
    _check_encodable(draft, "draft")
    return Session(
        region=_region(data.get("region")),
        vectors=_vectors(data.get("vectors")),
        model=model,
        dynamics=_dynamics(data.get("dynamics")),
        shape=_shape(data.get("shape")),
        mapping=mapping,
        variables=variables,
        params=_params(data.get("params", {})),
        domain_range=domain,
        codomain_range=codomain,
        codomain_follows=follows,
        pins=_pins(data.get("pins", [])),
        heatmap_mode=mode,
        h=h,
        cursor=cursor,
        draft=draft,
    )


MAX_PATH_LENGTH = 4096
_HEX = frozenset("0123456789abcdef")


def _model(value: Any) -> dict | None:
    """A trained network by file (absolute path, sha256) or by shipped preset (added in jacviz 0.3).

    Only names are read here; the file itself is read when the window opens it, through
    the model reader's own checks (nothing in it is ever executed).
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise SessionError(f"model must be an object {{path, sha256, preset, output}}, not {_kind(value)}")
    out: dict[str, str | None] = {}
    for key in ("path", "sha256", "preset", "output"):
        item = value.get(key)
        if item is not None and not isinstance(item, str):
            raise SessionError(f"model.{key} must be text or null, not {_show(item)}")
        if item is not None:
            if not item or len(item) > MAX_PATH_LENGTH or "\x00" in item:
                raise SessionError(f"model.{key} must be non-empty text of at most {MAX_PATH_LENGTH} "
                                   "characters")
            _check_encodable(item, f"model.{key}")
        out[key] = item
    if out["path"] is None and out["preset"] is None:
        raise SessionError("model needs a path or a preset")
    if out["path"] is not None and not os.path.isabs(out["path"]):
        raise SessionError("model.path must be an absolute path")
    sha = out["sha256"]
    if sha is not None and (len(sha) != 64 or not set(sha) <= _HEX):
        raise SessionError("model.sha256 must be 64 lowercase hexadecimal digits")
    preset = out["preset"]
    if preset is not None and (not preset.endswith(".onnx") or "/" in preset or "\\" in preset
                               or preset.startswith(".")):
        raise SessionError("model.preset must name an .onnx file shipped with jacviz")
    return out


def _region(value: Any) -> dict | None:
    """The region tool's rectangle or polygon (added in jacviz 0.2; older files have none)."""
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) != 1 or not ({"rect", "polygon"} & set(value)):
        raise SessionError(f'region must be {{"rect": [x0, x1, y0, y1]}} or {{"polygon": [[x, y], ...]}}, '
                           f"not {_show(value)}")
    if "rect" in value:
        return {"rect": _rect(value["rect"], "the region's rectangle")}
    corners = value["polygon"]
    if not isinstance(corners, list) or not 3 <= len(corners) <= MAX_POLYGON_CORNERS:
        raise SessionError(f"the region's polygon needs 3 to {MAX_POLYGON_CORNERS} corners")
    return {"polygon": [_point(c, f"corner {i + 1} of the region") for i, c in enumerate(corners)]}


def _vectors(value: Any) -> dict | None:
    """The vectors tool's state: on, v, g and the loss text (added in jacviz 0.2)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise SessionError(f"vectors must be an object {{on, v, g, loss}}, not {_kind(value)}")
    on = value.get("on", False)
    if not isinstance(on, bool):
        raise SessionError(f"vectors.on must be true or false, not {_show(on)}")
    v = None if value.get("v") is None else _point(value["v"], "vectors.v")
    g = None if value.get("g") is None else _point(value["g"], "vectors.g")
    loss = value.get("loss", "")
    if not isinstance(loss, str) or len(loss) > MAX_LOSS_LENGTH:
        raise SessionError(f"vectors.loss must be text of at most {MAX_LOSS_LENGTH} characters")
    _check_encodable(loss, "vectors.loss")
    return {"on": on, "v": v, "g": g, "loss": loss}


def _dynamics(value: Any) -> dict | None:
    """F read as a vector field, its trajectories' starting points, Newton on or off (jacviz 0.3)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise SessionError("dynamics must be an object {vector_field, trajectories, newton}, "
                           f"not {_kind(value)}")
    flags = {}
    for name in ("vector_field", "newton"):
        flag = value.get(name, False)
        if not isinstance(flag, bool):
            raise SessionError(f"dynamics.{name} must be true or false, not {_show(flag)}")
        flags[name] = flag
    starts = value.get("trajectories", [])
    if not isinstance(starts, list) or len(starts) > MAX_TRAJECTORIES:
        raise SessionError(f"dynamics.trajectories must be a list of at most {MAX_TRAJECTORIES} "
                           "points [x, y]")
    points = [_point(p, f"trajectory {i + 1}'s starting point") for i, p in enumerate(starts)]
    return {"vector_field": flags["vector_field"], "trajectories": points, "newton": flags["newton"]}


def _shape(value: Any) -> dict | None:
    """The shapes pane's state (jacviz 0.3): the cursor (1 to 3 numbers: t, (x, y), or (x, y, z)),
    the third variable's slice value, gradient descent's step size η and its starting point."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise SessionError("shape must be an object {cursor, slice, eta, descent_from}, "
                           f"not {_kind(value)}")
    out: dict = {"cursor": None, "slice": None, "eta": None, "descent_from": None}
    cursor = value.get("cursor")
    if cursor is not None:
        if not isinstance(cursor, list) or not 1 <= len(cursor) <= 3:
            raise SessionError(f"shape.cursor must be a list of 1 to 3 numbers, not {_show(cursor)}")
        out["cursor"] = [_number(c, "shape.cursor") for c in cursor]
    if value.get("slice") is not None:
        out["slice"] = _number(value["slice"], "shape.slice")
    if value.get("eta") is not None:
        eta = _number(value["eta"], "shape.eta")
        if not MIN_ETA <= eta <= MAX_ETA:
            raise SessionError(f"shape.eta (the step size η) must be between {MIN_ETA:g} and {MAX_ETA:g}, "
                               f"not {_show(eta)}")
        out["eta"] = eta
    if value.get("descent_from") is not None:
        out["descent_from"] = _point(value["descent_from"], "shape.descent_from")
    return out


def _variables(value: Any) -> tuple[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, str) for v in value):
        raise SessionError(f'variables must be two names such as ["x", "y"], or null; not {_show(value)}')
    try:
        return check_variable_names(value, "the session's variables")
    except MappingError as err:
        raise SessionError(err.message) from None


def _params(value: Any) -> dict[str, ParameterRange]:
    if not isinstance(value, dict):
        raise SessionError(f"params must be an object of name: {{value, min, max}}, not {_kind(value)}")
    if len(value) > MAX_PARAMETERS:
        raise SessionError(f"too many parameters ({len(value)}; the limit is {MAX_PARAMETERS})")
    out: dict[str, ParameterRange] = {}
    for name, spec in value.items():
        if not isinstance(name, str):
            raise SessionError(f"a parameter name must be text, not {_show(name)}")
        if len(name) > MAX_NAME_LENGTH:
            raise SessionError(f"a parameter name is too long ({len(name)} characters; the limit is "
                               f"{MAX_NAME_LENGTH})")
        try:
            check_new_name(name, None, what="parameter")  # the parser's own rule for new names
        except MappingError as err:
            raise SessionError(err.message) from None
        what = f"parameter {name}"
        if not isinstance(spec, dict):
            raise SessionError(f"{what} must be an object {{value, min, max}}, not {_kind(spec)}")
        missing = [key for key in ("value", "min", "max") if key not in spec]
        if missing:
            raise SessionError(f"{what} has no {' and no '.join(missing)}")
        val = _number(spec["value"], f"the value of {what}")
        lo = _number(spec["min"], f"the min of {what}")
        hi = _number(spec["max"], f"the max of {what}")
        for number, which in ((val, "value"), (lo, "min"), (hi, "max")):
            if abs(number) > MAX_PARAMETER_SIZE:
                raise SessionError(f"the {which} of {what} is too large "
                                   f"(at most {MAX_PARAMETER_SIZE:g} in size)")
        if not lo < hi:
            raise SessionError(f"{what}: min ({_show(lo)}) must be below max ({_show(hi)})")
        out[name] = ParameterRange(val, lo, hi)
    return out


def _rect(value: Any, what: str) -> tuple[float, float, float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        raise SessionError(f"{what} must be four numbers [x0, x1, y0, y1], not {_show(value)}")
    x0, x1, y0, y1 = (_number(v, f"{what}[{i}]") for i, v in enumerate(value))
    for lo, hi, axis in ((x0, x1, "x"), (y0, y1, "y")):
        if not lo < hi:
            raise SessionError(f"{what} is empty: {axis}0 ({_show(lo)}) must be below {axis}1 ({_show(hi)})")
        if not math.isfinite(hi - lo):
            raise SessionError(f"{what} is too wide in {axis}")
    return (x0, x1, y0, y1)


def _pins(value: Any) -> tuple[tuple[float, float], ...]:
    if not isinstance(value, (list, tuple)):
        raise SessionError(f"pins must be a list of [x, y] points, not {_kind(value)}")
    if len(value) > MAX_PINS:
        raise SessionError(f"too many pins ({len(value)}; the limit is {MAX_PINS})")
    return tuple(_point(p, f"pin {i + 1}") for i, p in enumerate(value))


def _point(value: Any, what: str) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise SessionError(f"{what} must be two numbers [x, y], not {_show(value)}")
    return (_number(value[0], what), _number(value[1], what))


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SessionError(f"{what} must be a number, not {_show(value)}")
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        number = math.inf
    if not math.isfinite(number):
        raise SessionError(f"{what} must be a finite number, not {_show(number)}")
    return number


def _check_encodable(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:  # a lone surrogate, which JSON's \ud800 can produce
        raise SessionError(f"{what} holds an invalid character at position {err.start + 1}") from None


def _kind(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _show(value: Any, limit: int = 40) -> str:
    """A short one-line rendering of a value from the file (which may be huge or hostile)."""
    if isinstance(value, (list, tuple, dict)):
        text = json.dumps(value, ensure_ascii=True, default=repr) if _small(value) else _kind(value)
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _small(value: Any) -> bool:
    """True for a flat container of at most 8 scalars (safe and short to print)."""
    items = list(value.values()) if isinstance(value, dict) else list(value)
    return len(items) <= 8 and not any(isinstance(v, (list, tuple, dict)) for v in items)



# ---------------------------------------------------------------------------------------
# Saving what can be saved (the autosave)


def _fix(name: str, value: Any) -> Any:
    """A saveable stand-in for a field the reader refuses."""
    if name == "draft":
        return value[:MAX_DRAFT_LENGTH] if isinstance(value, str) else ""
    if name == "pins":
        return tuple(p for p in value[:MAX_PINS] if _finite_point(p))
    if name == "params":
        kept = {}
        for key, spec in dict(value).items():
            try:
                _params(_plain({key: spec}))
            except SessionError:
                continue
            kept[key] = spec
        return kept
    defaults = {"domain_range": DEFAULT_DOMAIN, "h": DEFAULT_H, "heatmap_mode": "auto",
                "codomain_follows": True}
    return defaults.get(name)  # the rest (codomain_range, cursor, region, vectors, ...) become None


def _finite_point(p: Any) -> bool:
    try:
        return len(p) == 2 and all(math.isfinite(float(c)) for c in p)
    except (TypeError, ValueError):
        return False


def savable(session: Session) -> tuple[Session, list[str]]:
    """``session`` with every field the reader would refuse replaced, and what was replaced.

    Fix (tests/ui/test_files.py): one unsavable field (a draft over 20,000 characters, an
    empty codomain range for 1e300 x^27, y) made the whole autosave fail, so every later
    change, a pin added afterwards too, was lost. Each field is checked on its own, next to
    the mapping; a refused one is cut (the draft), filtered (pins, parameters) or reset.
    """
    try:
        to_json(session)
        return session, []
    except SessionError:
        pass
    base = Session(mapping=session.mapping, variables=session.variables, model=session.model)
    try:
        to_json(base)
    except SessionError as err:
        raise SessionError(f"the session cannot be saved: {err.message}") from None
    changes: dict[str, Any] = {}
    notes = []
    for name in FIELDS:
        if name in ("mapping", "variables", "model"):
            continue
        value = getattr(session, name)
        try:
            to_json(replace(base, **{name: value}))
        except SessionError as err:
            changes[name] = _fix(name, value)
            notes.append(f"{name.replace('_', ' ')} not saved as it was ({err.message})")
    if "codomain_range" in changes:
        changes["codomain_follows"] = True
    fixed = replace(session, **changes)
    to_json(fixed)  # every field passed on its own; together they pass too
    return fixed, notes
