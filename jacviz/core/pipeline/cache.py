"""A disk cache of compiled mappings, so that a mapping seen before needs no sympy.

Importing sympy and differentiating take about 0.4 s, most of a cold start. The numeric
programs (:class:`~jacviz.core.numeric.program.Program`) are plain data, and so are the
formulas the readout shows, so both are kept on disk in
:func:`jacviz.core.persistence.paths.cache_dir`, keyed by the mapping's text and variables
and by jacviz's version. The next start with that mapping draws from the cache and never
imports sympy.

A cache file is data like any other input, and it is trusted for nothing:

* it is size-checked and parsed as JSON;
* it carries a content hash of what it was made for (the format, jacviz's version, the
  mapping text and its variables), which must match the mapping asked for, so an entry
  copied or swapped under another mapping's name is a miss;
* its variables and parameters must be exactly those the parser found in the text, its
  number of outputs what the mapping has, and every program in it is checked against the
  fixed table of numpy operations and the operation limit (``Program.__post_init__``).

Anything wrong is a cache miss, never an error and never a wrong number. The mapping text
itself is parsed by the language (no sympy) before the cache is consulted, so a bad
mapping gives the same message with or without a cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

from jacviz import __version__
from jacviz.core.errors import JacvizError
from jacviz.core.language import ParsedMapping
from jacviz.core.numeric.chain import CompiledChain
from jacviz.core.numeric.compiled import CompiledMapping
from jacviz.core.persistence.paths import cache_dir as _cache_root
from jacviz.core.pipeline.prepared import Formulas, Prepared, SimplifiedForm

CACHE_FORMAT = 4  # 3: the stable complex kernels and the kink programs; 4: every shape (n -> m)
MAX_ENTRY_BYTES = 4_000_000
MAX_ENTRIES = 200  # oldest files beyond this are removed when a new one is written


def cache_dir() -> Path | None:
    """The folder of compiled entries, or None when no folder can be made (the cache is off)."""
    root = _cache_root()
    if root is None:
        return None
    folder = root / "compiled"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def _identity(text: str, variables, default_variables) -> str:
    """What an entry is for, as canonical JSON: its key and its content hash are made from it."""
    return json.dumps([CACHE_FORMAT, __version__, text, _plain(variables), _plain(default_variables)],
                      ensure_ascii=True, separators=(",", ":"))


def _digest(text: str, variables, default_variables) -> str:
    return hashlib.sha256(_identity(text, variables, default_variables).encode("ascii")).hexdigest()


def _path(text: str, variables, default_variables) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / f"{_digest(text, variables, default_variables)[:32]}.json"


def payload_from_prepared(prepared: Prepared) -> dict:
    """Everything numeric and printable about a prepared mapping, as plain JSON-ready data.

    This is what a worker process sends back and, with its content hash, what the disk
    cache stores.
    """
    return {
        "format": CACHE_FORMAT,
        "text": prepared.text,
        "is_complex": prepared.is_complex,
        "stages": prepared.stages,
        "symbolic": prepared.formulas.as_dict(),
        "compiled": json.loads(prepared.compiled.to_json()),
        "chain": [json.loads(s.to_json()) for s in prepared.chain.stages] if prepared.chain else None,
        "simplified": {k: [f.text, f.latex] for k, f in prepared.simplified.items()},
    }


def prepared_from_payload(parsed: ParsedMapping, data) -> Prepared | None:
    """A Prepared rebuilt from a payload after checking every part of it; None if unusable.

    ``parsed`` is the parser's reading of the text: the payload must be for that text and
    have exactly its variables, parameters and number of stages.
    """
    try:
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
            return None
        if data.get("text") != parsed.text:
            return None
        compiled = CompiledMapping.from_json(json.dumps(data["compiled"]))
        if not _fits(compiled, parsed):
            return None
        stages = int(data["stages"])
        if stages != len(parsed.stages):
            return None
        chain = None
        if data.get("chain"):
            parts = tuple(CompiledMapping.from_json(json.dumps(s)) for s in data["chain"])
            if len(parts) != stages or not all(_fits(p, parsed) for p in parts):
                return None
            chain = CompiledChain(compiled.variables, compiled.parameters, parts)
        elif stages > 1:
            return None
        simplified = {}
        for key, pair in dict(data.get("simplified", {})).items():
            text, tex = pair
            if not (isinstance(key, str) and isinstance(text, str) and isinstance(tex, str)):
                return None
            simplified[key] = SimplifiedForm(key, text, tex)
        return Prepared(
            text=parsed.text,
            variables=compiled.variables,
            parameters=compiled.parameters,
            compiled=compiled,
            formulas=Formulas.from_dict(data["symbolic"]),
            is_complex=bool(data["is_complex"]) and parsed.is_complex,
            stages=stages,
            chain=chain,
            simplified=simplified,
            label=parsed.shape.label,
        )
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError, JacvizError):
        return None


def _fits(compiled: CompiledMapping, parsed: ParsedMapping) -> bool:
    """The compiled mapping is over exactly the parsed mapping's names and has its outputs."""
    return (compiled.variables == tuple(parsed.variables)
            and compiled.parameters == tuple(parsed.parameters)
            and compiled.n_outputs == parsed.shape.n_outputs)


def load(parsed: ParsedMapping, variables=None, default_variables=None) -> Prepared | None:
    """The cached Prepared for this parsed mapping, or None (a miss, or an unusable file)."""
    path = _path(parsed.text, variables, default_variables)
    if path is None or not path.is_file():
        return None
    try:
        if path.stat().st_size > MAX_ENTRY_BYTES:
            return None
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    check = _digest(parsed.text, variables, default_variables)
    if not isinstance(entry, dict) or entry.get("check") != check:
        return None
    prepared = prepared_from_payload(parsed, entry.get("payload"))
    if prepared is None:
        return None
    return replace(prepared, from_cache=True)


def store(prepared: Prepared, variables=None, default_variables=None) -> None:
    """Write a Prepared as the entry for its text (best effort: a full disk only loses the cache)."""
    path = _path(prepared.text, variables, default_variables)
    if path is None:
        return
    _write(path, {"check": _digest(prepared.text, variables, default_variables),
                  "payload": payload_from_prepared(prepared)})
    _prune(path.parent)


def store_simplified(text: str, forms: dict[str, SimplifiedForm], variables=None,
                     default_variables=None) -> None:
    """Add simplified formulas (key -> SimplifiedForm) to an existing, valid cache entry."""
    path = _path(text, variables, default_variables)
    if path is None or not path.is_file():
        return
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return
    if not isinstance(entry, dict) or entry.get("check") != _digest(text, variables, default_variables):
        return
    payload = entry.get("payload")
    if not isinstance(payload, dict):
        return
    payload["simplified"] = {k: [f.text, f.latex] for k, f in forms.items()}
    _write(path, entry)


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
