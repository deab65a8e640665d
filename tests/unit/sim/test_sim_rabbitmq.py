"""The simulator's incoming orders as queue messages (no broker needed)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import msgspec

from logyard.catalog import Event, OrderCreated, OrderReceived
from logyard.sim import QueuedOrder, queued_orders


def test_one_message_per_order_received_without_redeliveries(hour: list[Event]) -> None:
    """Every distinct ``order.received`` message id becomes one message, in stream order;
    the simulated broker's redeliveries (the hour has some) are not published twice."""
    received = [e for e in hour if isinstance(e, OrderReceived)]
    unique = list(dict.fromkeys(e.message_id for e in received))
    orders = list(queued_orders(hour))
    assert [o.message_id for o in orders] == unique
    assert len(received) > len(unique)


def test_a_message_carries_the_received_time_and_the_customers_trace(hour: list[Event]) -> None:
    """Time and message id are crm-api's ``order.received``; the trace is the customer's."""
    first = {}
    for e in hour:
        if isinstance(e, OrderReceived):
            first.setdefault(e.message_id, e)
    for order in queued_orders(hour):
        event = first[order.message_id]
        assert (order.order_id, order.timestamp) == (event.order_id, event.timestamp)
        assert order.traceparent is not None
        assert order.traceparent.split("-")[1] == event.trace_id


def test_the_body_is_the_shops_order(hour: list[Event]) -> None:
    """The body is ``order.created``'s parameters with the order id, time and customer login."""
    created = {e.order_id: e for e in hour if isinstance(e, OrderCreated)}
    order = next(o for o in queued_orders(hour) if o.order_id in created)
    origin = created[order.order_id]
    body = msgspec.json.decode(order.body())
    assert body == {
        "order_id": origin.order_id,
        "created_at": origin.timestamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "user": origin.user_name,
        **origin.params,
    }


def test_headers_hold_the_time_in_ms_and_the_traceparent() -> None:
    """``timestamp_in_ms`` keeps the milliseconds the AMQP timestamp (seconds) drops."""
    order = QueuedOrder(
        "m-1",
        datetime(2025, 3, 1, 6, 0, 0, 250_000, tzinfo=UTC),
        {"order_id": "ORD-1"},
        traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01",
    )
    assert order.amqp_headers() == {
        "timestamp_in_ms": 1_740_808_800_250,
        "traceparent": order.traceparent,
    }


def test_the_simulator_imports_without_pika() -> None:
    """``logyard.sim`` needs no pika until something is published; then the error says
    which extra to install."""
    code = (
        "import sys; sys.modules['pika'] = None\n"
        "import logyard.sim as s\n"
        "from logyard.errors import NotInstalledError\n"
        "try:\n"
        "    s.publish_orders('amqp://127.0.0.1/', 'q', [])\n"
        "except NotInstalledError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == (
        "sim.rabbitmq: publishing orders needs pika; pip install 'logyard[rabbitmq]'"
    )
