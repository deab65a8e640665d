"""Finish, encode and validate an event on the background thread (or in strict mode).

The caller only builds the struct and stores ``time.time_ns()`` in its ``timestamp``
slot; this step turns that into the UTC millisecond timestamp, gives the event its
UUIDv7 id and the logger's version and host, encodes it and validates the bytes
against the catalogue. The fast check is one typed msgspec decode per batch; only when
it fails does each event go through :class:`~logyard.catalog.EventCodec`, to find the
culprit and its reason with the field's path.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from random import getrandbits
from typing import TYPE_CHECKING, Any

import msgspec

from logyard.catalog import CATALOG, AnyEvent, Event, EventCodec, System
from logyard.errors import EventError, InvalidEventError

if TYPE_CHECKING:
    from logyard.security.chain._signing import ServiceKey
    from logyard.security.mask import MaskConfig

__all__ = ["EventEncoder", "uuid7"]

_NO_LABELS: dict[str, Any] = {}
_RAND_B = 0x3FFF_FFFF_FFFF_FFFF
_VARIANT = 0x8000_0000_0000_0000


def _uuid7_prefix(ms: int) -> str:
    h = f"{ms & 0xFFFF_FFFF_FFFF:012x}"
    return f"{h[:8]}-{h[8:]}-7"


def uuid7(ms: int, prefix: str | None = None) -> str:
    """A UUIDv7 (RFC 9562) for Unix time ``ms``: 48-bit ms, version 7, 74 random bits.

    ``prefix`` is ``_uuid7_prefix(ms)``, cached by callers that make many ids per ms.
    """
    rnd = getrandbits(74)
    tail = f"{rnd & _RAND_B | _VARIANT:016x}"
    return f"{prefix or _uuid7_prefix(ms)}{rnd >> 62:03x}-{tail[:4]}-{tail[4:]}"


_POOL_EVENTS = 1024


class EventEncoder:
    """Finishes the envelope, encodes and validates events of one service.

    It caches the current millisecond (one tuple, safe to share between threads). With
    ``pooled_ids=True`` (the delivery thread's own instance, never shared) id randomness
    comes from a pool filled by one ``os.urandom`` call per 1024 events (72 random bits
    per id, variant nibble ``8``); otherwise from ``random.getrandbits`` (74 bits).
    """

    def __init__(
        self,
        service: System,
        version: str | None,
        host: str | None,
        *,
        pooled_ids: bool = False,
        signing_key: ServiceKey | None = None,
        mask: bool | MaskConfig = False,
    ) -> None:
        self.service = service
        self._mask: Callable[[Event], Event] | None = None
        if mask:  # before anything leaves the host: the spool and the wire see masked events
            from logyard.security.mask import MaskConfig, Masker

            self._mask = Masker(mask if isinstance(mask, MaskConfig) else MaskConfig())
        self._sign: Callable[[bytes], bytes] | None = None
        if signing_key is not None:
            from logyard.security.chain._signing import attach_signature

            self._sign = lambda raw: attach_signature(raw, signing_key)
        self.version = version
        self.host = host
        self._allowed = frozenset(s.cls for s in CATALOG.values() if service in s.systems)
        self._decoders: dict[type[Event], msgspec.json.Decoder[Event]] = {
            s.cls: msgspec.json.Decoder(s.cls) for s in CATALOG.values()
        }
        self._codec = EventCodec()
        self._encoder = msgspec.json.Encoder()
        self._many = msgspec.json.Decoder(list[AnyEvent])
        # (ms, its datetime, its uuid7 prefix): one tuple, so threads read it whole.
        self._clock: tuple[int, datetime, str] = (0, datetime.fromtimestamp(0, UTC), "")
        self._pooled_ids = pooled_ids
        self._pool = ""
        self._pool_at = 0

    def finish(self, event: Event) -> None:
        """Fill the envelope: timestamp (from the captured ``time_ns``), id, version, host."""
        ts_ns: object = event.timestamp
        if isinstance(ts_ns, int):
            ms = ts_ns // 1_000_000
            clock = self._clock
            if clock[0] != ms:
                dt = datetime.fromtimestamp(ms // 1000, UTC).replace(microsecond=ms % 1000 * 1000)
                clock = self._clock = (ms, dt, _uuid7_prefix(ms))
            event.timestamp = clock[1]
            if event.event_id:
                pass
            elif self._pooled_ids:
                at, pool = self._pool_at, self._pool
                if at >= len(pool):
                    pool = self._pool = os.urandom(9 * _POOL_EVENTS).hex()
                    at = 0
                self._pool_at = at + 18
                rand = pool[at : at + 18]
                event.event_id = f"{clock[2]}{rand[:3]}-8{rand[3:6]}-{rand[6:]}"
            else:
                event.event_id = uuid7(ms, clock[2])
        elif not event.event_id:
            assert isinstance(ts_ns, datetime)
            event.event_id = uuid7(int(ts_ns.timestamp() * 1000))
        if event.labels is None:
            event.labels = _NO_LABELS  # shared and never mutated: encodes to nothing
        if event.service_version is None:
            event.service_version = self.version
        if event.host is None:
            event.host = self.host

    def encode(self, event: Event) -> bytes:
        """The event's validated JSON; raises :class:`EventError` naming event and field."""
        self.finish(event)
        if self._mask is not None:
            event = self._mask(event)
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

    def encode_many(self, events: list[Event]) -> tuple[list[bytes], list[EventError]]:
        """Encode and validate a batch: the valid events' JSON and the failures, in order.

        The fast path validates the whole batch with one decode; only when something
        is wrong does each event go through :meth:`encode` to find which and why.
        """
        finish, encode, allowed = self.finish, self._encoder.encode, self._allowed
        mask = self._mask
        try:
            raws = []
            for event in events:
                finish(event)
                if mask is not None:
                    event = mask(event)
                raws.append(encode(event))
                if type(event) not in allowed:
                    raise InvalidEventError("wrong system", code="wrong_system")
            self._many.decode(b"[" + b",".join(raws) + b"]")
        except (EventError, msgspec.ValidationError, msgspec.DecodeError, TypeError, ValueError):
            pass
        else:
            return (raws if self._sign is None else [self._sign(r) for r in raws]), []
        raws, errors = [], []
        for event in events:
            try:
                raws.append(self.encode(event))
            except EventError as exc:
                errors.append(exc)
        return (raws if self._sign is None else [self._sign(r) for r in raws]), errors
