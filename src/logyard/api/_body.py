"""Split an ingest request body into one JSON payload per event.

Accepted: a JSON array of objects, one JSON object (even pretty-printed), or NDJSON
(one object per line). Each payload is then validated on its own, so one bad event never
sinks the request.
"""

from __future__ import annotations

import msgspec

from logyard.errors import DecodeError

__all__ = ["split_events"]

_RAW_LIST = msgspec.json.Decoder(list[msgspec.Raw])
_RAW = msgspec.json.Decoder(msgspec.Raw)


def split_events(body: bytes) -> list[bytes]:
    """The event payloads of a request body; raises :class:`DecodeError` if none can be found."""
    stripped = body.strip()
    if not stripped:
        raise DecodeError(
            "body: empty; send a JSON array of events or NDJSON (one event per line)",
            code="empty_body",
        )
    if stripped[:1] == b"[":
        try:
            return [bytes(item) for item in _RAW_LIST.decode(stripped)]
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise DecodeError(
                f"body: not a valid JSON array ({exc}); fix the JSON or send NDJSON so that "
                "each line is checked on its own",
                code="invalid_json",
            ) from exc
        except RecursionError as exc:
            raise DecodeError(
                "body: nested too deeply; flatten the payload", code="too_deep"
            ) from exc
    if b"\n" in stripped:
        try:
            _RAW.decode(stripped)
        except (msgspec.DecodeError, RecursionError):
            return [line.strip() for line in stripped.split(b"\n") if line.strip()]
    return [stripped]
