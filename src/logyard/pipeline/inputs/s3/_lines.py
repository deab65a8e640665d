"""Streaming decoding of NDJSON objects: gzip members → bytes → numbered lines.

Nothing here holds more than one chunk, one line (bounded by ``max_line_bytes``) and
zlib's window in memory, whatever the size of the object.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["CorruptGzip", "Line", "gunzip", "split_lines"]

_OUT_MAX = 256 * 1024  # decompressed bytes per zlib call (a gzip bomb stays bounded)
_GZIP = 16 + zlib.MAX_WBITS  # gzip header and trailer, CRC checked
_ERROR_HEAD = 64 * 1024  # bytes of an overlong line kept for the dead letter


class CorruptGzip(Exception):
    """The compressed stream cannot be decoded past this point; the message says where."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line: its 1-based ``number``, the stream offset just past its newline.

    ``error`` is set when the line could not be delivered whole (then ``payload`` is its head).
    """

    number: int
    end_offset: int
    payload: bytes
    error: str | None = None

    @property
    def blank(self) -> bool:
        """Whether the line holds only whitespace (skipped, but counted)."""
        return not self.payload or self.payload.isspace()


def gunzip(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Decompress concatenated gzip members (``cat a.gz b.gz``), zero padding allowed.

    Raises :class:`CorruptGzip` at the first undecodable or truncated member, after yielding
    everything decoded before it.
    """
    decoder = zlib.decompressobj(_GZIP)
    fed = 0  # compressed bytes received
    member_start = 0
    member_bytes = 0  # compressed bytes given to the current member's decoder
    for chunk in chunks:
        fed += len(chunk)
        data = chunk
        while data:
            if member_bytes == 0:
                stripped = data.lstrip(b"\0")
                member_start += len(data) - len(stripped)
                data = stripped
                if not data:
                    break
            try:
                out = decoder.decompress(data, _OUT_MAX)
            except zlib.error as exc:
                raise CorruptGzip(
                    f"corrupt gzip member starting at compressed byte {member_start}: {exc}"
                ) from None
            member_bytes += len(data) - len(decoder.unconsumed_tail) - len(decoder.unused_data)
            if out:
                yield out
            if decoder.eof:
                data = decoder.unused_data
                member_start = fed - len(data)
                member_bytes = 0
                decoder = zlib.decompressobj(_GZIP)
            else:
                data = decoder.unconsumed_tail
    if member_bytes:
        try:
            out = decoder.flush()
        except zlib.error as exc:  # pragma: no cover - flush reports through eof below
            raise CorruptGzip(f"gzip member at compressed byte {member_start}: {exc}") from None
        if out:
            yield out
        if not decoder.eof:
            raise CorruptGzip(
                f"truncated gzip member starting at compressed byte {member_start} "
                "(the object ends inside it)"
            )


def split_lines(
    chunks: Iterable[bytes], *, first_number: int, offset: int, max_line_bytes: int
) -> Iterator[Line]:
    """Numbered lines of a byte stream that starts at line ``first_number``, ``offset``.

    Newlines are ``\\n`` (a trailing ``\\r`` is dropped); a last line without newline counts.
    A line longer than ``max_line_bytes`` comes out with ``error`` set and its head only.
    """
    number = first_number
    head = min(_ERROR_HEAD, max_line_bytes)
    buf = bytearray()
    size = 0  # bytes of the current line so far (newline excluded)
    for chunk in chunks:
        start = 0
        while True:
            newline = chunk.find(b"\n", start)
            end = len(chunk) if newline < 0 else newline
            before = size
            size += end - start
            if size <= max_line_bytes:
                buf += chunk[start:end]
            else:
                if before <= max_line_bytes:
                    del buf[head:]
                if len(buf) < head:
                    buf += chunk[start : min(end, start + head - len(buf))]
            if newline < 0:
                break
            offset += size + 1
            yield _line(number, offset, buf, size, max_line_bytes)
            number += 1
            buf = bytearray()
            size = 0
            start = newline + 1
    if size:
        offset += size
        yield _line(number, offset, buf, size, max_line_bytes)


def _line(number: int, end_offset: int, buf: bytearray, size: int, limit: int) -> Line:
    if size <= limit:
        return Line(number, end_offset, bytes(buf[:-1] if buf.endswith(b"\r") else buf))
    return Line(
        number,
        end_offset,
        bytes(buf),
        error=(
            f"line of {size} bytes exceeds max_line_bytes ({limit}); "
            f"its first {len(buf)} bytes are kept"
        ),
    )
