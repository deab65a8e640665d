"""Carry the trace across Kafka and RabbitMQ: ``traceparent`` in message headers.

Producing side (inside a request, a :func:`~logyard.sdk.start_span` block or an
OpenTelemetry span)::

    producer.produce("orders", value, headers=inject_kafka_headers())
    channel.basic_publish("", "orders", body,
                          pika.BasicProperties(headers=inject_amqp_headers()))

Consuming side: continue the producer's trace while handling the message::

    with trace_context(extract_kafka_traceparent(message.headers())):
        handle(message)
    with trace_context(extract_amqp_traceparent(properties.headers)):
        handle(body)

The SDK's :class:`~logyard.sdk.KafkaTransport` puts the header on every event that has a
trace id, and logyard's Kafka and RabbitMQ inputs fill ``trace.id``/``span.id`` from it
when an event arrives without them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from logyard.sdk._trace import format_traceparent

__all__ = [
    "extract_amqp_traceparent",
    "extract_kafka_traceparent",
    "inject_amqp_headers",
    "inject_kafka_headers",
]

_HEADER = "traceparent"

KafkaHeaders = Mapping[str, str | bytes | None] | Iterable[tuple[str, str | bytes | None]]


def _text(value: object) -> str | None:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("ascii", errors="replace")
    if isinstance(value, str):
        return value
    return None


def _pairs(headers: KafkaHeaders | None) -> list[tuple[str, str | bytes | None]]:
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers)


def inject_kafka_headers(
    headers: KafkaHeaders | None = None,
) -> list[tuple[str, str | bytes | None]]:
    """``headers`` (a list of pairs or a dict, may be ``None``) plus the current
    ``traceparent``, as the list ``confluent_kafka.Producer.produce(headers=...)`` takes.

    An existing ``traceparent`` is replaced; without a current trace the headers are
    returned as they are (as a list).
    """
    out = [(key, value) for key, value in _pairs(headers) if key.lower() != _HEADER]
    value = format_traceparent()
    if value is not None:
        out.append((_HEADER, value.encode("ascii")))
    return out


def extract_kafka_traceparent(headers: KafkaHeaders | None) -> str | None:
    """The ``traceparent`` of a consumed Kafka message (``message.headers()``), or ``None``.

    Pass the result to :func:`~logyard.sdk.trace_context`, which checks it and starts a
    fresh trace when it is missing or malformed. The last header of the name wins.
    """
    found: str | None = None
    for key, value in _pairs(headers):
        if key.lower() == _HEADER:
            found = _text(value)
    return found


def inject_amqp_headers(headers: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A copy of ``headers`` with the current ``traceparent``, for
    ``pika.BasicProperties(headers=...)`` (or aio-pika's ``Message(headers=...)``)."""
    out = {key: value for key, value in (headers or {}).items() if key.lower() != _HEADER}
    value = format_traceparent()
    if value is not None:
        out[_HEADER] = value
    return out


def extract_amqp_traceparent(headers: Mapping[str, Any] | None) -> str | None:
    """The ``traceparent`` of a consumed AMQP message (``properties.headers``), or ``None``.

    Brokers hand string headers back as ``str`` or ``bytes``; both are read.
    """
    for key, value in (headers or {}).items():
        if isinstance(key, str) and key.lower() == _HEADER:
            return _text(value)
    return None
