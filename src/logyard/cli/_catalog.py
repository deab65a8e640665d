"""``logyard catalog``: the event catalogue as a table, or JSON Schema files."""

from __future__ import annotations

import sys
from pathlib import Path

from logyard.catalog import CATALOG, write_json_schemas

__all__ = ["run_catalog"]


def run_catalog(json_schema_dir: Path | None) -> int:
    """Print the catalogue, or write one JSON Schema per event into a directory."""
    if json_schema_dir is not None:
        paths = write_json_schemas(json_schema_dir)
        sys.stdout.write(f"wrote {len(paths)} JSON Schemas to {json_schema_dir}\n")
        return 0
    rows = []
    for spec in CATALOG.values():
        fields = ", ".join(
            f"{f.name}{'' if f.required else '?'}: {f.type}" for f in spec.body_fields
        )
        rows.append((spec.action, spec.level, ", ".join(spec.systems), fields or "-"))
    widths = [max(len(r[i]) for r in [*rows, ("event", "level", "systems", "")]) for i in range(3)]
    header = ("event", "level", "systems", "fields")
    out = sys.stdout
    out.write("  ".join(h.ljust(w) for h, w in zip(header, [*widths, 0], strict=True)).rstrip())
    out.write("\n")
    for row in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=True)))
        out.write("  " + row[3] + "\n")
    out.write(
        "\nEvery event also carries the envelope: @timestamp, event.id, event.action, log.level, "
        "service.name,\nservice.version?, host.name?, trace.id?, span.id?, user.name?, user.id?, "
        "user.roles?, client.ip?, message?, labels?\n"
    )
    return 0
