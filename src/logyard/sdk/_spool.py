"""Where batches wait while the transport is down: a disk file, or memory.

The file spool is one append-only file of length-prefixed records::

    b"LYS1" | u32 payload length | u32 crc32(payload) | payload (the batch as NDJSON)

Each append is fsync'd before the logger counts the events as safe. A side file holds
the offset of the first record not yet delivered (written and fsync'd after each
delivery); when every record is delivered the file is truncated to zero. On open, the
records from that offset are checked: a torn or corrupt record (a crash mid-write)
and anything after it is cut off and counted in ``torn_records``.
"""

from __future__ import annotations

import fcntl
import os
import struct
import zlib
from collections import deque
from pathlib import Path
from typing import Protocol

from logyard.errors import ConfigError

__all__ = ["FileSpool", "MemorySpool", "Spool"]

_MAGIC = b"LYS1"
_HEADER = struct.Struct("<4sII")
_POS = struct.Struct("<Q")
DATA_FILE = "spool.dat"
POS_FILE = "spool.pos"
LOCK_FILE = "spool.lock"


class Spool(Protocol):
    """An ordered queue of batches that survives transport outages."""

    max_bytes: int
    torn_records: int

    def append(self, batch: list[bytes]) -> bool:
        """Store ``batch`` at the tail; ``False`` when it does not fit in ``max_bytes``."""

    def peek(self) -> list[bytes] | None:
        """The oldest batch, or ``None`` when empty."""

    def pop(self) -> None:
        """Forget the oldest batch (it was delivered)."""

    def pending_events(self) -> int:
        """How many events wait in the spool."""

    def close(self) -> None:
        """Release files."""


def _payload(batch: list[bytes]) -> bytes:
    return b"\n".join(batch)


class MemorySpool:
    """A bounded in-memory spool: survives outages, not restarts."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.torn_records = 0
        self._batches: deque[tuple[list[bytes], int]] = deque()
        self._bytes = 0

    def append(self, batch: list[bytes]) -> bool:
        """Keep the batch unless the spool is full."""
        size = sum(len(raw) + 1 for raw in batch)
        if self._bytes + size > self.max_bytes:
            return False
        self._batches.append((list(batch), size))
        self._bytes += size
        return True

    def peek(self) -> list[bytes] | None:
        """The oldest batch."""
        return self._batches[0][0] if self._batches else None

    def pop(self) -> None:
        """Drop the oldest batch."""
        _, size = self._batches.popleft()
        self._bytes -= size

    def pending_events(self) -> int:
        """Events waiting."""
        return sum(len(batch) for batch, _ in self._batches)

    def close(self) -> None:
        """Nothing to release."""


class FileSpool:
    """A bounded, fsync'd, crash-safe spool file in ``directory`` (one process at a time)."""

    def __init__(self, directory: str | os.PathLike[str], max_bytes: int) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.torn_records = 0
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(self._lock_fd)
            raise ConfigError(
                f"LOGYARD_SPOOL_DIR: {self.directory} is in use by another process; "
                "give each process its own spool directory"
            ) from exc
        self._fd = os.open(self.directory / DATA_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        self._pos_fd = os.open(self.directory / POS_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the new files' directory entries are durable too
        finally:
            os.close(dir_fd)
        # (offset, payload length, events) of every record not yet delivered, oldest first.
        self._index: deque[tuple[int, int, int]] = deque()
        self._end = 0
        self._recover()

    def _recover(self) -> None:
        raw = os.pread(self._pos_fd, _POS.size, 0)
        pos = _POS.unpack(raw)[0] if len(raw) == _POS.size else 0
        size = os.fstat(self._fd).st_size
        if pos > size:
            pos = 0  # crashed between truncating the data and resetting the offset
        offset = pos
        while offset < size:
            header = os.pread(self._fd, _HEADER.size, offset)
            if len(header) < _HEADER.size:
                break
            magic, length, crc = _HEADER.unpack(header)
            if magic != _MAGIC:
                break
            payload = os.pread(self._fd, length, offset + _HEADER.size)
            if len(payload) < length or zlib.crc32(payload) != crc:
                break
            self._index.append((offset, length, payload.count(b"\n") + 1))
            offset += _HEADER.size + length
        if offset < size:
            self.torn_records += 1
            os.ftruncate(self._fd, offset)
            os.fsync(self._fd)
        self._end = offset
        if not self._index and self._end:
            self._reset()

    def _write_pos(self, pos: int) -> None:
        os.pwrite(self._pos_fd, _POS.pack(pos), 0)
        os.fsync(self._pos_fd)

    def _reset(self) -> None:
        os.ftruncate(self._fd, 0)
        os.fsync(self._fd)
        self._end = 0
        self._write_pos(0)

    def append(self, batch: list[bytes]) -> bool:
        """Append and fsync the batch; ``False`` when the file would exceed ``max_bytes``."""
        payload = _payload(batch)
        record = _HEADER.pack(_MAGIC, len(payload), zlib.crc32(payload)) + payload
        if self._end + len(record) > self.max_bytes:
            return False
        written = os.pwrite(self._fd, record, self._end)
        if written != len(record):  # pragma: no cover - disk full
            os.ftruncate(self._fd, self._end)
            return False
        os.fsync(self._fd)
        self._index.append((self._end, len(payload), len(batch)))
        self._end += len(record)
        return True

    def peek(self) -> list[bytes] | None:
        """The oldest undelivered batch."""
        if not self._index:
            return None
        offset, length, _ = self._index[0]
        return os.pread(self._fd, length, offset + _HEADER.size).split(b"\n")

    def pop(self) -> None:
        """Mark the oldest batch delivered (durably)."""
        self._index.popleft()
        if self._index:
            self._write_pos(self._index[0][0])
        else:
            self._reset()

    def pending_events(self) -> int:
        """Events waiting in the file."""
        return sum(count for _, _, count in self._index)

    def close(self) -> None:
        """Close the files and release the lock."""
        for fd in (self._fd, self._pos_fd, self._lock_fd):
            os.close(fd)
