"""Traces through Kafka (Tansu): an event produced inside a span is stored with its trace."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import TracerProvider
from tests.integration._processor import stored_through_the_processor

from logyard.pipeline.inputs.kafka import KafkaInput, KafkaInputConfig
from logyard.sdk import (
    EventLogger,
    KafkaTransport,
    extract_kafka_traceparent,
    inject_kafka_headers,
    start_span,
    trace_context,
)

from ._tansu import TEST_CONSUMER_OPTIONS, TansuBroker, create_topics, read_all
from .conftest import KafkaNames


def stored_from_kafka(
    broker: TansuBroker,
    names: KafkaNames,
    topic: str,
    tmp_path: Path,
    expected: int,
    query: str = "",
) -> list[dict[str, Any]]:
    """Run logyard's Kafka input (a group of its own) into a DuckDB store until ``expected``
    events are stored; the stored events ``query`` (KQL) finds."""
    config = KafkaInputConfig(
        type="kafka",
        brokers=[broker.bootstrap],
        topics=[topic],
        group=names.group(),
        options=TEST_CONSUMER_OPTIONS,
    )
    return stored_through_the_processor(KafkaInput("k", config), tmp_path, expected, query=query)


def test_an_sdk_event_logged_in_a_span_is_stored_with_that_trace(
    kafka_broker: TansuBroker, kafka_names: KafkaNames, tmp_path: Path
) -> None:
    """EventLogger → KafkaTransport → Kafka → processor → store: a search for the span's
    trace id finds the event with the span's ids, and the Kafka message carried them in
    its traceparent header."""
    template = kafka_names.topic("logs.{service}")
    topic = template.format(service="mes-api")
    create_topics(kafka_broker.bootstrap, [topic])
    log = EventLogger(
        "mes-api",
        transport=KafkaTransport(kafka_broker.bootstrap, topic_template=template),
        strict=True,
    )
    with start_span() as span:
        log.order_calculated(order_id="ORD-1", actor="calc", calculation_duration_ms=40.0)
    assert log.flush(10)
    log.close()
    (message,) = read_all(kafka_broker.bootstrap, [topic], expected=1)
    assert extract_kafka_traceparent(message.headers()) == f"00-{span.trace_id}-{span.span_id}-01"
    (event,) = stored_from_kafka(
        kafka_broker, kafka_names, topic, tmp_path, 1, query=f"trace.id:{span.trace_id}"
    )
    assert (event["trace.id"], event["span.id"]) == (span.trace_id, span.span_id)


def test_an_event_logged_in_an_opentelemetry_span_is_stored_with_its_ids(
    kafka_broker: TansuBroker, kafka_names: KafkaNames, tmp_path: Path
) -> None:
    """A service traced with OpenTelemetry: its span's ids reach the store."""
    template = kafka_names.topic("logs.{service}")
    topic = template.format(service="crm-api")
    create_topics(kafka_broker.bootstrap, [topic])
    provider = TracerProvider()
    log = EventLogger(
        "crm-api",
        transport=KafkaTransport(kafka_broker.bootstrap, topic_template=template),
        strict=True,
    )
    with provider.get_tracer("crm-api").start_as_current_span("receive") as span:
        log.order_received(order_id="ORD-2", queue="orders", message_id="m-1")
    assert log.flush(10)
    log.close()
    provider.shutdown()
    context = span.get_span_context()
    (event,) = stored_from_kafka(kafka_broker, kafka_names, topic, tmp_path, 1)
    assert (event["trace.id"], event["span.id"]) == (
        f"{context.trace_id:032x}",
        f"{context.span_id:016x}",
    )


def test_an_event_without_ids_takes_the_trace_of_its_kafka_header(
    kafka_broker: TansuBroker, kafka_names: KafkaNames, tmp_path: Path
) -> None:
    """A producer that is not the SDK sends a bare event with inject_kafka_headers(): the
    processor stores it with the header's trace id and the producer's span id."""
    from confluent_kafka import Producer

    topic = kafka_names.topic("foreign")
    create_topics(kafka_broker.bootstrap, [topic])
    event = {
        "@timestamp": datetime.now(UTC).isoformat(),
        "event.id": str(uuid.uuid4()),
        "event.action": "service.started",
        "service.name": "shop-api",
    }
    producer = Producer({"bootstrap.servers": kafka_broker.bootstrap})
    with start_span() as span:
        producer.produce(topic, json.dumps(event).encode(), headers=inject_kafka_headers())
    assert producer.flush(10) == 0
    (stored,) = stored_from_kafka(kafka_broker, kafka_names, topic, tmp_path, 1)
    assert (stored["event.id"], stored["trace.id"], stored["span.id"]) == (
        event["event.id"],
        span.trace_id,
        span.span_id,
    )


def test_a_consumer_continues_the_producers_trace(
    kafka_broker: TansuBroker, kafka_names: KafkaNames
) -> None:
    """crm-api consuming an order: events it logs under the message's traceparent are in
    the producer's trace, as a child of the producer's span."""
    from confluent_kafka import Producer

    topic = kafka_names.topic("orders")
    create_topics(kafka_broker.bootstrap, [topic])
    producer = Producer({"bootstrap.servers": kafka_broker.bootstrap})
    with start_span() as shop:
        producer.produce(topic, b'{"order_id": "ORD-3"}', headers=inject_kafka_headers())
    assert producer.flush(10) == 0
    (message,) = read_all(kafka_broker.bootstrap, [topic], expected=1)
    with trace_context(extract_kafka_traceparent(message.headers())) as consumer:
        pass
    assert (consumer.trace_id, consumer.parent_id) == (shop.trace_id, shop.span_id)
