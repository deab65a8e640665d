"""What the embedded queue holds.

* ``V`` + system index (u8) + ``@timestamp`` epoch ms (i64) + id length (u8) + ``event.id``
  + JSON: an event that ingest validated and normalized against the catalogue; the
  processor passes it to the store as it is (no second decode).
* ``E`` + JSON: an event nobody validated yet; the processor validates it.
* ``D`` + msgpack: a dead letter.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from logyard.catalog import SYSTEMS, Event, encode_event
from logyard.errors import EventError
from logyard.store._model import DeadLetter

__all__ = [
    "DEAD",
    "EVENT",
    "ORIGINALS",
    "SYSTEM_INDEX",
    "VALID",
    "VALID_HEADER",
    "SealedOriginals",
    "dead_letter_for",
    "decode_dead_letter",
    "decode_originals",
    "decode_valid",
    "encode_dead_letter",
    "encode_originals",
    "encode_valid",
]

EVENT = b"E"
VALID = b"V"
DEAD = b"D"
ORIGINALS = b"O"
VALID_HEADER = struct.Struct("<BqB")
SYSTEM_INDEX: dict[str, int] = {name: i for i, name in enumerate(SYSTEMS)}
_RAW_LIMIT = 64 * 1024

_ENC = msgspec.msgpack.Encoder()
_DEC = msgspec.msgpack.Decoder(DeadLetter)


def dead_letter_for(
    raw: bytes,
    error: EventError,
    *,
    source: str,
    step: str,
    component: str,
    service: str | None = None,
    action: str | None = None,
    letter_id: str | None = None,
    scrub: Callable[[bytes], bytes] | None = None,
) -> DeadLetter:
    """A dead letter for ``raw`` rejected with ``error`` (raw kept up to 64 KiB), passed
    through ``scrub`` (the masker) so no card number or personal data is kept."""
    reason = str(error)
    if scrub is not None:
        raw = scrub(raw[:_RAW_LIMIT]) + raw[_RAW_LIMIT:]
    if len(raw) > _RAW_LIMIT:
        reason += f" (raw payload truncated to {_RAW_LIMIT} of {len(raw)} bytes)"
    return DeadLetter(
        id=letter_id or str(uuid.uuid4()),
        received_at=datetime.now(UTC),
        source=source,
        reason_code=error.code,
        reason=reason,
        raw=raw[:_RAW_LIMIT],
        path=error.path,
        step=step,
        component=component,
        service=service or error.service,
        action=action,
    )


def encode_dead_letter(letter: DeadLetter) -> bytes:
    """Queue record bytes for a dead letter."""
    return DEAD + _ENC.encode(letter)


def decode_dead_letter(record: bytes) -> DeadLetter:
    """The dead letter of a ``D`` queue record."""
    return _DEC.decode(record[1:])


def encode_valid(event: Event, doc: bytes | None = None) -> bytes:
    """Queue record bytes for an event that passed the catalogue.

    ``doc`` is the event's document when the caller already has it in canonical form.
    """
    ms = int(event.timestamp.timestamp() * 1000)
    event_id = event.event_id.encode()
    header = VALID + VALID_HEADER.pack(SYSTEM_INDEX[event.service], ms, len(event_id))
    return header + event_id + (doc if doc is not None else encode_event(event))


def decode_valid(record: bytes) -> tuple[int, int, str, bytes]:
    """(system index, epoch ms, event id, document) of a ``V`` record."""
    system, ms, id_len = VALID_HEADER.unpack_from(record, 1)
    start = 1 + VALID_HEADER.size
    return system, ms, record[start : start + id_len].decode(), record[start + id_len :]


class SealedOriginals(msgspec.Struct, array_like=True):
    """The encrypted originals of one event's masked personal values (``O`` record)."""

    event_id: str
    system: str
    items: list[tuple[str, str, dict[str, Any]]]  # (field, subject, envelope)


_ORIG_ENC = msgspec.msgpack.Encoder()
_ORIG_DEC = msgspec.msgpack.Decoder(SealedOriginals)


def encode_originals(sealed: SealedOriginals) -> bytes:
    """Queue record bytes for sealed originals."""
    return ORIGINALS + _ORIG_ENC.encode(sealed)


def decode_originals(record: bytes) -> SealedOriginals:
    """The sealed originals of an ``O`` record."""
    return _ORIG_DEC.decode(record[1:])
