"""Split an ingest request body into one JSON payload per event.

Accepted: a JSON array of objects, one JSON object (even pretty-printed), or NDJSON
(one object per line). Each payload is then validated on its own, so one bad event never
sinks the request: an array whose elements do not all parse is split by scanning its
top-level commas, and each element is judged alone.
"""

from __future__ import annotations

import msgspec

from logyard.errors import DecodeError

__all__ = ["split_array", "split_events"]

_RAW_LIST = msgspec.json.Decoder(list[msgspec.Raw])
_RAW = msgspec.json.Decoder(msgspec.Raw)
_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")


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
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
            return split_array(stripped)
    if b"\n" in stripped:
        try:
            _RAW.decode(stripped)
        except (msgspec.DecodeError, RecursionError):
            return [line.strip() for line in stripped.split(b"\n") if line.strip()]
    return [stripped]


def split_array(body: bytes) -> list[bytes]:
    """The elements of a JSON array that may contain broken elements.

    Scans for commas at nesting depth 1 outside strings. Raises :class:`DecodeError` when
    the array itself is not closed (then no element boundary can be trusted).
    """
    if not body.endswith(b"]"):
        raise DecodeError(
            "body: the JSON array is not closed with ']'; send the whole array, or NDJSON "
            "so that each line is checked on its own",
            code="invalid_json",
        )
    items: list[bytes] = []
    depth = 0
    in_string = False
    escaped = False
    start = 1
    for i in range(1, len(body) - 1):
        c = body[i]
        if in_string:
            if escaped:
                escaped = False
            elif c == 92:  # backslash
                escaped = True
            elif c == 34:  # quote
                in_string = False
        elif c == 34:
            in_string = True
        elif c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
        elif c == 44 and depth == 0:  # comma between elements
            items.append(body[start:i].strip())
            start = i + 1
    last = body[start:-1].strip()
    if last or items:
        items.append(last)
    return items
