"""The embedded write-ahead queue: fsync'd group commit, segment files, torn-tail repair.

Records are framed as ``<u32 length><u32 crc32><payload>`` in segment files named by
their start position (``00000000000000000000.wal``). A position is a global byte offset.
:meth:`WriteAheadQueue.append` returns only after the records are on disk (``fsync``);
concurrent appenders share one ``fsync`` (group commit). Readers only see durable records.
"""

from __future__ import annotations

import contextlib
import os
import struct
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from logyard.errors import StoreError

__all__ = ["QueueBatch", "WriteAheadQueue"]

_HEADER = struct.Struct("<II")
_CHUNK = 1 << 20  # read granularity; a larger record is read whole
_SUFFIX = ".wal"


@dataclass(frozen=True, slots=True)
class QueueBatch:
    """Records read from ``start``; ``end`` is the position after the last one."""

    records: list[bytes]
    start: int
    end: int


class WriteAheadQueue:
    """A durable FIFO of byte records in ``directory``.

    ``segment_bytes`` bounds each segment file; whole segments below the consumer's
    checkpoint are deleted by :meth:`release`.
    """

    def __init__(self, directory: Path, *, segment_bytes: int = 64 * 1024 * 1024) -> None:
        self.directory = directory
        self.segment_bytes = segment_bytes
        directory.mkdir(parents=True, exist_ok=True)
        self._cond = threading.Condition()
        self._pending: list[bytes] = []
        self._pending_seq = 0
        self._durable_seq = 0
        self._failed_seq = 0
        self._failure = ""
        self._flushing = False
        self._closed = False
        self._segments: list[int] = sorted(
            int(p.name.removesuffix(_SUFFIX)) for p in directory.glob(f"*{_SUFFIX}")
        )
        if not self._segments:
            self._segments = [0]
            (directory / _name(0)).touch()
        self._repair_tail()
        last = self._segments[-1]
        self._fh = open(directory / _name(last), "ab")  # noqa: SIM115 - long-lived handle
        self._end = last + self._fh.tell()
        self._durable_end = self._end
        self.torn_bytes_dropped = getattr(self, "torn_bytes_dropped", 0)

    # -- writing ------------------------------------------------------------------------------
    def append(self, records: Sequence[bytes]) -> int:
        """Append records durably; returns the queue end position after them."""
        if not records:
            return self._durable_end
        with self._cond:
            if self._closed:
                raise StoreError("queue: closed while logyard stops; send again after restart")
            self._pending.extend(records)
            self._pending_seq += 1
            my_seq = self._pending_seq
            while self._durable_seq < my_seq:
                if self._failed_seq >= my_seq:
                    raise StoreError(
                        f"queue: writing to {self.directory} failed ({self._failure}); "
                        "nothing of this request was accepted: free disk space and send again"
                    )
                if self._flushing:
                    self._cond.wait()
                    continue
                self._flushing = True
                batch, self._pending = self._pending, []
                target = self._pending_seq
                self._cond.release()
                try:
                    end = self._write(batch)
                except OSError as exc:
                    self._cond.acquire()
                    self._flushing = False
                    self._failed_seq = target  # every appender of this batch fails, none acks
                    self._failure = exc.strerror or str(exc)
                    self._cond.notify_all()
                    continue
                self._cond.acquire()
                self._flushing = False
                self._durable_seq = target
                self._durable_end = end
                self._cond.notify_all()
            return self._durable_end

    def _write(self, batch: list[bytes]) -> int:
        """Write and fsync a batch; on failure cut the file back so no partial record stays."""
        buf = bytearray()
        for rec in batch:
            buf += _HEADER.pack(len(rec), zlib.crc32(rec))
            buf += rec
        if self._end - self._segments[-1] >= self.segment_bytes:
            self._rotate()
        try:
            self._fh.write(buf)
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError:
            self._truncate_to(self._end - self._segments[-1])
            raise
        self._end += len(buf)
        return self._end

    def _truncate_to(self, size: int) -> None:
        """Reopen the last segment cut to ``size`` bytes (after a failed write)."""
        path = self.directory / _name(self._segments[-1])
        with contextlib.suppress(OSError):  # the bytes that failed go with the handle
            self._fh.close()
        with open(path, "r+b") as fh:
            fh.truncate(size)
            os.fsync(fh.fileno())
        self._fh = open(path, "ab")  # noqa: SIM115 - long-lived handle

    def _rotate(self) -> None:
        self._fh.close()
        self._segments.append(self._end)
        self._fh = open(self.directory / _name(self._end), "ab")  # noqa: SIM115
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    # -- reading ------------------------------------------------------------------------------
    @property
    def end(self) -> int:
        """Position after the last durable record."""
        return self._durable_end

    @property
    def start(self) -> int:
        """Position of the oldest retained segment."""
        return self._segments[0]

    def read(
        self, position: int, *, max_records: int = 10_000, max_bytes: int = 16 << 20
    ) -> QueueBatch:
        """Durable records from ``position`` (a record boundary), bounded by count and bytes."""
        end = self._durable_end
        position = max(position, self._segments[0])
        records: list[bytes] = []
        pos = position
        size = 0
        while pos < end and len(records) < max_records and size < max_bytes:
            seg = self._segment_of(pos)
            seg_end = self._segment_end(seg, end)
            if pos >= seg_end:
                pos = seg_end
                continue
            with open(self.directory / _name(seg), "rb") as fh:
                fh.seek(pos - seg)
                data = fh.read(min(seg_end - pos, max_bytes - size, _CHUNK))
                if len(data) >= _HEADER.size:
                    first = _HEADER.size + _HEADER.unpack_from(data, 0)[0]
                    if first > len(data):  # one record larger than the chunk
                        data += fh.read(first - len(data))
            off = 0
            while off + _HEADER.size <= len(data) and len(records) < max_records:
                length, crc = _HEADER.unpack_from(data, off)
                if off + _HEADER.size + length > len(data):
                    break
                rec = data[off + _HEADER.size : off + _HEADER.size + length]
                if zlib.crc32(rec) != crc:
                    raise StoreError(
                        f"queue: checksum mismatch at position {pos + off} in {_name(seg)}; "
                        "the file was altered on disk; restore it from a backup, or move the "
                        "segment aside to skip its records (they are lost)"
                    )
                records.append(rec)
                off += _HEADER.size + length
                size += length
                if size >= max_bytes:
                    break
            if off == 0:
                break
            pos += off
        return QueueBatch(records=records, start=position, end=pos)

    def _segment_of(self, pos: int) -> int:
        seg = self._segments[0]
        for s in self._segments:
            if s <= pos:
                seg = s
            else:
                break
        return seg

    def _segment_end(self, seg: int, end: int) -> int:
        idx = self._segments.index(seg)
        return self._segments[idx + 1] if idx + 1 < len(self._segments) else end

    # -- housekeeping -------------------------------------------------------------------------
    def release(self, position: int) -> int:
        """Delete whole segments that end at or before ``position``; returns how many."""
        removed = 0
        with self._cond:
            while len(self._segments) > 1 and self._segments[1] <= position:
                seg = self._segments.pop(0)
                (self.directory / _name(seg)).unlink(missing_ok=True)
                removed += 1
        return removed

    def wait(self, position: int, timeout_secs: float) -> bool:
        """Block until records exist past ``position`` or the timeout ends; True if they do."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self._durable_end > position or self._closed, timeout_secs
            )

    def depth(self, position: int) -> int:
        """Bytes between ``position`` and the durable end."""
        return max(0, self._durable_end - position)

    def close(self) -> None:
        """Stop accepting appends and close the file (idempotent)."""
        with self._cond:
            self._closed = True
            self._fh.close()
            self._cond.notify_all()

    def __enter__(self) -> WriteAheadQueue:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _repair_tail(self) -> None:
        """Cut a torn last record (a crash mid-write): it was never acknowledged."""
        last = self._segments[-1]
        path = self.directory / _name(last)
        data = path.read_bytes()
        off = 0
        while off + _HEADER.size <= len(data):
            length, crc = _HEADER.unpack_from(data, off)
            rec_end = off + _HEADER.size + length
            if rec_end > len(data) or zlib.crc32(data[off + _HEADER.size : rec_end]) != crc:
                break
            off = rec_end
        self.torn_bytes_dropped = len(data) - off
        if off < len(data):
            with open(path, "r+b") as fh:
                fh.truncate(off)
                os.fsync(fh.fileno())


def _name(start: int) -> str:
    return f"{start:020d}{_SUFFIX}"
