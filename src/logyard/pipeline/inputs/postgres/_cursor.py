"""The keyset cursor: the last (tracking, key...) position stored downstream, on disk.

``<state_dir>/<input name>.cursor.json`` holds the values as PostgreSQL input text
(timestamps with an explicit offset, so no session time zone can reinterpret them)::

    {"format": 1, "columns": ["changed_at", "audit_id"],
     "values": ["2026-11-26T05:29:26.123456+00:00", "1042"]}

It is replaced atomically (write a temporary file, fsync, rename, fsync the directory):
after a crash the file holds the old or the new position, never a torn one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from logyard.errors import ConfigError
from logyard.pipeline.inputs._statefile import write_atomically

__all__ = ["Cursor", "CursorFile"]

_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position: the text of the tracking value, then of each key column."""

    values: tuple[str, ...]


class CursorFile:
    """Loads and atomically saves one input's cursor."""

    def __init__(self, state_dir: Path, name: str, columns: list[str], where: str) -> None:
        self.path = state_dir / f"{name}.cursor.json"
        self.columns = columns
        self.where = where

    def load(self) -> Cursor | None:
        """The saved position, or ``None`` when the input has never acknowledged a batch."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"{self.where}.state_dir: cannot read the cursor {self.path} ({exc}); "
                "restore it from a backup, or delete it to read the source from the start"
            ) from None
        if data.get("format") != _FORMAT or data.get("columns") != self.columns:
            raise ConfigError(
                f"{self.where}: the cursor {self.path} was written for the columns "
                f"{data.get('columns')}, the config tracks {self.columns}; restore the config, "
                "or delete the cursor to read the source from the start"
            )
        values = data.get("values")
        if not isinstance(values, list) or len(values) != len(self.columns):
            raise ConfigError(
                f"{self.where}.state_dir: the cursor {self.path} is malformed; restore it "
                "from a backup, or delete it to read the source from the start"
            )
        return Cursor(tuple(str(v) for v in values))

    def save(self, cursor: Cursor) -> None:
        """Write ``cursor`` durably (atomic replace, file and directory fsync'd)."""
        body = json.dumps(
            {"format": _FORMAT, "columns": self.columns, "values": list(cursor.values)}
        ).encode()
        write_atomically(self.path, body)
