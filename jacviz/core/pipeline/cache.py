"""A disk cache of compiled mappings, so that a mapping seen before needs no sympy.

Importing sympy and differentiating take about 0.4 s, most of a cold start. The numeric
programs (:class:`~jacviz.core.numeric.program.Program`) are plain data, and so are the formulas
the readout shows, so both are kept on disk, keyed by the mapping's text and variables and
by jacviz's version. The next start with that mapping draws from the cache and never
imports sympy.

A cache file is data like any other input: it is size-checked, parsed as JSON, and every
program in it is checked against the fixed table of numpy operations before it is used
(Program.__post_init__); anything malformed is a cache miss, never an error. The mapping
text itself is still parsed by the language (no sympy) before the cache is consulted, so a
bad mapping gives the same message with or without a cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from jacviz import __version__
from jacviz.core.errors import MappingError

CACHE_FORMAT = 1
MAX_ENTRY_BYTES = 4_000_000
MAX_ENTRIES = 200  # oldest files beyond this are removed when a new one is written


def cache_dir() -> Path | None:
    """``$JACVIZ_CACHE_DIR``, else ``$XDG_CACHE_HOME/jacviz``, else ``~/.cache/jacviz``.

    None when no folder can be made (a read-only home): the cache is then simply off.
    """
    explicit = os.environ.get("JACVIZ_CACHE_DIR")
    xdg = os.environ.get("XDG_CACHE_HOME")
    try:
        if explicit:
            folder = Path(explicit).expanduser()
        elif xdg and os.path.isabs(xdg):
            folder = Path(xdg) / "jacviz"
        else:
            folder = Path.home() / ".cache" / "jacviz"
        folder = folder / "compiled"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except (OSError, RuntimeError):
        return None


def _key(text: str, variables, default_variables) -> str:
    blob = json.dumps([CACHE_FORMAT, __version__, text, variables, default_variables])
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def _path(text: str, variables, default_variables) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / f"{_key(text, variables, default_variables)}.json"


def payload_from_prepared(prepared) -> dict:
    """Everything numeric and printable about a prepared mapping, as plain JSON-ready data.

    This is what the disk cache stores and what a worker process sends back.
    """
    return {
        "format": CACHE_FORMAT,
        "text": prepared.text,
        "is_complex": prepared.is_complex,
        "stages": prepared.stages,
        "symbolic": prepared.symbolic,
        "compiled": json.loads(prepared.compiled.to_json()),
        "chain": [json.loads(s.to_json()) for s in prepared.chain.stages] if prepared.chain else None,
        "simplified": {},
    }


def prepared_from_payload(text: str, data) -> object | None:
    """A Prepared rebuilt from a payload after checking every part of it; None if unusable.

    Every program is checked against the table of numpy operations (Program.__post_init__)
    and every rendering must be a string, so a tampered file can do no more than fail.
    """
    from jacviz.core.numeric.compiled import CompiledMapping
    from jacviz.core.pipeline.prepared import Prepared

    try:
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT or data.get("text") != text:
            return None
        compiled = CompiledMapping.from_json(json.dumps(data["compiled"]))
        chain = None
        if data.get("chain"):
            from jacviz.core.numeric.chain import CompiledChain

            stages = tuple(CompiledMapping.from_json(json.dumps(s)) for s in data["chain"])
            chain = CompiledChain(compiled.variables, compiled.parameters, stages)
        symbolic = _check_symbolic(data["symbolic"])
        simplified = {str(k): (str(v[0]), str(v[1])) for k, v in data.get("simplified", {}).items()}
        prepared = Prepared(
            text=text,
            variables=tuple(compiled.variables),  # type: ignore[arg-type]
            parameters=tuple(compiled.parameters),
            compiled=compiled,
            symbolic=symbolic,
            is_complex=bool(data["is_complex"]),
            stages=int(data["stages"]),
            mapping=None,
            seconds=0.0,
            chain=chain,
        )
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError, MappingError):
        return None
    prepared.extra["simplified"] = simplified
    return prepared


def load(text: str, variables=None, default_variables=None):
    """The cached Prepared for this mapping, or None (a miss, or an unusable file)."""
    path = _path(text, _plain(variables), _plain(default_variables))
    if path is None or not path.is_file():
        return None
    try:
        if path.stat().st_size > MAX_ENTRY_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    prepared = prepared_from_payload(text, data)
    if prepared is not None:
        prepared.extra["from_cache"] = True
    return prepared


def store(prepared, variables=None, default_variables=None) -> None:
    """Write a Prepared built from sympy (best effort: a full disk only loses the cache)."""
    store_payload(prepared.text, payload_from_prepared(prepared), variables, default_variables)


def store_payload(text: str, payload: dict, variables=None, default_variables=None) -> None:
    """Write a payload (see :func:`payload_from_prepared`) as the cache entry for ``text``."""
    path = _path(text, _plain(variables), _plain(default_variables))
    if path is None:
        return
    _write(path, payload)
    _prune(path.parent)


def store_simplified(text: str, forms: dict, variables=None, default_variables=None) -> None:
    """Add simplified formulas (key -> SimplifiedForm) to an existing cache entry."""
    path = _path(text, _plain(variables), _plain(default_variables))
    if path is None or not path.is_file():
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return
    data["simplified"] = {k: [f.text, f.latex] for k, f in forms.items()}
    _write(path, data)


def _write(path: Path, data: dict) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass


def _prune(folder: Path) -> None:
    try:
        files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in files[:-MAX_ENTRIES]:
            old.unlink()
    except OSError:
        pass


def _plain(variables):
    return list(variables) if variables is not None else None


def _check_symbolic(symbolic: dict) -> dict:
    """The readout's renderings: strings, and 2×2 lists of strings for J."""
    out = {}
    for key in ("u", "v", "det", "trace", "u_latex", "v_latex", "det_latex", "trace_latex"):
        out[key] = str(symbolic[key])
    for key in ("jacobian", "jacobian_latex"):
        rows = symbolic[key]
        out[key] = [[str(rows[i][j]) for j in range(2)] for i in range(2)]
    return out
