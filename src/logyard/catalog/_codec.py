"""Decode, validate and normalize events against the catalogue.

Two paths. The fast path decodes bytes straight into the tagged union of catalogue
structs (one msgspec call, no dicts). When that fails, the slow path decodes to plain
objects, normalizes what a producer may reasonably send differently (level aliases,
nested ECS objects, epoch timestamps, unknown fields, a missing event id) and validates
again; only then is the event rejected, with a reason that names the field path.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import msgspec

from logyard.catalog._envelope import Event
from logyard.catalog._registry import CATALOG, AnyEvent
from logyard.errors import DecodeError, EventError, InvalidEventError, UnknownEventError

__all__ = [
    "EventCodec",
    "encode_event",
    "new_event_id",
    "to_utc_ms",
]

#: The id of an event that carries none: given, computed on demand, or None (see decode).
DefaultId = str | Callable[[], str] | None

_LEVEL_ALIASES: dict[str, str] = {
    "trace": "TRACE",
    "debug": "DEBUG",
    "info": "INFO",
    "information": "INFO",
    "informational": "INFO",
    "notice": "INFO",
    "warn": "WARN",
    "warning": "WARN",
    "err": "ERROR",
    "error": "ERROR",
    "crit": "FATAL",
    "critical": "FATAL",
    "fatal": "FATAL",
    "alert": "FATAL",
    "emerg": "FATAL",
    "emergency": "FATAL",
    "panic": "FATAL",
}

_ENCODER = msgspec.json.Encoder()
_FAST = msgspec.json.Decoder(AnyEvent)
_ANY = msgspec.json.Decoder()
_KNOWN: frozenset[str] = frozenset(f.name for spec in CATALOG.values() for f in spec.fields) | {
    "event.action"
}
_PREFIXES: frozenset[str] = frozenset(
    name.rsplit(".", i)[0] for name in _KNOWN for i in range(1, name.count(".") + 1)
)


_DEFAULT_LEVEL: dict[type[Event], str] = {spec.cls: spec.level for spec in CATALOG.values()}
_SYSTEMS_OF: dict[type[Event], frozenset[str]] = {
    spec.cls: frozenset(spec.systems) for spec in CATALOG.values()
}
_ACTION_OF: dict[type[Event], str] = {spec.cls: spec.action for spec in CATALOG.values()}


def encode_event(event: Event) -> bytes:
    """The event's JSON document (flat ECS-style keys), ``log.level`` always present.

    The structs omit defaults to keep documents small; the level is the one default a
    reader must never have to look up, so it is written back when msgspec left it out.
    """
    raw = _ENCODER.encode(event)
    if event.level == _DEFAULT_LEVEL[type(event)]:
        return b'{"log.level":"' + event.level.encode() + b'",' + raw[1:]
    return raw


def new_event_id(ts_ns: int | None = None) -> str:
    """A UUIDv7 (RFC 9562): 48-bit Unix ms, version 7, 74 random bits."""
    ms = (ts_ns if ts_ns is not None else time.time_ns()) // 1_000_000
    rnd = int.from_bytes(os.urandom(10), "big")
    value = (ms & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | (rnd >> 62 & 0xFFF) << 64
    value |= 0b10 << 62 | (rnd & 0x3FFF_FFFF_FFFF_FFFF)
    return str(uuid.UUID(int=value))


def to_utc_ms(ts: datetime) -> datetime:
    """``ts`` in UTC, truncated to milliseconds."""
    ts = ts.astimezone(UTC)
    return ts.replace(microsecond=ts.microsecond - ts.microsecond % 1000)


class EventCodec:
    """Validates and normalizes events; one instance per pipeline or API worker.

    ``max_future`` bounds how far ahead of ``now`` a timestamp may be (clock skew);
    ``assign_ids`` lets the codec give an id to events that come without one (ingest);
    ``now`` is injectable for tests.
    """

    def __init__(
        self,
        *,
        max_future: timedelta = timedelta(hours=1),
        assign_ids: bool = True,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.max_future = max_future
        self.assign_ids = assign_ids
        self._now = now or (lambda: datetime.now(UTC))
        self._limit = self._now() + max_future

    # -- public -------------------------------------------------------------------------------
    def decode(self, raw: bytes, default_id: DefaultId = None) -> Event:
        """One event from JSON bytes, validated and normalized; raises :class:`EventError`.

        ``default_id`` is the id of an event that carries none (derived from where it was
        read, so a replay gets the same id), or a function computing it only when needed;
        without it, ingest assigns a UUIDv7.
        """
        try:
            event = cast(Event, _FAST.decode(raw))
        except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
            return self._slow(raw, default_id)
        except RecursionError as exc:
            raise DecodeError(
                "event: nested too deeply; flatten the payload", code="too_deep"
            ) from exc
        return self._finish(event)

    def decode_checked(self, raw: bytes) -> tuple[Event, bool]:
        """Like :meth:`decode`, and whether the event came through unchanged (the fast path,
        nothing normalized): then ``raw`` is already its document, if the producer wrote it
        with :func:`encode_event`."""
        try:
            event = cast(Event, _FAST.decode(raw))
        except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
            return self._slow(raw), False
        except RecursionError as exc:
            raise DecodeError(
                "event: nested too deeply; flatten the payload", code="too_deep"
            ) from exc
        ts = event.timestamp
        return self._finish(event), event.timestamp is ts

    def from_object(self, obj: object, default_id: DefaultId = None) -> Event:
        """One event from an already-decoded JSON value."""
        if not isinstance(obj, dict):
            raise DecodeError(
                f"event: expected a JSON object, got {_json_type(obj)}; send one object per event",
                code="not_an_object",
                path="$",
            )
        try:
            return self._convert(self._normalize(obj, default_id))
        except EventError as exc:
            service = obj.get("service.name") or (obj.get("service") or {}).get("name")
            if exc.service is None and isinstance(service, str):
                exc.service = service[:64]
            raise

    def validate(self, event: Event) -> Event:
        """Re-validate an event built in Python (the SDK's strict mode)."""
        try:
            return self.decode(_ENCODER.encode(event))
        except EventError:
            raise
        except Exception as exc:  # pragma: no cover - encoding of unsupported values
            raise InvalidEventError(
                f"{event.ACTION}: cannot encode ({exc}); pass JSON-compatible values",
                code="invalid_field",
            ) from exc

    # -- internals ----------------------------------------------------------------------------
    def _slow(self, raw: bytes, default_id: DefaultId = None) -> Event:
        try:
            obj = _ANY.decode(raw)
        except msgspec.DecodeError as exc:
            raise DecodeError(
                f"event: not valid JSON ({exc}); send one JSON object per event",
                code="invalid_json",
            ) from exc
        except UnicodeDecodeError as exc:
            raise DecodeError(
                f"event: not valid UTF-8 at byte {exc.start}; encode the payload as UTF-8",
                code="invalid_utf8",
            ) from exc
        except RecursionError as exc:
            raise DecodeError(
                "event: nested too deeply; flatten the payload",
                code="too_deep",
            ) from exc
        return self.from_object(obj, default_id)

    def _normalize(self, obj: dict[str, Any], default_id: DefaultId = None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        extras: dict[str, Any] = {}
        self._flatten("", obj, out, extras)
        action = out.get("event.action")
        if action is None:
            raise InvalidEventError(
                "event: missing `event.action`; name an event of the catalogue "
                "(see `logyard catalog`)",
                code="missing_field",
                path="$.event.action",
            )
        if not isinstance(action, str) or action not in CATALOG:
            raise UnknownEventError(
                f"event.action: unknown event {action!r}; use one of the catalogue "
                "(`logyard catalog` lists them)",
                code="unknown_event",
                path="$.event.action",
            )
        level = out.get("log.level")
        if isinstance(level, str) and level not in ("TRACE", "DEBUG", "INFO", "WARN"):
            out["log.level"] = _LEVEL_ALIASES.get(level.lower(), level)
        ts = out.get("@timestamp")
        if isinstance(ts, int | float) and not isinstance(ts, bool):
            seconds = ts / 1000 if abs(ts) > 100_000_000_000 else ts
            try:
                out["@timestamp"] = datetime.fromtimestamp(seconds, UTC).isoformat()
            except (OverflowError, OSError, ValueError) as exc:
                raise InvalidEventError(
                    f"@timestamp: epoch value {ts!r} is out of range; "
                    "send RFC 3339 UTC like 2026-11-26T05:29:26.123Z",
                    code="invalid_field",
                    path="$.@timestamp",
                ) from exc
        elif ts is None:
            out["@timestamp"] = datetime.now(UTC).isoformat()
        if "event.id" not in out and (default_id or self.assign_ids):
            given = default_id() if callable(default_id) else default_id
            out["event.id"] = given or new_event_id()
        if extras:
            labels = out.get("labels")
            labels = dict(labels) if isinstance(labels, dict) else {}
            for key, value in extras.items():
                labels.setdefault(key, value)
            out["labels"] = labels
        return out

    def _flatten(
        self, prefix: str, obj: dict[str, Any], out: dict[str, Any], extras: dict[str, Any]
    ) -> None:
        for key, value in obj.items():
            name = f"{prefix}{key}"
            if name in _KNOWN:
                out[name] = value
            elif isinstance(value, dict) and name in _PREFIXES:
                self._flatten(f"{name}.", value, out, extras)
            else:
                extras[name] = value

    def _convert(self, obj: dict[str, Any]) -> Event:
        try:
            event = cast(Event, msgspec.convert(obj, AnyEvent))
        except msgspec.ValidationError as exc:
            raise _invalid(obj.get("event.action"), exc) from exc
        except RecursionError as exc:
            raise DecodeError(
                "event: nested too deeply; flatten the payload", code="too_deep"
            ) from exc
        return self._finish(event)

    def _finish(self, event: Event) -> Event:
        cls = type(event)
        if event.service not in _SYSTEMS_OF[cls]:
            spec = CATALOG[_ACTION_OF[cls]]
            raise InvalidEventError(
                f"service.name: {event.service!r} does not emit {spec.action!r}; "
                f"that event belongs to {', '.join(spec.systems)}",
                code="wrong_system",
                path="$.service.name",
                service=event.service,
            )
        ts = event.timestamp
        if ts.tzinfo is not UTC or ts.microsecond % 1000:
            event.timestamp = ts = to_utc_ms(ts)
        if ts > self._limit and ts > self._refresh_limit():
            raise InvalidEventError(
                f"@timestamp: {ts.isoformat()} is more than {self.max_future} in the future; "
                "fix the producer's clock or send UTC with an explicit offset",
                code="future_timestamp",
                path="$.@timestamp",
                service=event.service,
            )
        return event

    def _refresh_limit(self) -> datetime:
        """The latest acceptable timestamp; cached because ``now()`` per event is costly."""
        self._limit = self._now() + self.max_future
        return self._limit


def _invalid(action: object, exc: msgspec.ValidationError) -> InvalidEventError:
    text = str(exc)
    path = text.rsplit(" - at `", 1)[1].rstrip("`") if " - at `" in text else None
    where = f"{action}" if isinstance(action, str) else "event"
    hint = "send the field as the catalogue types it (`logyard catalog` shows each field)"
    if "timezone" in text:
        hint = "send UTC with 'Z' or an explicit offset like +03:00"
    elif "missing required field" in text:
        hint = "add the field; `logyard catalog` lists each event's required fields"
    return InvalidEventError(f"{where}: {text}; {hint}", code="invalid_field", path=path)


def _json_type(obj: object) -> str:
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "a boolean"
    if isinstance(obj, int | float):
        return "a number"
    if isinstance(obj, str):
        return "a string"
    if isinstance(obj, list):
        return "an array"
    return type(obj).__name__
