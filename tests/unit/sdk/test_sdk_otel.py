"""An active OpenTelemetry span gives its trace and span ids to logyard events and headers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Tracer

from logyard.sdk import (
    EventLogger,
    MemoryTransport,
    current_trace,
    format_traceparent,
    inject_amqp_headers,
    inject_kafka_headers,
    start_span,
    trace_context,
)
from logyard.sdk.testing import capture_events

VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture(scope="module")
def tracer() -> Iterator[Tracer]:
    """A real OpenTelemetry SDK tracer (not installed as the global provider)."""
    provider = TracerProvider()
    yield provider.get_tracer("logyard-tests")
    provider.shutdown()


def _ids(span: object) -> tuple[str, str]:
    context = span.get_span_context()  # type: ignore[attr-defined]
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"


def test_events_inside_an_otel_span_carry_its_ids(tracer: Tracer) -> None:
    """An event emitted under an active OTel span has that span's trace.id and span.id."""
    log = EventLogger("mes", transport=MemoryTransport(), strict=True)
    with capture_events(log) as events, tracer.start_as_current_span("assign") as span:
        log.order_assigned(order_id="ORD-1", operator="petrov", actor="ivanova")
    log.close()
    assert (events[0]["trace.id"], events[0]["span.id"]) == _ids(span)


def test_the_otel_span_wins_over_a_logyard_context(tracer: Tracer) -> None:
    """Inside trace_context(...) an OTel span opened later gives the ids (OTel owns spans)."""
    with trace_context(VALID), tracer.start_as_current_span("inner") as span:
        current = current_trace()
    assert current is not None
    assert (current.trace_id, current.span_id) == _ids(span)


def test_headers_sent_inside_an_otel_span_name_it(tracer: Tracer) -> None:
    """traceparent for HTTP, Kafka and AMQP is the OTel span's, with its trace flags
    (sampled, and the W3C level-2 random bit OpenTelemetry sets)."""
    with tracer.start_as_current_span("publish") as span:
        header = format_traceparent()
        kafka, amqp = inject_kafka_headers(), inject_amqp_headers()
    trace_id, span_id = _ids(span)
    flags = int(span.get_span_context().trace_flags)
    assert flags & 1 == 1
    expected = f"00-{trace_id}-{span_id}-{flags:02x}"
    assert (header, kafka, amqp) == (
        expected,
        [("traceparent", expected.encode())],
        {"traceparent": expected},
    )


def test_start_span_under_an_otel_span_is_its_child(tracer: Tracer) -> None:
    """A logyard span opened under an OTel span continues its trace with it as parent.

    (Its own id is then hidden by the OTel span, which stays current; the parent link is
    what a header built from it carries.)"""
    with tracer.start_as_current_span("outer") as span, start_span() as child:
        pass
    assert (child.trace_id, child.parent_id) == _ids(span)


def test_without_an_active_otel_span_the_logyard_context_is_used(tracer: Tracer) -> None:
    """OpenTelemetry imported but no span active (INVALID_SPAN): logyard's context counts."""
    with trace_context(VALID) as ctx:
        assert current_trace() == ctx
    assert current_trace() is None


def test_the_asgi_middleware_under_an_otel_span_joins_its_trace(tracer: Tracer) -> None:
    """OpenTelemetry's instrumentation outside logyard's middleware: the api.request event
    has the OTel span's ids and the response's traceparent continues the OTel trace."""
    import asyncio
    from typing import Any

    from logyard.sdk.asgi import LogyardMiddleware

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    log = EventLogger("mes-api", transport=MemoryTransport(), strict=True)
    sent: list[Any] = []
    spans: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def request() -> None:
        scope = {"type": "http", "method": "GET", "path": "/x", "headers": [], "client": None}
        with tracer.start_as_current_span("GET /x") as span:
            await LogyardMiddleware(app, logger=log)(scope, None, send)  # type: ignore[arg-type]
        spans.append(span)

    with capture_events(log) as events:
        asyncio.run(request())
    log.close()
    trace_id, span_id = _ids(spans[0])
    (header,) = [v for k, v in sent[0]["headers"] if k == b"traceparent"]
    assert (events[0]["trace.id"], events[0]["span.id"]) == (trace_id, span_id)
    assert header.decode().split("-")[1] == trace_id
