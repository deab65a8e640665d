"""JSON Schema export: one file per event, for producers that are not written in Python."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from logyard.catalog._registry import CATALOG

__all__ = ["event_schema", "write_json_schemas"]


def event_schema(action: str) -> dict[str, Any]:
    """The JSON Schema (2020-12) of one catalogue event."""
    spec = CATALOG[action]
    schema, components = msgspec.json.schema_components([spec.cls])
    body = dict(components[spec.cls.__name__])
    body["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    body["$id"] = f"https://logyard.dev/schemas/{action}.json"
    body["title"] = action
    body["description"] = spec.description
    body["x-logyard-systems"] = list(spec.systems)
    body["x-logyard-default-level"] = spec.level
    other = {k: v for k, v in components.items() if k != spec.cls.__name__}
    if other:
        body["$defs"] = other
    del schema
    return body


def write_json_schemas(directory: Path) -> list[Path]:
    """Write ``<action>.json`` for every event into ``directory``; returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for action in CATALOG:
        path = directory / f"{action}.json"
        path.write_bytes(msgspec.json.format(msgspec.json.encode(event_schema(action))) + b"\n")
        paths.append(path)
    return paths
