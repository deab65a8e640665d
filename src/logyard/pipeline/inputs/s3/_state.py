"""The ``s3`` input's memory: which objects (key + ETag) were read, and up to which line.

``<state_dir>/<input name>.s3state.json``, replaced atomically (write, fsync, rename, fsync
of the directory) on every acknowledgement::

    {"version": 1, "input": "legacy", "bucket": "legacy-erp-exports",
     "objects": {"logs/2026-11-25.ndjson.gz": {"etag": "9b2c...", "line": 1200,
                                               "offset": 181233, "done": false}}}

``line`` is the number of lines consumed (blank ones included), ``offset`` the bytes of the
(decompressed) stream they span, ``done`` whether the object was read to its end.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from logyard.pipeline.inputs._base import InputError
from logyard.pipeline.inputs._statefile import write_atomically

__all__ = ["Position", "StateFile"]

_VERSION = 1


@dataclass(frozen=True, slots=True)
class Position:
    """How far one version (ETag) of one object was read."""

    etag: str
    line: int = 0
    offset: int = 0
    done: bool = False

    def supersedes(self, other: Position | None) -> bool:
        """Whether this position is news compared with ``other`` (acks arrive in order)."""
        if other is None or other.etag != self.etag:
            return True
        return (self.done, self.line) >= (other.done, other.line)


class StateFile:
    """Load and atomically save the positions of one input."""

    def __init__(self, path: Path, *, input_name: str, bucket: str) -> None:
        self.path = path
        self.input_name = input_name
        self.bucket = bucket

    def load(self) -> dict[str, Position]:
        """The saved positions (empty when the input never acknowledged anything)."""
        try:
            raw: Any = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise InputError(
                f"inputs.{self.input_name}: cannot read the state file {self.path} ({exc}); "
                "restore it, or move it away to read the bucket again from the start"
            ) from None
        if not isinstance(raw, dict) or raw.get("version") != _VERSION:
            raise InputError(
                f"inputs.{self.input_name}: {self.path} is not a version {_VERSION} S3 state "
                "file; move it away to read the bucket again from the start"
            )
        if raw.get("bucket") != self.bucket:
            raise InputError(
                f"inputs.{self.input_name}: {self.path} records bucket {raw.get('bucket')!r}, "
                f"the config says {self.bucket!r}; give the input a new name for a new bucket"
            )
        try:
            return {key: Position(**fields) for key, fields in raw["objects"].items()}
        except (KeyError, TypeError, AttributeError) as exc:
            raise InputError(
                f"inputs.{self.input_name}: {self.path} is malformed ({exc!r}); "
                "move it away to read the bucket again from the start"
            ) from None

    def save(self, positions: dict[str, Position]) -> None:
        """Replace the file with ``positions``, durably."""
        doc = {
            "version": _VERSION,
            "input": self.input_name,
            "bucket": self.bucket,
            "objects": {key: asdict(pos) for key, pos in sorted(positions.items())},
        }
        data = json.dumps(doc, separators=(",", ":")).encode()
        try:
            write_atomically(self.path, data)
        except OSError as exc:
            raise InputError(
                f"inputs.{self.input_name}: cannot write the state file {self.path} ({exc}); "
                "check that state_dir is writable and the disk is not full"
            ) from None
