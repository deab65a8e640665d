"""Finish, encode and validate an event on the background thread (or in strict mode).

The caller only builds the struct and stores ``time.time_ns()`` in its ``timestamp``
slot; this step turns that into the UTC millisecond timestamp, gives the event its
UUIDv7 id and the logger's version and host, encodes it and validates the bytes
against the catalogue. The fast check is one typed msgspec decode; only when it fails
does :class:`~logyard.catalog.EventCodec` run, to produce the reason with its path.
"""

from __future__ import annotations

from datetime import UTC, datetime
from random import getrandbits

import msgspec

from logyard.catalog import CATALOG, Event, EventCodec, System
from logyard.errors import InvalidEventError

__all__ = ["EventEncoder", "uuid7"]

_MS48 = 0xFFFF_FFFF_FFFF
_RAND_B = 0x3FFF_FFFF_FFFF_FFFF
_VERSION_VARIANT = (0x7 << 76) | (0b10 << 62)


def uuid7(ms: int) -> str:
    """A UUIDv7 (RFC 9562) for Unix time ``ms``: 48-bit ms, version 7, 74 random bits."""
    rnd = getrandbits(74)
    value = (ms & _MS48) << 80 | _VERSION_VARIANT | (rnd >> 62) << 64 | (rnd & _RAND_B)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class EventEncoder:
    """Finishes the envelope, encodes and validates events of one service."""

    def __init__(self, service: System, version: str | None, host: str | None) -> None:
        self.service = service
        self.version = version
        self.host = host
        self._allowed = frozenset(s.cls for s in CATALOG.values() if service in s.systems)
        self._decoders: dict[type[Event], msgspec.json.Decoder[Event]] = {
            s.cls: msgspec.json.Decoder(s.cls) for s in CATALOG.values()
        }
        self._codec = EventCodec()
        self._encoder = msgspec.json.Encoder()
        self._second = -1
        self._second_dt = datetime.fromtimestamp(0, UTC)

    def finish(self, event: Event) -> None:
        """Fill the envelope: timestamp (from the captured ``time_ns``), id, version, host."""
        ts_ns: object = event.timestamp
        if isinstance(ts_ns, int):
            ms = ts_ns // 1_000_000
            second, milli = divmod(ms, 1000)
            if second != self._second:
                self._second_dt = datetime.fromtimestamp(second, UTC)
                self._second = second
            event.timestamp = self._second_dt.replace(microsecond=milli * 1000)
        else:
            assert isinstance(ts_ns, datetime)
            ms = int(ts_ns.timestamp() * 1000)
        if not event.event_id:
            event.event_id = uuid7(ms)
        if event.service_version is None:
            event.service_version = self.version
        if event.host is None:
            event.host = self.host

    def encode(self, event: Event) -> bytes:
        """The event's validated JSON; raises :class:`EventError` naming event and field."""
        self.finish(event)
        try:
            raw = self._encoder.encode(event)
        except (TypeError, ValueError, OverflowError) as exc:
            raise InvalidEventError(
                f"{event.ACTION}: cannot encode ({exc}); pass JSON-compatible values "
                "(str, int, float, bool, None, list, dict)",
                code="unencodable",
            ) from exc
        cls = type(event)
        try:
            self._decoders[cls].decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError, KeyError):
            self._codec.decode(raw)  # raises the catalogue's reason, with its path
        if cls not in self._allowed:
            self._codec.decode(raw)
            raise InvalidEventError(  # pragma: no cover - the codec raises first
                f"service.name: {self.service!r} does not emit {event.ACTION!r}",
                code="wrong_system",
                path="$.service.name",
            )
        return raw
