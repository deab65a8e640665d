"""Fill ``trace.id``/``span.id`` of an event from its message's ``traceparent`` header.

Kafka and RabbitMQ producers that are not the logyard SDK (a Java service, a shell
script, a service using ``inject_kafka_headers``) often put the trace in the message
headers and not in the event. The Kafka and RabbitMQ inputs call :func:`with_trace` so
those events are stored with the trace they belong to. The event's own ids always win,
and a signed event (``labels.sig``) is left exactly as its producer signed it.
"""

from __future__ import annotations

from typing import Any

import msgspec

from logyard.sdk import parse_traceparent

__all__ = ["with_trace"]

_DECODE = msgspec.json.Decoder()
_ENCODE = msgspec.json.Encoder()


def with_trace(payload: bytes, traceparent: str | None) -> bytes:
    """``payload`` with ``trace.id`` and ``span.id`` from ``traceparent`` added when the
    event (a JSON object) has no ``trace.id``; otherwise ``payload`` unchanged.

    Anything unreadable (no header, a malformed header, a payload that is not a JSON
    object) is handed on as it came: the processor's validation reports bad payloads.
    """
    if not traceparent or b'"trace.id"' in payload:  # the SDK's events carry their ids
        return payload
    context = parse_traceparent(traceparent)
    if context is None:
        return payload
    try:
        event: Any = _DECODE.decode(payload)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return payload
    if not isinstance(event, dict) or "trace.id" in event:
        return payload
    labels = event.get("labels")
    if isinstance(labels, dict) and "sig" in labels:
        return payload
    event["trace.id"] = context.trace_id
    event.setdefault("span.id", context.span_id)
    return _ENCODE.encode(event)
