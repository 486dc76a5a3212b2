"""The named mappings offered in the Presets menu, read from resources/presets.json.

Each preset carries a domain that shows it well and, for mappings with parameters, their
starting values and slider ranges. A preset may also say how F is to be read (``"view"``):
as a mapping (the default) or, for a differential equation (x', y') = F(x, y), as a vector
field. Preset files are data: every mapping goes through the same parser as typed text.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from jacviz.core.errors import MappingError


def resource_bytes(name: str) -> bytes:
    """A file from ``resources/``: inside an installed wheel, or next to a source checkout."""
    try:
        return resources.files("jacviz.resources").joinpath(name).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        return (Path(__file__).resolve().parents[3] / "resources" / name).read_bytes()


@dataclass(frozen=True)
class ParameterRange:
    """A parameter's starting value and slider range."""

    value: float = 1.0
    minimum: float = -5.0
    maximum: float = 5.0


def ranges_for(names, values: dict[str, float], *given: dict) -> dict[str, ParameterRange]:
    """The slider range of each parameter in ``names`` at its chosen value in ``values``.

    The first of the ``given`` dicts (a preset's ranges, then the ranges on screen) that has
    a parameter decides its range, else −5 … 5; the range always reaches the value.
    """
    ranges = {}
    for name in names:
        value = values[name]
        spec = next((g[name] for g in given if g.get(name) is not None), None)
        spec = spec or ParameterRange(value, min(-5.0, value), max(5.0, value))
        ranges[name] = ParameterRange(value, min(spec.minimum, value), max(spec.maximum, value))
    return ranges


# How a preset asks F to be read: "mapping" (the two linked views) or "vector field"
# (the phase plane of (x', y') = F(x, y)).
VIEWS = ("mapping", "vector field")


@dataclass(frozen=True)
class Preset:
    name: str
    mapping: str
    domain: tuple[float, float, float, float]
    params: dict[str, ParameterRange] = field(default_factory=dict)
    note: str = ""
    view: str = "mapping"  # one of VIEWS
    # A map of space (three variables): the range of the third one, whose slice the left view
    # shows. For a curve, the domain's first two numbers are its t interval.
    third: tuple[float, float] | None = None


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise MappingError(f"{what} must be a finite number")
    return float(value)


def parse_presets(data: dict) -> list[Preset]:
    """Check the structure of a presets document; raise MappingError if it is malformed."""
    out = []
    for item in data.get("presets", []):
        domain = tuple(_number(v, f"the domain of preset {item.get('name')!r}") for v in item["domain"])
        if len(domain) != 4 or not (domain[0] < domain[1] and domain[2] < domain[3]):
            raise MappingError(f"preset {item['name']!r} has an empty domain")
        params = {
            str(name): ParameterRange(
                _number(spec.get("value", 1.0), name),
                _number(spec.get("min", -5.0), name),
                _number(spec.get("max", 5.0), name),
            )
            for name, spec in item.get("params", {}).items()
        }
        view = item.get("view", "mapping")
        if view not in VIEWS:
            raise MappingError(f"preset {item['name']!r} has an unknown view {view!r}; "
                               f"expected one of {', '.join(map(repr, VIEWS))}")
        third = None
        if "third" in item:
            third = tuple(_number(v, f"the third range of preset {item.get('name')!r}")
                          for v in item["third"])
            if len(third) != 2 or not third[0] < third[1]:
                raise MappingError(f"preset {item['name']!r} has an empty third range")
        out.append(Preset(str(item["name"]), str(item["mapping"]), domain, params,  # type: ignore[arg-type]
                          str(item.get("note", "")), view, third))  # type: ignore[arg-type]
    return out


def load_presets() -> list[Preset]:
    """The presets shipped with jacviz."""
    return parse_presets(json.loads(resource_bytes("presets.json").decode("utf-8")))
