"""The example networks shipped in ``resources/models``, listed by ``models.json``.

Each entry names an ``.onnx`` file made by a training script in ``scripts/``, says what the
model is in a sentence, and gives a domain that shows it well, so the window can offer the
models under Presets → Networks. The index is data: it is checked like the presets.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jacviz.core.errors import ModelError
from jacviz.core.persistence.presets import resource_bytes

if TYPE_CHECKING:
    from jacviz.core.network.mapping import NetworkMapping

INDEX = "models/models.json"


@dataclass(frozen=True)
class ModelPreset:
    name: str
    file: str  # a file name inside resources/models
    kind: str  # "classifier", "flow", "field", ...
    description: str
    domain: tuple[float, float, float, float]
    script: str = ""


def parse_model_index(data: dict) -> list[ModelPreset]:
    """Check the structure of a models index; ModelError if it is malformed."""
    out = []
    for item in data.get("models", []):
        name, file = str(item.get("name", "")), str(item.get("file", ""))
        if not name or not file.endswith(".onnx") or "/" in file or "\\" in file or file.startswith("."):
            raise ModelError(f"the model entry {name!r} does not name an .onnx file in resources/models")
        domain = item.get("domain", ())
        ok = len(domain) == 4 and all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in domain)
        if not ok or not (domain[0] < domain[1] and domain[2] < domain[3]):
            raise ModelError(f"the model entry {name!r} has no valid domain")
        out.append(ModelPreset(name, file, str(item.get("kind", "")), str(item.get("description", "")),
                               tuple(float(v) for v in domain), str(item.get("script", ""))))  # type: ignore[arg-type]
    return out


def load_model_presets() -> list[ModelPreset]:
    """The example models shipped with jacviz."""
    return parse_model_index(json.loads(resource_bytes(INDEX).decode("utf-8")))


def model_preset_bytes(preset: ModelPreset) -> bytes:
    return resource_bytes(f"models/{preset.file}")


def open_model_preset(preset: ModelPreset) -> NetworkMapping:
    """Read, check and compile a shipped model (through the same reader as any file)."""
    # the interpreter loads on first use: listing the presets (the Presets menu, at start-up)
    # needs only the index
    from jacviz.core.network.mapping import model_from_bytes

    net = model_from_bytes(model_preset_bytes(preset), name=preset.file)
    net.source = f"resources/models/{preset.file}"
    return net
