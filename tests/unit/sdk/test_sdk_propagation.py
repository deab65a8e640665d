"""traceparent through Kafka and AMQP headers: inject, extract, and the inputs' filling."""

from __future__ import annotations

import msgspec
import pytest

from logyard.pipeline.inputs._traceparent import with_trace
from logyard.sdk import (
    extract_amqp_traceparent,
    extract_kafka_traceparent,
    inject_amqp_headers,
    inject_kafka_headers,
    start_span,
    trace_context,
)

VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
TRACE, PARENT = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"


def test_kafka_headers_get_the_current_spans_traceparent() -> None:
    """Inside a span the injected header names the span; other headers are kept in order."""
    with trace_context(VALID) as span:
        headers = inject_kafka_headers([("tenant", b"shop"), ("kind", "order")])
    assert headers == [
        ("tenant", b"shop"),
        ("kind", "order"),
        ("traceparent", f"00-{TRACE}-{span.span_id}-01".encode()),
    ]


def test_kafka_injection_replaces_a_stale_traceparent() -> None:
    """A traceparent already in the headers (any case) is replaced, never duplicated."""
    with trace_context(VALID) as span:
        headers = inject_kafka_headers({"TraceParent": "00-stale", "k": None})
    assert headers == [("k", None), ("traceparent", f"00-{TRACE}-{span.span_id}-01".encode())]


def test_without_a_trace_kafka_headers_pass_through() -> None:
    """Outside any trace nothing is added (and None gives an empty list)."""
    assert (inject_kafka_headers(), inject_kafka_headers([("a", b"1")])) == ([], [("a", b"1")])


def test_kafka_extraction_reads_bytes_or_text_and_the_last_header_wins() -> None:
    """confluent-kafka hands headers back as (str, bytes) pairs; str values and dicts work."""
    assert extract_kafka_traceparent([("traceparent", VALID.encode())]) == VALID
    assert extract_kafka_traceparent({"traceparent": VALID}) == VALID
    assert extract_kafka_traceparent([("traceparent", b"old"), ("traceparent", b"new")]) == "new"
    assert (extract_kafka_traceparent(None), extract_kafka_traceparent([("x", b"1")])) == (
        None,
        None,
    )


def test_a_kafka_round_trip_continues_the_producers_trace() -> None:
    """The consumer's span has the producer's trace id and the producer's span as parent."""
    with start_span() as producer:
        headers = inject_kafka_headers()
    with trace_context(extract_kafka_traceparent(headers)) as consumer:
        pass
    assert (consumer.trace_id, consumer.parent_id) == (producer.trace_id, producer.span_id)


def test_amqp_headers_get_the_traceparent_and_keep_the_others() -> None:
    """inject_amqp_headers copies the dict (the caller's is untouched) and adds the header."""
    mine = {"x-retry": 2, "traceparent": "00-stale"}
    with trace_context(VALID) as span:
        headers = inject_amqp_headers(mine)
    assert headers == {"x-retry": 2, "traceparent": f"00-{TRACE}-{span.span_id}-01"}
    assert mine == {"x-retry": 2, "traceparent": "00-stale"}


def test_amqp_extraction_reads_str_or_bytes_values() -> None:
    """pika gives string headers back as str or bytes; both yield the header text."""
    assert extract_amqp_traceparent({"traceparent": VALID}) == VALID
    assert extract_amqp_traceparent({"traceparent": VALID.encode()}) == VALID
    assert (extract_amqp_traceparent(None), extract_amqp_traceparent({"a": 1})) == (None, None)


def test_an_amqp_round_trip_continues_the_producers_trace() -> None:
    """Publishing inside a span and consuming under its header joins the same trace."""
    with start_span() as producer:
        headers = inject_amqp_headers()
    with trace_context(extract_amqp_traceparent(headers)) as consumer:
        pass
    assert (consumer.trace_id, consumer.parent_id) == (producer.trace_id, producer.span_id)


EVENT = {"event.action": "service.started", "service.name": "crm"}


def test_the_inputs_fill_trace_ids_from_the_header_when_the_event_has_none() -> None:
    """An event without trace.id gets the header's trace id and the producer's span id."""
    filled = msgspec.json.decode(with_trace(msgspec.json.encode(EVENT), VALID))
    assert filled == {**EVENT, "trace.id": TRACE, "span.id": PARENT}


@pytest.mark.parametrize(
    ("event", "header"),
    [
        ({**EVENT, "trace.id": "a" * 32, "span.id": "b" * 16}, VALID),  # its own ids win
        ({**EVENT, "labels": {"sig": "v1:k:abc"}}, VALID),  # signed: left as signed
        (EVENT, "garbage"),  # malformed header
        (EVENT, None),  # no header
    ],
)
def test_the_inputs_leave_the_payload_alone(event: dict[str, object], header: str | None) -> None:
    """Own ids, a signature, a bad or missing header: the payload bytes are unchanged."""
    payload = msgspec.json.encode(event)
    assert with_trace(payload, header) == payload


@pytest.mark.parametrize("payload", [b"\xff not json", b"[1, 2]", b'"text"', b""])
def test_unreadable_payloads_are_handed_on_unchanged(payload: bytes) -> None:
    """Not JSON or not an object: unchanged, so validation dead-letters it with its reason."""
    assert with_trace(payload, VALID) == payload
