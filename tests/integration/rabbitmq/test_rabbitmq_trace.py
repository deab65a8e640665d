"""Traces through RabbitMQ (the machine's broker): headers in, trace ids in the store."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pika
from tests.integration._processor import stored_through_the_processor

from logyard.sdk import extract_amqp_traceparent, inject_amqp_headers, start_span, trace_context

from .conftest import MakeInput, Publish


def bare_event(action: str = "service.started", service: str = "crm-api") -> dict[str, Any]:
    """A valid event as a non-SDK producer writes it: no trace ids."""
    return {
        "@timestamp": datetime.now(UTC).isoformat(),
        "event.id": str(uuid.uuid4()),
        "event.action": action,
        "service.name": service,
    }


def test_an_event_published_in_a_span_is_stored_with_that_trace(
    publish: Publish, make_input: MakeInput, tmp_path: Path
) -> None:
    """A bare event published with inject_amqp_headers() inside a span is stored with the
    span's trace id and span id."""
    event = bare_event()
    with start_span() as span:
        publish(json.dumps(event).encode(), headers=inject_amqp_headers({"x-source": "crm"}))
    (stored,) = stored_through_the_processor(
        make_input(mode="events"), tmp_path, 1, poll_timeout_secs=0.2
    )
    assert (stored["event.id"], stored["trace.id"], stored["span.id"]) == (
        event["event.id"],
        span.trace_id,
        span.span_id,
    )


def test_an_events_own_trace_ids_win_over_the_header(
    publish: Publish, make_input: MakeInput, tmp_path: Path
) -> None:
    """An event that already names its trace keeps it; the header is only a fallback."""
    own = {**bare_event(), "trace.id": "a" * 32, "span.id": "b" * 16}
    with start_span():
        publish(json.dumps(own).encode(), headers=inject_amqp_headers())
    (stored,) = stored_through_the_processor(
        make_input(mode="events"), tmp_path, 1, poll_timeout_secs=0.2
    )
    assert (stored["trace.id"], stored["span.id"]) == ("a" * 32, "b" * 16)


def test_a_consumer_continues_the_publishers_trace(
    amqp_url: str, queue: str, publish: Publish
) -> None:
    """A service consuming with pika: under extract_amqp_traceparent(properties.headers) it
    works in the publisher's trace, as a child of the publisher's span."""
    with start_span() as shop:
        publish(b'{"order_id": "ORD-5"}', headers=inject_amqp_headers())
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        method, properties, _body = connection.channel().basic_get(queue, auto_ack=True)
    finally:
        connection.close()
    assert method is not None
    with trace_context(extract_amqp_traceparent(properties.headers)) as consumer:
        pass
    assert (consumer.trace_id, consumer.parent_id) == (shop.trace_id, shop.span_id)
