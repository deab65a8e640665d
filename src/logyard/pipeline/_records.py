"""What the embedded queue holds: events (``E`` + JSON) and dead letters (``D`` + msgpack)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import msgspec

from logyard.errors import EventError
from logyard.store._model import DeadLetter

__all__ = [
    "DEAD",
    "EVENT",
    "dead_letter_for",
    "decode_dead_letter",
    "encode_dead_letter",
]

EVENT = b"E"
DEAD = b"D"
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
) -> DeadLetter:
    """A dead letter for ``raw`` rejected with ``error`` (raw kept up to 64 KiB)."""
    reason = str(error)
    if len(raw) > _RAW_LIMIT:
        reason += f" (raw payload truncated to {_RAW_LIMIT} of {len(raw)} bytes)"
    return DeadLetter(
        id=str(uuid.uuid4()),
        received_at=datetime.now(UTC),
        source=source,
        reason_code=error.code,
        reason=reason,
        raw=raw[:_RAW_LIMIT],
        path=error.path,
        step=step,
        component=component,
        service=service,
        action=action,
    )


def encode_dead_letter(letter: DeadLetter) -> bytes:
    """Queue record bytes for a dead letter."""
    return DEAD + _ENC.encode(letter)


def decode_dead_letter(record: bytes) -> DeadLetter:
    """The dead letter of a ``D`` queue record."""
    return _DEC.decode(record[1:])
